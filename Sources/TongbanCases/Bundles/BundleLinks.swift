import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

extension Request {
    /// "承诺沿关键路径 N 个工作日办结（…前）；按当前进度预计 … 全部办结", late or on time.
    package func progressSummary(_ progress: BundleProgress) -> String {
        t(
            progress.late ? "bundleProgress.late" : "bundleProgress.onTime",
            [
                "days": String(progress.promisedDays), "promised": progress.promisedEnd?.description ?? "—",
                "expected": progress.expectedEndOfAll?.description ?? "—",
            ])
    }
}

/// 证照联办: what a decision on one case of a bundle does to the cases that depend on it, in the
/// decision's own transaction. An approval passes the licence it issued into each dependent as
/// its material (no upload; recorded like a consent) and starts the dependents that were waiting
/// for nothing else; a refusal, a denial, a withdrawal or a stop ends the dependents, and theirs
/// in turn, with the reason.
package enum BundleLinks {
    /// The prerequisites of a case not yet approved, among the rows read.
    package static func openPrerequisites(of record: CaseRecord, among rows: [CaseRow]) -> Int {
        let wanted = Set(record.prerequisites ?? [])
        let approved = rows.filter { row in
            guard let id = row.id?.uuidString, wanted.contains(id) else { return false }
            return isApproved(row)
        }
        return wanted.count - approved.count
    }

    /// The cases of a bundle application as steps of its progress.
    package static func steps(_ rows: [CaseRow]) throws -> [BundleProgress.Step] {
        try rows.map { row in
            let record = try row.caseRecord()
            return BundleProgress.Step(
                id: try row.requireID().uuidString, name: row.itemName, days: record.limit, after: record.prerequisites ?? [],
                state: record.state, acceptedOn: record.acceptedOn, dueOn: row.dueOn.flatMap(CalendarDate.init(iso:)),
                decidedOn: record.decision?.on)
        }
    }

    static func isApproved(_ row: CaseRow) -> Bool {
        guard [.decided, .delivered, .concluded].contains(row.state) else { return false }
        return (try? row.caseRecord().decision?.approved) == true
    }

    /// What a move of a prerequisite means for its dependents: nothing, approved, or failed (why).
    enum Outcome: Equatable {
        case approved
        case failed(String)
    }

    static func outcome(from before: CaseRecord, to next: CaseRecord) -> Outcome? {
        guard before.state != next.state else { return nil }
        switch next.state {
        case .decided where next.decision?.approved == true: return .approved
        case .decided: return .failed("不予准予：\(next.decision?.reasons ?? "")")
        case .refused: return .failed("不予受理：\(next.refusal?.reason ?? "")")
        case .withdrawn: return .failed("已撤回")
        case .revoked: return .failed("已撤销")
        case .stopped: return .failed("已终止")
        default: return nil
        }
    }

    /// Follows one case's move into its dependents; returns the audit entries of what it did.
    package static func follow(
        _ loaded: CaseWork.Loaded, from before: CaseRecord, to next: CaseRecord, license: LicenseRecord?, audit: AuditEvent,
        context: UseCaseContext, on tx: any Database
    ) async throws -> [AuditEvent] {
        guard loaded.application.target == .bundle, let outcome = outcome(from: before, to: next) else { return [] }
        let applicationID = try loaded.application.requireID()
        let siblings = try await CaseRow.query(on: tx).filter(\.$applicationID == applicationID).sort(\.$position).all()
        var follower = Follower(
            application: loaded.application, siblings: siblings, audit: audit, context: context, tx: tx)
        switch outcome {
        case .approved:
            try await follower.approved(try loaded.row.requireID(), license: license)
        case let .failed(why):
            try await follower.stopDependents(of: try loaded.row.requireID(), why: "前置事项「\(loaded.row.itemName)」\(why)")
        }
        return follower.audits
    }

    /// The walk through one application's cases, with what it wrote so far.
    struct Follower {
        let application: ApplicationRecord
        var siblings: [CaseRow]
        let audit: AuditEvent
        let context: UseCaseContext
        let tx: any Database
        var audits: [AuditEvent] = []
        static let actor = "系统（一件事联办）"

        init(application: ApplicationRecord, siblings: [CaseRow], audit: AuditEvent, context: UseCaseContext, tx: any Database) {
            self.application = application
            self.siblings = siblings
            self.audit = audit
            self.context = context
            self.tx = tx
        }

        func dependents(of caseID: UUID) throws -> [CaseRow] {
            try siblings.filter { row in
                guard !row.state.isFinal, ![.decided, .delivered, .concluded].contains(row.state) else { return false }
                return try row.caseRecord().prerequisites?.contains(caseID.uuidString) == true
            }
        }

        /// The licence goes into every dependent still open; those waiting for nothing else start.
        mutating func approved(_ caseID: UUID, license: LicenseRecord?) async throws {
            for dependent in try dependents(of: caseID) {
                var passed: [String] = []
                if let license { passed = try await pass(license, into: dependent) }
                let current = try await touch(dependent)
                let open = openPrerequisites(of: try current.caseRecord(), among: siblings)
                if current.state == .waiting && open == 0 {
                    try await move(current, .prerequisitesMet, detail: passed.isEmpty ? nil : passed.joined(separator: "、"))
                }
            }
        }

        /// Ends the dependents of a failed case, and theirs, each naming the first failure.
        mutating func stopDependents(of caseID: UUID, why: String) async throws {
            var queue = [caseID]
            while let next = queue.popLast() {
                for dependent in try dependents(of: next) {
                    try await move(dependent, .stopForPrerequisite(reason: why), detail: why)
                    queue.append(try dependent.requireID())
                }
            }
        }

        /// The dependent's materials of the licence's type, satisfied by it.
        mutating func pass(_ license: LicenseRecord, into dependent: CaseRow) async throws -> [String] {
            guard let entry = try await CatalogStore.entry(.item, code: dependent.itemCode, version: dependent.itemVersion, on: tx) else {
                return []
            }
            let item = try entry.item()
            let caseID = try dependent.requireID()
            let existing = try await MaterialReuse.query(on: tx).filter(\.$caseID == caseID).all().map(\.materialKey)
            let materials = item.materials.filter {
                $0.source == .eLicense && $0.licenseType == license.typeCode && !existing.contains($0.key)
            }
            let now = context.now
            for material in materials {
                try await MaterialReuse(
                    case: dependent, item: item, material: material, via: .license, sourceRef: license.identifier,
                    sourceName: license.typeName, licenseID: license.id, holderID: license.holderID, consented: true,
                    purpose: "一件事联办：前置事项结果由发证部门传递", at: now
                ).create(on: tx)
                try await CaseEvent(
                    applicationID: dependent.applicationID, caseID: caseID, at: now, actor: Self.actor, action: "material.passed",
                    from: nil, to: nil, detail: "\(material.name)：\(license.typeName) \(license.identifier)"
                ).create(on: tx)
                var entry = audit
                entry.action = "material.passed"
                entry.resource = "application:\(application.number ?? "-")"
                entry.details = "\(license.typeName) \(license.identifier) → \(dependent.itemCode) \(material.key)"
                audits.append(entry)
            }
            return materials.map(\.name)
        }

        /// One dependent moved by the platform.
        mutating func move(_ row: CaseRow, _ action: CaseAction, detail: String?) async throws {
            let open = openPrerequisites(of: try row.caseRecord(), among: siblings)
            audits.append(
                try await CaseWork.move(
                    row, action, as: .system, actor: Self.actor, detail: detail, openPrerequisites: open, application: application,
                    audit: audit, context: context, on: tx))
        }

        /// The dependent as it is now, its version moved on: whoever read it before this
        /// approval and acts on it (an acceptance racing the approval) must read it again, so it
        /// cannot be left waiting for a prerequisite already approved; and an acceptance that
        /// committed first is seen here.
        mutating func touch(_ row: CaseRow) async throws -> CaseRow {
            let id = try row.requireID()
            try await tx.sql.update(CaseRow.schema).set("version", to: SQLRaw("version + 1")).set("updated_at", to: context.now)
                .where("id", .equal, id).run()
            guard let current = try await CaseRow.find(id, on: tx) else { throw TongbanError.notFound("case") }
            if let index = siblings.firstIndex(where: { $0.id == id }) { siblings[index] = current }
            return current
        }
    }
}
