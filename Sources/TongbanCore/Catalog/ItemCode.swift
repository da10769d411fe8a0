/// 基本编码: the code the defining level gives an item in its basic catalog (基本目录).
///
/// Structure: one to four groups of capital letters and digits joined by `-`, 6 to 24 symbols in
/// all. Real catalogs use shapes such as `511A0138000000` (province 51, task type 1, department
/// letter A, main item 01380, sub-item 00000), `512012002012` or `G-000007-001`; Tongban's demo
/// codes follow the first shape with the province `33`.
public struct BasicCode: Hashable, CheckedCode {
    public let value: String

    public enum Problem: String, Error, Sendable {
        case invalid = "catalog.invalidBasicCode"
    }

    public init(_ raw: String) throws(Problem) {
        let value = raw.trimmingCharacters(in: .whitespaces).uppercased()
        let groups = value.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...4).contains(groups.count),
            groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(Self.isSymbol) }),
            (6...24).contains(groups.reduce(0) { $0 + $1.count })
        else { throw .invalid }
        self.value = value
    }

    static func isSymbol(_ c: Character) -> Bool { c.isASCII && (c.isNumber || c.isUppercase) }
    static func isRegionGroup(_ group: Substring) -> Bool { group.count == 12 && group.allSatisfy(\.isASCIIDigit) }

}

/// 实施编码: an item's basic code plus where and by whom it is implemented.
///
/// Full form, as the national implementation lists publish it:
///
///     <basic code>-<region, 12 digits>-<business item, 3 digits>-<department code>-<handling, 1 digit>-<version, 2 digits>
///     511A0138000000-511602000000-000-115113010833722043-1-00
///
/// The department code is the implementing agency's credit code (18 symbols) or an older agency
/// code (5–22 symbols, optionally followed by `-` and one check symbol, e.g. `00877868-5`).
/// Short form, seen in real lists for some public services: `<basic code>-<department code>`
/// (`E-000004-001-11511301008778386B`), with no region in the code.
public struct ImplementationCode: Hashable, CheckedCode {
    public let value: String
    public let basic: BasicCode
    /// The implementing region, normalised (`511602000000` → `511602`); nil in the short form.
    public let region: RegionCode?
    public let departmentCode: String

    public enum Problem: String, Error, Sendable {
        case invalid = "catalog.invalidImplementationCode"
    }

    public init(_ raw: String) throws(Problem) {
        let value = raw.trimmingCharacters(in: .whitespaces).uppercased()
        let groups = value.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(BasicCode.isSymbol) }) else { throw .invalid }
        // The region is the first twelve-digit group after the basic code that a three-digit
        // business group follows (basic codes may themselves be twelve digits).
        if let regionIndex = groups.indices.dropFirst().dropLast().first(where: {
            BasicCode.isRegionGroup(Substring(groups[$0])) && groups[$0 + 1].count == 3 && groups[$0 + 1].allSatisfy(\.isASCIIDigit)
        }) {
            // full form: basic, region, business, department (one or two groups), handling, version
            let rest = Array(groups[(regionIndex + 1)...])
            guard rest.count == 4 || rest.count == 5,
                rest[0].count == 3, rest[0].allSatisfy(\.isASCIIDigit),
                rest[rest.count - 2].count == 1, rest[rest.count - 2].allSatisfy(\.isASCIIDigit),
                rest[rest.count - 1].count == 2, rest[rest.count - 1].allSatisfy(\.isASCIIDigit)
            else { throw .invalid }
            let department = rest[1..<(rest.count - 2)].joined(separator: "-")
            guard Self.isDepartmentCode(department),
                let basic = try? BasicCode(groups[..<regionIndex].joined(separator: "-")),
                let region = try? RegionCode(normalizing: groups[regionIndex])
            else { throw .invalid }
            self.basic = basic
            self.region = region
            self.departmentCode = department
        } else {
            guard groups.count >= 2, Self.isDepartmentCode(groups[groups.count - 1]), groups[groups.count - 1].count >= 8,
                let basic = try? BasicCode(groups.dropLast().joined(separator: "-"))
            else { throw .invalid }
            self.basic = basic
            self.region = nil
            self.departmentCode = groups[groups.count - 1]
        }
        self.value = value
    }

    /// The code Tongban gives a new implementation: the full form, business item `000`,
    /// handling `1`, version `00`.
    public init(basic: BasicCode, region: RegionCode, departmentCode: String) throws(Problem) {
        try self.init("\(basic.value)-\(region.twelveDigits)-000-\(departmentCode)-1-00")
    }

    static func isDepartmentCode(_ code: String) -> Bool {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (5...22).contains(parts[0].count)
        case 2: return (5...21).contains(parts[0].count) && parts[1].count == 1
        default: return false
        }
    }

}

extension RegionCode {
    /// Reads the 12-digit form of published lists, dropping the zero groups that only pad it
    /// (`511602000000` → `511602`, `330106001000` → `330106001`).
    public init(normalizing raw: String) throws(Problem) {
        var value = raw
        if value.count == 12, value.hasSuffix("000") { value.removeLast(3) }
        if value.count == 9, value.hasSuffix("000") { value.removeLast(3) }
        try self.init(value)
    }

    /// The code padded to twelve digits, as implementation codes carry it.
    public var twelveDigits: String { value + String(repeating: "0", count: 12 - value.count) }
}
