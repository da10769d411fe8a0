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

    package func represented(req: Request) async throws -> [EnterpriseHandlers.Represented] {
        try await req.enterpriseHandlers.represented()
    }

    /// An access token whose subject is the enterprise and whose `act` claim names the person.
    package func actingToken(req: Request) async throws -> Response {
        let keys = req.application.jwt.keys
        let token = try await req.enterpriseHandlers.actingToken(
            for: req.parameters.get("enterpriseID", as: UUID.self), lifetime: req.application.tongban.accessTokenLifetime
        ) { try await keys.sign($0) }
        return try await token.encodeResponse(status: .created, for: req)
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
