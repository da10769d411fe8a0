import Fluent
import SQLKit
import TongbanCore
import Vapor

/// `/api/v1` routes of identity: registration, sign-in with tokens, the caller's own account,
/// and the account directory of system admins and supervisors.
struct IdentityAPI {
    struct LoginBody: Content {
        var login: String?
        var password: String?
    }
    struct RefreshBody: Content { var refreshToken: String? }
    struct PasswordBody: Content {
        var currentPassword: String?
        var newPassword: String?
    }
    struct RolesBody: Content {
        var roles: [String]?
        var version: Int?
    }
    struct StatusBody: Content {
        var status: String?
        var version: Int?
    }
    struct AccountPage: Content {
        let items: [AccountDTO]
        let total: Int
        let page: Int
        let per: Int
    }

    func register(_ api: any RoutesBuilder) {
        api.post("auth", "login", use: login)
        api.post("auth", "refresh", use: refresh)
        api.post("auth", "logout", use: logout)
        api.post("register", "person", use: registerPerson)
        api.post("register", "enterprise", use: registerEnterprise)
        api.get("me", use: me)
        api.post("me", "password", use: changePassword)
        api.get("accounts", use: directory)
        api.post("accounts", use: createStaff)
        api.get("accounts", ":accountID", use: account)
        api.put("accounts", ":accountID", "roles", use: changeRoles)
        api.put("accounts", ":accountID", "status", use: changeStatus)
    }

    func login(req: Request) async throws -> SignIn.Tokens {
        let body = try req.content.decode(LoginBody.self)
        let signIn = SignIn(request: req)
        let account = try await signIn.authenticate(login: body.login, password: body.password)
        return try await signIn.signInForTokens(account)
    }

    func refresh(req: Request) async throws -> SignIn.Tokens {
        try await SignIn(request: req).refresh(req.content.decode(RefreshBody.self).refreshToken)
    }

    func logout(req: Request) async throws -> HTTPStatus {
        try await SignIn(request: req).revoke(req.content.decode(RefreshBody.self).refreshToken)
        return .noContent
    }

    func registerPerson(req: Request) async throws -> Response {
        let input = try req.content.decode(PersonRegistration.self)
        let account = try await AccountService(app: req.application, db: req.db)
            .registerPerson(input, audit: req.auditEvent("account.register", resource: "account"))
        return try await account.toDTO(keys: req.application.keys, reveal: true).encodeResponse(status: .created, for: req)
    }

    func registerEnterprise(req: Request) async throws -> Response {
        let input = try req.content.decode(EnterpriseRegistration.self)
        let account = try await AccountService(app: req.application, db: req.db)
            .registerEnterprise(input, audit: req.auditEvent("account.register", resource: "account"))
        return try await account.toDTO(keys: req.application.keys, reveal: true).encodeResponse(status: .created, for: req)
    }

    func me(req: Request) async throws -> AccountDTO {
        let account = try req.requireAccount()
        return try account.toDTO(keys: req.application.keys, reveal: true)
    }

    func changePassword(req: Request) async throws -> HTTPStatus {
        let account = try req.requireAccount()
        try req.authorize(.changePassword, account.resource)
        let body = try req.content.decode(PasswordBody.self)
        try await AccountService(app: req.application, db: req.db).changePassword(
            of: account, current: body.currentPassword, new: body.newPassword, keepSession: nil,
            audit: req.auditEvent("account.passwordChanged", resource: "account"))
        return .noContent
    }

    /// Staff accounts within the caller's region, 50 a page.
    func directory(req: Request) async throws -> AccountPage {
        try req.authorize(.list, .accountDirectory)
        let actor = try req.requireAccount().actor
        let page = try req.integerQuery("page", in: 1...100_000, default: 1) ?? 1
        let per = try req.integerQuery("per", in: 1...100, default: 50) ?? 50
        guard let region = actor.regionCode else { return AccountPage(items: [], total: 0, page: page, per: per) }
        let query = Account.query(on: req.db).filter(\.$kind == .staff)
            .filter(\.$regionCode, .custom("LIKE"), region.significantPrefix + "%")
        let total = try await query.count()
        let accounts = try await query.sort(\.$loginKey).range(((page - 1) * per)..<(page * per)).all()
        return AccountPage(
            items: try accounts.map { try $0.toDTO(keys: req.application.keys, reveal: false) },
            total: total, page: page, per: per)
    }

    /// The account named in the path, if the caller may do `action` to it.
    static func target(_ req: Request, for action: Action) async throws -> (UUID, Account) {
        guard let id = req.parameters.get("accountID", as: UUID.self), let target = try await Account.find(id, on: req.db) else {
            throw TongbanError.notFound("account")
        }
        try req.authorize(action, target.resource)
        return (id, target)
    }

