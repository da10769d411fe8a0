import Foundation

/// 统一社会信用代码 (GB 32100-2015): the 18-character unified social credit code of an
/// organisation.
///
/// Layout: registration-authority code (1), organisation kind (1), 6-digit region code,
/// 9-character organisation code (GB 11714), check character. Symbols come from a 31-character
/// alphabet without I, O, S, V, Z; the check value is `(31 − Σ(value × weight) mod 31) mod 31`.
public struct CreditCode: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public enum Problem: String, Error, Sendable, Equatable {
        case wrongLength = "creditCode.wrongLength"
        case invalidCharacter = "creditCode.invalidCharacter"
        case regionNotDigits = "creditCode.regionNotDigits"
        case wrongCheckCharacter = "creditCode.wrongCheckCharacter"
    }

    public static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    static let valueOf: [Character: Int] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })

    public init(_ raw: String) throws(Problem) {
        let text = raw.trimmingCharacters(in: .whitespaces).uppercased()
        let chars = Array(text)
        guard chars.count == 18 else { throw .wrongLength }
        let values = chars.compactMap { Self.valueOf[$0] }
        guard values.count == 18 else { throw .invalidCharacter }
        guard chars[2..<8].allSatisfy(\.isASCIIDigit) else { throw .regionNotDigits }
        guard chars[17] == Self.checkCharacter(for: Array(values[0..<17])) else { throw .wrongCheckCharacter }
        value = text
    }

    /// The check character for the values of the first 17 symbols.
    public static func checkCharacter(for values: [Int]) -> Character {
        precondition(values.count == 17)
        let sum = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// The 6-digit administrative region code embedded in positions 3–8.
    public var regionCode: String { String(Array(value)[2..<8]) }

    public var description: String { value }
}

extension CreditCode {
    /// The valid code that starts with these 17 symbols (for generating codes, e.g. demo data).
    public static func completing(_ first17: String) -> CreditCode? {
        let values = first17.uppercased().compactMap { valueOf[$0] }
        guard values.count == 17, first17.count == 17 else { return nil }
        return try? CreditCode(first17.uppercased() + String(checkCharacter(for: values)))
    }
}
