/// What the catalog home page shows beside the search box: how many published items there are
/// of each kind, by department within each province, and the regions that have items. Counted
/// once per index build, not per page view (a scan of 100,000 items is tens of milliseconds).
public struct CatalogOverview: Sendable {
    public let itemsByKind: [ItemKind: Int]
    /// Province code (six digits) → department name → items. By name, because imported lists
    /// give one department several codes.
    public let itemsByProvinceAndDepartment: [String: [String: Int]]
    /// The regions items are implemented in, with all their parents.
    public let regionsWithParents: Set<RegionCode>

    public init(documents: [SearchDocument]) {
        var kinds: [ItemKind: Int] = [:]
        var departments: [String: [String: Int]] = [:]
        var implementing: Set<RegionCode> = []
        for doc in documents {
            kinds[doc.kind, default: 0] += 1
            departments[String(doc.regionCode.value.prefix(2)) + "0000", default: [:]][doc.departmentName, default: 0] += 1
            implementing.insert(doc.regionCode)
        }
        itemsByKind = kinds
        itemsByProvinceAndDepartment = departments
        regionsWithParents = Set(implementing.flatMap { sequence(first: $0, next: \.parent) })
    }
}
