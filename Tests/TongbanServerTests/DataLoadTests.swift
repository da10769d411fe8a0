import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 主题数据库 filled by its owner: the police's system loads population records as NDJSON; a
/// batch with a bad line writes nothing and names every bad line; loading is idempotent by
/// subject and version; a lookup under a grant serves the newest version and says as of when.
@Suite("data loaded by its owner")
struct DataLoadTests {
    struct Client: Decodable { let key: String }
    struct Lookup: Decodable {
        let fields: [String: String]
        let asOf: Date
    }

    static func key(_ app: Application, _ login: String) async throws -> String {
        try await app.send(
            .POST, "/api/v1/data/clients", json: DataSharingAPI.ClientRequest(name: "人口库同步", clearance: "core"),
            bearer: try await app.token(login)
        ).content.decode(Client.self).key
    }

    static func put(_ app: Application, _ lines: [String], key: String?, resource: String = "population_basic") async throws
        -> TestingHTTPResponse
    {
        var headers: HTTPHeaders = ["Content-Type": "application/x-ndjson"]
        if let key { headers.add(name: "X-Api-Key", value: key) }
        return try await app.send(.PUT, "/api/v1/data/resources/\(resource)/records", headers: headers, raw: lines.joined(separator: "\n"))
    }

    static func line(_ subject: String, _ version: Int, _ data: [String: String], asOf: String? = nil) -> String {
        var object: [String: Any] = ["subject": subject, "version": version, "data": data]
        if let asOf { object["asOf"] = asOf }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test(
        "the owner's system loads a batch: a bad line refuses it whole; versions make loading idempotent; a lookup serves the newest, as of its date",
        arguments: TestDatabase.available)
    func loading(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let police = try await Self.key(app, "data.police")
            let amr = try await Self.key(app, "data.amr")
            let person = app.demoPersonLogin
            var rng = SystemRandomNumberGenerator()
            let others = (0..<2).map { index in
                IdentityNumber.completing("3301061985021\(index)31\(Int.random(in: 0...9, using: &rng))", today: app.today)!.value
            }
            let recordsBefore = try await SharedRecord.query(on: app.db).count()
            let good = [
                Self.line(person, 2, ["name": "张晓明", "householdAddress": "杭州市西湖区古荡街道 12 号"], asOf: "2026-11-20T08:00:00Z"),
                Self.line(others[0], 1, ["name": "李四", "gender": "男"]),
                Self.line(others[1], 1, ["name": "王五", "gender": "女"]),
            ]

            // who may load: the owner's system, nobody else
            #expect(try await Self.put(app, good, key: nil).status == .unauthorized)
            #expect(try await Self.put(app, good, key: amr).status == .forbidden)
            #expect(try await Self.put(app, good, key: police, resource: "no_such_resource").status == .notFound)
            let asJSON = try await app.send(
                .PUT, "/api/v1/data/resources/population_basic/records",
                headers: ["X-Api-Key": police, "Content-Type": "application/json"],
                raw: good.joined(separator: "\n"))
            #expect(asJSON.status == .unsupportedMediaType)

            // a bad batch: every bad line named, in the caller's language; nothing written
            let wrongCheck = String(others[0].dropLast()) + (others[0].hasSuffix("0") ? "1" : "0")
            let bad = [good[0], Self.line(wrongCheck, 1, ["name": "x"]), good[1], Self.line(others[1], 1, ["salary": "1"]), "{"]
            let refused = try await Self.put(app, bad, key: police)
            #expect(refused.status == .unprocessableEntity)
            let details = refused.errorBody?.error.details ?? []
            #expect(Set(details.map(\.field)) == ["line 2.subject", "line 4.data.salary", "line 5"], "\(details)")
            #expect(details.first { $0.field == "line 4.data.salary" }?.message.contains("第 4 行") == true)
            #expect(try await SharedRecord.query(on: app.db).count() == recordsBefore)

            // loaded: one newer version of a held record, two new; the same batch again changes nothing; an older version is passed over
            struct Outcome: Decodable, Equatable {
                let received: Int, inserted: Int, updated: Int, unchanged: Int, stale: Int
            }
            let first = try await Self.put(app, good, key: police)
            #expect(first.status == .ok, "\(first.body.string)")
            #expect(try first.content.decode(Outcome.self) == Outcome(received: 3, inserted: 2, updated: 1, unchanged: 0, stale: 0))
            #expect(
                try await Self.put(app, good, key: police).content.decode(Outcome.self)
                    == Outcome(received: 3, inserted: 0, updated: 0, unchanged: 3, stale: 0))
            let older = [Self.line(person, 1, ["name": "旧"])]
            #expect(
                try await Self.put(app, older, key: police).content.decode(Outcome.self)
                    == Outcome(received: 1, inserted: 0, updated: 0, unchanged: 0, stale: 1))
            #expect(try await SharedRecord.query(on: app.db).count() == recordsBefore + 2)
            let loads = try await AuditEntry.query(on: app.db).filter(\.$action == "data.load").all().map { $0.opened(app.keys) }
            #expect(loads.count == 3 && loads.allSatisfy { $0.actorLabel.contains("人口库同步") })

            // the market regulator reads the newest version under its grant, and sees as of when it was true
            let read = try await app.send(
                .POST, "/api/v1/data/lookup", headers: ["X-Api-Key": amr],
                json: DataSharingAPI.LookupBody(
                    resource: "population_basic", subject: person, fields: ["householdAddress"],
                    purpose: "个体工商户设立登记：核验经营者身份与户籍信息"))
            #expect(read.status == .ok, "\(read.body.string)")
            let result = try read.content.decode(Lookup.self)
            #expect(result.fields["householdAddress"] == "杭州市西湖区古荡街道 12 号")
            #expect(abs(result.asOf.timeIntervalSince1970 - 1_795_161_600) < 1)
            // the record still belongs to the person's account: their record of reads lists this one
            let personID = try await app.accountID(login: person)
            #expect(
                try await DataRead.query(on: app.db).filter(\.$subjectID == personID).filter(\.$source == "data:population_basic").count()
                    >= 1)
        }
    }

    @Test("a full batch of 10,000 records loads in one request", arguments: TestDatabase.available)
    func fullBatch(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let police = try await Self.key(app, "data.police")
            var rng = SystemRandomNumberGenerator()
            var subjects = Set<String>()
            while subjects.count < DataBatch.maximumRecords {
                let stem = String(
                    format: "330106%04d%02d%02d%03d", Int.random(in: 1950...2005, using: &rng), Int.random(in: 1...12, using: &rng),
                    Int.random(in: 1...28, using: &rng), Int.random(in: 0...999, using: &rng))
                subjects.insert(IdentityNumber.completing(stem, today: app.today)!.value)
            }
            let lines = subjects.sorted().map { Self.line($0, 1, ["name": "居民", "householdType": "非农业"]) }
            let response = try await Self.put(app, lines, key: police)
            #expect(response.status == .ok)
            #expect(
                try await SharedRecord.query(on: app.db).filter(\.$resourceCode == "population_basic").count() >= DataBatch.maximumRecords)
            let tooMany = try await Self.put(app, lines + [lines[0]], key: police)
            #expect(tooMany.status == .unprocessableEntity)
        }
    }
}
