import Fluent
import Foundation
import Testing
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// The policy through HTTP: for each demo role (and anonymous), each resource kind, the
/// actions allowed and denied.
@Suite("authorisation matrix over HTTP")
struct AuthorizationMatrixTests {
    enum Who: String, CaseIterable {
        case anonymous, person, enterprise, clerk, reviewerAMR = "reviewer.amr", reviewerHealth = "reviewer.health"
        case supervisor, catalog, data, admin
    }

    @Test("each role and resource kind", arguments: TestDatabase.available)
    func matrix(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            var tokens: [Who: String] = [:]
            for who in Who.allCases where who != .anonymous {
                let login =
                    switch who {
                    case .person: app.demoPersonLogin
                    case .enterprise: app.demoEnterpriseLogin
                    default: who.rawValue
                    }
                tokens[who] = try await app.token(login)
            }
            let personID = try await app.accountID(login: app.demoPersonLogin)
            let enterpriseID = try await app.accountID(login: app.demoEnterpriseLogin)
            let reviewerID = try await app.accountID(login: "reviewer.amr")
            let adminID = try await app.accountID(login: "admin")
            let amr = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区市场监督管理局").first())
            let ningboCode = CreditCode.completing("11330200MB0000001")!.value

            struct Case {
                let name: String
                let method: HTTPMethod
                let path: String
                var body: [String: AnyCodable]? = nil
                let allowed: Set<Who>
                var success: HTTPStatus = .ok
            }
            var serial = 0
            func staffBody() -> [String: AnyCodable] {
                serial += 1
                return [
                    "username": .string("new.staff\(serial)"), "displayName": .string("新员工"), "departmentID": .string(amr.id!.uuidString),
                    "roles": .array([.string("reviewer")]), "password": .string("Staff-password-1"),
                ]
            }

            let cases: [Case] = [
                Case(
                    name: "read the person's account", method: .GET, path: "/api/v1/accounts/\(personID)?purpose=窗口核验身份",
                    allowed: [.person, .clerk]),
                Case(
                    name: "read the enterprise's account", method: .GET, path: "/api/v1/accounts/\(enterpriseID)?purpose=窗口核验",
                    allowed: [.enterprise, .clerk]),
                Case(
                    name: "read a reviewer's account", method: .GET, path: "/api/v1/accounts/\(reviewerID)",
                    allowed: [.reviewerAMR, .supervisor, .admin]),
                Case(name: "list staff", method: .GET, path: "/api/v1/accounts", allowed: [.supervisor, .admin]),
                Case(name: "create staff", method: .POST, path: "/api/v1/accounts", body: [:], allowed: [.admin], success: .created),
                Case(
                    name: "change a reviewer's roles", method: .PUT, path: "/api/v1/accounts/\(reviewerID)/roles",
                    body: ["roles": .array([.string("reviewer")]), "version": .int(1)], allowed: [.admin]),
                Case(
                    name: "change a reviewer's status", method: .PUT, path: "/api/v1/accounts/\(reviewerID)/status",
                    body: ["status": .string("active"), "version": .int(1)], allowed: [.admin]),
                Case(
                    name: "change own roles", method: .PUT, path: "/api/v1/accounts/\(adminID)/roles",
                    body: ["roles": .array([.string("system_admin")]), "version": .int(1)], allowed: []),
                Case(name: "read the audit trail", method: .GET, path: "/api/v1/audit", allowed: [.supervisor, .admin]),
                Case(name: "verify the audit chain", method: .GET, path: "/api/v1/audit/verify", allowed: [.admin]),
                Case(
                    name: "create a department", method: .POST, path: "/api/v1/departments",
                    body: ["name": .string("西湖区测试局"), "regionCode": .string("330106")], allowed: [.admin], success: .created),
                Case(
                    name: "create a department outside the region", method: .POST, path: "/api/v1/departments",
                    body: ["creditCode": .string(ningboCode), "name": .string("宁波测试局"), "regionCode": .string("330200")], allowed: []),
                Case(name: "read regions", method: .GET, path: "/api/v1/regions?parent=330100", allowed: Set(Who.allCases)),
                Case(name: "read one region", method: .GET, path: "/api/v1/regions/330106", allowed: Set(Who.allCases)),
                Case(name: "read departments", method: .GET, path: "/api/v1/departments", allowed: Set(Who.allCases)),
            ]

            for testCase in cases {
                for who in Who.allCases {
                    var body = testCase.body
                    if testCase.name == "create staff" { body = staffBody() }
                    if testCase.name == "create a department" {
                        serial += 1
                        body?["creditCode"] = .string(CreditCode.completing(String(format: "11330106MB%07d", serial))!.value)
                    }
                    let response = try await app.send(testCase.method, testCase.path, json: body, bearer: tokens[who])
                    if testCase.allowed.contains(who) {
                        #expect(
                            response.status == testCase.success, "\(who) may \(testCase.name): \(response.status) \(response.body.string)")
                        if testCase.name.hasPrefix("change a reviewer") {
                            // restore the version for the next caller
                            let account = try await Account.find(reviewerID, on: app.db)!
                            account.version = 1
                            try await account.update(on: app.db)
                        }
                    } else {
                        let expected: HTTPStatus = who == .anonymous ? .unauthorized : .forbidden
                        #expect(response.status == expected, "\(who) may not \(testCase.name): \(response.status) \(response.body.string)")
                        #expect(response.errorBody?.error.code.hasPrefix("auth.") == true)
                    }
                }
            }
        }
    }

    @Test(
        "personal data: masked for others, whole for the owner and the window clerk, every read audited with its purpose",
        arguments: TestDatabase.available)
    func personalData(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let personID = try await app.accountID(login: app.demoPersonLogin)
            let clerk = try await app.token("clerk")
            let before = try await AuditEntry.query(on: app.db).filter(\.$action == "personalData.read").count()

            let withoutPurpose = try await app.send(.GET, "/api/v1/accounts/\(personID)", bearer: clerk)
            #expect(withoutPurpose.status == .unprocessableEntity)
            #expect(withoutPurpose.errorBody?.error.details?.first?.field == "purpose")

            let read = try await app.send(.GET, "/api/v1/accounts/\(personID)?purpose=窗口核验身份", bearer: clerk)
            #expect(read.status == .ok)
            let dto = try read.content.decode(AccountDTO.self)
            #expect(dto.identityNumber == app.demoPersonLogin && dto.personalDataVisible)
            let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "personalData.read").all().map { $0.opened(app.keys) }
            #expect(entries.count == before + 1)
            #expect(entries.last?.purpose == "窗口核验身份" && entries.last?.resource == "account:\(personID)")
            #expect(entries.last?.actorID == (try await app.accountID(login: "clerk")).uuidString)
            #expect(entries.last?.details?.contains("window_clerk") == true)

            // the staff directory shows no personal numbers, and a supervisor sees a person's data not at all
            let supervisor = try await app.token("supervisor")
            #expect(try await app.send(.GET, "/api/v1/accounts/\(personID)?purpose=x", bearer: supervisor).status == .forbidden)

            // the owner reading themselves is not an audit event of another's data
            let person = try await app.token(app.demoPersonLogin)
            #expect(try await app.send(.GET, "/api/v1/accounts/\(personID)", bearer: person).status == .ok)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "personalData.read").count() == before + 1)
        }
    }

    @Test("a disabled account is signed out everywhere and cannot sign in; re-enabled, it can", arguments: TestDatabase.available)
    func disabling(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let admin = try await app.token("admin")
            let reviewer = try await app.send(.POST, "/api/v1/auth/login", json: ["login": "reviewer.amr", "password": demoPassword])
                .content.decode(SignIn.Tokens.self)
            let reviewerID = try await app.accountID(login: "reviewer.amr")

            let wrongVersion = try await app.send(
                .PUT, "/api/v1/accounts/\(reviewerID)/status", json: ["status": AnyCodable.string("disabled"), "version": .int(7)],
                bearer: admin)
            #expect(wrongVersion.status == .conflict && wrongVersion.errorBody?.error.code == "account.versionConflict")
            let unknown = try await app.send(
                .PUT, "/api/v1/accounts/\(reviewerID)/status", json: ["status": AnyCodable.string("sleeping"), "version": .int(1)],
                bearer: admin)
            #expect(unknown.status == .unprocessableEntity && unknown.errorBody?.error.details?.first?.field == "status")

            let disabled = try await app.send(
                .PUT, "/api/v1/accounts/\(reviewerID)/status", json: ["status": AnyCodable.string("disabled"), "version": .int(1)],
                bearer: admin)
            #expect(disabled.status == .ok)
            #expect(try await app.send(.GET, "/api/v1/me", bearer: reviewer.accessToken).status == .unauthorized)
            #expect(
                try await app.send(.POST, "/api/v1/auth/refresh", json: ["refreshToken": reviewer.refreshToken]).status == .unauthorized)
            #expect(
                try await app.send(.POST, "/api/v1/auth/login", json: ["login": "reviewer.amr", "password": demoPassword]).status
                    == .unauthorized)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "account.disabled").count() == 1)

            let enabled = try await app.send(
                .PUT, "/api/v1/accounts/\(reviewerID)/status", json: ["status": AnyCodable.string("active"), "version": .int(2)],
                bearer: admin)
            #expect(enabled.status == .ok)
            #expect(
                try await app.send(.POST, "/api/v1/auth/login", json: ["login": "reviewer.amr", "password": demoPassword]).status == .ok)
        }
    }

    @Test("concurrent role changes: exactly one wins, the other gets a 409", arguments: TestDatabase.available)
    func optimisticLocking(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let admin = try await app.token("admin")
            let reviewerID = try await app.accountID(login: "reviewer.health")
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for roles in [["reviewer", "supervisor"], ["reviewer", "window_clerk"]] {
                    group.addTask {
                        try await app.send(
                            .PUT, "/api/v1/accounts/\(reviewerID)/roles",
                            json: ["roles": AnyCodable.array(roles.map { .string($0) }), "version": .int(1)], bearer: admin
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .conflict])
            let account = try await Account.find(reviewerID, on: app.db)!
            #expect(account.version == 2 && account.roles.count == 2)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "account.rolesChanged").count() == 1)
        }
    }
}

/// A JSON value for request bodies of mixed types.
enum AnyCodable: Codable, Sendable {
    case string(String), int(Int), array([AnyCodable])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(value): try container.encode(value)
        case let .int(value): try container.encode(value)
        case let .array(values): try container.encode(values)
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .array(try container.decode([AnyCodable].self))
        }
    }
}
