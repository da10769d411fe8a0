import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Taking an identity number back (找回身份证号): whoever registers a number first is only Level 1,
/// so when the real person comes to register and finds it taken, they prove it is theirs as a
/// Level 2 verification does (their name against the population record, the code sent to the
/// record's mobile). Then, in one transaction: the earlier account is frozen — no sign-in, its
/// sessions and tokens ended, its login and number released, its applications kept for review,
/// nothing deleted — and the person's account is made at Level 2; they are told, and the
/// supervisors of the number's region are told (the event on their list).
package struct NumberReclaim {
    package let context: UseCaseContext
    package let passwords: TongbanPlatform.PasswordHasher

    package init(context: UseCaseContext, passwords: TongbanPlatform.PasswordHasher) {
        self.context = context
        self.passwords = passwords
    }

    /// What waits, sealed, for the code: the registration as the real person typed it.
    private struct Pending: Codable {
        let name: String
        let identityNumber: String
        let mobile: String
        let passwordHash: String
    }

    private var ledger: ChallengeLedger { ChallengeLedger(context: context) }
    private var desk: AccountDesk { AccountDesk(context: context, passwords: passwords) }

    /// The registration's check, then the number's unproven holder, the record, the name; then a
    /// code to the record's mobile.
    package func start(_ input: PersonRegistration) async throws -> IdentityVerification.CodeSent {
        let person = try desk.check(input)
        let keys = context.keys
        let subjectHash = keys.lookupHash(person.identityNumber.value, field: "identity_number")
        guard let holder = try await Account.query(on: context.db).filter(\.$idNumberHash == subjectHash).first() else {
            throw TongbanError(
                status: .conflict, code: "reclaim.notClaimed", fields: [FieldError(field: "identityNumber", key: "reclaim.notClaimed")])
        }
        guard holder.kind == .person, holder.assurance < .verifiedRemotely else {
            throw TongbanError(
                status: .conflict, code: "reclaim.holderProven", fields: [FieldError(field: "identityNumber", key: "reclaim.holderProven")])
        }
        let mobile = try await ledger.mobileOnRecord(
            .reclaim, subjectHash: subjectHash, name: person.name, accountID: nil, resource: "account:\(try holder.requireID())")
        let pending = Pending(
            name: person.name, identityNumber: person.identityNumber.value, mobile: person.mobile.value,
            passwordHash: try await passwords.hash(person.password))
        let sealed = String(decoding: try JSONEncoder().encode(pending), as: UTF8.self)
        let holderID = try holder.requireID()
        let row = try await ledger.issue(
            .reclaim, subjectHash: subjectHash, accountID: nil, mobile: mobile, pending: sealed, messageAccount: holderID,
            audit: context.auditEvent(
                "account.reclaim.codeSent", resource: "account:\(holderID)",
                details: "to the population record's mobile \(Masking.mobile(mobile.value))"))
        return IdentityVerification.CodeSent(
            challengeID: try row.requireID(), mobile: Masking.mobile(mobile.value), expiresAt: row.expiresAt, tries: VerificationCode.tries)
    }

    /// The code: the earlier account frozen and the person's own made, at Level 2.
    package func confirm(challengeID: UUID?, code: String?) async throws -> Account {
        guard let challengeID, let row = try await ledger.open(.reclaim, id: challengeID, on: context.db) else {
            throw TongbanError.conflict("realName.noCode")
        }
        let keys = context.keys
        let now = context.now
        let context = self.context
        let desk = self.desk
        return try await ledger.attempt(row, typed: code) { challenge, tx in
            guard let sealed = challenge.pendingCipher.flatMap({ keys.decrypt($0, field: "identity_challenge") }),
                let pending = try? JSONDecoder().decode(Pending.self, from: Data(sealed.utf8)),
                let number = try? IdentityNumber(pending.identityNumber, today: context.today),
                let mobile = try? MobileNumber(pending.mobile)
            else { throw TongbanError.conflict("realName.noCode") }
            // sealed: no one else uses the challenge's registration
            challenge.pendingCipher = nil
            try await challenge.update(on: tx)

            let holder = try await Account.query(on: tx).filter(\.$idNumberHash == challenge.subjectHash).first()
            if let holder, holder.kind != .person || holder.assurance >= .verifiedRemotely {
                throw TongbanError(status: .conflict, code: "reclaim.holderProven")
            }
            let person = AccountDesk.CheckedPerson(name: pending.name, identityNumber: number, mobile: mobile, password: "")
            // its id was set when its identity number was sealed to its row
            let account = try await desk.newPerson(person, passwordHash: pending.passwordHash, on: tx)
            let id = try account.requireID()
            account.assuranceLevel = AssuranceLevel.verifiedRemotely.rawValue
            account.assuranceAt = now
            var drafts = 0
            if let holder {
                drafts = try await ApplicationRecord.query(on: tx).filter(\.$applicantID == holder.requireID()).count()
                // first, so that the login and the number are free for the holder's own account
                try await Self.freeze(holder, by: id, at: now, on: tx)
            }
            try await account.create(on: tx)
            var audit = [
                context.auditEvent(
                    "account.reclaimed", resource: "account:\(id)",
                    details: "level=2; name and number match the population record; code to its mobile"
                        + (holder?.id.map { "; froze account:\($0)" } ?? ""))
            ]
            if let holder {
                audit.append(
                    context.auditEvent(
                        "account.frozen", resource: "account:\(try holder.requireID())",
                        details: "registered with a number its holder proved theirs (account:\(id)); \(drafts) applications kept for review"
                    ))
                try await OutboxEvent(
                    .accountReclaimed, subject: id.uuidString,
                    payload: [
                        "account": id.uuidString, "frozen": try holder.requireID().uuidString, "region": account.regionCode ?? "",
                        "drafts": String(drafts),
                    ],
                    audience: EventAudience(regionCode: account.regionCode.flatMap { try? RegionCode($0) }), at: now
                ).create(on: tx)
            }
            for event in audit {
                var event = event
                event.actorID = id
                event.actorLabel = account.auditActorLabel
                event.regionCode = account.regionCode
                try await AuditLog.append(event, on: tx, now: now)
            }
            return account
        }
    }

    /// An impostor's account, frozen: no sign-in from now (sessions and tokens ended), its login
    /// and number released for their holder, everything it made kept.
    static func freeze(_ holder: Account, by holderAccount: UUID, at now: Date, on tx: any Database) async throws {
        let id = try holder.requireID()
        holder.status = .frozen
        holder.frozenAt = now
        holder.frozenBy = holderAccount
        holder.loginKey = "frozen:" + id.uuidString.lowercased()
        holder.idNumberHash = nil
        holder.credentialsChangedAt = now
        holder.version += 1
        try await holder.update(on: tx)
        try await WebSession.query(on: tx).filter(\.$account.$id == id).delete()
        try await RefreshToken.query(on: tx).filter(\.$account.$id == id).filter(\.$revokedAt == nil).set(\.$revokedAt, to: now).update()
    }
}

extension Request {
    package var numberReclaim: NumberReclaim { NumberReclaim(context: context, passwords: application.passwords) }
}
