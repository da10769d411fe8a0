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
                return doc(
                    "C\(i)", word(Int.random(in: 2...10, using: &rng)), department: word(4), materials: [word(5), word(3)],
                    keywords: [word(2)], kind: Bool.random(using: &rng) ? .licensing : .publicService,
                    region: regions.randomElement(using: &rng)!, online: Bool.random(using: &rng))
            }
            let index = CatalogSearchIndex(documents: docs)
            for _ in 0..<25 {
                let query = String((0..<Int.random(in: 1...4, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
                let filter = SearchFilter(
                    kind: Bool.random(using: &rng) ? .licensing : nil,
                    region: Bool.random(using: &rng) ? try! RegionCode("330100") : nil,
                    onlineOnly: Bool.random(using: &rng))
                let expected = docs.filter { d in
                    [d.name, d.code.lowercased(), d.keywords.joined(separator: " "), d.departmentName, d.materials.joined(separator: " ")]
                        .contains { $0.contains(query) }
                        && (filter.kind == nil || d.kind == filter.kind)
                        && (filter.region == nil || filter.region!.contains(d.regionCode))
                        && (!filter.onlineOnly || d.online)
                }
                let results = index.search(query, filter: filter, limit: 1000)
                #expect(results.total == expected.count)
                #expect(Set(results.hits.map(\.code)) == Set(expected.map(\.code)))
                // a name match never ranks below a document matching only elsewhere
                let inName = results.hits.map { $0.name.contains(query) }
                #expect(inName == inName.sorted { $0 && !$1 })
                let page = index.search(query, filter: filter, offset: 5, limit: 5)
                #expect(page.hits.map(\.code) == Array(results.hits.dropFirst(5).prefix(5)).map(\.code))
            }
        }
    }
}
