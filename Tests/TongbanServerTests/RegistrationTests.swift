import Fluent
import Foundation
import Testing
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("registration and bad input")
struct RegistrationTests {
    static let person = ["name": "李四", "identityNumber": "11010519491231002X", "mobile": "139 1234 5678", "password": "Lisi-password-1"]

    @Test("a person registers; the numbers are stored encrypted and shown whole only to them", arguments: TestDatabase.available)
    func registerPerson(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let response = try await app.send(.POST, "/api/v1/register/person", json: Self.person)
            #expect(response.status == .created)
            let account = try response.content.decode(AccountDTO.self)
            #expect(account.identityNumber == "11010519491231002X" && account.mobile == "13912345678" && account.kind == .person)
            #expect(account.regionCode == nil || account.regionCode?.hasPrefix("11") == true)

            // at rest: no clear text, a keyed hash for lookups
            let stored = try #require(try await Account.find(account.id, on: app.db))
            #expect(stored.idNumberCipher?.contains("11010519491231002X") == false)
            #expect(stored.mobileCipher?.contains("13912345678") == false)
            #expect(stored.idNumberHash == app.keys.lookupHash("11010519491231002X", field: "identity_number"))
            #expect(!stored.loginKey.contains("11010519491231002X"))

            // they can sign in with the identity number, and see their own data whole
            let token = try await app.token("11010519491231002X", password: "Lisi-password-1")
            let me = try await app.send(.GET, "/api/v1/me", bearer: token).content.decode(AccountDTO.self)
            #expect(me.identityNumber == "11010519491231002X")

            // the registration was audited
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "account.register").first()
            #expect(entry?.resource == "account:\(account.id)")
        }
    }

    @Test("an enterprise registers with its credit code", arguments: TestDatabase.available)
    func registerEnterprise(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let body = [
                "name": "宁波港示例物流有限公司", "creditCode": "91330000142916567n", "legalRepresentative": "王五", "password": "Wangwu-password-1",
            ]
            let response = try await app.send(.POST, "/api/v1/register/enterprise", json: body)
            #expect(response.status == .created)
            #expect(try response.content.decode(AccountDTO.self).creditCode == "91330000142916567N")
            #expect(try await app.send(.POST, "/api/v1/register/enterprise", json: body).status == .conflict)
        }
    }

    @Test("a duplicate registration is a 409 naming the field, and writes nothing", arguments: TestDatabase.available)
    func duplicate(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            #expect(try await app.send(.POST, "/api/v1/register/person", json: Self.person).status == .created)
            let before = try await WriteCounts.read(app)
            var again = Self.person
            again["name"] = "李四二"
            let response = try await app.send(.POST, "/api/v1/register/person", json: again)
            #expect(response.status == .conflict)
            #expect(response.errorBody?.error.details?.first?.field == "identityNumber")
            #expect(try await WriteCounts.read(app) == before)
        }
    }

    @Test(
        "each kind of bad input gets a 4xx naming the field, in the caller's language, and writes nothing",
        arguments: TestDatabase.available)
    func badInput(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let before = try await WriteCounts.read(app)
            let cases: [([String: String], String, String)] = [
                (["identityNumber": "11010519491231002Y"], "identityNumber", "identity.notDigits"),
                (["identityNumber": "110105194912310021"], "identityNumber", "identity.wrongCheckCharacter"),
                (["identityNumber": "1101051949123100"], "identityNumber", "identity.wrongLength"),
                (["mobile": "12345"], "mobile", "mobile.invalid"),
                (["name": String(repeating: "长", count: 51)], "name", "field.tooLong"),
                (["name": ""], "name", "field.required"),
                (["password": "short"], "password", "password.tooShort"),
            ]
            for (change, field, code) in cases {
                var body = Self.person
                body.merge(change) { $1 }
                let response = try await app.send(.POST, "/api/v1/register/person", json: body)
                #expect(response.status == .unprocessableEntity, "\(change)")
                let detail = response.errorBody?.error.details?.first { $0.field == field }
                #expect(detail?.code == code, "\(change)")
                #expect(detail?.message.isEmpty == false)
            }
            // English on request
            var body = Self.person
            body["identityNumber"] = "110105194912310021"
            let english = try await app.send(.POST, "/api/v1/register/person?lang=en", json: body)
            #expect(
                english.errorBody?.error.details?.first?.message == "Identity number has a wrong check character; please check for a typo")
            let zh = try await app.send(.POST, "/api/v1/register/person", json: body)
            #expect(zh.errorBody?.error.details?.first?.message == "身份证号码校验位不正确，请核对是否输错")

            // malformed JSON, wrong type, wrong content type, missing body, oversized body
            #expect(
                try await app.send(.POST, "/api/v1/register/person", headers: ["Content-Type": "application/json"], raw: "{\"name\":")
                    .status == .badRequest)
            let wrongType = try await app.send(
                .POST, "/api/v1/register/person", headers: ["Content-Type": "application/json"], raw: "{\"name\": 5}")
            #expect(wrongType.status == .unprocessableEntity && wrongType.errorBody?.error.details?.first?.field == "name")
            #expect(
                try await app.send(.POST, "/api/v1/register/person", headers: ["Content-Type": "text/plain"], raw: "hello").status
                    == .unsupportedMediaType)
            #expect(try await app.send(.POST, "/api/v1/register/person").status == .unsupportedMediaType)
            let huge = try await app.send(
                .POST, "/api/v1/register/person", headers: ["Content-Type": "application/json"],
                raw: "{\"name\":\"" + String(repeating: "a", count: 2_000_000) + "\"}")
            // A live server refuses it while streaming (413); the in-memory tester hands the whole
            // body over, so the field's own limit answers (422). Either way: a 4xx and no write.
            #expect([.payloadTooLarge, .unprocessableEntity].contains(huge.status))
            #expect(try await WriteCounts.read(app) == before)
        }
    }

    @Test("fuzzed bodies never produce a 500 or a write")
    func fuzz() async throws {
        try await withTongban(.sqlite) { app, _ in
            let before = try await WriteCounts.read(app)
            var rng = SystemRandomNumberGenerator()
            let pieces = [
                "{", "}", "[", "]", "\"", ":", ",", "null", "true", "1e999", "-0", "\\u0000", "身份证", "name", "identityNumber", "\u{0}", " ",
            ]
            for _ in 0..<300 {
                let body = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                for path in ["/api/v1/register/person", "/api/v1/register/enterprise", "/api/v1/auth/login", "/api/v1/auth/refresh"] {
                    let response = try await app.send(.POST, path, headers: ["Content-Type": "application/json"], raw: body)
                    #expect(response.status.code >= 400 && response.status.code < 500, "\(path) \(body) → \(response.status)")
                    #expect(response.errorBody != nil, "\(path) \(body)")
                }
            }
            let after = try await WriteCounts.read(app)
            #expect(after.accounts == before.accounts && after.departments == before.departments)
        }
    }
}
