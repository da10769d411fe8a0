import Foundation

/// 居民身份号码 (GB 11643-1999): the 18-character citizen identity number.
///
/// Layout: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit sequence (odd = male),
/// and a check character. The check character is `"10X98765432"[Σ(digit × weight) mod 11]`.
public struct IdentityNumber: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public enum Problem: String, Error, Sendable, Equatable {
        case wrongLength = "identity.wrongLength"
        case notDigits = "identity.notDigits"
        case invalidBirthDate = "identity.invalidBirthDate"
        case birthDateInFuture = "identity.birthDateInFuture"
        case wrongCheckCharacter = "identity.wrongCheckCharacter"
    }

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters = Array("10X98765432")

    /// Parses and validates; `today` is the calendar date in Asia/Shanghai against which the
    /// birth date must not lie in the future.
    public init(_ raw: String, today: CalendarDate) throws(Problem) {
        let text = raw.trimmingCharacters(in: .whitespaces).uppercased()
        let chars = Array(text)
        guard chars.count == 18 else { throw .wrongLength }
        guard chars[0..<17].allSatisfy(\.isASCIIDigit), chars[17].isASCIIDigit || chars[17] == "X" else {
            throw .notDigits
        }
        let digits = chars[0..<17].map { Int(String($0))! }
        guard
            let birth = CalendarDate(
                year: digits[6...9].reduce(0) { $0 * 10 + $1 },
                month: digits[10] * 10 + digits[11],
                day: digits[12] * 10 + digits[13]),
            birth.year >= 1900
        else { throw .invalidBirthDate }
        guard birth <= today else { throw .birthDateInFuture }
        guard chars[17] == Self.checkCharacter(for: digits) else { throw .wrongCheckCharacter }
        value = text
    }

    /// The check character for the first 17 digits.
    public static func checkCharacter(for digits: [Int]) -> Character {
        precondition(digits.count == 17)
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    public var addressCode: String { String(value.prefix(6)) }

    public var birthDate: CalendarDate {
        let d = Array(value).map { $0.wholeNumberValue ?? 0 }
        return CalendarDate(
            year: d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9],
            month: d[10] * 10 + d[11], day: d[12] * 10 + d[13])!
    }

    /// Odd sequence numbers are given to men, even ones to women.
    public var isMale: Bool { (Array(value)[16].wholeNumberValue ?? 0) % 2 == 1 }

    /// 330106********1234: region kept, birth date and sequence hidden.
    public var masked: String { Masking.identityNumber(value) }

    public var description: String { masked }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension IdentityNumber {
    /// The valid number that starts with these 17 digits, if its birth date is real and not after `today`.
    public static func completing(_ first17: String, today: CalendarDate) -> IdentityNumber? {
        let digits = first17.compactMap(\.wholeNumberValue)
        guard digits.count == 17, first17.count == 17 else { return nil }
        return try? IdentityNumber(first17 + String(checkCharacter(for: digits)), today: today)
    }
}
