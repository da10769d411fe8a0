import Fluent
import JWT
import TongbanCore
import TongbanPlatform
import Vapor

/// `/api/v1` routes of 经办人: the enterprises a person may act for and a token to act with; an
/// enterprise's handlers (named and revoked by its legal representative) and what was done in
/// its name.
package struct HandlerAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.get("me", "enterprises", use: represented)
        api.post("me", "enterprises", ":enterpriseID", "token", use: actingToken)
        api.get("enterprises", ":enterpriseID", "handlers", use: handlers)
        api.post("enterprises", ":enterpriseID", "handlers", use: grant)
        api.post("enterprises", ":enterpriseID", "handlers", ":handlerID", "revoke", use: revoke)
        api.get("enterprises", ":enterpriseID", "acts", use: acts)
    }

    package struct ActingToken: Content {
        package let accessToken: String
        package let tokenType: String
        package let expiresIn: Int
        package let enterpriseID: UUID
        /// The items the person may act on; absent: every item.
        package let itemCodes: [String]?
    }

    package func represented(req: Request) async throws -> [EnterpriseHandlers.Represented] {
        try await req.enterpriseHandlers.represented()
    }

    /// An access token whose subject is the enterprise and whose `act` claim names the person
    /// (RFC 8693). No refresh token: the person asks again with their own. The mandate is checked
    /// on every request, so a revocation takes effect at once.
    package func actingToken(req: Request) async throws -> Response {
        let handlers = req.enterpriseHandlers
        let (enterprise, agency) = try await handlers.agency(for: req.parameters.get("enterpriseID", as: UUID.self))
        let now = req.context.now
        let lifetime = req.application.tongban.accessTokenLifetime
        let enterpriseID = try enterprise.requireID()
        let level = min(enterprise.assurance, agency.person.assurance)
        let payload = AccessTokenPayload(
            sub: .init(value: enterpriseID.uuidString), exp: .init(value: now.addingTimeInterval(lifetime)), iat: .init(value: now),
            kind: enterprise.kind.rawValue, acr: AccessTokenPayload.acr(level),
            act: .init(sub: try agency.person.requireID().uuidString))
        let token = try await req.application.jwt.keys.sign(payload)
        try await AuditLog.append(
            req.context.acting(as: enterprise, through: agency).auditEvent(
                "enterprise.acting.start", resource: "account:\(enterpriseID)",
                details: "api token; " + (agency.mandateID.map { "mandate \($0)" } ?? "legal representative")),
            on: req.db, now: now)
        return try await ActingToken(
            accessToken: token, tokenType: "Bearer", expiresIn: Int(lifetime), enterpriseID: enterpriseID,
            itemCodes: agency.agent.itemCodes.map { $0.sorted() }
        ).encodeResponse(status: .created, for: req)
    }

    package func handlers(req: Request) async throws -> [EnterpriseHandlers.Handler] {
        try await req.enterpriseHandlers.handlers(of: req.parameters.get("enterpriseID", as: UUID.self))
    }

    package func grant(req: Request) async throws -> Response {
        let body = try req.content.decode(EnterpriseHandlers.GrantBody.self)
        let handler = try await req.enterpriseHandlers.grant(to: req.parameters.get("enterpriseID", as: UUID.self), body)
        return try await handler.encodeResponse(status: .created, for: req)
    }

    package func revoke(req: Request) async throws -> HTTPStatus {
        try await req.enterpriseHandlers.revoke(
            req.parameters.get("handlerID", as: UUID.self), of: req.parameters.get("enterpriseID", as: UUID.self))
        return .noContent
    }

    package func acts(req: Request) async throws -> [EnterpriseHandlers.Act] {
        try await req.enterpriseHandlers.acts(of: req.parameters.get("enterpriseID", as: UUID.self))
    }
}
