import Fluent
import TongbanCore
import TongbanPlatform
import Vapor

/// The pages of 经办人: a person's enterprises and the switch to act for one
/// (`/account/enterprises`); an enterprise's handlers, named and revoked by its legal
/// representative, and what was done in its name (`/account/enterprises/:id/handlers`).
package struct HandlerPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("account", "enterprises", use: enterprises)
        routes.post("account", "acting", "end", use: endActing)
        routes.post("account", "acting", ":enterpriseID", use: startActing)
        routes.get("account", "enterprises", ":enterpriseID", "handlers", use: handlers)
        routes.post("account", "enterprises", ":enterpriseID", "handlers", use: grant)
        routes.post("account", "enterprises", ":enterpriseID", "handlers", ":handlerID", "revoke", use: revoke)
    }

    struct EnterpriseView: Encodable {
        let id: String
        let name: String
        let creditCode: String
        let role: String
        let scope: String
        let manages: Bool
        /// The one the person acts for now.
        let current: Bool
    }

    struct EnterprisesContext: Encodable {
        let page: PageContext
        let enterprises: [EnterpriseView]
        let summary: String?
    }

    package func enterprises(req: Request) async throws -> Response {
        guard let account = req.currentAccount else { return req.redirect(to: "/login?back=/account/enterprises") }
        // the enterprise's own sign-in manages its handlers; a person acting for it sees their enterprises
        if account.kind == .enterprise, req.currentAgency == nil, let id = account.id {
            return req.redirect(to: "/account/enterprises/\(id)/handlers")
        }
        return try await enterprisesPage(req, failure: nil)
    }

    private func enterprisesPage(_ req: Request, failure: (any Error)?) async throws -> Response {
        let shown = try FormFailure(failure, req)
        let rows = try await req.enterpriseHandlers.represented()
        let views = rows.map { row in
            EnterpriseView(
                id: row.enterpriseID.uuidString, name: row.name, creditCode: row.creditCode,
                role: req.t(row.role == "representative" ? "handlers.role.representative" : "handlers.role.handler"),
                scope: Self.scope(req, items: row.itemCodes, until: row.validUntil), manages: row.role == "representative",
                current: req.currentAgency != nil && req.currentAccount?.id == row.enterpriseID)
        }
        let context = EnterprisesContext(
            page: req.pageContext(title: req.t("handlers.enterprisesTitle")), enterprises: views, summary: shown.summary)
        return shown.apply(to: try await req.view.render("account-enterprises", context).encodeResponse(status: shown.status, for: req))
    }

    /// "全部事项，至 2027-12-31" / "every item".
    static func scope(_ req: Request, items: [String]?, until: String?) -> String {
        let what = items.map { $0.joined(separator: "、") } ?? req.t("handlers.allItems")
        guard let until else { return what }
        return what + req.t("handlers.until", ["date": until])
    }

    package func startActing(req: Request) async throws -> Response {
        guard req.currentAccount != nil, let cookie = req.cookies[SessionAuthenticator.cookieName]?.string else {
            return req.redirect(to: "/login")
        }
        do {
            try await req.enterpriseHandlers.act(
                for: req.parameters.get("enterpriseID", as: UUID.self) ?? UUID(), session: SecretToken.digest(cookie))
            return req.redirect(to: "/applications")
        } catch {
            return try await enterprisesPage(req, failure: error)
        }
    }

    package func endActing(req: Request) async throws -> Response {
        guard req.currentAccount != nil, let cookie = req.cookies[SessionAuthenticator.cookieName]?.string else {
            return req.redirect(to: "/login")
        }
        try await req.enterpriseHandlers.act(for: nil, session: SecretToken.digest(cookie))
        return req.redirect(to: "/account/enterprises")
    }

    struct HandlerView: Encodable {
        let id: String
        let name: String
        let scope: String
        let grantedAt: String
        let state: String
        let live: Bool
    }

    struct ActView: Encodable {
        let at: String
        let action: String
        let resource: String
        let actor: String
    }

    struct HandlersContext: Encodable {
        let page: PageContext
        let enterpriseID: String
        let enterpriseName: String
        let handlers: [HandlerView]
        let acts: [ActView]
        let mayGrant: Bool
        let mayRevoke: Bool
        let values: [String: String]
        let errors: [String: String]
        let summary: String?
    }

    package struct GrantForm: Content {
        var identityNumber: String?
        var name: String?
        var itemCodes: String?
        var validUntil: String?
    }

    package func handlers(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        return try await handlersPage(req, values: [:], failure: nil)
    }

    private func handlersPage(_ req: Request, values: [String: String], failure: (any Error)?) async throws -> Response {
        let overview = try await req.enterpriseHandlers.overview(of: req.parameters.get("enterpriseID", as: UUID.self), acts: 50)
        let enterprise = overview.enterprise
        let resource = overview.resource
        let shown = try FormFailure(failure, req)
        let notice = req.query[String.self, at: "done"].flatMap { ["granted": "handlers.granted", "revoked": "handlers.revoked"][$0] }
            .map { req.t($0) }
        let context = HandlersContext(
            page: req.pageContext(title: req.t("handlers.title"), notice: notice),
            enterpriseID: try enterprise.requireID().uuidString, enterpriseName: enterprise.displayName,
            handlers: overview.handlers.map { row in
                HandlerView(
                    id: row.id.uuidString, name: row.personName, scope: Self.scope(req, items: row.itemCodes, until: row.validUntil),
                    grantedAt: CalendarDate.beijingTime(row.grantedAt),
                    state: req.t(
                        row.live ? "handlers.state.live" : (row.revokedAt != nil ? "handlers.state.revoked" : "handlers.state.ended")),
                    live: row.live)
            },
            acts: overview.acts.map { act in
                ActView(
                    at: CalendarDate.beijingTime(act.at), action: act.action, resource: act.resource,
                    actor: act.agentID == nil ? req.t("handlers.ownSignIn") : Self.personPart(act.actor))
            },
            mayGrant: req.allows(.create, resource), mayRevoke: req.allows(.handle, resource), values: values, errors: shown.fields,
            summary: shown.summary)
        return shown.apply(
            to: try await req.view.render("account-handlers", context).encodeResponse(status: shown.status, for: req))
    }

    /// `enterprise:某公司 [L2] by person:王丽 [L2]` → `王丽 [L2]`.
    static func personPart(_ label: String) -> String {
        guard let range = label.range(of: " by person:") else { return label }
        return String(label[range.upperBound...])
    }

    package func grant(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let form = try req.content.decode(GrantForm.self)
        let codes = (form.itemCodes ?? "").split(whereSeparator: { " ,，、\n\r\t".contains($0) }).map(String.init)
        let values = [
            "identityNumber": form.identityNumber ?? "", "name": form.name ?? "", "itemCodes": form.itemCodes ?? "",
            "validUntil": form.validUntil ?? "",
        ]
        let enterpriseID = req.parameters.get("enterpriseID", as: UUID.self)
        do {
            _ = try await req.enterpriseHandlers.grant(
                to: enterpriseID,
                .init(identityNumber: form.identityNumber, name: form.name, itemCodes: codes, validUntil: form.validUntil))
            return req.redirect(to: "/account/enterprises/\(enterpriseID?.uuidString ?? "")/handlers?done=granted")
        } catch {
            return try await handlersPage(req, values: values, failure: error)
        }
    }

    package func revoke(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let enterpriseID = req.parameters.get("enterpriseID", as: UUID.self)
        do {
            try await req.enterpriseHandlers.revoke(req.parameters.get("handlerID", as: UUID.self), of: enterpriseID)
            return req.redirect(to: "/account/enterprises/\(enterpriseID?.uuidString ?? "")/handlers?done=revoked")
        } catch {
            return try await handlersPage(req, values: [:], failure: error)
        }
    }
}
