import Foundation
import Testing
@testable import TongbanCore

/// A data load's batch: every good record read, every bad line named with what is wrong, one
/// bad line refusing the whole batch, a subject twice keeping its newest version.
@Suite("data load batches")
struct DataBatchTests {
    static let resource = DataResource(
        code: "population_basic", name: "人口基础信息", nameEn: "Population", owner: ItemDepartment(name: "公安", code: "11330106002489487J"),
        subject: .person,
        fields: ["name", "gender", "householdAddress"].map { DataResource.Field(key: $0, label: $0, labelEn: $0, sensitivity: .internal) },
        sharing: .conditional, consentRequired: false, updateFrequency: "daily", legalBasis: "-")

    static func line(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func good(_ rng: inout SplitMix64, version: Int = 1) -> [String: Any] {
        var data: [String: String] = [:]
        for field in resource.fields where Bool.random(using: &rng) || data.isEmpty {
            data[field.key] = "值\(Int.random(in: 0..<1000, using: &rng))"
        }
        return ["subject": Generate.identityNumber(&rng), "version": version, "data": data]
    }

    /// The number with another check character.
    static func wrongCheck(_ number: String) -> String { String(number.dropLast()) + (number.hasSuffix("0") ? "1" : "0") }

    /// One way a record can be wrong, the member it names, and the message key.
    static let corruptions: [(String, String, @Sendable ([String: Any]) -> String)] = [
        (
            "subject", "dataLoad.badSubject",
            {
                var r = $0
                r["subject"] = wrongCheck(r["subject"] as! String)
                return line(r)
            }
        ),
        (
            "subject", "dataLoad.badSubject",
            {
                var r = $0
                r["subject"] = 330106
                return line(r)
            }
        ),
        (
            "version", "dataLoad.badVersion",
            {
                var r = $0
                r["version"] = 0
                return line(r)
            }
        ),
        (
            "version", "dataLoad.badVersion",
            {
                var r = $0
                r["version"] = 1.5
                return line(r)
            }
        ),
        (
            "version", "dataLoad.badVersion",
            {
                var r = $0
                r["version"] = "2"
                return line(r)
            }
        ),
        (
            "version", "dataLoad.badVersion",
            {
                var r = $0
                r["version"] = true
                return line(r)
            }
        ),
        (
            "version", "dataLoad.badVersion",
            {
                var r = $0
                r.removeValue(forKey: "version")
                return line(r)
            }
        ),
        (
            "data", "dataLoad.noData",
            {
                var r = $0
                r["data"] = [String: String]()
                return line(r)
            }
        ),
        (
            "data.salary", "dataLoad.unknownField",
            {
                var r = $0
                r["data"] = ["salary": "1"]
                return line(r)
            }
        ),
        (
            "data.name", "dataLoad.badValue",
            {
                var r = $0
                r["data"] = ["name": 7]
                return line(r)
            }
        ),
        (
            "data.name", "dataLoad.badValue",
            {
                var r = $0
                r["data"] = ["name": "a\u{0007}b"]
                return line(r)
            }
        ),
        (
            "data.name", "dataLoad.badValue",
            {
                var r = $0
                r["data"] = ["name": String(repeating: "长", count: 2_001)]
                return line(r)
            }
        ),
        (
            "asOf", "dataLoad.badAsOf",
            {
                var r = $0
                r["asOf"] = "yesterday"
                return line(r)
            }
        ),
        (
            "extra", "dataLoad.unknownMember",
            {
                var r = $0
                r["extra"] = true
                return line(r)
            }
        ),
        ("", "dataLoad.notJSON", { line($0).replacingOccurrences(of: "}", with: "") }),
        ("", "dataLoad.notJSON", { _ in "[1, 2, 3]" }),
    ]

    @Test("300 generated batches: good ones read whole; each corrupted line named at its line and member, the batch refused")
    func generated() throws {
        var rng = SplitMix64(seed: 0xDA7A_10AD)
        for _ in 0..<300 {
            let count = Int.random(in: 1...40, using: &rng)
            var records = (0..<count).map { _ in Self.good(&rng) }
            // distinct subjects, so the batch keeps them all
            records = Array(Dictionary(grouping: records, by: { $0["subject"] as! String }).values.map { $0[0] })
            var lines = records.map(Self.line)
            // blank lines and CRLF endings are allowed anywhere
            if Bool.random(using: &rng) { lines.insert("", at: Int.random(in: 0...lines.count, using: &rng)) }
            let text = lines.joined(separator: Bool.random(using: &rng) ? "\r\n" : "\n")
            guard case let .success(batch) = DataBatch.parse(Data(text.utf8), resource: Self.resource, today: Generate.today) else {
                Issue.record("a good batch was refused: \(text)")
                continue
            }
            #expect(batch.records.count == records.count)
            #expect(Set(batch.records.map(\.subject)) == Set(records.map { $0["subject"] as! String }))

            // spoil some lines: each is reported at its own line number, and only those
            var spoiled = lines
            var expected: [(Int, String, String)] = []
            for index in spoiled.indices where !spoiled[index].isEmpty && Int.random(in: 0..<4, using: &rng) == 0 {
                let (member, key, spoil) = Self.corruptions.randomElement(using: &rng)!
                let original = try JSONSerialization.jsonObject(with: Data(spoiled[index].utf8)) as! [String: Any]
                spoiled[index] = spoil(original)
                expected.append((index + 1, member, key))
            }
            guard !expected.isEmpty else { continue }
            guard
                case let .failure(problems) = DataBatch.parse(
                    Data(spoiled.joined(separator: "\n").utf8), resource: Self.resource, today: Generate.today)
            else {
                Issue.record("a spoiled batch was taken")
                continue
            }
            for (line, member, key) in expected {
                #expect(
                    problems.list.contains { $0.line == line && $0.field == member && $0.key == key },
                    "line \(line) \(member) \(key): \(problems.list)")
            }
            #expect(Set(problems.list.map(\.line)) == Set(expected.map(\.0)))
        }
    }

