import Testing
@testable import TongbanCore

@Suite("Catalog search")
struct CatalogSearchTests {
    func doc(
        _ code: String, _ name: String, department: String = "市场监管局", materials: [String] = [], keywords: [String] = [],
        kind: ItemKind = .licensing, region: String = "330100", online: Bool = true
    ) -> SearchDocument {
        SearchDocument(
            code: code, name: name, subItemName: nil, keywords: keywords, departmentName: department,
            departmentCode: department, materials: materials, kind: kind, regionCode: try! RegionCode(region),
            level: try! RegionCode(region).level, online: online, promisedDays: 5, visits: 0, version: 1)
    }

    @Test("two-character queries find their items, a match in the name ranking above one in the materials")
    func twoCharacters() {
        let index = CatalogSearchIndex(documents: [
            doc("A1", "食品经营许可（新办）", materials: ["营业执照"]),
            doc("A2", "社会保障卡申领", department: "人力社保局", materials: ["身份证"]),
            doc("A3", "普通护照签发", department: "公安局出入境管理局"),
            doc("A4", "餐饮服务备案", materials: ["食品安全管理制度"]),
            doc("A5", "参保登记", keywords: ["社保", "五险"]),
        ])
        #expect(index.search("社保").hits.map(\.code) == ["A5", "A2"])  // keyword above department
        #expect(index.search("护照").hits.map(\.code) == ["A3"])
        #expect(index.search("食品").hits.map(\.code) == ["A1", "A4"])
        #expect(index.search("社会保障").hits.map(\.code) == ["A2"])
        #expect(index.search("食").total == 2)
        #expect(index.search("食品 备案").hits.map(\.code) == ["A4"])
        #expect(index.search("ａ３").hits.map(\.code) == ["A3"])  // full-width and case folded
        #expect(index.search("许可证").total == 0)
        #expect(index.search("").total == 5)
        #expect(index.search("食品", filter: SearchFilter(kind: .confirmation)).total == 0)
    }

    @Test("the bigrams of a longer query in a field are not enough: the query itself must occur")
    func longerQueries() {
        let index = CatalogSearchIndex(documents: [doc("B1", "营业执照变更登记"), doc("B2", "变更营业执照登记")])
        #expect(index.search("执照变更").hits.map(\.code) == ["B1"])
        #expect(index.search("营业执照").total == 2)
    }

    @Test("random catalogs: results are exactly the documents holding every term in some field, filtered, best first")
    func matchesBruteForce() {
        var rng = SplitMix64(seed: 41)
        let alphabet = Array("食品经营许可证社会保障卡护照出入境营业执照变更登记餐饮网吧烟草零售")
        let regions = ["330000", "330100", "330106", "330106001", "330200", "511602"]
        for _ in 0..<40 {
            let docs = (0..<300).map { i in
                let word = { (n: Int) in String((0..<n).map { _ in alphabet.randomElement(using: &rng)! }) }
                // few distinct departments and materials, as in a real catalog, one of them also a keyword
                let shared = word(3)
                return doc(
                    "C\(i)", word(Int.random(in: 2...10, using: &rng)), department: word(2),
                    materials: [word(5), word(3), shared].shuffled(using: &rng),
                    keywords: Bool.random(using: &rng) ? [word(2), shared] : [],
                    kind: Bool.random(using: &rng) ? .licensing : .publicService,
                    region: regions.randomElement(using: &rng)!, online: Bool.random(using: &rng))
            }
            let index = CatalogSearchIndex(documents: docs)
            for _ in 0..<25 {
                let query = String((0..<Int.random(in: 1...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
                let filter = SearchFilter(
                    kind: Bool.random(using: &rng) ? .licensing : nil,
                    departmentCode: Int.random(in: 0..<4, using: &rng) == 0 ? docs.randomElement(using: &rng)!.departmentName : nil,
                    region: Bool.random(using: &rng) ? try! RegionCode("330100") : nil,
                    onlineOnly: Bool.random(using: &rng),
                    // 收受分离: what a window of a region takes in, its own and above and inside it
                    offeredIn: Bool.random(using: &rng) ? try! RegionCode(regions.randomElement(using: &rng)!) : nil)
                let expected = docs.filter { d in
                    [d.name, d.code.lowercased(), d.keywords.joined(separator: " "), d.departmentName, d.materials.joined(separator: " ")]
                        .contains { $0.contains(query) }
                        && (filter.kind == nil || d.kind == filter.kind)
                        && (filter.departmentCode == nil || d.departmentName == filter.departmentCode)
                        && (filter.region == nil || filter.region!.contains(d.regionCode))
                        && (!filter.onlineOnly || d.online)
                        && (filter.offeredIn == nil || ServiceArea.offers(d.regionCode, in: filter.offeredIn!))
                }
                let results = index.search(query, filter: filter, limit: 1000)
                #expect(results.total == expected.count)
                #expect(Set(results.hits.map(\.code)) == Set(expected.map(\.code)))
                // a hit is the document as it was given, every field of it
                #expect(results.hits.allSatisfy { hit in docs.contains(hit) })
                // a name match never ranks below a document matching only elsewhere
                let inName = results.hits.map { $0.name.contains(query) }
                #expect(inName == inName.sorted { $0 && !$1 })
                let page = index.search(query, filter: filter, offset: 5, limit: 5)
                #expect(page.hits.map(\.code) == Array(results.hits.dropFirst(5).prefix(5)).map(\.code))
            }
        }
    }

    @Test("a result carries every field of its item: sub-item, keywords, department code, days, visits, version")
    func documentsRoundTrip() {
        let given = [
            SearchDocument(
                code: "11330100MB0000001X4000000000000001", name: "食品经营许可", subItemName: "新办", keywords: ["餐饮", "食品"],
                departmentName: "市场监督管理局", departmentCode: "11330100MB0000001X", materials: ["营业执照", "", "营业执照"],
                kind: .licensing, regionCode: try! RegionCode("330106"), level: .county, online: false, promisedDays: nil,
                visits: 2, version: 7),
            doc("A2", "食品生产许可", keywords: ["食品"]),
        ]
        let index = CatalogSearchIndex(documents: given)
        #expect(index.search("食品").hits.map(\.code) == ["11330100MB0000001X4000000000000001", "A2"])  // a tie: index order
        #expect(index.search("食品经营").hits == [given[0]])
        #expect(index.search("", filter: SearchFilter(departmentCode: "11330100MB0000001X")).hits == [given[0]])
        #expect(index.search("mb0000001x4").hits == [given[0]])
    }

    @Test("packed postings give back every list as it was appended, whatever the gaps between its numbers")
    func packedPostings() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<50 {
            var expected: [UInt64: [UInt32]] = [:]
            var builder = PackedPostings.Builder()
            for number in 0..<2_000 {
                for _ in 0..<Int.random(in: 0...3, using: &rng) {
                    let key = UInt64.random(in: 0..<40, using: &rng) << 40
                    let value = UInt32(number) * UInt32.random(in: 1...2_000_000, using: &rng) / 2_000
                    guard value >= expected[key]?.last ?? 0 else { continue }
                    builder.append(value, to: key)
                    if expected[key]?.last != value { expected[key, default: []].append(value) }
                }
            }
            let packed = builder.build()
            for key in (0..<40).map({ UInt64($0) << 40 }) {
                #expect(packed.numbers(key) == expected[key] ?? [])
                #expect(packed.count(key) == expected[key]?.count ?? 0)
            }
        }
    }
}
