import Fluent
import Prometheus
import SQLKit
import TongbanPlatform
import Vapor

/// `/healthz` (the process answers), `/readyz` (and its database does), `/metrics` (Prometheus text,
/// for the operators only).
struct HealthRoutes {
    let registry: PrometheusCollectorRegistry?

    struct Status: Content { let status: String }

    func register(_ routes: any RoutesBuilder) {
        // Liveness answers from memory: no encoder, no database.
        routes.get("healthz") { _ -> Response in
            var headers = HTTPHeaders()
            headers.contentType = .json
            return Response(status: .ok, headers: headers, body: .init(staticString: #"{"status":"ok"}"#))
        }
        routes.get("readyz") { req async -> Response in
            do {
                _ = try await req.db.sql.raw("SELECT 1 AS one").first()
                return try await Status(status: "ready").encodeResponse(for: req)
            } catch {
                req.logger.error("readiness check failed: \(error)")
                let response = try? await Status(status: "database unreachable").encodeResponse(status: .serviceUnavailable, for: req)
                return response ?? Response(status: .serviceUnavailable)
            }
        }
        routes.get("metrics") { req -> Response in
            // route names, counts and latencies are for the operators: a scraper with the token, or
            // a direct connection from this machine (a proxy's forwarded request is not one)
            guard Self.mayReadMetrics(req) else { throw Abort(.notFound) }
            let text = registry?.emitToString() ?? ""
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
            return Response(status: .ok, headers: headers, body: .init(string: text))
        }
    }

    static func mayReadMetrics(_ req: Request) -> Bool {
        if let expected = req.application.tongban.metricsToken, let presented = req.headers.bearerAuthorization?.token {
            return CSRFMiddleware.constantTimeEqual(presented, expected)
        }
        let forwarded = req.headers.contains(name: "X-Forwarded-For") || req.headers.contains(name: "Forwarded")
        guard !forwarded, let peer = req.remoteAddress else { return false }
        guard let address = peer.ipAddress else { return false }
        return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
