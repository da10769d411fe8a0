import Foundation
import Testing
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

@Suite("health, metrics, headers, OpenAPI")
struct OperationsTests {
    @Test("healthz and readyz answer; every response carries a request id and the security headers", arguments: TestDatabase.available)
    func health(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            for path in ["/healthz", "/readyz", "/", "/login", "/api/v1/me", "/nowhere", "/api/v1/nowhere"] {
                let response = try await app.send(.GET, path)
                #expect(response.headers.first(name: "X-Request-Id")?.isEmpty == false, "\(path)")
                let csp = response.headers.first(name: "Content-Security-Policy") ?? ""
                #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "\(path)")
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(response.headers.first(name: "X-Frame-Options") == "DENY")
                #expect(response.headers.first(name: "Referrer-Policy") == "same-origin")
                #expect(response.status != .internalServerError, "\(path)")
            }
            #expect(try await app.send(.GET, "/healthz").status == .ok)
            #expect(try await app.send(.GET, "/readyz").body.string.contains("ready"))
        }
    }

    @Test("a caller's own request id is kept")
    func incomingRequestID() async throws {
        try await withTongban(.sqlite, seed: false) { app, _ in
            let response = try await app.send(.GET, "/healthz", headers: ["X-Request-Id": "trace-abc-123"])
            #expect(response.headers.first(name: "X-Request-Id") == "trace-abc-123")
        }
    }

    @Test("unknown routes get the JSON error shape under /api and a page elsewhere")
    func notFound() async throws {
        try await withTongban(.sqlite, seed: false) { app, _ in
            let api = try await app.send(.GET, "/api/v1/nowhere")
            #expect(api.status == .notFound)
            #expect(api.errorBody?.error.code == "notFound")
            let page = try await app.send(.GET, "/nowhere", headers: ["Accept-Language": "en"])
            #expect(page.status == .notFound)
            #expect(page.body.string.contains("<html") && page.body.string.contains("Not found"))
        }
    }

    @Test("a known path with another method is a 405 with Allow; bad query numbers are 422s")
    func methodsAndQueries() async throws {
        try await withTongban(.sqlite) { app, _ in
            let trace = try await app.send(.DELETE, "/api/v1/regions")
            #expect(trace.status == .methodNotAllowed && trace.headers.first(name: "Allow") == "GET")
            #expect(try await app.send(.PATCH, "/api/v1/accounts/\(UUID())/roles").headers.first(name: "Allow") == "PUT")
            let admin = try await app.token("admin")
            for query in ["per=0", "per=101", "page=abc", "page=-1"] {
                let response = try await app.send(.GET, "/api/v1/accounts?\(query)", bearer: admin)
                #expect(response.status == .unprocessableEntity, "\(query)")
            }
            #expect(try await app.send(.GET, "/api/v1/audit?limit=500", bearer: admin).status == .unprocessableEntity)
            #expect(try await app.send(.GET, "/api/v1/audit?limit=5&before=3", bearer: admin).status == .ok)
        }
    }

    @Test("the stylesheet is served locally; paths cannot leave the folder")
    func staticFiles() async throws {
        try await withTongban(.sqlite, seed: false) { app, _ in
            let css = try await app.send(.GET, "/static/app.css")
            #expect(css.status == .ok && css.headers.contentType == .css)
            #expect(try await app.send(.GET, "/static/../Localization/en.json").status == .notFound)
            #expect(try await app.send(.GET, "/static/.hidden.css").status == .notFound)
        }
    }

    @Test("/openapi.json describes exactly the registered /api/v1 routes")
    func openAPIMatchesRoutes() async throws {
        try await withTongban(.sqlite, seed: false) { app, _ in
            let registered = Set(
                app.routes.all.compactMap { route -> String? in
                    let path =
                        "/"
                        + route.path.map { component -> String in
                            if case let .parameter(name) = component { return "{\(name)}" }
                            return component.description
                        }.joined(separator: "/")
                    return path.hasPrefix("/api/v1/") ? "\(route.method.rawValue.lowercased()) \(path)" : nil
                })
            let response = try await app.send(.GET, "/openapi.json")
            #expect(response.status == .ok)
            let document = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as! [String: Any]
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = document["paths"] as! [String: [String: Any]]
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method) \(path)") }
            }
            #expect(
                documented == registered,
                "only documented: \(documented.subtracting(registered)); only registered: \(registered.subtracting(documented))")
            // Every operation references schemas that exist.
            let schemas = ((document["components"] as! [String: Any])["schemas"] as! [String: Any]).keys
            let text = response.body.string
            for match in text.split(separator: "#/components/schemas/").dropFirst() {
                let name = match.prefix { $0 != "\"" }
                #expect(schemas.contains(String(name)), "missing schema \(name)")
            }
        }
    }

    /// The count `/metrics` shows for requests of `method` to the route `path` answered `status`.
    static func requestCount(_ app: Application, method: String, path: String, status: Int) async throws -> Int {
        let response = try await app.send(.GET, "/metrics", bearer: TestStore.metricsToken)
        #expect(response.status == .ok)
        #expect(response.headers.contentType?.description.hasPrefix("text/plain") == true)
        let labels = ["method=\"\(method)\"", "path=\"\(path)\"", "status=\"\(status)\""]
        let line = response.body.string.split(separator: "\n").first { line in
            line.hasPrefix("http_requests_total{") && labels.allSatisfy { line.contains($0) }
        }
        guard let line, let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { return 0 }
        return Int(value)
    }

    @Test("L6: /metrics is for the operators: a stranger, a wrong token and a forwarded request are answered 404")
    func metricsClosed() async throws {
        try await withTongban(.sqlite, seed: false) { app, _ in
            #expect(try await app.send(.GET, "/metrics").status == .notFound)
            #expect(try await app.send(.GET, "/metrics", bearer: "metrics-scraper-token-for-tesTs").status == .notFound)
            #expect(try await app.send(.GET, "/metrics", headers: ["X-Forwarded-For": "127.0.0.1"]).status == .notFound)
            let scraped = try await app.send(.GET, "/metrics", bearer: TestStore.metricsToken)
            #expect(scraped.status == .ok && scraped.body.string.contains("http_requests_total"))
        }
    }

    @Test("metrics count requests by route and status")
    func metrics() async throws {
        try await withTongban(.sqlite, seed: false) { app, _ in
            // setup: where the counters stand (other tests share the process's registry)
            let before = try await Self.requestCount(app, method: "GET", path: "/api/v1/regions/:code", status: 404)
            let okBefore = try await Self.requestCount(app, method: "GET", path: "/healthz", status: 200)
            // act: three requests a missing region answers 404, two health checks
            for _ in 0..<3 {
                #expect(try await app.send(.GET, "/api/v1/regions/999999").status == .notFound)
            }
            for _ in 0..<2 {
                #expect(try await app.send(.GET, "/healthz").status == .ok)
            }
            // check: each counter moved by at least what this test sent, on its route and status
            let after = try await Self.requestCount(app, method: "GET", path: "/api/v1/regions/:code", status: 404)
            let okAfter = try await Self.requestCount(app, method: "GET", path: "/healthz", status: 200)
            #expect(after - before >= 3)
            #expect(okAfter - okBefore >= 2)
        }
    }
}
