import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// 数据共享, the use cases of the departments' side: a department asks for fields of another
/// department's resource, the owner's data administrator approves, refuses or revokes (one
/// decision wins), and a data administrator registers the department's client systems (the key
/// shown once). Resources are found by code in the catalog given; owners by their credit code.
package struct SharingGrantDesk {
    package let context: UseCaseContext
    /// The data-resource catalog, by code.
    package let resources: [String: DataResource]

    package init(context: UseCaseContext, resources: [String: DataResource]) {
        self.context = context
        self.resources = resources
    }

    /// The acting staff member's department, which asks or owns, if the policy lets them do
    /// `action` in its data sharing.
    package func department(for action: Action = .view) async throws -> (Account, Department) {
        let account = try context.requireAccount()
        try context.authorize(action, .dataSharing(departmentID: account.$department.id))
        guard let id = account.$department.id, let department = try await Department.find(id, on: context.db) else {
            throw TongbanError.denied(.roleMissing)
        }
        return (account, department)
    }

    /// The codes of the data resources a department owns: by its credit code, never its name.
    package func owned(by department: Department) -> [String] {
        resources.values.filter { $0.owner.code == department.creditCode }.map(\.code)
    }

    /// The grants the acting department asked for or owns, newest first.
    package func grants(limit: Int = 500) async throws -> (Department, [SharingGrant]) {
        let (_, department) = try await department()
        let departmentID = try department.requireID()
        let owned = owned(by: department)
        let rows = try await SharingGrant.query(on: context.db)
            .group(.or) { $0.filter(\.$requesterID == departmentID).filter(\.$resourceCode ~~ owned) }
            .sort(\.$createdAt, .descending)
            .limit(limit)
            .all()
        return (department, rows)
    }

    /// A reviewer or data administrator of the asking department asks for fields of another
    /// department's resource.
    package func request(_ body: DataSharingAPI.GrantRequest) async throws -> SharingGrant {
        let (account, department) = try await department(for: .create)
        var problems = FieldErrors()
        let resource = body.resource.flatMap { resources[$0] }
        if resource == nil { problems.add("resource", body.resource == nil ? "field.required" : "sharing.unknownResource") }
        let fields = Array(Set(body.fields ?? [])).sorted()
        if let resource {
            for problem in GrantScope.requestProblems(resource, fields: fields).errors { problems.add(problem) }
            if resource.owner.code == department.creditCode { problems.add("resource", "sharing.ownResource") }
        }
        let purpose = problems.text("purpose", body.purpose, maxLength: 300)
        let basis = problems.text("legalBasis", body.legalBasis, maxLength: 300)
        if !(1...1096).contains(body.days ?? 0) { problems.add("days", "sharing.badDays") }
        guard problems.isEmpty, let resource, let purpose, let basis, let days = body.days else {
            throw TongbanError.invalid(problems)
        }
        let now = context.now
        let grant = SharingGrant()
        let id = UUID()
        grant.id = id
        grant.resourceCode = resource.code
        grant.requesterID = try department.requireID()
        grant.requesterName = department.name
        grant.ownerName = resource.owner.name
        grant.fields = fields.joined(separator: ",")
        grant.purpose = purpose
        grant.legalBasis = basis
        grant.days = days
        grant.status = .pending
        grant.requestedBy = try account.requireID()
        grant.version = 1
        grant.createdAt = now
        let audit = context.auditEvent(
            "sharing.grantRequested", resource: "grant:\(id.uuidString)", purpose: purpose,
            details: "\(resource.code) [\(grant.fields)] for \(days) days by \(department.name)")
        try await context.db.write { tx in
            try await grant.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return grant
    }

    /// The owner's data administrator approves or refuses a pending request; one decision wins.
    package func decide(_ id: UUID, _ body: DataSharingAPI.DecisionBody) async throws -> SharingGrant {
        let (account, _) = try await department()
        let grant = try await ownedGrant(id)
        var problems = FieldErrors()
        guard let approve = body.approve else { throw TongbanError.invalid(field: "approve", "field.required") }
        let reason = problems.text("reason", body.reason, maxLength: 300, required: !approve)
        let clearance: Sensitivity? =
            approve ? (body.clearance.map { Sensitivity(rawValue: $0) } ?? SharingGrant.defaultClearance) : nil
        if approve && clearance == nil { problems.add("clearance", "sharing.badClearance") }
        if !problems.isEmpty { throw TongbanError.invalid(problems) }
        guard grant.status == .pending else {
            throw TongbanError.conflict("sharing.alreadyDecided", ["status": grant.status.rawValue])
        }
        let lastDay = approve ? context.today.adding(days: grant.days - 1)?.description : nil
        let now = context.now
        let status: SharingGrant.Status = approve ? .approved : .refused
        let until = lastDay.map { " until \($0)" } ?? ""
        let because = reason.map { ": \($0)" } ?? ""
        let audit = context.auditEvent(
            approve ? "sharing.grantApproved" : "sharing.grantRefused", resource: "grant:\(id.uuidString)",
            purpose: grant.purpose,
            details:
                "\(grant.resourceCode) [\(grant.fields)] for \(grant.requesterName)\(until)\(clearance.map { ", clearance \($0.rawValue)" } ?? "")\(because)"
        )
        let version = body.version ?? grant.version
        try await context.db.write { tx in
            // only a still-pending row at the version read changes: a concurrent decision makes this one a 409
            let changed = try await tx.sql.raw(
                """
                UPDATE sharing_grants SET status = \(bind: status.rawValue), decided_by = \(bind: account.id),
                  decision_reason = \(bind: reason), last_day = \(bind: lastDay), decided_at = \(bind: now), version = version + 1,
                  max_clearance = \(bind: clearance?.rawValue)
                WHERE id = \(bind: id) AND status = 'pending' AND version = \(bind: version) RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("sharing.alreadyDecided", ["status": "?"]) }
            try await AuditLog.append(audit, on: tx, now: now)
        }
        grant.status = status
        grant.decisionReason = reason
        grant.lastDay = lastDay
        grant.decidedAt = now
        grant.maxClearance = clearance
        grant.version += 1
        return grant
    }

    /// The owner's data administrator ends an approved grant early: the next read under it is
    /// refused.
    package func revoke(_ id: UUID, reason raw: String?) async throws -> SharingGrant {
        _ = try await department()
        let grant = try await ownedGrant(id)
        var problems = FieldErrors()
        let reason = problems.text("reason", raw, maxLength: 300)
        guard let reason else { throw TongbanError.invalid(problems) }
        let now = context.now
        let audit = context.auditEvent(
            "sharing.grantRevoked", resource: "grant:\(id.uuidString)", purpose: grant.purpose,
            details: "\(grant.resourceCode) for \(grant.requesterName): \(reason)")
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE sharing_grants SET status = 'revoked', decision_reason = \(bind: reason), version = version + 1
                WHERE id = \(bind: id) AND status = 'approved' RETURNING id
                """
            ).all()
            guard !changed.isEmpty else {
                throw TongbanError.conflict("sharing.alreadyDecided", ["status": grant.status.rawValue])
            }
            try await AuditLog.append(audit, on: tx, now: now)
        }
        grant.status = .revoked
        grant.decisionReason = reason
        grant.version += 1
        return grant
    }

    /// A grant on a resource the acting data administrator's department owns.
    private func ownedGrant(_ id: UUID) async throws -> SharingGrant {
        guard let grant = try await SharingGrant.find(id, on: context.db) else { throw TongbanError.notFound("grant") }
        guard let resource = resources[grant.resourceCode] else { throw TongbanError.denied(.roleMissing) }
        let owner = try await Department.query(on: context.db).filter(\.$creditCode == resource.owner.code).first()?.id
        do {
            try context.authorize(.handle, .sharingGrant(ownerDepartmentID: owner, requesterID: grant.requesterID))
        } catch {
            throw TongbanError.denied(.roleMissing)
        }
        return grant
    }

    /// A data administrator registers one of their department's systems; the key is shown once.
    package func createClient(_ body: DataSharingAPI.ClientRequest) async throws -> DataSharingAPI.ClientCreated {
        let (account, department) = try await department(for: .edit)
        var problems = FieldErrors()
        let name = problems.text("name", body.name, maxLength: 100)
        let clearance = body.clearance.flatMap(Sensitivity.init(rawValue:))
        if clearance == nil { problems.add("clearance", body.clearance == nil ? "field.required" : "sharing.badClearance") }
        let rate = body.ratePerMinute ?? 6000
        if !(1...600_000).contains(rate) { problems.add("ratePerMinute", "sharing.badRate") }
        let validDays = body.validDays ?? 365
        if !(1...730).contains(validDays) { problems.add("validDays", "sharing.badValidity") }
        guard problems.isEmpty, let name, let clearance else { throw TongbanError.invalid(problems) }
        let (key, prefix, hash) = SharingClients.newKey()
        let now = context.now
        let client = APIClient()
        let id = UUID()
        client.id = id
        client.departmentID = try department.requireID()
        client.departmentName = department.name
        client.name = name
        client.keyPrefix = prefix
        client.keyHash = hash
        client.clearance = clearance
        client.ratePerMinute = rate
        client.createdBy = try account.requireID()
        client.createdAt = now
        client.expiresAt = now.addingTimeInterval(TimeInterval(validDays) * 24 * 3600)
        let details =
            "\(name) of \(department.name), clearance \(clearance.rawValue), \(rate)/min, key tbk_\(prefix)_…, valid \(validDays) days"
        let audit = context.auditEvent("sharing.clientCreated", resource: "client:\(id.uuidString)", details: details)
        try await context.db.write { tx in
            try await client.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return DataSharingAPI.ClientCreated(
            id: id, name: name, department: department.name, clearance: clearance.rawValue,
            ratePerMinute: rate, key: key, expiresAt: client.expiresAt ?? now)
    }

    /// Revokes a client system of the acting data administrator's department (one of another
    /// department's is not found); revoking twice is a conflict.
    package func revokeClient(_ id: UUID) async throws -> APIClient {
        let (account, department) = try await department(for: .edit)
        guard let client = try await APIClient.find(id, on: context.db), client.departmentID == department.id else {
            throw TongbanError.notFound("client")
        }
        let now = context.now
        let audit = context.auditEvent(
            "sharing.clientRevoked", resource: "client:\(id.uuidString)", details: "\(client.name), key tbk_\(client.keyPrefix)_…")
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE api_clients SET revoked_at = \(bind: now), revoked_by = \(bind: account.id)
                WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("sharing.clientRevoked") }
            try await AuditLog.append(audit, on: tx, now: now)
        }
        client.revokedAt = now
        return client
    }

    /// The acting department's client systems, newest first.
    package func clients(of department: Department) async throws -> [APIClient] {
        try await APIClient.query(on: context.db)
            .filter(\.$departmentID == (try department.requireID()))
            .sort(\.$createdAt, .descending)
            .all()
    }
}
