import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// One attempt to prove a person's identity with a code sent to the mobile their population
/// record holds: to raise an account to Level 2 (`verify`), or to reclaim an identity number an
/// unproven account registered first (`reclaim`); or a code shown at a window (`window`). Counted per subject (the identity number's
/// lookup hash), whoever asks, so no one floods a person's mobile or guesses their code.
package final class IdentityChallenge: Model, @unchecked Sendable {
    package static let schema = "identity_challenges"

    package enum Purpose: String, Codable, Sendable {
        case verify, reclaim
        /// A code the person shows at a window for the clerk's in-person check (not sent).
        case window
        /// A window code that takes a number back (a reclaim proven by the identity card, not a
        /// mobile); it holds the registration, sealed, as `reclaim` does.
        case windowReclaim
        /// An enterprise's request that its legal representative confirm it (no code: the
        /// representative confirms signed in; `subjectHash` is their number's).
        case representative
    }

    package enum State: String, Codable, Sendable {
        case open, passed, exhausted, expired
        /// No code was sent: the name did not match the record (counted all the same).
        case refused
    }

    @ID(key: .id) package var id: UUID?
    @Enum(key: "purpose") package var purpose: Purpose
    @Field(key: "subject_hash") package var subjectHash: String
    /// The account that asked (to verify itself); none for a reclaim, which has no account yet.
    @OptionalField(key: "account_id") package var accountID: UUID?
    /// The keyed hash of the code sent (with the challenge's id); none when refused.
    @OptionalField(key: "code_hash") package var codeHash: String?
    @Field(key: "wrong_tries") package var wrongTries: Int
    @Enum(key: "state") package var state: State
    /// A reclaim's registration, sealed with the key ring until the code is entered.
    @OptionalField(key: "pending_cipher") package var pendingCipher: String?
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "expires_at") package var expiresAt: Date
    @OptionalField(key: "exhausted_at") package var exhaustedAt: Date?

    package init() {}

    /// A challenge that opens now and lasts `lifetime` (a refused one is born closed).
    package init(
        purpose: Purpose, subjectHash: String, accountID: UUID?, codeHash: String?, state: State = .open, at now: Date,
        lifetime: TimeInterval, id: UUID? = nil
    ) {
        self.id = id ?? UUID.timeOrdered(at: now)
        self.purpose = purpose
        self.subjectHash = subjectHash
        self.accountID = accountID
        self.codeHash = codeHash
        self.wrongTries = 0
        self.state = state
        self.createdAt = now
        self.expiresAt = now.addingTimeInterval(lifetime)
    }

    /// Marks an open challenge passed, once: of two callers at the same moment only one gets `true`.
    package static func claim(_ id: UUID, on tx: any Database) async throws -> Bool {
        let claimed = try await tx.sql.update(schema)
            .set("state", to: SQLBind(State.passed.rawValue))
            .where("id", .equal, SQLBind(id))
            .where("state", .equal, SQLBind(State.open.rawValue))
            .returning("id").all()
        return !claimed.isEmpty
    }

    package var challenge: VerificationCode.Challenge {
        VerificationCode.Challenge(
            issuedAt: createdAt, wrongTries: wrongTries, state: VerificationCode.Challenge.State(rawValue: state.rawValue) ?? .expired)
    }

    /// The stored form of a code: keyed, and bound to its challenge, so a table read gives no code.
    package static func codeHash(_ code: String, challengeID: UUID, keys: KeyRing) -> String {
        keys.lookupHash(challengeID.uuidString + ":" + code, field: "verification_code")
    }
}

/// 24. Identity challenges (实名认证), sealed message texts, frozen accounts.
package struct CreateIdentityChallenges: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(IdentityChallenge.schema)
            .id()
            .field("purpose", .string, .required)
            .field("subject_hash", .string, .required)
            .field("account_id", .uuid, .references(Account.schema, "id"))
            .field("code_hash", .string)
            .field("wrong_tries", .int, .required)
            .field("state", .string, .required)
            .field("pending_cipher", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("exhausted_at", .datetime)
            .create()
        try await database.sql.create(index: "identity_challenges_subject").on(IdentityChallenge.schema)
            .column("subject_hash").column("created_at").run()
        try await database.schema(MessageSend.schema).field("text_sealed", .bool, .required, .sql(.default(false))).update()
        // a frozen account: who took it over and when (its rows stay for review)
        try await database.schema(Account.schema).field("frozen_at", .datetime).update()
        try await database.schema(Account.schema).field("frozen_by", .uuid).update()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(Account.schema).deleteField("frozen_by").update()
        try await database.schema(Account.schema).deleteField("frozen_at").update()
        try await database.schema(MessageSend.schema).deleteField("text_sealed").update()
        try await database.schema(IdentityChallenge.schema).delete()
    }
}

