import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Suspending, restoring, withdrawing, cancelling or revoking a licence, with a reason: a
/// reviewer of the issuing department. Verification says so at once; departments' systems hear
/// of it through the outbox.
package struct LicenseStatusChange {
    package let context: UseCaseContext
    /// The states named in a refused change, in the reader's language.
    package let wording: Wording

    /// The licence, if the acting account may change its status (asked before any input is read).
    @discardableResult
    package func authorize(_ identifier: String) async throws -> LicenseRecord {
        guard let license = try await LicenseRecord.query(on: context.db).filter(\.$identifier == identifier.uppercased()).first()
        else { throw TongbanError.notFound("license") }
        try context.authorize(.review, .license(departmentID: license.departmentID))
        return license
    }

    /// The licence as it was read before the change (its token is unchanged by it).
    package func change(_ rawIdentifier: String, to status: String?, reason rawReason: String?) async throws -> LicenseRecord {
        let license = try await authorize(rawIdentifier)
        let identifier = license.identifier
        var problems = FieldErrors()
        let next = status.flatMap(LicenseStatus.init(rawValue:))
        if next == nil { problems.add("status", status == nil ? "field.required" : "field.unknownValue") }
        let reason = problems.text("reason", rawReason, maxLength: 500)
        try problems.throwIfAny()
        guard let next, let reason else { throw problems }
        let current = license.licenseStatus
        guard current.canChange(to: next) else {
            throw TongbanError.conflict(
                "license.statusChangeRefused",
                ["from": wording.t("licenseStatus.\(current.rawValue)"), "to": wording.t("licenseStatus.\(next.rawValue)")])
        }
        let audit = context.auditEvent(
            "license.status", resource: "license:\(identifier)", details: "\(current.rawValue) → \(next.rawValue): \(reason)")
        let now = context.now
        try await context.db.write { tx in
            // only if nobody changed it since it was read: else a 409
            let changed = try await tx.sql.update(LicenseRecord.schema)
                .set("status", to: next.rawValue).set("status_reason", to: reason).set("updated_at", to: now)
                .where("identifier", .equal, identifier).where("status", .equal, current.rawValue)
                .returning("id").all()
            guard changed.count == 1 else { throw TongbanError.conflict("license.changedMeanwhile") }
            try await OutboxEvent(
                .licenseStatus, subject: identifier,
                payload: ["license": identifier, "from": current.rawValue, "to": next.rawValue],
                audience: EventAudience(departmentID: license.departmentID, regionCode: nil), at: now
            ).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return license
    }
}

/// The signed-in holder's licences (电子证照夹).
package struct LicenseWallet {
    package let context: UseCaseContext

    /// Newest first.
    package func licenses() async throws -> [LicenseRecord] {
        let holderID = try context.requireAccount().requireID()
        try context.authorize(.view, .holderRecords(holderID: holderID))
        return try await LicenseRecord.query(on: context.db).filter(\.$holderID == holderID).sort(\.$createdAt, .descending).all()
    }

    /// One of the holder's own licences (anyone else is told there is none).
    package func own(_ identifier: String) async throws -> LicenseRecord {
        let account = try context.requireAccount()
        guard let record = try await LicenseRecord.query(on: context.db).filter(\.$identifier == identifier.uppercased()).first(),
            record.holderID == account.id
        else { throw TongbanError.notFound("license") }
        return record
    }
}
