import Fluent
import Foundation
import Metrics
import NIOHTTP1
import Prometheus
import SQLKit
import Testing
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// The databases the server suite runs on: SQLite always, PostgreSQL when
/// `TONGBAN_TEST_POSTGRES_URL` is set (CI sets it).
enum TestDatabase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static var postgresURL: String? { ProcessInfo.processInfo.environment["TONGBAN_TEST_POSTGRES_URL"] }
    static var available: [TestDatabase] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    var testDescription: String { rawValue }
}

/// One isolated database: a fresh SQLite file, or a fresh PostgreSQL schema. Several
/// applications (standing in for several server processes) can share it.
struct TestStore: Sendable {
    let database: TestDatabase
    let choice: TongbanConfiguration.DatabaseChoice
    let folder: String
    let schema: String?
    let keys: KeyRing

    static func make(_ database: TestDatabase) -> TestStore {
        let name = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let folder = NSTemporaryDirectory() + "tongban-test-" + name
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        switch database {
        case .sqlite:
            return TestStore(
                database: database, choice: .sqlite(path: folder + "/test.sqlite"), folder: folder, schema: nil, keys: .random())
        case .postgres:
            return TestStore(
                database: database, choice: .postgres(url: TestDatabase.postgresURL!, searchPath: name), folder: folder,
                schema: name, keys: .random())
        }
    }

    static let metricsToken = "metrics-scraper-token-for-tests"
    /// The secret the tests' postal carrier signs its tracking callbacks with.
    static let carrierSecret = try! WebhookSecret(bytes: Data(repeating: 7, count: 32))

    var configuration: TongbanConfiguration {
        var configuration = TongbanConfiguration(database: choice, dataDirectory: folder, logLevel: .warning)
        configuration.passwordCost = 4
        // the tests' requests all come from one address; the kiosk limit has its own test
        configuration.kioskTicketsPerMinute = 0
        configuration.registrationsPerHour = 0
        // a fixed date, the same whenever the suite runs: a Tuesday, a working day, in office hours
        configuration.clockStart = TestClock.now()
        // the halls' tests move the clock across days with the tokens they hold; expiry itself is
        // tested with tokens made to have expired (SignInTests)
        configuration.accessTokenLifetime = 3 * 24 * 3600
        // in-memory requests have no peer address, so the tests scrape as a remote scraper does
        configuration.metricsToken = TestStore.metricsToken
        configuration.carrierSecrets = [TestStore.carrierSecret]
        return configuration
    }

