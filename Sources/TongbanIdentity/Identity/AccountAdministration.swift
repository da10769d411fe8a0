import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// What system administrators and supervisors do with accounts: the staff directory of their
/// region, reading an account (another's personal data only with a stated purpose, audited),
/// and changing a staff member's roles or status under optimistic locking.
package struct AccountAdministration {
    package let context: UseCaseContext

    private var db: any Database { context.db }

    /// Asked before any input is read, so that one who may not learns nothing from its validation.
    package func authorizeDirectory() throws {
        try context.authorize(.list, .accountDirectory)
    }

    /// Staff accounts within the acting account's region, by login, one page of them, and how many there are.
    package func directory(page: Int, per: Int) async throws -> ([Account], Int) {
        try authorizeDirectory()
        let actor = try context.requireAccount().actor
        guard let region = actor.regionCode else { return ([], 0) }
        let query = Account.query(on: db).filter(\.$kind == .staff)
            .filter(\.$regionCode, .custom("LIKE"), region.significantPrefix + "%")
        let total = try await query.count()
        let accounts = try await query.sort(\.$loginKey).range(((page - 1) * per)..<(page * per)).all()
        return (accounts, total)
    }

    /// The account `id`, if the acting account may do `action` to it.
    @discardableResult
    package func authorize(_ action: Action, id: UUID?) async throws -> Account {
        guard let id, let target = try await Account.find(id, on: db) else { throw TongbanError.notFound("account") }
        try context.authorize(action, target.resource)
        return target
    }

    /// The account and whether its personal data may be shown unmasked. Reading another's
    /// personal data requires a purpose (checked whenever one is given) and leaves an audit entry.
    package func account(id: UUID?, purpose rawPurpose: String?) async throws -> (Account, Bool) {
        guard let id, let target = try await Account.find(id, on: db) else { throw TongbanError.notFound("account") }
        let resource = try await Self.resourceServed(target, on: db)
        try context.authorize(.view, resource)
        let viewer = try context.requireAccount()
        let reveal = Policy.decide(try viewer.actor, .viewPersonalData, resource).isAllowed
        let readsAnothersData = viewer.id != target.id && target.holdsPersonalData
        var errors = FieldErrors()
        let purpose = errors.text("purpose", rawPurpose, maxLength: 200, required: readsAnothersData || rawPurpose != nil)
        try errors.throwIfAny()
        if readsAnothersData {
            let roles = viewer.roles.map(\.rawValue).joined(separator: ",")
            try await AuditLog.append(
                context.auditEvent(
                    "personalData.read", resource: "account:\(try target.requireID())", purpose: purpose,
                    details: "authorisation: roles \(roles); unmasked=\(reveal)"), on: db, now: context.now)
        }
        return (target, reveal)
    }

    /// A person's or enterprise's account with the regions where it has an application open, for
    /// the window clerks there (L1: a clerk elsewhere reads nothing of them).
    static func resourceServed(_ target: Account, on db: any Database) async throws -> Resource {
        guard target.kind != .staff else { return try target.resource }
        let open = try await ApplicationRecord.query(on: db).filter(\.$applicantID == target.requireID())
            .filter(\.$status != .closed).field(\.$regionCode).field(\.$takenIn).all()
        // the windows that work them: where each was taken in (收受分离), or its item's region
        let regions = Set(open.map { $0.takenIn ?? $0.regionCode })
        return .account(
            id: try target.requireID(), kind: target.kind, regionCode: target.regionCode.flatMap { try? RegionCode($0) },
            openApplicationRegions: regions.sorted().compactMap { try? RegionCode($0) })
    }

    /// Replaces a staff member's roles if the account is still at `version`.
    package func changeRoles(id: UUID?, roles input: [String]?, version: Int?) async throws -> Account {
        let target = try await authorize(.changeRoles, id: id)
        var errors = FieldErrors()
        let roles = errors.roles("roles", input)
        if version == nil { errors.add("version", "field.required") }
        try errors.throwIfAny()
        guard let roles, let version else { throw errors }
        let targetID = try target.requireID()
        let newRoles = roles.sorted()
        let oldRoles = target.roles.map(\.rawValue).joined(separator: ",")
        try await db.write { tx in
            try await Self.versionedUpdate(target, expected: version, on: tx) { $0.set("roles", to: SQLBind(newRoles.map(\.rawValue))) }
            try await AuditLog.append(
                context.auditEvent(
                    "account.rolesChanged", resource: "account:\(targetID)",
                    details: "from \(oldRoles) to \(newRoles.map(\.rawValue).joined(separator: ","))"), on: tx, now: context.now)
        }
        return try await fresh(targetID)
    }

    /// Disables or re-enables a staff account if it is still at `version`; disabling ends its
    /// sessions and tokens at once.
    package func changeStatus(id: UUID?, status input: String?, version: Int?) async throws -> Account {
        let target = try await authorize(.disable, id: id)
        var errors = FieldErrors()
        let status = input.flatMap(Account.Status.init(rawValue:))
        if status == nil { errors.add("status", input == nil ? "field.required" : "status.unknown") }
        if version == nil { errors.add("version", "field.required") }
        try errors.throwIfAny()
        guard let status, let version else { throw errors }
        let targetID = try target.requireID()
        try await db.write { tx in
            try await Self.versionedUpdate(target, expected: version, on: tx) { $0.set("status", to: SQLBind(status.rawValue)) }
            if status == .disabled {
                try await WebSession.query(on: tx).filter(\.$account.$id == targetID).delete()
                try await RefreshToken.query(on: tx).filter(\.$account.$id == targetID).filter(\.$revokedAt == nil)
                    .set(\.$revokedAt, to: context.now).update()
            }
            try await AuditLog.append(
                context.auditEvent(status == .disabled ? "account.disabled" : "account.enabled", resource: "account:\(targetID)"), on: tx,
                now: context.now)
        }
        return try await fresh(targetID)
    }

    private func fresh(_ id: UUID) async throws -> Account {
        guard let account = try await Account.find(id, on: db) else { throw TongbanError.notFound("account") }
        return account
    }

    /// Applies a change only if the account is still at `expected`, bumping the version; a
    /// concurrent change that got there first makes this one a 409.
    package static func versionedUpdate(
        _ account: Account, expected version: Int, on tx: any Database,
        _ change: (SQLUpdateBuilder) -> SQLUpdateBuilder
    ) async throws {
        let id = try account.requireID()
        let builder = tx.sql.update(Account.schema).set("version", to: SQLBind(version + 1))
        let updated = try await change(builder)
            .where("id", .equal, SQLBind(id)).where("version", .equal, SQLBind(version))
            .returning("id").all()
        guard !updated.isEmpty else {
            throw TongbanError.conflict("account.versionConflict", ["version": String(account.version)])
        }
    }
}

extension Request {
    package var accountAdministration: AccountAdministration { AccountAdministration(context: context) }
}
