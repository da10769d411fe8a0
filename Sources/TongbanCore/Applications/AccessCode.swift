/// 查询码: the random code an applicant is given at submission to look their application's
/// progress up without signing in. Eight characters of Crockford's base 32 (40 bits: with the
/// lookup's rate limits nobody enumerates them), shown as `ABCD-EFGH`; typed in any case, with or
/// without the hyphen or spaces, and with the letters people confuse with digits read as those
/// digits (I and L as 1, O as 0).
public struct AccessCode: Hashable, Sendable, CustomStringConvertible {
    public static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    public static let length = 8

    public enum Problem: String, Error, Sendable {
        case wrongLength = "application.accessCodeLength"
        case invalidCharacter = "application.accessCodeCharacters"
    }

    /// The eight characters, canonical (upper case, no hyphen).
    public let value: String

    /// A fresh code from `generator` (the system's random source in production).
    public static func random(using generator: inout some RandomNumberGenerator) -> AccessCode {
        AccessCode(checked: String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
    }

    public static func random() -> AccessCode {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    private init(checked value: String) { self.value = value }

    /// A code as a person typed it.
    public init(_ typed: String) throws(Problem) {
        var canonical = ""
        for character in typed.uppercased() where !" -\t".contains(character) {
            let read: Character =
                switch character {
                case "I", "L": "1"
                case "O": "0"
                default: character
                }
            guard Self.alphabet.contains(read) else { throw .invalidCharacter }
            canonical.append(read)
            guard canonical.count <= Self.length else { throw .wrongLength }
        }
        guard canonical.count == Self.length else { throw .wrongLength }
        value = canonical
    }

    /// `ABCD-EFGH`: how it is shown and printed.
    public var description: String { String(value.prefix(4)) + "-" + String(value.suffix(4)) }

    /// Compares without stopping at the first difference, so timing tells nothing of a code.
    public func matches(_ other: String) -> Bool {
        let a = Array(value.utf8)
        let b = Array(other.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
