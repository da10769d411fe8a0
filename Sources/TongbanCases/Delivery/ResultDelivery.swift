import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 送达: what delivering a result does beyond its own case — the results delivered with it
/// (统一出件: every other result handed over the same way, all decided by then), a visit when
/// it is collected at a window (a posted or electronic result costs the applicant no visit), and
/// the parcel a posted result goes in, at the address the applicant gave.
package enum ResultDelivery {
    /// The other cases delivered with this one, checked before the transaction: with 统一出件, a
    /// result handed over waits until every other one to hand over is decided.
    package static func companions(_ loaded: CaseWork.Loaded, _ action: CaseAction, on db: any Database) async throws -> [CaseRow] {
        guard case let .deliver(method, tracking) = action else { return [] }
        if let tracking, try await Parcel.query(on: db).filter(\.$trackingNumber == tracking).count() > 0 {
            throw TongbanError.conflict("parcel.trackingInUse")
        }
        guard loaded.application.deliveryTogether == true, method != .electronic else { return [] }
        let caseID = try loaded.row.requireID()
        let others = try await CaseRow.query(on: db).filter(\.$applicationID == loaded.row.applicationID).sort(\.$position).all()
            .filter { $0.id != caseID && $0.deliveryMethod != nil && $0.deliveryMethod != .electronic && !$0.state.isFinal }
        let undecided = others.filter { ![.decided, .delivered, .concluded].contains($0.state) }
        guard undecided.isEmpty else {
            throw TongbanError.conflict("delivery.waitForTogether", ["items": undecided.map(\.itemName).joined(separator: "、")])
        }
        return others.filter { $0.state == .decided }
    }

    /// In the delivering transaction: the companions delivered the same way, the visit, the parcel.
    package static func record(
        _ loaded: CaseWork.Loaded, _ action: CaseAction, companions: [CaseRow], actor label: String, audit: AuditEvent,
        context: UseCaseContext, on tx: any Database
    ) async throws -> [AuditEvent] {
        guard case let .deliver(method, tracking) = action else { return [] }
        let application = loaded.application
        var audits: [AuditEvent] = []
        for companion in companions {
            audits.append(
                try await CaseWork.move(
                    companion, action, as: .clerk, actor: label, detail: CaseWork.detailText(action), application: application,
                    audit: audit, context: context, on: tx))
        }
        let applicationID = try application.requireID()
        let now = context.now
        let caseIDs = try [loaded.row.requireID()] + companions.map { try $0.requireID() }
        switch method {
        case .window:
            // collecting the result is a visit (跑动), counted once for everything collected together
            let visit = ApplicationVisit()
            visit.id = UUID.timeOrdered(at: now)
            visit.applicationID = applicationID
            visit.at = now
            visit.purpose = "领取结果"
            visit.recordedBy = audit.actorID ?? UUID()
            try await visit.create(on: tx)
            try await tx.sql.update(ApplicationRecord.schema).set("visits", to: SQLRaw("visits + 1")).where("id", .equal, applicationID)
                .run()
        case .post:
            guard let tracking else { break }
            let parcel = Parcel()
            parcel.id = UUID.timeOrdered(at: now)
            parcel.applicationID = applicationID
            parcel.trackingNumber = tracking
            parcel.status = .dispatched
            parcel.caseIDs = String(decoding: try JSONEncoder().encode(caseIDs.map(\.uuidString)), as: UTF8.self)
            parcel.regionCode = application.regionCode
            parcel.dispatchedOn = context.today.description
            parcel.dispatchedBy = audit.actorID ?? UUID()
            parcel.createdAt = now
            parcel.updatedAt = now
            if let address = application.deliveryAddress(context.keys) {
                let json = String(decoding: try StoredJSON.encoder.encode(address), as: UTF8.self)
                parcel.addressCipher = context.keys.seal(json, table: Parcel.schema, row: try parcel.requireID(), column: "address")
            }
            try await parcel.create(on: tx)
            try await CaseEvent(
                applicationID: applicationID, caseID: nil, at: now, actor: label, action: "parcel",
                from: nil, to: nil, detail: "\(tracking) \(ParcelStatus.dispatched.rawValue)"
            ).create(on: tx)
            var entry = audit
            entry.action = "parcel.dispatch"
            entry.resource = "parcel:\(tracking)"
            entry.details = "application \(application.number ?? "-"), \(caseIDs.count) result(s)"
            audits.append(entry)
        case .electronic:
            break
        }
        return audits
    }
}
