import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562): the first 48 bits are the Unix time in milliseconds, then
    /// the version, 74 random bits and the variant. Keys made this way sort by the time they were
    /// made (as bytes and as text), so new rows go to the end of every index over them instead of
    /// to a random page each: a commit of many rows dirties a few index pages, not one per row and
    /// index. Still not guessable from one another.
    public static func timeOrdered(at date: Date) -> UUID {
        var random = SystemRandomNumberGenerator()
        return timeOrdered(at: date, using: &random)
    }

    public static func timeOrdered(at date: Date, using random: inout some RandomNumberGenerator) -> UUID {
        let millis = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        let a = random.next() as UInt64
        let b = random.next() as UInt64
        func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: value >> shift) }
        return UUID(
            uuid: (
                byte(millis, 40), byte(millis, 32), byte(millis, 24), byte(millis, 16), byte(millis, 8), byte(millis, 0),
                0x70 | byte(a, 0) & 0x0F, byte(a, 8),
                0x80 | byte(a, 16) & 0x3F, byte(a, 24), byte(a, 32), byte(a, 40), byte(a, 48), byte(a, 56), byte(b, 0), byte(b, 8)
            ))
    }

    /// The milliseconds since 1970 a version 7 UUID was made at; nil for other versions.
    public var timeOrderedMillis: UInt64? {
        let bytes = uuid
        guard bytes.6 >> 4 == 7 else { return nil }
        return [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