    @Test("a subject twice keeps its highest version; the same version twice must agree; limits and an empty batch")
    func duplicatesAndLimits() {
        var rng = SplitMix64(seed: 42)
        var record = Self.good(&rng, version: 2)
        var newer = record
        newer["version"] = 5
        let older = record
        let batch = [Self.line(record), Self.line(newer), Self.line(older)].joined(separator: "\n")
        guard case let .success(parsed) = DataBatch.parse(Data(batch.utf8), resource: Self.resource, today: Generate.today) else {
            Issue.record("refused")
            return
        }
        #expect(parsed.records.count == 1 && parsed.records[0].version == 5 && parsed.records[0].line == 2)
        record["data"] = ["name": "另一个"]
        let conflicting = [Self.line(older), Self.line(record)].joined(separator: "\n")
        guard case let .failure(problems) = DataBatch.parse(Data(conflicting.utf8), resource: Self.resource, today: Generate.today) else {
            Issue.record("a conflicting duplicate was taken")
            return
        }
        #expect(problems.list == [DataBatch.Problem(line: 2, field: "version", key: "dataLoad.conflictingDuplicate")])

        let many = (0...DataBatch.maximumRecords).map { _ in Self.line(Self.good(&rng)) }.joined(separator: "\n")
        guard case let .failure(tooMany) = DataBatch.parse(Data(many.utf8), resource: Self.resource, today: Generate.today) else {
            Issue.record("10,001 records were taken")
            return
        }
        #expect(tooMany.list.contains { $0.line == 0 && $0.key == "dataLoad.tooManyRecords" })
        guard case let .failure(empty) = DataBatch.parse(Data("\n \n".utf8), resource: Self.resource, today: Generate.today) else {
            Issue.record("an empty batch was taken")
            return
        }
        #expect(empty.list.map(\.key) == ["dataLoad.empty"])
        // an enterprise resource takes credit codes, not identity numbers
        var enterprise = Self.resource
        enterprise.subject = .enterprise
        var personRecord = Self.good(&rng)
        // (one identity number in 31 is also a well-formed credit code; take one that is not)
        while (try? CreditCode(personRecord["subject"] as! String)) != nil { personRecord = Self.good(&rng) }
        let person = Self.line(personRecord)
        guard case .failure = DataBatch.parse(Data(person.utf8), resource: enterprise, today: Generate.today) else {
            Issue.record("an identity number was taken as a credit code")
            return
        }
    }
}