/// Sending codes and checking them, for every purpose: the rate rules of `VerificationCode`
/// kept per subject, atomically (one subject's challenges are decided one at a time), and the
/// code sent sealed through the SMS channel.
package struct ChallengeLedger {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    /// Takes the subject's lock for the rest of the transaction (PostgreSQL; SQLite writes are
    /// one at a time already), so two requests cannot both pass the rate check.
    package func lockSubject(_ subjectHash: String, on tx: any Database) async throws {
        try await tx.lockUntilCommit("identity:" + subjectHash)
    }

    /// Refuses with 429 unless a new code may go to the subject now.
    private func checkRate(_ subjectHash: String, on tx: any Database) async throws {
        let now = context.now
        let earlier = try await IdentityChallenge.query(on: tx)
            .filter(\.$subjectHash == subjectHash)
            .filter(\.$purpose ~~ [.verify, .reclaim])
            .filter(\.$createdAt > now.addingTimeInterval(-VerificationCode.day))
            .all()
            .map { VerificationCode.Issued(at: $0.createdAt, codeSent: $0.codeHash != nil, exhaustedAt: $0.exhaustedAt) }
        switch VerificationCode.mayIssue(after: earlier, at: now) {
        case .allowed: return
        case let .lockedOut(until): throw wait("realName.lockedOut", until: until)
        case let .tooSoon(until): throw wait("realName.tooSoon", until: until)
        case let .dailyLimit(until): throw wait("realName.dailyLimit", until: until)
        }
    }

    private func wait(_ code: String, until: Date) -> TongbanError {
        let seconds = max(1, Int(until.timeIntervalSince(context.now).rounded(.up)))
        return TongbanError(
            status: .tooManyRequests, code: code,
            arguments: ["minutes": String(max(1, (seconds + 59) / 60)), "seconds": String(seconds)],
            headers: ["Retry-After": String(seconds)])
    }

    /// Records an attempt that sent no code (the name did not match), after the same rate check:
    /// guessing names costs what guessing codes does.
    private func refuse(_ purpose: IdentityChallenge.Purpose, subjectHash: String, accountID: UUID?, audit: AuditEvent) async throws {
        let now = context.now
        try await context.db.write { tx in
            try await lockSubject(subjectHash, on: tx)
            try await checkRate(subjectHash, on: tx)
            let row = IdentityChallenge(
                purpose: purpose, subjectHash: subjectHash, accountID: accountID, codeHash: nil, state: .refused, at: now, lifetime: 0)
            try await row.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
    }

    /// The mobile the subject's population record holds, once the name given matches the record's
    /// (a name unlike it is refused and counted, as a code is).
    package func mobileOnRecord(
        _ purpose: IdentityChallenge.Purpose, subjectHash: String, name: String, accountID: UUID?, resource: String
    ) async throws -> MobileNumber {
        guard let record = try await IdentityVerification.populationRecord(subjectHash: subjectHash, keys: context.keys, on: context.db)
        else {
            throw TongbanError(status: .unprocessableEntity, code: "realName.noRecord")
        }
        guard PersonName.sameName(name, record["name"] ?? "") else {
            try await refuse(
                purpose, subjectHash: subjectHash, accountID: accountID,
                audit: context.auditEvent(
                    "account.\(purpose.rawValue).refused", resource: resource, details: "name differs from the population record"))
            throw TongbanError(
                status: .unprocessableEntity, code: "realName.nameMismatch",
                fields: [FieldError(field: "name", key: "realName.nameMismatch")])
        }
        guard let mobile = try? MobileNumber(record["mobile"] ?? "") else {
            throw TongbanError(status: .unprocessableEntity, code: "realName.noMobile")
        }
        return mobile
    }

    /// A new code, sent sealed to `mobile`; the subject's earlier open codes die with it.
    package func issue(
        _ purpose: IdentityChallenge.Purpose, subjectHash: String, accountID: UUID?, mobile: MobileNumber, pending: String? = nil,
        messageAccount: UUID, audit: AuditEvent
    ) async throws -> IdentityChallenge {
        let now = context.now
        let keys = context.keys
        var generator = SystemRandomNumberGenerator()
        let code = VerificationCode.generate(using: &generator)
        let id = UUID.timeOrdered(at: now)
        let row = IdentityChallenge(
            purpose: purpose, subjectHash: subjectHash, accountID: accountID,
            codeHash: IdentityChallenge.codeHash(code, challengeID: id, keys: keys), at: now, lifetime: VerificationCode.lifetime, id: id)
        row.pendingCipher = pending.map { keys.encrypt($0, field: "identity_challenge") }
        let minutes = Int(VerificationCode.lifetime / 60)
        let text = "【一网通办】您的实名认证验证码为 \(code)，\(minutes) 分钟内有效。请勿告诉他人，工作人员不会索要验证码；如非本人操作，请忽略并可拨打 12345。"
        let sms = MessageSend.sealedSMS(
            id: id, accountID: messageAccount, mobile: mobile.value, subject: "实名认证验证码", text: text, keys: keys, at: now)
        try await context.db.write { tx in
            try await lockSubject(subjectHash, on: tx)
            try await checkRate(subjectHash, on: tx)
            try await IdentityChallenge.query(on: tx).filter(\.$subjectHash == subjectHash).filter(\.$purpose ~~ [.verify, .reclaim])
                .filter(
                    \.$state == .open
                )
                .set(\.$state, to: .expired).update()
            try await row.create(on: tx)
            try await sms.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return row
    }

    /// The subject's latest open challenge of this purpose (one asked by `accountID` when given).
    package func open(_ purpose: IdentityChallenge.Purpose, id: UUID? = nil, accountID: UUID? = nil, on db: any Database) async throws
        -> IdentityChallenge?
    {
        var query = IdentityChallenge.query(on: db).filter(\.$purpose == purpose).filter(\.$state == .open)
        if let id { query = query.filter(\.$id == id) }
        if let accountID { query = query.filter(\.$accountID == accountID) }
        return try await query.sort(\.$createdAt, .descending).first()
    }

    /// One try of a typed code. The try is recorded whatever came of it; a pass also runs
    /// `onPass` in the same transaction (what the code opens is made with the code's use, or
    /// neither). Throws the user's error for every outcome but a pass.
    package func attempt<T: Sendable>(
        _ row: IdentityChallenge, typed: String?, onPass: @escaping @Sendable (IdentityChallenge, any Database) async throws -> T
    ) async throws -> T {
        guard let code = VerificationCode.normalized(typed ?? "") else {
            throw TongbanError.invalid(field: "code", "realName.codeFormat")
        }
        let now = context.now
        let keys = context.keys
        let id = try row.requireID()
        let subjectHash = row.subjectHash
        let (outcome, passed): (VerificationCode.Challenge.Outcome, T?) = try await context.db.write { tx in
            try await lockSubject(subjectHash, on: tx)
            guard let fresh = try await IdentityChallenge.find(id, on: tx) else { return (.closed, nil) }
            var challenge = fresh.challenge
            let matches = fresh.codeHash == IdentityChallenge.codeHash(code, challengeID: id, keys: keys)
            let outcome = challenge.attempt(matches: matches, at: now)
            fresh.wrongTries = challenge.wrongTries
            fresh.state = IdentityChallenge.State(rawValue: challenge.state.rawValue) ?? .expired
            if outcome == .exhausted { fresh.exhaustedAt = now }
            try await fresh.update(on: tx)
            guard outcome == .accepted else { return (outcome, nil) }
            return (outcome, try await onPass(fresh, tx))
        }
        switch outcome {
        case .accepted:
            guard let passed else { throw TongbanError.conflict("realName.noCode") }
            return passed
        case let .wrong(remaining):
            throw TongbanError(
                status: .unprocessableEntity, code: "realName.wrongCode", arguments: ["remaining": String(remaining)],
                fields: [FieldError(field: "code", key: "realName.wrongCodeField")])
        case .exhausted:
            throw wait("realName.lockedOut", until: now.addingTimeInterval(VerificationCode.lockOut))
        case .expired:
            throw TongbanError(
                status: .unprocessableEntity, code: "realName.codeExpired", fields: [FieldError(field: "code", key: "realName.codeExpired")]
            )
        case .closed:
            throw TongbanError.conflict("realName.noCode")
        }
    }
}
