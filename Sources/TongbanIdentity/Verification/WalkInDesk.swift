import Fluent
import Foundation
import TongbanCore
import TongbanPlatform

/// 帮办 at the window: a clerk finds the person in front of them by the number on their identity
/// card, or registers them on the spot when they have no account, so as to apply on their
/// behalf. Every look-up names its purpose and is on the audit log, found or not (whether a
/// number is registered is itself personal data); an account made at the window is proven by the
/// card the clerk holds (Level 3).
package struct WalkInDesk {
    package let context: UseCaseContext
    package let passwords: TongbanPlatform.PasswordHasher

    package init(context: UseCaseContext, passwords: TongbanPlatform.PasswordHasher) {
        self.context = context
        self.passwords = passwords
    }

    /// What the clerk typed to find the walk-in: the card's number and why it is looked up.
    package struct Lookup: Sendable, Codable {
        package var identityNumber: String?
        package var purpose: String?

        package init(identityNumber: String? = nil, purpose: String? = nil) {
            self.identityNumber = identityNumber
            self.purpose = purpose
        }
    }

    /// A walk-in's registration as the clerk typed it from the card; the password the person
    /// types on the window's keypad.
    package struct Registration: Sendable, Codable {
        package var name: String?
        package var identityNumber: String?
        package var mobile: String?
        package var password: String?
        package var purpose: String?

        package init(
            name: String? = nil, identityNumber: String? = nil, mobile: String? = nil, password: String? = nil, purpose: String? = nil
        ) {
            self.name = name
            self.identityNumber = identityNumber
            self.mobile = mobile
            self.password = password
            self.purpose = purpose
        }
    }

    /// The person found by the card's number (nil: not registered), with the number as checked.
    package struct Found: Sendable {
        package let account: Account?
        package let identityNumber: IdentityNumber
        package let purpose: String
    }

    /// Only a window clerk serves walk-ins: asked before anything is read.
    package func authorize() throws {
        try context.authorize(.verify, .account(id: UUID(), kind: .person))
    }

    package func find(_ lookup: Lookup) async throws -> Found {
        try authorize()
        var errors = FieldErrors()
        let number = errors.check("identityNumber") { () throws(IdentityNumber.Problem) in
            try IdentityNumber(lookup.identityNumber ?? "", today: context.today)
        }
        let purpose = errors.text("purpose", lookup.purpose, maxLength: 200)
        try errors.throwIfAny()
        guard let number, let purpose else { throw errors }
        let hash = context.keys.lookupHash(number.value, field: "identity_number")
        let account = try await Account.query(on: context.db).filter(\.$idNumberHash == hash).filter(\.$kind == .person).first()
        if let account {
            try context.authorize(.verify, account.resource)
        }
        let resource = try account.map { "account:\(try $0.requireID())" } ?? "identity-number:\(hash.prefix(16))"
        try await context.db.write { tx in
            try await AuditLog.append(
                context.auditEvent(
                    "personalData.read", resource: resource, purpose: purpose,
                    details: account == nil ? "walk-in looked up by identity number: not registered" : "walk-in found by identity number"),
                on: tx, now: context.now)
        }
        return Found(account: account, identityNumber: number, purpose: purpose)
    }

    /// Registers the walk-in: the card checked in the clerk's hands makes the account Level 3.
    /// A number already registered is a 409 (found by `find`; an unproven holder's number is
    /// taken back at the window with a window code).
    package func register(_ input: Registration) async throws -> Account {
        try authorize()
        let desk = AccountDesk(context: context, passwords: passwords)
        var problems = FieldErrors()
        let purpose = problems.text("purpose", input.purpose, maxLength: 200)
        let person: AccountDesk.CheckedPerson?
        do {
            person = try desk.check(
                PersonRegistration(name: input.name, identityNumber: input.identityNumber, mobile: input.mobile, password: input.password))
        } catch let errors as FieldErrors {
            for error in errors.errors { problems.add(error) }
            throw problems
        }
        try problems.throwIfAny()
        guard let person, let purpose else { throw problems }
        let hash = context.keys.lookupHash(person.identityNumber.value, field: "identity_number")
        if try await Account.query(on: context.db).filter(\.$idNumberHash == hash).first() != nil {
            throw TongbanError(
                status: .conflict, code: "register.duplicatePerson",
                fields: [FieldError(field: "identityNumber", key: "register.duplicatePerson")])
        }
        let account = try await desk.newPerson(person, passwordHash: try await passwords.hash(person.password), on: context.db)
        account.assuranceLevel = AssuranceLevel.verifiedInPerson.rawValue
        account.assuranceAt = context.now
        let department = try context.requireAccount().$department.id
        let details = "registered at the window, identity card checked: level=3" + (department.map { "; department \($0)" } ?? "")
        try await desk.save(
            account, audit: context.auditEvent("account.registeredAtWindow", resource: "account", purpose: purpose, details: details),
            duplicateCode: "register.duplicatePerson", duplicateField: "identityNumber")
        return account
    }
}
