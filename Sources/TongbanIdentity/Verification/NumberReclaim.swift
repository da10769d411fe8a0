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
/// supervisors of the number's region are told (the event on their list). A person whose record
/// holds no mobile takes it back at a window instead, with their identity card, and is Level 3.
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
        let subjectHash = context.keys.lookupHash(person.identityNumber.value, field: "identity_number")
        let holderID = try await unprovenHolder(subjectHash)
        let mobile: MobileNumber
        do {
            mobile = try await ledger.mobileOnRecord(
                .reclaim, subjectHash: subjectHash, name: person.name, accountID: nil, resource: "account:\(holderID)")
        } catch let error as TongbanError where error.code == "realName.noMobile" {
            // the record gives no mobile to send to: the window is the way (`startAtWindow`)
            throw TongbanError(status: .unprocessableEntity, code: "reclaim.noMobile")
        }
        let row = try await ledger.issue(
            .reclaim, subjectHash: subjectHash, accountID: nil, mobile: mobile, pending: try await sealed(person),
            messageAccount: holderID,
            audit: context.auditEvent(
                "account.reclaim.codeSent", resource: "account:\(holderID)",
                details: "to the population record's mobile \(Masking.mobile(mobile.value))"))
        return IdentityVerification.CodeSent(
            challengeID: try row.requireID(), mobile: Masking.mobile(mobile.value), expiresAt: row.expiresAt, tries: VerificationCode.tries)
    }

    /// How long a window code for taking a number back lasts: time to get to a hall.
    package static let windowLifetime: TimeInterval = 7 * 24 * 60 * 60
    /// Open window codes one number may have at once: enough for a person who asks again, too few
    /// to bury the real person's among an impostor's.
    package static let openWindowCodes = 3

    /// For a person whose population record holds no mobile, or who no longer has it: the same
    /// registration, sealed under a window code they take to any hall with their identity card.
    /// Nothing is sent and nothing of the record is read: the clerk's check of the card is the proof
    /// (`InPersonCheck.record`), and the account made is Level 3.
    package func startAtWindow(_ input: PersonRegistration) async throws -> InPersonCheck.WindowCode {
        let person = try desk.check(input)
        let subjectHash = context.keys.lookupHash(person.identityNumber.value, field: "identity_number")
        let holderID = try await unprovenHolder(subjectHash)
        let now = context.now
        let code = InPersonCheck.newCode()
        let row = IdentityChallenge(
            purpose: .windowReclaim, subjectHash: subjectHash, accountID: nil, codeHash: InPersonCheck.lookup(code, keys: context.keys),
            at: now, lifetime: Self.windowLifetime)
        row.pendingCipher = context.keys.encrypt(try await sealed(person), field: "identity_challenge")
        let audit = context.auditEvent(
            "account.reclaim.windowCode", resource: "account:\(holderID)", details: "a window code to take the number back in person")
        let ledger = self.ledger
        try await context.db.write { tx in
            try await ledger.lockSubject(subjectHash, on: tx)
            let open = try await IdentityChallenge.query(on: tx).filter(\.$subjectHash == subjectHash)
                .filter(\.$purpose == .windowReclaim).filter(\.$state == .open).filter(\.$expiresAt > now).count()
            guard open < Self.openWindowCodes else { throw TongbanError(status: .tooManyRequests, code: "reclaim.windowCodes") }
            try await row.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return InPersonCheck.WindowCode(code: code, expiresAt: row.expiresAt)
    }

    /// The account that holds the number, when it may be taken back (a person, not proven).
    private func unprovenHolder(_ subjectHash: String) async throws -> UUID {
        guard let holder = try await Account.query(on: context.db).filter(\.$idNumberHash == subjectHash).first() else {
            throw TongbanError(
                status: .conflict, code: "reclaim.notClaimed", fields: [FieldError(field: "identityNumber", key: "reclaim.notClaimed")])
        }
        guard holder.kind == .person, holder.assurance < .verifiedRemotely else {
            throw TongbanError(
                status: .conflict, code: "reclaim.holderProven", fields: [FieldError(field: "identityNumber", key: "reclaim.holderProven")])
        }
        return try holder.requireID()
    }

    /// The registration as it waits for its proof, as JSON (sealed by the caller).
    private func sealed(_ person: AccountDesk.CheckedPerson) async throws -> String {
        let pending = Pending(
            name: person.name, identityNumber: person.identityNumber.value, mobile: person.mobile.value,
            passwordHash: try await passwords.hash(person.password))
        return String(decoding: try JSONEncoder().encode(pending), as: UTF8.self)
    }

    /// The code: the earlier account frozen and the person's own made, at Level 2.
    package func confirm(challengeID: UUID?, code: String?) async throws -> Account {
        guard let challengeID, let row = try await ledger.open(.reclaim, id: challengeID, on: context.db) else {
            throw TongbanError.conflict("realName.noCode")
        }
        let reclaim = self
        return try await ledger.attempt(row, typed: code) { challenge, tx in
            try await reclaim.takeBack(
                challenge, .verifiedRemotely, "level=2; name and number match the population record; code to its mobile", nil, tx)
        }
    }

    /// The window's part (the clerk has checked the card against the challenge's number and
    /// claimed the code): the account made at Level 3 in the card's name, the clerk the actor.
    package func completeAtWindow(_ challenge: IdentityChallenge, cardName: String, department: UUID?, on tx: any Database)
        async throws -> Account
    {
        var how = "level=3; identity card checked at the window"
        if let department { how += "; department \(department)" }
        return try await takeBack(challenge, .verifiedInPerson, how, cardName, tx)
    }

    /// The proven registration made an account at `level`, and the number's unproven holder, if
    /// any still, frozen, in the transaction `tx` that spends the challenge. Online the person is
    /// the actor; at a window, the clerk.
    private func takeBack(
        _ challenge: IdentityChallenge, _ level: AssuranceLevel, _ how: String, _ cardName: String?, _ tx: any Database
    ) async throws -> Account {
        let keys = context.keys
        let now = context.now
        guard let sealed = challenge.pendingCipher.flatMap({ keys.decrypt($0, field: "identity_challenge") }),
            let pending = try? JSONDecoder().decode(Pending.self, from: Data(sealed.utf8)),
            let number = try? IdentityNumber(pending.identityNumber, today: context.today),
            let mobile = try? MobileNumber(pending.mobile)
        else { throw TongbanError.conflict("realName.noCode") }
        // sealed: no one else uses the challenge's registration, nor any other waiting for the number
        challenge.pendingCipher = nil
        try await challenge.update(on: tx)
        try await IdentityChallenge.query(on: tx).filter(\.$subjectHash == challenge.subjectHash)
            .filter(\.$purpose ~~ [.reclaim, .windowReclaim]).filter(\.$state == .open)
            .set(\.$state, to: .expired).set(\.$pendingCipher, to: nil).update()

        let holder = try await Account.query(on: tx).filter(\.$idNumberHash == challenge.subjectHash).first()
        if let holder, holder.kind != .person || holder.assurance >= .verifiedRemotely {
            throw TongbanError(status: .conflict, code: "reclaim.holderProven")
        }
        let person = AccountDesk.CheckedPerson(name: cardName ?? pending.name, identityNumber: number, mobile: mobile, password: "")
        // its id was set when its identity number was sealed to its row
        let account = try await desk.newPerson(person, passwordHash: pending.passwordHash, on: tx)
        let id = try account.requireID()
        account.assuranceLevel = level.rawValue
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
                "account.reclaimed", resource: "account:\(id)", details: how + (holder?.id.map { "; froze account:\($0)" } ?? ""))
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
        let byPerson = cardName == nil
        for event in audit {
            var event = event
            if byPerson {
                event.actorID = id
                event.actorLabel = account.auditActorLabel
            }
            event.regionCode = account.regionCode
            try await AuditLog.append(event, on: tx, now: now)
        }
        return account
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
