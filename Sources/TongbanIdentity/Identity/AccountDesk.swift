import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

package struct PersonRegistration: Content {
    package var name: String?
    package var identityNumber: String?
    package var mobile: String?
    package var password: String?
}

package struct EnterpriseRegistration: Content {
    package var name: String?
    package var creditCode: String?
    package var legalRepresentative: String?
    package var password: String?
}

package struct StaffCreation: Content {
    package var username: String?
    package var displayName: String?
    package var departmentID: UUID?
    package var roles: [String]?
    package var password: String?

    package init(
        username: String? = nil, displayName: String? = nil, departmentID: UUID? = nil, roles: [String]? = nil, password: String? = nil
    ) {
        self.username = username
        self.displayName = displayName
        self.departmentID = departmentID
        self.roles = roles
        self.password = password
    }
}

/// Creating accounts and changing their credentials: validation, duplicate checks, the write
/// and its audit entry in one transaction.
package struct AccountDesk {
    /// Who may create staff: the one policy (a system administrator of the department's region),
    /// or the operator at the server's console (`tongban staff create`, the first administrator).
    package enum Authority {
        case policy
        case operatorAtConsole
    }

    package let context: UseCaseContext
    package let passwords: TongbanPlatform.PasswordHasher

    package var authority = Authority.policy

    /// How often registration may be tried (L5, M9): from one client address, and on one identity
    /// number or credit code whoever asks, so that numbers cannot be walked through to learn
    /// which are registered, nor accounts made by the thousand. Nil: not limited (the console).
    package struct RegistrationLimits: Sendable {
        package let perClient: AddressLimiter
        package let perSubject: AddressLimiter
        package var clientLimit: Int
        package var subjectLimit = 5

        package init(perClient: AddressLimiter, perSubject: AddressLimiter, clientLimit: Int) {
            self.perClient = perClient
            self.perSubject = perSubject
            self.clientLimit = clientLimit
        }

        func admit(client: String?, subject: String, at now: Date) throws {
            try perClient.admitOrRefuse(client ?? "unknown", limit: clientLimit, at: now, code: "register.tooMany")
            try perSubject.admitOrRefuse(subject, limit: subjectLimit, at: now, code: "register.tooMany")
        }
    }

    package var limits: RegistrationLimits?

    package init(context: UseCaseContext, passwords: TongbanPlatform.PasswordHasher, authority: Authority = .policy) {
        self.context = context
        self.passwords = passwords
        self.authority = authority
    }

    private var db: any Database { context.db }

    /// A person's registration as typed, checked: every field's problem at once.
    package struct CheckedPerson: Sendable {
        package let name: String
        package let identityNumber: IdentityNumber
        package let mobile: MobileNumber
        package let password: String
    }

    package func check(_ input: PersonRegistration) throws -> CheckedPerson {
        var errors = FieldErrors()
        let name = errors.text("name", input.name, maxLength: 50)
        let idNumber = errors.check("identityNumber") { () throws(IdentityNumber.Problem) in
            try IdentityNumber(input.identityNumber ?? "", today: context.today)
        }
        let mobile = errors.check("mobile") { () throws(MobileNumber.Problem) in try MobileNumber(input.mobile ?? "") }
        let password = errors.newPassword("password", input.password)
        try errors.throwIfAny()
        guard let name, let idNumber, let mobile, let password else { throw errors }
        return CheckedPerson(name: name, identityNumber: idNumber, mobile: mobile, password: password)
    }

    package func registerPerson(_ input: PersonRegistration) async throws -> Account {
        let person = try check(input)
        let keys = context.keys
        let idHash = keys.lookupHash(person.identityNumber.value, field: "identity_number")
        try limits?.admit(client: context.clientAddress, subject: idHash, at: context.now)
        if let holder = try await Account.query(on: db).filter(\.$idNumberHash == idHash).first() {
            // an unproven holder may be an impostor: the real person can take the number back
            let code =
                holder.kind == .person && holder.assurance < .verifiedRemotely ? "register.numberClaimed" : "register.duplicatePerson"
            throw TongbanError(status: .conflict, code: code, fields: [FieldError(field: "identityNumber", key: code)])
        }
        let account = try await newPerson(person, passwordHash: try await passwords.hash(person.password), on: db)
        try await save(account, audit: registration, duplicateCode: "register.duplicatePerson", duplicateField: "identityNumber")
        return account
    }

    /// A person's account as registered (Level 1), not yet saved.
    package func newPerson(_ person: CheckedPerson, passwordHash: String, on db: any Database) async throws -> Account {
        let keys = context.keys
        let idHash = keys.lookupHash(person.identityNumber.value, field: "identity_number")
        let account = Account(
            kind: .person, loginKey: Account.loginKey(identityNumberHash: idHash), displayName: person.name, passwordHash: passwordHash,
            at: context.now)
        account.idNumberHash = idHash
        account.mobileHash = keys.lookupHash(person.mobile.value, field: "mobile")
        account.seal(identityNumber: person.identityNumber.value, mobile: person.mobile.value, keys: keys)
        account.regionCode = try await knownRegion(for: person.identityNumber.addressCode, on: db)
        return account
    }

    package func registerEnterprise(_ input: EnterpriseRegistration) async throws -> Account {
        var errors = FieldErrors()
        let name = errors.text("name", input.name, maxLength: 100)
        let code = errors.check("creditCode") { () throws(CreditCode.Problem) in try CreditCode(input.creditCode ?? "") }
        let representative = errors.text("legalRepresentative", input.legalRepresentative, maxLength: 50)
        let password = errors.newPassword("password", input.password)
        try errors.throwIfAny()
        guard let name, let code, let representative, let password else { throw errors }
        try limits?.admit(client: context.clientAddress, subject: "enterprise:" + code.value, at: context.now)

        if try await Account.query(on: db).filter(\.$creditCode == code.value).count() > 0 {
            throw TongbanError(
                status: .conflict, code: "register.duplicateEnterprise",
                fields: [FieldError(field: "creditCode", key: "register.duplicateEnterprise")])
        }
        let account = Account(
            kind: .enterprise, loginKey: Account.loginKey(creditCode: code), displayName: name,
            passwordHash: try await passwords.hash(password), at: context.now)
        account.creditCode = code.value
        account.legalRepresentative = representative
        account.regionCode = try await knownRegion(for: code.regionCode, on: db)
        try await save(account, audit: registration, duplicateCode: "register.duplicateEnterprise", duplicateField: "creditCode")
        return account
    }

    private var registration: AuditEvent { context.auditEvent("account.register", resource: "account") }

    /// Whether the acting account may create staff at all (in its own region), asked before the
    /// input is read, so that one without the role learns nothing from validation messages. The
    /// chosen department's region is checked again once it is known.
    package func authorizeStaffCreation() throws {
        guard authority == .policy else { return }
        let actor = try context.requireAccount().actor
        try context.authorize(.create, .account(id: UUID(), kind: .staff, regionCode: actor.regionCode))
    }

    /// Staff are created by a system administrator or by the operator at the console.
    package func createStaff(_ input: StaffCreation) async throws -> Account {
        try authorizeStaffCreation()
        var errors = FieldErrors()
        let username = errors.text("username", input.username, maxLength: 32)?.lowercased()
        if let username, !username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) || username.count < 3 {
            errors.add("username", "username.invalid")
        }
        let displayName = errors.text("displayName", input.displayName, maxLength: 50)
        let roles = errors.roles("roles", input.roles)
        let password = errors.newPassword("password", input.password)
        var department: Department?
        if let id = input.departmentID {
            department = try await Department.find(id, on: db)
            if department == nil { errors.add("departmentID", "department.unknown") }
        } else {
            errors.add("departmentID", "field.required")
        }
        try errors.throwIfAny()
        guard let username, let displayName, let roles, let password, let department, let region = department.region else { throw errors }

        let departmentID = try department.requireID()
        if authority == .policy {
            try context.authorize(.create, .account(id: UUID(), kind: .staff, departmentID: departmentID, regionCode: region))
        }
        let loginKey = Account.loginKey(staffUsername: username)
        if try await Account.query(on: db).filter(\.$loginKey == loginKey).count() > 0 {
            throw TongbanError(
                status: .conflict, code: "staff.duplicateUsername",
                fields: [FieldError(field: "username", key: "staff.duplicateUsername")])
        }
        let account = Account(
            kind: .staff, loginKey: loginKey, displayName: displayName, passwordHash: try await passwords.hash(password),
            at: context.now)
        account.roles = roles.sorted()
        account.$department.id = departmentID
        account.regionCode = region.value
        var event =
            authority == .policy
            ? context.auditEvent("account.create", resource: "account")
            : AuditEvent(actorLabel: "operator:cli", action: "account.create", resource: "account")
        event.details = "roles=\(account.roles.map(\.rawValue).joined(separator: ",")); department=\(department.name)"
        try await save(account, audit: event, duplicateCode: "staff.duplicateUsername", duplicateField: "username")
        return account
    }

    /// Checks the current password, stores the new one, and ends every other sign-in.
    /// The acting account's password; `keepSession` is the web session to keep (the one it was changed in).
    package func changePassword(current: String?, new: String?, keepSession: String?) async throws {
        let account = try context.requireAccount()
        try context.authorize(.changePassword, account.resource)
        var errors = FieldErrors()
        if (current ?? "").isEmpty { errors.add("currentPassword", "field.required") }
        let newPassword = errors.newPassword("newPassword", new)
        try errors.throwIfAny()
        guard let current, let newPassword else { throw errors }
        guard try await passwords.verify(current, against: account.passwordHash) else {
            throw TongbanError.invalid(field: "currentPassword", "password.wrongCurrent")
        }
        let hash = try await passwords.hash(newPassword)
        let id = try account.requireID()
        try await db.write { tx in
            // a copy of its own: the signed-in account may be shared with other requests
            guard let account = try await Account.find(id, on: tx) else { throw TongbanError.notFound("account") }
            account.passwordHash = hash
            account.credentialsChangedAt = context.now
            account.version += 1
            try await account.update(on: tx)
            var sessions = WebSession.query(on: tx).filter(\.$account.$id == id)
            if let keepSession { sessions = sessions.filter(\.$id != keepSession) }
            try await sessions.delete()
            try await RefreshToken.query(on: tx).filter(\.$account.$id == id).filter(\.$revokedAt == nil)
                .set(\.$revokedAt, to: context.now).update()
            try await AuditLog.append(context.auditEvent("account.passwordChanged", resource: "account:\(id)"), on: tx, now: context.now)
        }
    }

    package func save(_ account: Account, audit: AuditEvent, duplicateCode: String, duplicateField: String) async throws {
        do {
            try await db.write { tx in
                try await account.create(on: tx)
                var event = audit
                event.resource = "account:\(try account.requireID())"
                try await AuditLog.append(event, on: tx, now: context.now)
            }
        } catch  where error.isConstraintViolation {
            // A concurrent registration of the same identifier won the race.
            throw TongbanError(status: .conflict, code: duplicateCode, fields: [FieldError(field: duplicateField, key: duplicateCode)])
        }
    }

    /// The account's home region when the code names one we know (county, else city, else province).
    private func knownRegion(for code: String, on db: any Database) async throws -> String? {
        guard let region = try? RegionCode(code) else { return nil }
        var candidate: RegionCode? = region
        while let current = candidate {
            if try await Region.find(current.value, on: db) != nil { return current.value }
            candidate = current.parent
        }
        return nil
    }
}

extension Request {
    package var accountDesk: AccountDesk {
        var desk = AccountDesk(context: context, passwords: application.passwords)
        desk.limits = AccountDesk.RegistrationLimits(
            perClient: application.addressLimiter("register.client", period: 3_600),
            perSubject: application.addressLimiter("register.subject", period: 3_600),
            clientLimit: application.tongban.registrationsPerHour)
        return desk
    }
}
