import Fluent
import Prometheus
import SQLKit
import TongbanPlatform
import Vapor

/// `/healthz` (the process answers), `/readyz` (and its database does), `/metrics` (Prometheus text).
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
            let text = registry?.emitToString() ?? ""
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
            return Response(status: .ok, headers: headers, body: .init(string: text))
        }
    }
}
