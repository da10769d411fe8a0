import Fluent
import TongbanCore
import TongbanPlatform
import Vapor

/// The pages of 实名认证: a person proves their identity remotely (`/account/verify`: their name,
/// then the code sent to the mobile of their population record).
package struct VerificationPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("account", "verify", use: verifyForm)
        routes.post("account", "verify", use: start)
        routes.post("account", "verify", "code", use: confirm)
        routes.post("account", "window-code", use: windowCode)
        routes.post("account", "verify", "representative", use: askRepresentative)
        routes.post("account", "representations", ":requestID", "confirm", use: confirmRepresentation)
        routes.get("desk", "identity", use: checkForm)
        routes.post("desk", "identity", use: check)
        routes.get("register", "reclaim", use: reclaimForm)
        routes.post("register", "reclaim", use: startReclaim)
        routes.post("register", "reclaim", "code", use: confirmReclaim)
    }

    package struct VerifyContext: Encodable {
        package let page: PageContext
        package let name: String
        /// Where the open code went (masked), when one is waiting to be typed.
        package let sentTo: String?
        package let expiresAt: String?
        package let errors: [String: String]
        package let summary: String?
    }

    package func verifyForm(req: Request) async throws -> Response {
        try await page(req, name: nil, failure: nil)
    }

    private func page(_ req: Request, name: String?, failure: (any Error)?) async throws -> Response {
        guard let account = req.currentAccount else { return req.redirect(to: "/login") }
        try req.authorize(.verify, account.resource)
        if account.kind != .person || account.assurance >= .verifiedRemotely { return req.redirect(to: "/account") }
        let id = try account.requireID()
        let open = try await ChallengeLedger(context: req.context).open(.verify, accountID: id, on: req.db)
        let waiting = open.flatMap { $0.expiresAt > req.context.now ? $0 : nil }
        var sentTo: String?
        if waiting != nil, let hash = account.idNumberHash,
            let mobile = try await IdentityVerification.populationRecord(subjectHash: hash, keys: req.application.keys, on: req.db)?[
                "mobile"]
        {
            sentTo = Masking.mobile(mobile)
        }
        let shown = try FormFailure(failure, req)
        let context = VerifyContext(
            page: req.pageContext(title: req.t("realName.title")), name: name ?? account.displayName, sentTo: sentTo,
            expiresAt: waiting.map { Self.clockTime($0.expiresAt) }, errors: shown.fields, summary: shown.summary)
        return shown.apply(to: try await req.view.render("account-verify", context).encodeResponse(status: shown.status, for: req))
    }

    /// `1234 5678`: a window code as read aloud.
    static func spaced(_ code: String) -> String {
        String(code.prefix(4)) + " " + String(code.dropFirst(4))
    }

    /// `14:05` in Beijing time: when an open code stops working.
    static func clockTime(_ instant: Date) -> String {
        CalendarDate.beijingTime(instant, format: "HH:mm")
    }

    package struct StartForm: Content { var name: String? }
    package struct CodeForm: Content { var code: String? }

    package func start(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let form = try req.content.decode(StartForm.self)
        do {
            _ = try await req.identityVerification.start(name: form.name)
            return req.redirect(to: "/account/verify")
        } catch {
            return try await page(req, name: form.name, failure: error)
        }
    }

    package func confirm(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let form = try req.content.decode(CodeForm.self)
        do {
            _ = try await req.identityVerification.confirm(code: form.code)
            return req.redirect(to: "/account?done=verified")
        } catch {
            return try await page(req, name: nil, failure: error)
        }
    }

    package struct ReclaimContext: Encodable {
        package let page: PageContext
        package let values: [String: String]
        /// The code's challenge and where it went, once the registration was checked.
        package let challengeID: String?
        package let sentTo: String?
        /// A window code to take the number back in person (`1234 5678`), and its last day.
        package let windowCode: String?
        package let windowCodeUntil: String?
        package let errors: [String: String]
        package let summary: String?
    }

    private func reclaimPage(
        _ req: Request, values: [String: String] = [:], sent: IdentityVerification.CodeSent? = nil,
        windowCode: InPersonCheck.WindowCode? = nil, failure: (any Error)? = nil
    ) async throws -> Response {
        let shown = try FormFailure(failure, req)
        let context = ReclaimContext(
            page: req.pageContext(title: req.t("reclaim.title")), values: values, challengeID: sent?.challengeID.uuidString,
            sentTo: sent.flatMap { $0.mobile.isEmpty ? nil : $0.mobile }, windowCode: windowCode.map { Self.spaced($0.code) },
            windowCodeUntil: windowCode.map { CalendarDate.beijingTime($0.expiresAt, format: "yyyy-MM-dd HH:mm") }, errors: shown.fields,
            summary: shown.summary)
        return shown.apply(to: try await req.view.render("register-reclaim", context).encodeResponse(status: shown.status, for: req))
    }

    package func reclaimForm(req: Request) async throws -> Response {
        try await reclaimPage(req)
    }

    package struct ReclaimForm: Content {
        var name: String?
        var identityNumber: String?
        var mobile: String?
        var password: String?
        var passwordConfirm: String?
        /// `window`: a window code instead of a code to the record's mobile.
        var via: String?
    }

    package func startReclaim(req: Request) async throws -> Response {
        let input = try req.content.decode(ReclaimForm.self)
        let values = ["name": input.name ?? "", "identityNumber": input.identityNumber ?? "", "mobile": input.mobile ?? ""]
        do {
            if input.password != input.passwordConfirm { throw TongbanError.invalid(field: "passwordConfirm", "password.mismatch") }
            let registration = PersonRegistration(
                name: input.name, identityNumber: input.identityNumber, mobile: input.mobile, password: input.password)
            if input.via == "window" {
                let code = try await req.numberReclaim.startAtWindow(registration)
                return try await reclaimPage(req, windowCode: code)
            }
            let sent = try await req.numberReclaim.start(registration)
            return try await reclaimPage(req, values: values, sent: sent)
        } catch {
            return try await reclaimPage(req, values: values, failure: error)
        }
    }

    package struct ReclaimCodeForm: Content {
        var challengeID: String?
        var code: String?
    }

    package func confirmReclaim(req: Request) async throws -> Response {
        let form = try req.content.decode(ReclaimCodeForm.self)
        let challengeID = form.challengeID.flatMap(UUID.init(uuidString:))
        do {
            let account = try await req.numberReclaim.confirm(challengeID: challengeID, code: form.code)
            let cookie = try await req.signIn.startSession(for: account)
            let response = req.redirect(to: "/account?done=reclaimed")
            response.cookies[SessionAuthenticator.cookieName] = cookie
            return response
        } catch {
            // the code form again while its challenge is open; the registration otherwise
            let open = try await challengeID.asyncFlatMap {
                try await ChallengeLedger(context: req.context).open(.reclaim, id: $0, on: req.db)
            }
            let sent = try open.map {
                IdentityVerification.CodeSent(
                    challengeID: try $0.requireID(), mobile: "", expiresAt: $0.expiresAt, tries: VerificationCode.tries)
            }
            return try await reclaimPage(req, sent: sent, failure: error)
        }
    }

    package func askRepresentative(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        do {
            _ = try await req.representativeConfirmation.request()
            return req.redirect(to: "/account?done=asked")
        } catch {
            return try await IdentityPages().accountPage(req, failure: error)
        }
    }

    package func confirmRepresentation(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        do {
            try await req.representativeConfirmation.confirm(req.parameters.get("requestID", as: UUID.self))
            return req.redirect(to: "/account?done=confirmed")
        } catch {
            return try await IdentityPages().accountPage(req, failure: error)
        }
    }

    /// The account page with a fresh window code on it.
    package func windowCode(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        do {
            let code = try await req.inPersonCheck.windowCode()
            return try await IdentityPages().accountPage(req, failure: nil, windowCode: code)
        } catch {
            return try await IdentityPages().accountPage(req, failure: error)
        }
    }

    package struct CheckContext: Encodable {
        package let page: PageContext
        package let values: [String: String]
        package let done: String?
        package let errors: [String: String]
        package let summary: String?
    }

    private func checkPage(_ req: Request, values: [String: String] = [:], done: String? = nil, failure: (any Error)? = nil)
        async throws -> Response
    {
        let shown = try FormFailure(failure, req)
        let context = CheckContext(
            page: req.pageContext(title: req.t("inPerson.title")), values: values, done: done, errors: shown.fields, summary: shown.summary)
        return shown.apply(to: try await req.view.render("desk-identity", context).encodeResponse(status: shown.status, for: req))
    }

    package func checkForm(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/desk/identity") }
        try req.authorize(.verify, .account(id: UUID(), kind: .person))
        return try await checkPage(req)
    }

    package func check(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/desk/identity") }
        try req.authorize(.verify, .account(id: UUID(), kind: .person))
        let form = try req.content.decode(InPersonCheck.Check.self)
        do {
            let account = try await req.inPersonCheck.record(form)
            return try await checkPage(req, done: req.t("inPerson.done", ["name": account.displayName]))
        } catch {
            let values = ["identityNumber": form.identityNumber ?? "", "name": form.name ?? ""]
            return try await checkPage(req, values: values, failure: error)
        }
    }
}
