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
            let mobile = try await IdentityVerification.populationRecord(subjectHash: hash, on: req.db)?["mobile"]
        {
            sentTo = Masking.mobile(mobile)
        }
        let shown = try FormFailure(failure, req)
        let context = VerifyContext(
            page: req.pageContext(title: req.t("realName.title")), name: name ?? account.displayName, sentTo: sentTo,
            expiresAt: waiting.map { Self.clockTime($0.expiresAt) }, errors: shown.fields, summary: shown.summary)
        return shown.apply(to: try await req.view.render("account-verify", context).encodeResponse(status: shown.status, for: req))
    }

    /// `14:05` in Beijing time: when an open code stops working.
    static func clockTime(_ instant: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = CalendarDate.shanghai
        formatter.dateFormat = "HH:mm"
        return formatter.string(from: instant)
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
}
