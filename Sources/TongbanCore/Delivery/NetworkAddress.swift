import Foundation

/// An IPv4 or IPv6 address as written in a URL or returned by a resolver, and what kind of
/// network it belongs to: what a webhook endpoint may point at is decided by the kind.
public struct NetworkAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case `public`
        case loopback
        /// RFC 1918, shared address space (RFC 6598), IPv6 unique local (fc00::/7).
        case `private`
        /// 169.254/16 (cloud metadata services answer there), fe80::/10.
        case linkLocal
        /// 0.0.0.0/8, ::
        case unspecified
        case multicast
        /// Reserved, broadcast, documentation and benchmarking ranges: nothing real answers there.
        case reserved
    }

    /// 4 or 16 bytes.
    public let bytes: [UInt8]

    public init?(_ text: String) {
        if let v4 = Self.parseIPv4(Substring(text)) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            bytes = v6
        } else {
            return nil
        }
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    public var kind: Kind {
        if bytes.count == 4 { return Self.kindOfIPv4(bytes) }
        // an IPv4 address mapped into IPv6 (::ffff:a.b.c.d) is that IPv4 address
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Self.kindOfIPv4(Array(bytes[12..<16]))
        }
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
        if bytes[0] == 0xFF { return .multicast }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return .linkLocal }
        if bytes[0] & 0xFE == 0xFC { return .private }
        // 2001:db8::/32, documentation
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return .reserved }
        // only 2000::/3 is allocated for global unicast
        if bytes[0] & 0xE0 != 0x20 { return .reserved }
        return .public
    }

    static func kindOfIPv4(_ b: [UInt8]) -> Kind {
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return .unspecified
        case (127, _, _): return .loopback
        case (10, _, _), (172, 16...31, _), (192, 168, _), (100, 64...127, _): return .private
        case (169, 254, _): return .linkLocal
        case (224...239, _, _): return .multicast
        case (240...255, _, _), (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113), (198, 18...19, _): return .reserved
        default: return .public
        }
    }

    /// Dotted decimal, four parts, no leading zeros (which some resolvers read as octal).
    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), part == "0" || part.first != "0",
                let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    /// RFC 4291 text: eight groups of up to four hex digits, one `::` for a run of zero groups,
    /// optionally ending in dotted IPv4; no zone index.
    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.contains(":"), !text.contains("%") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4 && index == pieces.count - 1 && piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let value = UInt16(piece, radix: 16) else {
                    return nil
                }
                result.append(value)
            }
            return result
        }
        let head: [UInt16]
        let tail: [UInt16]
        if halves.count == 2 {
            guard let h = groups(halves[0], allowIPv4: false), let t = groups(halves[1], allowIPv4: true), h.count + t.count <= 7 else {
                return nil
            }
            head = h
            tail = t
        } else {
            guard let all = groups(halves[0], allowIPv4: true), all.count == 8 else { return nil }
            head = all
            tail = []
        }
        let words = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
