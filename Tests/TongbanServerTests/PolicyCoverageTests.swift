import Foundation
import Testing
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// Every permission goes through `Policy.decide`: no handler decides by role itself (the
/// compiler keeps `Actor.has` inside TongbanCore; this suite reads the server's sources for the
/// model's roles), and every registered route either is public on purpose, named here with the
/// reason, or refuses a caller who is not signed in.
@Suite("every permission through the policy")
struct PolicyCoverageTests {
    /// Routes anyone may use, signed in or not, and why.
    static let publicRoutes: [String: String] = [
        "GET /": "home page",
        "GET /catalog": "service guides",
        "GET /catalog/items/:code": "an item's guide",
        "GET /catalog/items/:code/notice": "an item's one-time notice",
        "GET /catalog/bundles/:code": "a bundle's guide and questionnaire",
        "GET /transparency": "public figures (no personal data)",
        "GET /transparency.csv": "public figures (no personal data)",
        "GET /status": "status lookup by number and the applicant's tail",
        "GET /verify": "licence verification",
        "POST /verify": "licence verification",
        "GET /login": "sign-in form",
        "POST /login": "sign-in",
        "POST /logout": "sign-out",
        "GET /register": "registration",
        "GET /register/person": "registration",
        "POST /register/person": "registration",
        "GET /register/enterprise": "registration",
        "POST /register/enterprise": "registration",
        "GET /register/reclaim": "registration: taking back a number an unproven account registered",
        "POST /register/reclaim": "registration: taking back a number an unproven account registered",
        "POST /register/reclaim/code": "registration: taking back a number an unproven account registered",
        "GET /halls": "halls and their hours",
        "GET /halls/:hall": "a hall's queue and hours",
        "GET /halls/:hall/display": "the hall's public display",
        "GET /halls/:hall/kiosk": "the hall's kiosk",
        "POST /halls/:hall/kiosk": "a ticket from the kiosk (rate-limited)",
        "GET /hall-tickets/:id": "a ticket's page (its id is the secret)",
        "GET /healthz": "operations",
        "GET /readyz": "operations",
        "GET /metrics": "operations",
        "GET /openapi.json": "the contract",
        "GET /.well-known/jwks.json": "the platform's public keys (licences, webhooks, the audit log's tree heads)",
        "GET /lang/:code": "language switch",
    ]

    /// API routes anyone may use, and why.
    static let publicAPI: [String: String] = [
        "POST /api/v1/auth/login": "sign-in",
        "POST /api/v1/auth/refresh": "token refresh (the refresh token is the credential)",
        "POST /api/v1/auth/logout": "sign-out",
        "POST /api/v1/register/person": "registration",
        "POST /api/v1/register/enterprise": "registration",
        "POST /api/v1/register/reclaim": "registration: taking back a number an unproven account registered",
        "POST /api/v1/register/reclaim/code": "registration: taking back a number an unproven account registered",
        "POST /api/v1/register/reclaim/window": "registration: taking back a number an unproven account registered",
        "GET /api/v1/regions": "reference data",
        "GET /api/v1/regions/:code": "reference data",
        "GET /api/v1/departments": "reference data",
        "GET /api/v1/catalog/items": "the catalog",
        "GET /api/v1/catalog/items/:code": "the catalog",
        "GET /api/v1/catalog/bundles": "the catalog",
        "GET /api/v1/catalog/bundles/:code": "the catalog",
        "POST /api/v1/catalog/bundles/:code/evaluate": "the bundle questionnaire",
        "GET /api/v1/status": "status lookup by number and the applicant's tail",
        "GET /api/v1/public/figures": "public figures (no personal data)",
        "GET /api/v1/calendar/add": "the official calendar",
        "GET /api/v1/calendar/between": "the official calendar",
        "GET /api/v1/data/resources": "the data-resource catalog (no records)",
        "POST /api/v1/licenses/verify": "licence verification",
        "GET /api/v1/halls": "halls and their hours",
        "GET /api/v1/halls/:hall": "a hall and its queue",
        "GET /api/v1/halls/:hall/slots": "a hall's free appointment slots",
        "GET /api/v1/halls/:hall/display": "the hall's public display",
        "GET /api/v1/hall-tickets/:id": "a ticket (its id is the secret)",
        "GET /api/v1/audit/tree-head": "the audit log's signed tree head (hashes only), for anyone to hold the log to",
        "GET /api/v1/audit/consistency": "the audit log's consistency proofs (hashes only)",
    ]

    static func key(_ route: Route) -> String {
        "\(route.method.rawValue) /" + route.path.map { "\($0)" }.joined(separator: "/")
    }

    static func concretePath(_ route: Route) -> String {
        "/"
            + route.path.map { component -> String in
                if case .parameter = component { return UUID().uuidString }
                if case .catchall = component { return "x" }
                return component.description
            }.joined(separator: "/")
    }

    @Test("every route not public on purpose refuses a caller who is not signed in", arguments: TestDatabase.available)
    func routesRefuseStrangers(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            var unguarded: [String] = []
            for route in app.routes.all {
                let key = Self.key(route)
                if Self.publicRoutes[key] != nil || Self.publicAPI[key] != nil || key.hasPrefix("GET /static") { continue }
                var headers: HTTPHeaders = [:]
                if route.method != .GET { headers.contentType = key.contains("/api/") ? .json : .urlEncodedForm }
                // an upload says what it carries, so that the content check lets it reach the access check
                if key.hasSuffix("/materials/:key") { headers.contentType = .pdf }
                if key.hasSuffix("/records") { headers.contentType = .ndjson }
                let body = route.method == .GET ? nil : "{}"
                let response = try await app.send(route.method, Self.concretePath(route), headers: headers, raw: body)
                let status = response.status
                let toLogin = status == .seeOther && (response.headers.first(name: .location)?.hasPrefix("/login") ?? false)
                let refused = [.unauthorized, .forbidden, .notFound].contains(status) || toLogin
                if !refused { unguarded.append("\(key) → \(status.code)") }
            }
            #expect(unguarded.isEmpty, "answered a stranger: \(unguarded.sorted().joined(separator: "; "))")
            // the lists name only routes that exist
            let registered = Set(app.routes.all.map(Self.key))
            let stale = Set(Self.publicRoutes.keys).union(Self.publicAPI.keys).subtracting(registered)
            #expect(stale.isEmpty, "listed as public but not registered: \(stale.sorted())")
        }
    }

    @Test("no handler decides by role: the server's sources never read an account's roles to allow or refuse")
    func noRoleChecksOutsideThePolicy() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        // every server module; the policy itself is in TongbanCore
        let modules = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0 != "TongbanCore" }
        let forbidden = ["roles.contains(", "roles.isSuperset", "roles.intersect", ".has(."]
        var found: [String] = []
        for module in modules {
            let files = FileManager.default.enumerator(at: root.appendingPathComponent(module), includingPropertiesForKeys: nil)
            while let file = files?.nextObject() as? URL {
                guard file.pathExtension == "swift" else { continue }
                let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                for (number, line) in lines.enumerated() where forbidden.contains(where: { line.contains($0) }) {
                    found.append("\(module)/\(file.lastPathComponent):\(number + 1)")
                }
            }
        }
        #expect(found.isEmpty, "role decided outside Policy.decide at \(found.joined(separator: ", "))")
        #expect(modules.contains("TongbanCases") && modules.contains("TongbanServer"))
    }
}
