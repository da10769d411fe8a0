/// 行政区划: the level of an administrative division.
public enum RegionLevel: String, Codable, Sendable, CaseIterable, Comparable {
    case province, city, county, town, village

    public static func < (a: RegionLevel, b: RegionLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A GB/T 2260-style region code: 6 digits for province (`330000`), city (`330100`) and county
/// (`330106`), 9 for a town or street (`330106001`), 12 for a village.
///
/// The level and the parent follow from the digits, and one region contains another when the
/// other's code starts with its significant prefix (`33` for `330000`, `3301` for `330100`).
public struct RegionCode: Hashable, CheckedCode {
    public let value: String

    public enum Problem: String, Error, Sendable {
        case invalid = "region.invalidCode"
    }

    public init(_ raw: String) throws(Problem) {
        let chars = Array(raw)
        guard [6, 9, 12].contains(chars.count), chars.allSatisfy(\.isASCIIDigit), !raw.hasPrefix("00") else {
            throw .invalid
        }
        value = raw
    }

    /// Pads the 2- and 4-digit province and city codes of the reference data to six digits.
    public static func padded(_ short: String) throws(Problem) -> RegionCode {
        switch short.count {
        case 2: try RegionCode(short + "0000")
        case 4: try RegionCode(short + "00")
        default: try RegionCode(short)
        }
    }

    public var level: RegionLevel {
        switch value.count {
        case 6 where value.hasSuffix("0000"): .province
        case 6 where value.hasSuffix("00"): .city
        case 6: .county
        case 9: .town
        default: .village
        }
    }

    /// Development zones carry statistical county-level codes (5th digit 7, e.g. `130171`)
    /// that GB/T 2260 does not define; they are kept, marked as such.
    public var isStatisticalZone: Bool {
        value.count >= 6 && Array(value)[4] == "7"
    }

    /// The digits every region inside this one starts with.
    public var significantPrefix: String {
        switch level {
        case .province: String(value.prefix(2))
        case .city: String(value.prefix(4))
        default: value
        }
    }

    public var parent: RegionCode? {
        let parentValue: String? =
            switch level {
            case .province: nil
            case .city: String(value.prefix(2)) + "0000"
            case .county: String(value.prefix(4)) + "00"
            case .town: String(value.prefix(6))
            case .village: String(value.prefix(9))
            }
        return parentValue.flatMap { try? RegionCode($0) }
    }

    /// True when `other` is this region or lies inside it.
    public func contains(_ other: RegionCode) -> Bool {
        other.value.hasPrefix(significantPrefix)
    }

}