    /// Reading another person's account requires a stated purpose and leaves an audit entry.
    func account(req: Request) async throws -> AccountDTO {
        let (id, target) = try await Self.target(req, for: .view)
        let viewer = try req.requireAccount()
        let reveal = Policy.decide(try viewer.actor, .viewPersonalData, try target.resource).isAllowed
        let readsAnothersData = viewer.id != target.id && target.holdsPersonalData
        var errors = FieldErrors()
        // Required for another's personal data; checked whenever it is given.
        let rawPurpose = req.query[String.self, at: "purpose"]
        let purpose = errors.text("purpose", rawPurpose, maxLength: 200, required: readsAnothersData || rawPurpose != nil)
        try errors.throwIfAny()
        if readsAnothersData {
            let roles = viewer.roles.map(\.rawValue).joined(separator: ",")
            try await AuditLog.append(
                req.auditEvent(
                    "personalData.read", resource: "account:\(id)", purpose: purpose,
                    details: "authorisation: roles \(roles); unmasked=\(reveal)"), on: req.db, now: req.now)
        }
        return try target.toDTO(keys: req.application.keys, reveal: reveal)
    }

    func createStaff(req: Request) async throws -> Response {
        try req.authorizeStaffCreation()
        let input = try req.content.decode(StaffCreation.self)
        let account = try await AccountService(app: req.application, db: req.db).createStaff(
            input, audit: req.auditEvent("account.create", resource: "account"),
            authorize: { try req.authorize(.create, $0) })
        return try await account.toDTO(keys: req.application.keys, reveal: false).encodeResponse(status: .created, for: req)
    }

    /// Replaces a staff member's roles; `version` must match, so two admins cannot overwrite each other.
    func changeRoles(req: Request) async throws -> AccountDTO {
        let (id, target) = try await Self.target(req, for: .changeRoles)
        let body = try req.content.decode(RolesBody.self)
        var errors = FieldErrors()
        let roles = errors.roles("roles", body.roles)
        if body.version == nil { errors.add("version", "field.required") }
        try errors.throwIfAny()
        guard let roles, let version = body.version else { throw errors }
        let newRoles = roles.sorted()
        let oldRoles = target.roles.map(\.rawValue).joined(separator: ",")
        try await req.db.write { tx in
            try await Self.versionedUpdate(target, expected: version, on: tx) { $0.set("roles", to: SQLBind(newRoles.map(\.rawValue))) }
            try await AuditLog.append(
                req.auditEvent(
                    "account.rolesChanged", resource: "account:\(id)",
                    details: "from \(oldRoles) to \(newRoles.map(\.rawValue).joined(separator: ","))"), on: tx, now: req.now)
        }
        guard let fresh = try await Account.find(id, on: req.db) else { throw TongbanError.notFound("account") }
        return try fresh.toDTO(keys: req.application.keys, reveal: false)
    }

    /// Disables or re-enables a staff account; disabling ends its sessions and tokens at once.
    func changeStatus(req: Request) async throws -> AccountDTO {
        let (id, target) = try await Self.target(req, for: .disable)
        let body = try req.content.decode(StatusBody.self)
        var errors = FieldErrors()
        let status = body.status.flatMap(Account.Status.init(rawValue:))
        if status == nil { errors.add("status", body.status == nil ? "field.required" : "status.unknown") }
        if body.version == nil { errors.add("version", "field.required") }
        try errors.throwIfAny()
        guard let status, let version = body.version else { throw errors }
        try await req.db.write { tx in
            try await Self.versionedUpdate(target, expected: version, on: tx) { $0.set("status", to: SQLBind(status.rawValue)) }
            if status == .disabled {
                try await WebSession.query(on: tx).filter(\.$account.$id == id).delete()
                try await RefreshToken.query(on: tx).filter(\.$account.$id == id).filter(\.$revokedAt == nil).set(\.$revokedAt, to: req.now)
                    .update()
            }
            try await AuditLog.append(
                req.auditEvent(status == .disabled ? "account.disabled" : "account.enabled", resource: "account:\(id)"), on: tx,
                now: req.now)
        }
        guard let fresh = try await Account.find(id, on: req.db) else { throw TongbanError.notFound("account") }
        return try fresh.toDTO(keys: req.application.keys, reveal: false)
    }

    /// Applies a change only if the account is still at `expected`, bumping the version; a
    /// concurrent change that got there first makes this one a 409.
    static func versionedUpdate(
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
