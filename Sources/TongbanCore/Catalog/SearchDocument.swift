/// What search knows of one published item: the text it matches and what a result line shows.
public struct SearchDocument: Sendable, Equatable {
    public var code: String
    public var name: String
    public var subItemName: String?
    public var keywords: [String]
    public var departmentName: String
    public var departmentCode: String
    public var materials: [String]
    public var kind: ItemKind
    public var regionCode: RegionCode
    public var level: RegionLevel
    public var online: Bool
    public var promisedDays: Int?
    public var visits: Int
    public var version: Int

    public init(
        code: String, name: String, subItemName: String?, keywords: [String], departmentName: String, departmentCode: String,
        materials: [String], kind: ItemKind, regionCode: RegionCode, level: RegionLevel, online: Bool,
        promisedDays: Int?, visits: Int, version: Int
    ) {
        self.code = code
        self.name = name
        self.subItemName = subItemName
        self.keywords = keywords
        self.departmentName = departmentName
        self.departmentCode = departmentCode
        self.materials = materials
        self.kind = kind
        self.regionCode = regionCode
        self.level = level
        self.online = online
        self.promisedDays = promisedDays
        self.visits = visits
        self.version = version
    }

    public init(item: ServiceItem, version: Int) {
        self.init(
            code: item.code, name: item.name, subItemName: item.subItemName, keywords: item.keywords,
            departmentName: item.department.name, departmentCode: item.department.code,
            materials: item.materials.map(\.name), kind: item.kind, regionCode: item.regionCode, level: item.level,
            online: item.isOnline, promisedDays: item.promisedDays ?? item.statutoryDays, visits: item.visits.count, version: version)
    }
}

public struct SearchFilter: Sendable, Equatable {
    public var kind: ItemKind?
    /// A department's code, or its name (one name may carry several codes in imported lists).
    public var departmentCode: String?
    /// The region and everything inside it.
    public var region: RegionCode?
    public var level: RegionLevel?
    public var onlineOnly: Bool
    /// 收受分离: the items a window of this region may take in (`ServiceArea.offers`): its own,
    /// those of the regions above it and those of the regions inside it.
    public var offeredIn: RegionCode?

    public init(
        kind: ItemKind? = nil, departmentCode: String? = nil, region: RegionCode? = nil, level: RegionLevel? = nil,
        onlineOnly: Bool = false,
        offeredIn: RegionCode? = nil
    ) {
        self.kind = kind
        self.departmentCode = departmentCode
        self.region = region
        self.level = level
        self.onlineOnly = onlineOnly
        self.offeredIn = offeredIn
    }
}

public struct SearchResults: Sendable {
    public var total: Int
    public var hits: [SearchDocument]
    public init(total: Int, hits: [SearchDocument]) {
        self.total = total
        self.hits = hits
    }
}
