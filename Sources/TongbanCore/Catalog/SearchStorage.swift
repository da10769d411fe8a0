/// Strings kept end to end in one UTF-8 buffer, each found by its number. A hundred thousand
/// items' names as Swift strings cost a heap object each; here they cost their bytes and four more.
struct PackedStrings: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Where each string ends in `bytes` (it starts where the one before ends).
    private var ends: [UInt32] = []

    var count: Int { ends.count }

    @discardableResult
    mutating func append(_ text: some StringProtocol) -> Int {
        bytes.append(contentsOf: text.utf8)
        ends.append(UInt32(bytes.count))
        return ends.count - 1
    }

    func range(_ number: Int) -> Range<Int> {
        (number == 0 ? 0 : Int(ends[number - 1]))..<Int(ends[number])
    }

    func string(_ number: Int) -> String {
        String(decoding: bytes[range(number)], as: UTF8.self)
    }

    /// Whether string `number` is exactly `other`, compared byte for byte.
    func equals(_ number: Int, _ other: [UInt8]) -> Bool {
        let span = range(number)
        return span.count == other.count && bytes[span].elementsEqual(other)
    }

    /// Whether string `number` begins with `prefix`.
    func hasPrefix(_ number: Int, _ prefix: [UInt8]) -> Bool {
        let span = range(number)
        return span.count >= prefix.count && bytes[span.lowerBound..<(span.lowerBound + prefix.count)].elementsEqual(prefix)
    }

    /// Whether string `number` holds `needle` (at least two bytes) somewhere.
    func contains(_ number: Int, _ needle: [UInt8]) -> Bool {
        let span = range(number)
        return bytes.withUnsafeBufferPointer { Self.contains($0, from: span.lowerBound, to: span.upperBound, needle) }
    }

    /// Whether `bytes[start..<end]` holds `needle` (at least two bytes). It compares two bytes
    /// at a time before the rest: Chinese characters share few lead bytes in UTF-8, so a one-byte
    /// first check would match almost everywhere. UTF-8 is self-synchronising, so a byte match is
    /// a character match.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, _ needle: [UInt8]) -> Bool {
        guard needle.count >= 2, end - start >= needle.count, let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let head = UInt16(needle[0]) | UInt16(needle[1]) << 8
        var i = start
        let last = end - needle.count
        while i <= last {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt16.self).littleEndian == head {
                var j = 2
                while j < needle.count, base[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}

/// Many sorted lists of numbers under 64-bit keys, all in one byte buffer. Each list holds the
/// differences between its neighbouring numbers, seven bits to a byte (LEB128): the lists of a
/// catalog's common characters are dense, so most entries take one byte instead of four, and no
/// list is a heap object of its own.
struct PackedPostings: Sendable {
    private let bytes: [UInt8]
    /// key → where its list starts in `bytes` (high 32 bits) and how many entries it has.
    private let lists: [UInt64: UInt64]

    init() {
        bytes = []
        lists = [:]
    }

    fileprivate init(bytes: [UInt8], lists: [UInt64: UInt64]) {
        self.bytes = bytes
        self.lists = lists
    }

    var byteCount: Int { bytes.count }

    func count(_ key: UInt64) -> Int {
        guard let list = lists[key] else { return 0 }
        return Int(list & 0xFFFF_FFFF)
    }

    func contains(_ key: UInt64) -> Bool { lists[key] != nil }

    /// Calls `body` with each number of the key's list, in increasing order.
    func forEach(_ key: UInt64, _ body: (UInt32) -> Void) {
        guard let list = lists[key] else { return }
        var offset = Int(list >> 32)
        var remaining = Int(list & 0xFFFF_FFFF)
        var value: UInt32 = 0
        bytes.withUnsafeBufferPointer { buffer in
            while remaining > 0 {
                var delta: UInt32 = 0
                var shift: UInt32 = 0
                while true {
                    let byte = buffer[offset]
                    offset += 1
                    delta |= UInt32(byte & 0x7F) << shift
                    if byte < 0x80 { break }
                    shift += 7
                }
                value &+= delta
                body(value)
                remaining -= 1
            }
        }
    }

    func numbers(_ key: UInt64) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(count(key))
        forEach(key) { result.append($0) }
        return result
    }

    /// Collects the lists, one number at a time; each key's numbers must come in increasing order.
    struct Builder {
        private var slots: [UInt64: Int] = [:]
        private var keys: [UInt64] = []
        private var encoded: [[UInt8]] = []
        private var last: [UInt32] = []
        private var counts: [UInt32] = []

        mutating func append(_ value: UInt32, to key: UInt64) {
            let slot: Int
            if let known = slots[key] {
                slot = known
                if counts[slot] > 0 {
                    precondition(value >= last[slot], "postings must be appended in increasing order")
                    if value == last[slot] { return }
                }
            } else {
                slot = keys.count
                slots[key] = slot
                keys.append(key)
                encoded.append([])
                last.append(0)
                counts.append(0)
            }
            var delta = value - last[slot]
            while delta >= 0x80 {
                encoded[slot].append(UInt8(delta & 0x7F) | 0x80)
                delta >>= 7
            }
            encoded[slot].append(UInt8(delta))
            last[slot] = value
            counts[slot] += 1
        }

        func build() -> PackedPostings {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(encoded.reduce(0) { $0 + $1.count })
            var lists: [UInt64: UInt64] = [:]
            lists.reserveCapacity(keys.count)
            for (slot, key) in keys.enumerated() {
                lists[key] = UInt64(bytes.count) << 32 | UInt64(counts[slot])
                bytes.append(contentsOf: encoded[slot])
            }
            return PackedPostings(bytes: bytes, lists: lists)
        }
    }
}
