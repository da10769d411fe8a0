/// A mainland China mobile number: 11 digits, `1` then `3`–`9`. A leading `+86`/`86` and the
/// spaces or hyphens people type are accepted and dropped.
public struct MobileNumber: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public enum Problem: String, Error, Sendable, Equatable {
        case invalid = "mobile.invalid"
    }

    public init(_ raw: String) throws(Problem) {
        var digits = raw.filter { !$0.isWhitespace && $0 != "-" }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.count == 13, digits.hasPrefix("86") { digits.removeFirst(2) }
        let chars = Array(digits)
        guard chars.count == 11, chars.allSatisfy(\.isASCIIDigit), chars[0] == "1", ("3"..."9").contains(chars[1]) else {
            throw .invalid
        }
        value = digits
    }

    /// 138****5678
    public var masked: String { Masking.mobile(value) }
    public var description: String { masked }
}
