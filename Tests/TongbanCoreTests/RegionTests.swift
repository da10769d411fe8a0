import Testing
@testable import TongbanCore

@Suite("GB/T 2260 region codes")
struct RegionTests {
    @Test("levels and parents follow from the digits")
    func levels() throws {
        let cases: [(String, RegionLevel, String?)] = [
            ("330000", .province, nil), ("330100", .city, "330000"), ("330106", .county, "330100"),
            ("330106001", .town, "330106"), ("330106001001", .village, "330106001"), ("110100", .city, "110000"),
        ]
        for (code, level, parent) in cases {
            let region = try RegionCode(code)
            #expect(region.level == level, "\(code)")
            #expect(region.parent?.value == parent, "\(code)")
        }
    }

    @Test("padding of the reference data's short codes")
    func padding() throws {
        #expect(try RegionCode.padded("33").value == "330000")
        #expect(try RegionCode.padded("3301").value == "330100")
        #expect(try RegionCode.padded("330106001").value == "330106001")
    }

    @Test("invalid codes are refused", arguments: ["", "33", "33010", "3301061", "33a106", "000000", "3301060010011"])
    func invalid(code: String) {
        #expect(throws: RegionCode.Problem.invalid) { try RegionCode(code) }
    }

    @Test("a region contains exactly its descendants, for generated codes")
    func containment() throws {
        var rng = SplitMix64(seed: 2260)
        for _ in 0..<2000 {
            let province = Int.random(in: 11...65, using: &rng)
            let city = Int.random(in: 1...20, using: &rng)
            let county = Int.random(in: 1...99, using: &rng)
            let town = Int.random(in: 1...300, using: &rng)
            let p = try RegionCode(String(format: "%02d0000", province))
            let c = try RegionCode(String(format: "%02d%02d00", province, city))
            let k = try RegionCode(String(format: "%02d%02d%02d", province, city, county))
            let t = try RegionCode(String(format: "%02d%02d%02d%03d", province, city, county, town))
            // Every ancestor contains every descendant, and nothing contains its ancestor.
            let chain = [p, c, k, t]
            for (i, upper) in chain.enumerated() {
                for (j, lower) in chain.enumerated() {
                    #expect(upper.contains(lower) == (i <= j), "\(upper) ⊇ \(lower)")
                }
            }
            // The parent chain walks back up to the province.
            #expect(t.parent == k && k.parent == c && c.parent == p && p.parent == nil)
            let otherProvince = try RegionCode(String(format: "%02d0000", province == 65 ? 11 : province + 1))
            #expect(!otherProvince.contains(t))
        }
    }

    @Test("development zones are marked as statistical codes")
    func zones() throws {
        #expect(try RegionCode("130171").isStatisticalZone)
        #expect(try !RegionCode("330106").isStatisticalZone)
    }

    @Test("CSV rows with quoted names parse, and bad rows name their line")
    func csv() throws {
        let text = "code,name,cityCode,provinceCode\n330106,\"西湖区\",3301,33\n330108,\"滨江\"\"区\"\"\",3301,33\n"
        let rows = try RegionCSV.parse(text, file: "areas.csv")
        #expect(rows.map(\.name) == ["西湖区", "滨江\"区\""])
        #expect(rows.first?.level == .county)
        #expect(throws: RegionCSV.Problem(file: "areas.csv", line: 3, reason: "invalid region code 33x108")) {
            try RegionCSV.parse("code,name\n330106,\"西湖区\"\n33x108,\"x\"\n", file: "areas.csv")
        }
        #expect(throws: RegionCSV.Problem.self) { try RegionCSV.parse("wrong,header\n", file: "x.csv") }
        // a province filter keeps only its rows; Windows line ends are fine
        let mixed = "code,name,provinceCode\r\n330106,\"西湖区\",33\r\n110105,\"朝阳区\",11\r\n"
        #expect(try RegionCSV.parse(mixed, file: "areas.csv", codePrefix: "33").map(\.name) == ["西湖区"])
    }
}
