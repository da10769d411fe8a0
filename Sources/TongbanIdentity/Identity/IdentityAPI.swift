import Fluent
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// `/api/v1` routes of identity: registration, sign-in with tokens, the caller's own account,
/// and the account directory of system admins and supervisors.
package struct IdentityAPI {
    package init() {}

    package struct LoginBody: Content {
        package var login: String?
        package var password: String?
    }
    package struct RefreshBody: Content { var refreshToken: String? }
    package struct PasswordBody: Content {
        package var currentPassword: String?
        package var newPassword: String?
    }
    package struct RolesBody: Content {
        package var roles: [String]?
        package var version: Int?
    }
    package struct StatusBody: Content {
        package var status: String?
        package var version: Int?
    }
    package struct AccountPage: Content {
        package let items: [AccountDTO]
        package let total: Int
        package let page: Int
        package let per: Int
    }

    package func register(_ api: any RoutesBuilder) {
        api.post("auth", "login", use: login)
        api.post("auth", "refresh", use: refresh)
        api.post("auth", "logout", use: logout)
        api.post("register", "person", use: registerPerson)
        api.post("register", "enterprise", use: registerEnterprise)
        api.post("register", "reclaim", use: startReclaim)
        api.post("register", "reclaim", "code", use: confirmReclaim)
        api.post("register", "reclaim", "window", use: startReclaimAtWindow)
        api.get("me", use: me)
        api.post("me", "password", use: changePassword)
        api.post("me", "verification", use: startVerification)
        api.post("me", "verification", "code", use: confirmVerification)
        api.post("me", "window-code", use: windowCode)
        api.post("me", "verification", "representative", use: askRepresentative)
        api.get("me", "representations", use: representations)
        api.post("me", "representations", ":requestID", "confirm", use: confirmRepresentation)
        api.post("identity-checks", use: identityCheck)
        api.get("accounts", use: directory)
        api.post("accounts", use: createStaff)
        api.get("accounts", ":accountID", use: account)
        api.put("accounts", ":accountID", "roles", use: changeRoles)
        api.put("accounts", ":accountID", "status", use: changeStatus)
    }

    package func login(req: Request) async throws -> SignIn.Tokens {
        let body = try req.content.decode(LoginBody.self)
        let signIn = req.signIn
        let account = try await signIn.authenticate(login: body.login, password: body.password)
        return try await signIn.signInForTokens(account)
    }

    package func refresh(req: Request) async throws -> SignIn.Tokens {
        try await req.signIn.refresh(req.content.decode(RefreshBody.self).refreshToken)
    }

    package func logout(req: Request) async throws -> HTTPStatus {
        try await req.signIn.revoke(req.content.decode(RefreshBody.self).refreshToken)
        return .noContent
    }

    package func registerPerson(req: Request) async throws -> Response {
        let input = try req.content.decode(PersonRegistration.self)
        let account = try await req.accountDesk.registerPerson(input)
        return try await account.toDTO(keys: req.application.keys, reveal: true).encodeResponse(status: .created, for: req)
    }

    package func registerEnterprise(req: Request) async throws -> Response {
        let input = try req.content.decode(EnterpriseRegistration.self)
        let account = try await req.accountDesk.registerEnterprise(input)
        return try await account.toDTO(keys: req.application.keys, reveal: true).encodeResponse(status: .created, for: req)
    }

    package func me(req: Request) async throws -> AccountDTO {
        let account = try req.requireAccount()
        return try account.toDTO(keys: req.application.keys, reveal: true)
    }

    package func changePassword(req: Request) async throws -> HTTPStatus {
        let desk = req.accountDesk
        let account = try req.requireAccount()
        // asked before the body is read: one who may not learns nothing from its validation
        try req.authorize(.changePassword, account.resource)
        let body = try req.content.decode(PasswordBody.self)
        try await desk.changePassword(current: body.currentPassword, new: body.newPassword, keepSession: nil)
        return .noContent
    }

    package struct ReclaimCodeBody: Content {
        var challengeID: UUID?
        var code: String?
    }

    package func startReclaim(req: Request) async throws -> Response {
        let input = try req.content.decode(PersonRegistration.self)
        return try await req.numberReclaim.start(input).encodeResponse(status: .accepted, for: req)
    }

    package func startReclaimAtWindow(req: Request) async throws -> Response {
        let input = try req.content.decode(PersonRegistration.self)
        return try await req.numberReclaim.startAtWindow(input).encodeResponse(status: .accepted, for: req)
    }

    package func confirmReclaim(req: Request) async throws -> Response {
        let body = try req.content.decode(ReclaimCodeBody.self)
        let account = try await req.numberReclaim.confirm(challengeID: body.challengeID, code: body.code)
        return try await account.toDTO(keys: req.application.keys, reveal: true).encodeResponse(status: .created, for: req)
    }

    package func askRepresentative(req: Request) async throws -> Response {
        try await req.representativeConfirmation.request().encodeResponse(status: .accepted, for: req)
    }

    package func representations(req: Request) async throws -> [RepresentativeConfirmation.Pending] {
        try await req.representativeConfirmation.pending()
    }

    package func confirmRepresentation(req: Request) async throws -> HTTPStatus {
        try await req.representativeConfirmation.confirm(req.parameters.get("requestID", as: UUID.self))
        return .noContent
    }

    package func windowCode(req: Request) async throws -> Response {
        try await req.inPersonCheck.windowCode().encodeResponse(status: .created, for: req)
    }

    /// A window clerk's in-person check of an identity card (实名认证三级).
    package func identityCheck(req: Request) async throws -> AccountDTO {
        let check = req.inPersonCheck
        try req.authorize(.verify, .account(id: UUID(), kind: .person))
        let body = try req.content.decode(InPersonCheck.Check.self)
        return try await check.record(body).toDTO(keys: req.application.keys, reveal: false)
    }

    package struct VerificationStartBody: Content { var name: String? }
    package struct VerificationCodeBody: Content { var code: String? }

    package func startVerification(req: Request) async throws -> Response {
        let verification = req.identityVerification
        let account = try req.requireAccount()
        try req.authorize(.verify, account.resource)
        let body = try req.content.decode(VerificationStartBody.self)
        return try await verification.start(name: body.name).encodeResponse(status: .accepted, for: req)
    }

    package func confirmVerification(req: Request) async throws -> AccountDTO {
        let verification = req.identityVerification
        let account = try req.requireAccount()
        try req.authorize(.verify, account.resource)
        let body = try req.content.decode(VerificationCodeBody.self)
        return try await verification.confirm(code: body.code).toDTO(keys: req.application.keys, reveal: true)
    }

    /// Staff accounts within the caller's region, 50 a page.
    package func directory(req: Request) async throws -> AccountPage {
        let administration = req.accountAdministration
        try administration.authorizeDirectory()
        let page = try req.integerQuery("page", in: 1...100_000, default: 1) ?? 1
        let per = try req.integerQuery("per", in: 1...100, default: 50) ?? 50
        let (accounts, total) = try await administration.directory(page: page, per: per)
        return AccountPage(
            items: try accounts.map { try $0.toDTO(keys: req.application.keys, reveal: false) },
            total: total, page: page, per: per)
    }

    /// Reading another person's account requires a stated purpose and leaves an audit entry.
    package func account(req: Request) async throws -> AccountDTO {
        let (target, reveal) = try await req.accountAdministration.account(
            id: req.parameters.get("accountID", as: UUID.self), purpose: req.query[String.self, at: "purpose"])
        return try target.toDTO(keys: req.application.keys, reveal: reveal)
    }

    package func createStaff(req: Request) async throws -> Response {
        let desk = req.accountDesk
        try desk.authorizeStaffCreation()
        let input = try req.content.decode(StaffCreation.self)
        let account = try await desk.createStaff(input)
        return try await account.toDTO(keys: req.application.keys, reveal: false).encodeResponse(status: .created, for: req)
    }

    /// Replaces a staff member's roles; `version` must match, so two admins cannot overwrite each other.
    package func changeRoles(req: Request) async throws -> AccountDTO {
        let administration = req.accountAdministration
        let id = req.parameters.get("accountID", as: UUID.self)
        try await administration.authorize(.changeRoles, id: id)
        let body = try req.content.decode(RolesBody.self)
        let account = try await administration.changeRoles(id: id, roles: body.roles, version: body.version)
        return try account.toDTO(keys: req.application.keys, reveal: false)
    }

    /// Disables or re-enables a staff account; disabling ends its sessions and tokens at once.
    package func changeStatus(req: Request) async throws -> AccountDTO {
        let administration = req.accountAdministration
        let id = req.parameters.get("accountID", as: UUID.self)
        try await administration.authorize(.disable, id: id)
        let body = try req.content.decode(StatusBody.self)
        let account = try await administration.changeStatus(id: id, status: body.status, version: body.version)
        return try account.toDTO(keys: req.application.keys, reveal: false)
    }
}
