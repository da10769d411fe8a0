import Fluent
import TongbanCore
import TongbanPlatform
import Vapor

/// The web pages of identity: sign in and out, registration of persons and enterprises, and
/// the signed-in user's own account page.
package struct IdentityPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("login", use: loginForm)
        routes.post("login", use: login)
        routes.post("logout", use: logout)
        routes.get("register", use: registerChoice)
        routes.get("register", "person", use: personForm)
        routes.post("register", "person", use: registerPerson)
        routes.get("register", "enterprise", use: enterpriseForm)
        routes.post("register", "enterprise", use: registerEnterprise)
        routes.get("account", use: account)
        routes.post("account", "password", use: changePassword)
    }

    package struct FormContext: Encodable {
        package let page: PageContext
        package let values: [String: String]
        package let errors: [String: String]
        package let summary: String?
    }

    package func form(_ req: Request, _ template: String, title: String, values: [String: String] = [:], failure: (any Error)? = nil)
        async throws
        -> Response
    {
        let shown = try FormFailure(failure, req)
        let view = try await req.view.render(
            template,
            FormContext(
                page: req.pageContext(title: title), values: values,
                errors: shown.fields, summary: shown.summary))
        return shown.apply(to: try await view.encodeResponse(status: shown.status, for: req))
    }

    package func loginForm(req: Request) async throws -> Response {
        if req.currentAccount != nil { return req.redirect(to: "/account") }
        return try await form(req, "login", title: req.t("login.title"))
    }

    package struct LoginForm: Content {
        package var login: String?
        package var password: String?
    }

    package func login(req: Request) async throws -> Response {
        let input = try req.content.decode(LoginForm.self)
        let signIn = req.signIn
        do {
            let account = try await signIn.authenticate(login: input.login, password: input.password)
            let cookie = try await signIn.startSession(for: account)
            let response = req.redirect(to: "/account")
            response.cookies[SessionAuthenticator.cookieName] = cookie
            return response
        } catch {
            return try await form(req, "login", title: req.t("login.title"), values: ["login": input.login ?? ""], failure: error)
        }
    }

    package func logout(req: Request) async throws -> Response {
        try await req.signIn.endSession(token: req.cookies[SessionAuthenticator.cookieName]?.string)
        let response = req.redirect(to: "/")
        response.cookies[SessionAuthenticator.cookieName] = SignIn.sessionCookie("", maxAge: 0, secure: req.isHTTPS)
        return response
    }

    package func registerChoice(req: Request) async throws -> Response {
        try await form(req, "register", title: req.t("register.title"))
    }

    package func personForm(req: Request) async throws -> Response {
        try await form(req, "register-person", title: req.t("register.person.title"))
    }

    package func enterpriseForm(req: Request) async throws -> Response {
        try await form(req, "register-enterprise", title: req.t("register.enterprise.title"))
    }

    package struct PersonForm: Content {
        package var name: String?
        package var identityNumber: String?
        package var mobile: String?
        package var password: String?
        package var passwordConfirm: String?
    }

    package func registerPerson(req: Request) async throws -> Response {
        let input = try req.content.decode(PersonForm.self)
        let values = ["name": input.name ?? "", "identityNumber": input.identityNumber ?? "", "mobile": input.mobile ?? ""]
        do {
            if input.password != input.passwordConfirm { throw TongbanError.invalid(field: "passwordConfirm", "password.mismatch") }
            let account = try await req.accountDesk.registerPerson(
                PersonRegistration(name: input.name, identityNumber: input.identityNumber, mobile: input.mobile, password: input.password))
            return try await signedIn(req, account)
        } catch {
            return try await form(req, "register-person", title: req.t("register.person.title"), values: values, failure: error)
        }
    }

    package struct EnterpriseForm: Content {
        package var name: String?
        package var creditCode: String?
        package var legalRepresentative: String?
        package var password: String?
        package var passwordConfirm: String?
    }

    package func registerEnterprise(req: Request) async throws -> Response {
        let input = try req.content.decode(EnterpriseForm.self)
        let values = [
            "name": input.name ?? "", "creditCode": input.creditCode ?? "", "legalRepresentative": input.legalRepresentative ?? "",
        ]
        do {
            if input.password != input.passwordConfirm { throw TongbanError.invalid(field: "passwordConfirm", "password.mismatch") }
            let account = try await req.accountDesk.registerEnterprise(
                EnterpriseRegistration(
                    name: input.name, creditCode: input.creditCode, legalRepresentative: input.legalRepresentative, password: input.password
                ))
            return try await signedIn(req, account)
        } catch {
            return try await form(req, "register-enterprise", title: req.t("register.enterprise.title"), values: values, failure: error)
        }
    }

    /// A new registrant is signed in straight away.
    private func signedIn(_ req: Request, _ account: Account) async throws -> Response {
        let cookie = try await req.signIn.startSession(for: account)
        let response = req.redirect(to: "/account?done=registered")
        response.cookies[SessionAuthenticator.cookieName] = cookie
        return response
    }

    package struct AccountContext: Encodable {
        package let page: PageContext
        package let account: AccountDTO
        package let kindLabel: String
        /// How far a person's or enterprise's identity is proven (none shown for staff).
        package let assuranceLabel: String?
        /// A person not yet proven may prove themselves here (实名认证).
        package let mayVerify: Bool
        /// A person below Level 3 may ask for a window code, to have their card checked at a window.
        package let mayShowCard: Bool
        package let windowCode: String?
        package let windowCodeUntil: String?
        /// An enterprise not yet proven may ask its legal representative to confirm it.
        package let mayAskRepresentative: Bool
        /// Enterprises waiting for this person, as their legal representative, to confirm them.
        package let representations: [RepresentationView]
        /// A person's enterprises (as legal representative or handler); an enterprise's handlers.
        package let enterprisesHref: String?
        /// Not for a person acting for an enterprise: its credentials are its own.
        package let mayChangePassword: Bool
        package let roleLabels: [String]
        package let departmentName: String?
        package let regionName: String?
        package let errors: [String: String]
        package let summary: String?
    }

    package struct RepresentationView: Encodable {
        package let id: String
        package let title: String
    }

    /// Notices named by `?done=`; only known keys are shown, so the query cannot inject text.
    package static let notices = [
        "registered": "notice.registered", "password": "notice.passwordChanged", "verified": "notice.verified",
        "reclaimed": "notice.reclaimed",
    ]

    package func account(req: Request) async throws -> Response {
        try await accountPage(req, failure: nil)
    }

    package func accountPage(_ req: Request, failure: (any Error)?, windowCode: InPersonCheck.WindowCode? = nil) async throws -> Response {
        guard let account = req.currentAccount else { return req.redirect(to: "/login") }
        let own = try account.resource
        try req.authorize(.view, own)
        let department = try await account.$department.get(on: req.db)
        let region = try await account.regionCode.asyncFlatMap { try await Region.find($0, on: req.db) }
        let shown = try FormFailure(failure, req)
        let notice = req.query[String.self, at: "done"].flatMap { Self.notices[$0] }.map { req.t($0) }
        let context = AccountContext(
            page: req.pageContext(title: req.t("account.title"), notice: notice),
            account: try account.toDTO(keys: req.application.keys, reveal: true),
            kindLabel: req.t("kind.\(account.kind.rawValue)"),
            assuranceLabel: account.kind == .staff ? nil : req.t("account.assurance.\(account.assurance.rawValue)"),
            mayVerify: account.kind == .person && account.assurance < .verifiedRemotely,
            mayShowCard: account.kind == .person && account.assurance < .verifiedInPerson,
            windowCode: windowCode.map { VerificationPages.spaced($0.code) },
            windowCodeUntil: windowCode.map { VerificationPages.clockTime($0.expiresAt) },
            mayAskRepresentative: account.kind == .enterprise && account.assurance < .verifiedRemotely
                && req.allows(.verify, own),
            representations: try await req.representativeConfirmation.pending().map {
                RepresentationView(id: $0.requestID.uuidString, title: "\($0.enterpriseName)（\($0.creditCode)）")
            },
            enterprisesHref: account.kind == .person || req.currentAgency != nil
                ? "/account/enterprises" : (account.kind == .enterprise ? "/account/enterprises/\(try account.requireID())/handlers" : nil),
            mayChangePassword: req.allows(.changePassword, own),
            roleLabels: account.roles.map { req.t("role.\($0.rawValue)") },
            departmentName: department?.name, regionName: region?.name, errors: shown.fields, summary: shown.summary)
        return shown.apply(to: try await req.view.render("account", context).encodeResponse(status: shown.status, for: req))
    }

    package struct PasswordForm: Content {
        package var currentPassword: String?
        package var newPassword: String?
        package var newPasswordConfirm: String?
    }

    package func changePassword(req: Request) async throws -> Response {
        guard let account = req.currentAccount else { return req.redirect(to: "/login") }
        let input = try req.content.decode(PasswordForm.self)
        do {
            try req.authorize(.changePassword, account.resource)
            if input.newPassword != input.newPasswordConfirm {
                throw TongbanError.invalid(field: "newPasswordConfirm", "password.mismatch")
            }
            try await req.accountDesk.changePassword(
                current: input.currentPassword, new: input.newPassword,
                keepSession: req.cookies[SessionAuthenticator.cookieName].map { SecretToken.digest($0.string) })
            return req.redirect(to: "/account?done=password")
        } catch {
            return try await accountPage(req, failure: error)
        }
    }
}

extension Optional {
    package func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
