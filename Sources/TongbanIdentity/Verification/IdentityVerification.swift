import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 实名认证二级 for a person: the name they give and the identity number they registered match
/// their population record, and they type the code sent to the mobile that record holds (not the
/// one they typed). Then the account is Level 2, and the audit says how.
package struct IdentityVerification {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    /// Where the code went, shown masked.
    package struct CodeSent: Content, Equatable {
        package let challengeID: UUID
        package let mobile: String
        package let expiresAt: Date
        package let tries: Int
    }

    /// The population resource: the record a person's identity is checked against.
    package static let populationResource = "population_basic"

    /// A person's record in the population resource, found by their number's lookup hash.
    package static func populationRecord(subjectHash: String, keys: KeyRing, on db: any Database) async throws -> [String: String]? {
        try await SharedRecord.query(on: db).filter(\.$resourceCode == populationResource).filter(\.$subjectKey == subjectHash).first()?
            .values(keys)
    }

    private var ledger: ChallengeLedger { ChallengeLedger(context: context) }

    /// The signed-in person, allowed to prove themselves, not proven yet.
    private func unproven() throws -> Account {
        let account = try context.requireAccount()
        try context.authorize(.verify, account.resource)
        guard account.kind == .person else { throw TongbanError.conflict("realName.personOnly") }
        guard account.assurance < .verifiedRemotely else { throw TongbanError.conflict("realName.already") }
        return account
    }

    /// Checks the name against the record and sends a code to the record's mobile.
    package func start(name: String?) async throws -> CodeSent {
        let account = try unproven()
        var errors = FieldErrors()
        let name = errors.text("name", name, maxLength: 50)
        try errors.throwIfAny()
        guard let name, let subjectHash = account.idNumberHash else { throw errors }
        let id = try account.requireID()
        let mobile = try await ledger.mobileOnRecord(
            .verify, subjectHash: subjectHash, name: name, accountID: id, resource: "account:\(id)")
        let row = try await ledger.issue(
            .verify, subjectHash: subjectHash, accountID: id, mobile: mobile, messageAccount: id,
            audit: context.auditEvent(
                "account.verify.codeSent", resource: "account:\(id)",
                details: "to the population record's mobile \(Masking.mobile(mobile.value))"))
        return CodeSent(
            challengeID: try row.requireID(), mobile: Masking.mobile(mobile.value), expiresAt: row.expiresAt, tries: VerificationCode.tries)
    }

    /// The code the person typed: Level 2 when it is the one sent.
    package func confirm(code: String?) async throws -> Account {
        let account = try unproven()
        let id = try account.requireID()
        guard let row = try await ledger.open(.verify, accountID: id, on: context.db) else {
            throw TongbanError.conflict("realName.noCode")
        }
        let now = context.now
        let event = context.auditEvent(
            "account.verified", resource: "account:\(id)",
            details: "level=2; name and number match the population record; code to its mobile")
        return try await ledger.attempt(row, typed: code) { _, tx in
            guard let fresh = try await Account.find(id, on: tx) else { throw TongbanError.notFound("account") }
            try await Self.raise(fresh, to: .verifiedRemotely, at: now, on: tx)
            try await AuditLog.append(event, on: tx, now: now)
            return fresh
        }
    }

    /// Raises an account's level (never lowers it); a new version, so every cache reloads it.
    package static func raise(_ account: Account, to level: AssuranceLevel, at now: Date, on tx: any Database) async throws {
        guard account.assurance < level else { return }
        account.assuranceLevel = level.rawValue
        account.assuranceAt = now
        account.version += 1
        try await account.update(on: tx)
    }
}

extension Request {
    package var identityVerification: IdentityVerification { IdentityVerification(context: context) }
}
