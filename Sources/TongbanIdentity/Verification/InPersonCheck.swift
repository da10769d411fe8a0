import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 实名认证三级: a window clerk checks a person's identity card in person. The person, signed in
/// on their own phone, shows a window code (so the account checked is the one in the hand of
/// the person at the window, not any account with that number); the clerk types it with the
/// number and name on the card. The account is Level 3, its name the card's, and the check is
/// audited with the clerk as the actor. The same form takes a number back for a person who asked
/// for a window code on the reclaim page (`NumberReclaim.startAtWindow`): the clerk need not know
/// which of the two the code is.
package struct InPersonCheck {
    package let context: UseCaseContext
    package let passwords: TongbanPlatform.PasswordHasher

    package init(context: UseCaseContext, passwords: TongbanPlatform.PasswordHasher) {
        self.context = context
        self.passwords = passwords
    }

    /// Eight digits, good for ten minutes: read aloud or shown at a window, never sent.
    package static let codeDigits = 8
    package static let codeLifetime: TimeInterval = 10 * 60

    package struct WindowCode: Content, Equatable {
        package let code: String
        package let expiresAt: Date
    }

    /// What is stored of a window code: keyed, so a table read gives no code.
    package static func lookup(_ code: String, keys: KeyRing) -> String {
        keys.lookupHash("window:" + code, field: "verification_code")
    }

    package static func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<codeDigits).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
    }

    /// A window code for the signed-in person (any earlier one dies).
    package func windowCode() async throws -> WindowCode {
        let account = try context.requireAccount()
        try context.authorize(.verify, account.resource)
        guard account.kind == .person, let subjectHash = account.idNumberHash else { throw TongbanError.conflict("realName.personOnly") }
        guard account.assurance < .verifiedInPerson else { throw TongbanError.conflict("realName.already") }
        let code = Self.newCode()
        let now = context.now
        let id = try account.requireID()
        let row = IdentityChallenge(
            purpose: .window, subjectHash: subjectHash, accountID: id, codeHash: Self.lookup(code, keys: context.keys), at: now,
            lifetime: Self.codeLifetime)
        try await context.db.write { tx in
            try await IdentityChallenge.query(on: tx).filter(\.$accountID == id).filter(\.$purpose == .window).filter(\.$state == .open)
                .set(\.$state, to: .expired).update()
            try await row.create(on: tx)
        }
        return WindowCode(code: code, expiresAt: row.expiresAt)
    }

    /// What the clerk typed: the person's window code, and the number and name on the card.
    package struct Check: Content {
        package var code: String?
        package var identityNumber: String?
        package var name: String?

        package init(code: String? = nil, identityNumber: String? = nil, name: String? = nil) {
            self.code = code
            self.identityNumber = identityNumber
            self.name = name
        }
    }

    /// The card checked: the account the code names is Level 3, if the card's number is its own; or,
    /// for a code that takes a number back, the account it holds made at Level 3.
    package func record(_ check: Check) async throws -> Account {
        let clerk = try context.requireAccount()
        // asked before anything is read: only a window clerk checks cards
        try context.authorize(.verify, .account(id: UUID(), kind: .person))
        var errors = FieldErrors()
        let code = (check.code ?? "").filter { !$0.isWhitespace }
        if code.count != Self.codeDigits || !code.allSatisfy({ $0.isASCII && $0.isNumber }) {
            errors.add("code", "realName.windowCodeFormat")
        }
        let number = errors.check("identityNumber") { () throws(IdentityNumber.Problem) in
            try IdentityNumber(check.identityNumber ?? "", today: context.today)
        }
        let name = errors.text("name", check.name, maxLength: 50)
        try errors.throwIfAny()
        guard let number, let name else { throw errors }

        let now = context.now
        let keys = context.keys
        let found = try await IdentityChallenge.query(on: context.db).filter(\.$purpose ~~ [.window, .windowReclaim])
            .filter(\.$state == .open).filter(\.$codeHash == Self.lookup(code, keys: keys)).filter(\.$expiresAt > now).first()
        guard let found else {
            throw TongbanError(
                status: .unprocessableEntity, code: "realName.windowCodeUnknown",
                fields: [FieldError(field: "code", key: "realName.windowCodeUnknown")])
        }
        let challengeID = try found.requireID()
        // the code of a number to take back names no account yet: its challenge stands for it
        let resource = found.accountID.map { "account:\($0)" } ?? "identity-challenge:\(challengeID)"
        guard found.subjectHash == keys.lookupHash(number.value, field: "identity_number") else {
            // the card is not the account's: nothing changes, and the attempt is on the record
            try await context.db.write { tx in
                try await AuditLog.append(
                    context.auditEvent(
                        "account.inPerson.refused", resource: resource, details: "the identity card's number is not the account's"),
                    on: tx, now: now)
            }
            throw TongbanError(
                status: .unprocessableEntity, code: "realName.cardMismatch",
                fields: [FieldError(field: "identityNumber", key: "realName.cardMismatch")])
        }
        let clerkDepartment = clerk.$department.id
        guard let accountID = found.accountID else {
            let reclaim = NumberReclaim(context: context, passwords: passwords)
            return try await context.db.write { tx in
                // a code is used once, even by two clerks at the same moment
                guard try await IdentityChallenge.claim(challengeID, on: tx) else { throw TongbanError.conflict("realName.noCode") }
                return try await reclaim.completeAtWindow(found, cardName: name, department: clerkDepartment, on: tx)
            }
        }
        return try await context.db.write { tx in
            guard let account = try await Account.find(accountID, on: tx), account.status == .active else {
                throw TongbanError.notFound("account")
            }
            try context.authorize(.verify, account.resource)
            guard try await IdentityChallenge.claim(challengeID, on: tx) else { throw TongbanError.conflict("realName.noCode") }
            var details = "level=3; identity card checked at the window"
            if let clerkDepartment { details += "; department \(clerkDepartment)" }
            if account.displayName != name {
                details += "; name set to the card's"
                account.displayName = name
            }
            account.assuranceLevel = AssuranceLevel.verifiedInPerson.rawValue
            account.assuranceAt = now
            account.version += 1
            try await account.update(on: tx)
            try await AuditLog.append(
                context.auditEvent("account.verifiedInPerson", resource: "account:\(accountID)", details: details), on: tx, now: now)
            return account
        }
    }
}

extension Request {
    package var inPersonCheck: InPersonCheck { InPersonCheck(context: context, passwords: application.passwords) }
}
