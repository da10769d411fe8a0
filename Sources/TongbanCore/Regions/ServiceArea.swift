/// 收受分离 and 就近办: which items a window may take in, and which halls are nearest to someone.
///
/// The power to decide stays with the department that holds it; taking an application in does
/// not. A window takes in every item that is offered in its hall's area: one implemented by a
/// region containing the hall (a province's or city's item at a district hall or a street
/// centre, the same power, nearer to the people) and one implemented inside the hall's area (a
/// district's item at the city's hall). An item of a neighbouring district is not offered there.
public enum ServiceArea {
    /// Whether an item (or bundle) implemented in `implementedIn` is offered in `area`.
    public static func offers(_ implementedIn: RegionCode, in area: RegionCode) -> Bool {
        implementedIn.contains(area) || area.contains(implementedIn)
    }

    /// The region and each region above it, nearest first, as the digits of the code give them.
    public static func lineage(_ region: RegionCode) -> [RegionCode] {
        var chain = [region]
        while let parent = chain.last?.parent, parent != chain.last {
            chain.append(parent)
        }
        return chain
    }

    /// Steps through the tree of divisions from one region to the other: 0 for the same region,
    /// 1 from a street to its district, 2 between two streets of one district; `Int.max` when
    /// they share no region (two provinces).
    public static func distance(_ a: RegionCode, _ b: RegionCode) -> Int {
        distance(up: lineage(a), b)
    }

    /// `distance` from the region whose lineage is `up`, for many regions without tracing it again.
    private static func distance(up: [RegionCode], _ b: RegionCode) -> Int {
        for (steps, ancestor) in up.enumerated() where ancestor.contains(b) {
            guard let down = lineage(b).firstIndex(of: ancestor) else { return Int.max }
            return steps + down
        }
        return Int.max
    }

    /// The places in the order a person in `region` would reach them: nearest first in the tree
    /// of divisions; among equally near ones the one of the lower level (a street centre before
    /// the district's hall), then by `tieBreak`.
    public static func nearestFirst<Place>(
        _ places: [Place], from region: RegionCode, regionOf: (Place) -> RegionCode, tieBreak: (Place, Place) -> Bool
    ) -> [Place] {
        let up = lineage(region)
        let keyed = places.map { (place: $0, distance: distance(up: up, regionOf($0)), level: regionOf($0).level) }
        return keyed.sorted { a, b in
            if a.distance != b.distance { return a.distance < b.distance }
            if a.level != b.level { return a.level > b.level }
            return tieBreak(a.place, b.place)
        }.map(\.place)
    }
}

/// What a hall takes in (收件范围): every item offered in its area, unless its manager narrowed
/// it to a list of item and bundle codes.
public struct HallIntake: Sendable, Equatable {
    public let region: RegionCode
    /// Nil: everything offered in the area.
    public let codes: Set<String>?

    public init(region: RegionCode, codes: Set<String>?) {
        self.region = region
        self.codes = codes
    }

    /// Whether the hall takes in the item or bundle `code`, implemented in `implementedIn`.
    public func takes(_ code: String, implementedIn: RegionCode) -> Bool {
        guard ServiceArea.offers(implementedIn, in: region) else { return false }
        return codes?.contains(code) ?? true
    }

    /// How an application taken in at a window of `region` counts: 就近办 at a town (street) or
    /// village; at the hall otherwise.
    public static func isNearby(_ region: RegionCode) -> Bool { region.level >= .town }

    /// The most codes a manager's list may hold.
    public static let maxCodes = 2_000
}
