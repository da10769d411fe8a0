import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// A postal carrier's tracking callback: signed with a secret the operator shares with it
/// (Standard Webhooks headers), naming a parcel by its S10 number. A parcel only moves forward,
/// whatever order the callbacks come in; a repeated callback (same `webhook-id`) changes
/// nothing; a delivered parcel concludes its cases, a returned one opens their delivery again
/// and tells the applicant. A forged or stale callback, an unknown parcel or a malformed
/// event is refused and changes nothing.
package struct CarrierEvents {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct Body: Content {
        package var trackingNumber: String?
        package var status: String?
        /// When it happened, ISO 8601 with an offset.
        package var at: String?
        package var location: String?
    }

    package struct Answer: Content {
        package let trackingNumber: String
        package let status: String
        /// Whether this event moved the parcel on.
        package let moved: Bool
    }

    package func receive(id: String?, timestamp: String?, signatures: String?, body: Data) async throws -> Answer {
        do {
            try WebhookSignature.verify(
                id: id, timestamp: timestamp, signatures: signatures, body: body, secrets: context.settings.carrierSecrets,
                now: context.now)
        } catch {
            throw TongbanError(status: .unauthorized, code: "carrier.signature")
        }
        let eventKey = id ?? ""
        guard let decoded = try? JSONDecoder().decode(Body.self, from: body) else {
            throw TongbanError.invalid(field: "body", "field.invalidJSON")
        }
        var problems = FieldErrors()
        let number = problems.check("trackingNumber") { () throws(TrackingNumber.Problem) in
            try TrackingNumber(decoded.trackingNumber ?? "")
        }
        let status = decoded.status.flatMap(ParcelStatus.init(rawValue:)).flatMap { $0 == .dispatched ? nil : $0 }
        if status == nil { problems.add("status", "field.unknownValue") }
        let at = decoded.at.flatMap { try? Date($0, strategy: .iso8601) }
        if at == nil { problems.add("at", "field.invalidDate") }
        let location = problems.text("location", decoded.location, maxLength: 100, required: false)
        guard problems.isEmpty, let number, let status, let at else { throw TongbanError.invalid(problems) }
        guard let found = try await Parcel.query(on: context.db).filter(\.$trackingNumber == number.value).first() else {
            throw TongbanError.notFound("parcel")
        }
        let parcelID = try found.requireID()
        let event = ParcelTracking.Event(status: status, atMillis: Int64((at.timeIntervalSince1970 * 1000).rounded(.down)))
        return try await context.db.write { tx in
            // one callback of a parcel at a time: the second reads what the first wrote
            try await tx.lockUntilCommit("parcel:\(parcelID)")
            guard let parcel = try await Parcel.find(parcelID, on: tx) else { throw TongbanError.notFound("parcel") }
            let seen = try await ParcelEvent.query(on: tx).filter(\.$parcelID == parcelID).filter(\.$eventKey == eventKey).count()
            guard seen == 0 else { return Answer(trackingNumber: number.value, status: parcel.status.rawValue, moved: false) }
            let row = ParcelEvent()
            row.id = UUID.timeOrdered(at: context.now)
            row.parcelID = parcelID
            row.eventKey = eventKey
            row.status = status
            row.atMillis = event.atMillis
            row.location = location
            row.receivedAt = context.now
            try await row.create(on: tx)
            let before = parcel.status
            let (next, since) = ParcelTracking.step(before, since: parcel.statusAt ?? .min, after: event)
            if since != parcel.statusAt {
                parcel.status = next
                parcel.statusAt = since
                parcel.updatedAt = context.now
                try await parcel.save(on: tx)
            }
            guard next != before else { return Answer(trackingNumber: number.value, status: next.rawValue, moved: false) }
            try await moved(parcel, to: next, location: location, on: tx)
            return Answer(trackingNumber: number.value, status: next.rawValue, moved: true)
        }
    }

    /// The parcel's new status on the timeline and in the audit; its cases concluded when it is
    /// delivered, their delivery opened again when it comes back.
    func moved(_ parcel: Parcel, to status: ParcelStatus, location: String?, on tx: any Database) async throws {
        guard let application = try await ApplicationRecord.find(parcel.applicationID, on: tx) else { return }
        let label = "系统（邮政）"
        try await CaseEvent(
            applicationID: parcel.applicationID, caseID: nil, at: context.now, actor: label, action: "parcel",
            from: nil, to: nil, detail: [parcel.trackingNumber, status.rawValue, location].compactMap { $0 }.joined(separator: " ")
        ).create(on: tx)
        var audit = AuditEvent(
            actorLabel: "system:carrier", action: "parcel.\(status.rawValue)", resource: "parcel:\(parcel.trackingNumber)",
            details: "application \(application.number ?? "-")")
        audit.regionCode = parcel.regionCode
        audit.keys = context.keys
        var audits = [audit]
        let action: CaseAction? =
            switch status {
            case .delivered: .conclude
            case .returned: .reopenDelivery
            default: nil
            }
        if let action {
            let rows = try await CaseRow.query(on: tx).filter(\.$id ~~ parcel.cases()).sort(\.$position).all()
            for row in rows where row.state == .delivered {
                audits.append(
                    try await CaseWork.move(
                        row, action, as: .system, actor: label, detail: parcel.trackingNumber, application: application, audit: audit,
                        context: context, on: tx))
            }
            try await CaseWork.refreshApplication(parcel.applicationID, on: tx)
        }
        try await AuditLog.append(audits, on: tx, now: context.now)
    }
}

/// `POST /api/v1/carrier/events`: the carriers' callbacks (no account: the signature is the credential).
package struct CarrierAPI {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.post("carrier", "events", use: receive)
    }

    func receive(req: Request) async throws -> CarrierEvents.Answer {
        let body = req.body.data.map { Data($0.readableBytesView) } ?? Data()
        return try await CarrierEvents(context: req.context).receive(
            id: req.headers.first(name: "webhook-id"), timestamp: req.headers.first(name: "webhook-timestamp"),
            signatures: req.headers.first(name: "webhook-signature"), body: body)
    }
}