    func makeApp(migrate: Bool) async throws -> Application {
        let app = try await Application.make(.testing)
        do {
            try await configure(app, configuration: configuration, keys: keys, metrics: TestMetrics.registry)
            if let schema, migrate { try await app.db.sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run() }
            if migrate {
                try await app.autoMigrate()
                if database == .sqlite { try await app.db.sql.raw("PRAGMA journal_mode=WAL").run() }
            }
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return app
    }

    func destroy(using app: Application?) async {
        if let schema, let app { _ = try? await app.db.sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run() }
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// Runs a test against a migrated (and, unless told otherwise, demo-seeded) application, and
/// always tears it down. The demo catalog (1,211 items) is seeded only for tests that read it.
func withTongban(
    _ database: TestDatabase, seed: Bool = true, catalog: Bool = false,
    _ body: (Application, TestStore) async throws -> Void
) async throws {
    let store = TestStore.make(database)
    let app = try await store.makeApp(migrate: true)
    do {
        if seed { _ = try await DemoSeed.run(app: app, db: app.db, regionsFolder: TongbanResources.regions, catalog: catalog) }
        try await body(app, store)
    } catch {
        await store.destroy(using: app)
        try? await app.asyncShutdown()
        throw error
    }
    await store.destroy(using: app)
    try await app.asyncShutdown()
}

let demoPassword = DemoSeed.password

extension Application {
    /// Each placed entry's place in the log, by its row number.
    func logPlaces() async throws -> [Int64: Int64] {
        var places: [Int64: Int64] = [:]
        for row in try await db.sql.raw("SELECT entry_id, sequence FROM audit_leaves").all() {
            places[try row.decode(column: "entry_id", as: Int64.self)] = try row.decode(column: "sequence", as: Int64.self)
        }
        return places
    }

    /// Places every entry waiting for the sequencer in the log (as a serving process does within
    /// its batch interval), then checks the whole log.
    func checkedAuditLog() async throws -> AuditLogCheck.Verdict {
        let clock = self.clock
        try await AuditSequencer.integrateAll(on: db, keys: keys, now: { clock.now() })
        return try await AuditLog.verify(on: db, keys: keys)
    }
    @discardableResult
    func send(
        _ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], json: (any Encodable & Sendable)? = nil,
        bearer: String? = nil, raw: String? = nil
    ) async throws -> TestingHTTPResponse {
        var headers = headers
        if let bearer { headers.bearerAuthorization = BearerAuthorization(token: bearer) }
        let finalHeaders = headers
        // a raw body sent as JSON (a signed receipt, whose bytes must stay as signed) is an example like any other
        let sent = try json.map { try JSONEncoder().encode($0) } ?? (headers.contentType == .json ? raw.map { Data($0.utf8) } : nil)
        let response = try await testing().sendRequest(method, path, headers: finalHeaders) { request in
            if let sent {
                request.headers.contentType = .json
                request.body = ByteBuffer(data: sent)
            } else if let raw {
                request.body = ByteBuffer(string: raw)
            }
        }
        // every answer of the API the suite sees is held to /openapi.json
        if path.hasPrefix("/api/v1/") {
            let problems = ContractCheck.shared.problems(
                method: method.rawValue, path: path, status: Int(response.status.code),
                contentType: response.headers.contentType?.serialize(),
                body: Data(response.body.readableBytesView))
            for problem in problems { Issue.record("contract: \(problem)") }
            if problems.isEmpty, (200..<300).contains(response.status.code),
                sent.map({ ContractCheck.shared.requestProblems(method: method.rawValue, path: path, body: $0).isEmpty }) ?? true,
                case let .string(operation)? = ContractCheck.shared.operation(method: method.rawValue, path: path)?["operationId"]
            {
                ExampleRecorder.shared.record(operation: operation, request: sent, response: Data(response.body.readableBytesView))
            }
        }
        return response
    }

    /// Signs in through the API and returns the access token.
    func token(_ login: String, password: String = demoPassword) async throws -> String {
        let response = try await send(.POST, "/api/v1/auth/login", json: ["login": login, "password": password])
        guard response.status == .ok else {
            Issue.record("sign-in of \(login) failed: \(response.status) \(response.body.string)")
            throw Abort(.unauthorized)
        }
        return try response.content.decode(SignIn.Tokens.self).accessToken
    }

    func accountID(login: String) async throws -> UUID {
        guard let account = try await Account.query(on: db).filter(\.$loginKey == Account.loginKey(typed: login, app: self)).first() else {
            throw Abort(.notFound, reason: "no account \(login)")
        }
        return try account.requireID()
    }

    var demoPersonLogin: String { IdentityNumber.completing(DemoSeed.personIDStem, today: today)!.value }
    var demoEnterpriseLogin: String { CreditCode.completing(DemoSeed.enterpriseCodeStem)!.value }
}

struct ErrorBody: Decodable {
    struct Inner: Decodable {
        struct Detail: Decodable {
            let field: String
            let code: String
            let message: String
        }
        let code: String
        let message: String
        let details: [Detail]?
    }
    let error: Inner
}

extension TestingHTTPResponse {
    var errorBody: ErrorBody? { try? JSONDecoder().decode(ErrorBody.self, from: Data(body.readableBytesView)) }
}

/// Counts of what a bad request must leave unchanged.
struct WriteCounts: Equatable {
    let accounts: Int
    let audit: Int
    let departments: Int

    static func read(_ app: Application) async throws -> WriteCounts {
        WriteCounts(
            accounts: try await Account.query(on: app.db).count(), audit: try await AuditEntry.query(on: app.db).count(),
            departments: try await Department.query(on: app.db).count())
    }
}

/// The test process's metrics backend: `MetricsSystem` may be bootstrapped once per process, so
/// every test application shares this registry (as every request of one server does).
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// The test applications' platform clock: it starts at a fixed moment and runs on, one clock for
/// every application of the process (a restarted server reads the same time). The moment is
/// before every moment the halls' tests set their clock to (an account seeded later would refuse
/// tokens issued earlier: they would predate its credentials) and after the supervision tests'
/// periods.
enum TestClock {
    static let origin = LocalTime(date: CalendarDate(year: 2026, month: 11, day: 24)!, minute: 8 * 60).instant
    private static let started = Date()

    static func now() -> Date { origin.addingTimeInterval(Date().timeIntervalSince(started)) }
}

extension AuditLogCheck.Verdict {
    /// How many entries a log that checks holds; nil for a broken one.
    var entries: Int? {
        if case let .ok(entries, _) = self { return Int(entries) }
        return nil
    }
}
