import Foundation
import Testing
@testable import TongbanCore

@Suite("Item codes")
struct ItemCodeTests {
    static let guangAn: [[String]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/TongbanPlatform/Resources/Catalog/guang-an-district-items.csv")
        let text = try! String(contentsOf: url, encoding: .utf8)
        return try! CSV.parse(text).dropFirst().map(\.fields)
    }()

    @Test("every real implementation code of the Guang'an list parses, keeping its basic code and department")
    func realCodes() throws {
        #expect(Self.guangAn.count == 1135)
        var withRegion = 0
        for row in Self.guangAn {
            let code = try ImplementationCode(row[4])
            #expect(code.value == row[4].uppercased())
            #expect(code.value.hasPrefix(code.basic.value + "-"))
            #expect(code.value.contains(code.departmentCode))
            if let region = code.region {
                withRegion += 1
                #expect(["511602", "510000"].contains(region.value))
            }
        }
        #expect(withRegion == 1132)
        let sample = try ImplementationCode("512C0107400001-511602000000-000-00877868-5-1-00")
        #expect(sample.basic.value == "512C0107400001")
        #expect(sample.departmentCode == "00877868-5")
        #expect(sample.region?.value == "511602")
    }

    @Test("codes made by Tongban parse back to their parts")
    func generatedRoundTrip() throws {
        var rng = SplitMix64(seed: 31)
        let regions = ["330000", "330100", "330106", "330106001", "511602"]
        for _ in 0..<2000 {
            let basic = try BasicCode(
                "33" + String(Int.random(in: 1...2, using: &rng)) + "ABCDEFGH".randomElement(using: &rng)!.description
                    + String(format: "%05d%05d", Int.random(in: 0...99999, using: &rng), Int.random(in: 0...99999, using: &rng)))
            let region = try RegionCode(regions.randomElement(using: &rng)!)
            let department = Generate.creditCode(&rng)
            let code = try ImplementationCode(basic: basic, region: region, departmentCode: department)
            let parsed = try ImplementationCode(code.value)
            #expect(parsed.basic == basic && parsed.region == region && parsed.departmentCode == department)
        }
    }

    @Test("malformed codes are refused")
    func malformed() {
        let good = "511A0138000000-511602000000-000-115113010833722043-1-00"
        var rng = SplitMix64(seed: 7)
        let bad: [String] = [
            "", "-", "511A0138000000-", "511A0138000000--511602000000-000-115113010833722043-1-00",
            "511A0138000000-511602000000-00-115113010833722043-1-00",  // business item of 2 digits
            "511A0138000000-511602000000-000-115113010833722043-1-0",  // version of 1 digit
            "511A0138000000-511602000000-000-115113010833722043-12-00",  // handling of 2 digits
            "511A0138000000-511602000000-000-1151-1-00",  // department code too short
            "511602000000-000-115113010833722043-1-00",  // no basic code
            "511A0138000000-001602000000-000-115113010833722043-1-00",  // region starting 00
            "511A*138000000-511602000000-000-115113010833722043-1-00",
            "511A0138000000-511602000000-000-115113010833722043-1-00-7",
        ]
        for code in bad { #expect(throws: ImplementationCode.Problem.invalid) { try ImplementationCode(code) } }
        // every single-character replacement by a symbol no code may hold is refused
        for i in good.indices {
            for symbol in ["*", "é", "中", "_", "."] {
                var chars = Array(good)
                chars[good.distance(from: good.startIndex, to: i)] = Character(symbol)
                #expect(throws: ImplementationCode.Problem.invalid) { try ImplementationCode(String(chars)) }
            }
        }
        for _ in 0..<500 {  // dropping one group breaks the shape
            var groups = good.split(separator: "-").map(String.init)
            groups.remove(at: Int.random(in: 1..<groups.count, using: &rng))
            #expect(throws: ImplementationCode.Problem.invalid) { try ImplementationCode(groups.joined(separator: "-")) }
        }
        for basic in ["ABC12", "12345", "A-B-C-D-E-F", String(repeating: "9", count: 25), "33a"] {
            #expect(throws: BasicCode.Problem.invalid) { try BasicCode(basic) }
        }
    }

    @Test("item kinds read from code or Chinese name")
    func kinds() {
        for kind in ItemKind.allCases {
            #expect(ItemKind(codeOrName: kind.rawValue) == kind)
            #expect(ItemKind(codeOrName: kind.chineseName) == kind)
        }
        #expect(ItemKind(codeOrName: "1") == .licensing)
        #expect(ItemKind(codeOrName: "行政审批") == nil)
        #expect(ItemKind(codeOrName: "11") == nil)
    }
}

@Suite("CSV")
struct CSVTests {
    @Test("quoted fields, doubled quotes, line breaks inside quotes and CRLF; each record knows its line")
    func parsing() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",\n\n3,,z"
        let records = try CSV.parse(text)
        #expect(records.map(\.fields) == [["a", "b", "c"], ["1", "x, y", "say \"hi\""], ["2", "two\nlines", ""], ["3", "", "z"]])
        #expect(records.map(\.line) == [1, 2, 3, 6])
        #expect(throws: CSV.Problem.self) { try CSV.parse("a,\"b\nc") }
        #expect(throws: CSV.Problem.self) { try CSV.parse("a,b\"c\"") }
        #expect(throws: CSV.Problem.self) { try CSV.parse("a,\"b\"c") }
        for value in ["plain", "a,b", "q\"q", "two\nlines", ""] {
            #expect(try CSV.parse("x," + CSV.escape(value) + ",y").first?.fields == ["x", value, "y"])
        }
    }
}
