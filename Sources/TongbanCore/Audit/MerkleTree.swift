import Crypto
import Foundation

/// The Merkle tree of RFC 9162 §2.1 (Certificate Transparency 2.0) over SHA-256: a leaf hashes
/// as SHA-256(0x00 ‖ data), an interior node as SHA-256(0x01 ‖ left ‖ right), and a tree of n
/// leaves splits at the largest power of two below n. The domain prefixes keep a leaf from ever
/// passing for a node.
public enum MerkleTree {
    /// MTH({}): the hash of the empty string.
    public static let emptyRoot = Data(SHA256.hash(data: Data()))

    public static func leafHash(_ data: some DataProtocol) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return Data(hasher.finalize())
    }

    public static func nodeHash(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }

    /// The largest power of two smaller than `n` (n > 1): where the RFC splits a tree of n leaves.
    public static func split(_ n: Int64) -> Int64 {
        precondition(n > 1)
        return Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }

    /// MTH(D[n]) over the leaves' hashes, by the RFC's recursive definition.
    public static func root(of leafHashes: ArraySlice<Data>) -> Data {
        switch leafHashes.count {
        case 0:
            return emptyRoot
        case 1:
            return leafHashes[leafHashes.startIndex]
        default:
            let k = Int(split(Int64(leafHashes.count)))
            let middle = leafHashes.startIndex + k
            return nodeHash(root(of: leafHashes[..<middle]), root(of: leafHashes[middle...]))
        }
    }

    public static func root(of leafHashes: [Data]) -> Data { root(of: leafHashes[...]) }

    /// A perfect subtree: the 2^level leaves from index · 2^level on. Level 0 is a leaf.
    public struct Node: Hashable, Sendable, Comparable {
        public let level: Int
        public let index: Int64

        public init(level: Int, index: Int64) {
            self.level = level
            self.index = index
        }

        public var firstLeaf: Int64 { index << level }

        public static func < (a: Node, b: Node) -> Bool { (a.level, a.index) < (b.level, b.index) }
    }

    /// The leaves [start, end) as the RFC's decomposition meets them: a subtree whose start is a
    /// multiple of the power of two at or above its width, so it is one perfect node, or a right
    /// edge made of several.
    public struct Span: Hashable, Sendable {
        public let start: Int64
        public let end: Int64

        public init(_ start: Int64, _ end: Int64) {
            precondition(start < end)
            self.start = start
            self.end = end
        }

        /// The perfect subtrees whose hashes make this span's, left to right.
        public var nodes: [Node] {
            var nodes: [Node] = []
            var start = self.start
            while start < end {
                let width = end - start
                // the widest power of two that fits, and that `start` is a multiple of
                var level = 63 - width.leadingZeroBitCount
                if start != 0 { level = min(level, start.trailingZeroBitCount) }
                nodes.append(Node(level: level, index: start >> level))
                start += Int64(1) << level
            }
            return nodes
        }

        /// MTH of the span from the hashes of its perfect subtrees (`hash` answers each of `nodes`).
        public func hash(_ hash: (Node) -> Data) -> Data {
            let width = end - start
            if width.nonzeroBitCount == 1, start % width == 0 {
                return hash(Node(level: width.trailingZeroBitCount, index: start / width))
            }
            let k = MerkleTree.split(width)
            return MerkleTree.nodeHash(Span(start, start + k).hash(hash), Span(start + k, end).hash(hash))
        }
    }

    /// PATH(m, D[n]) of RFC 9162 §2.1.3.1 as the spans whose hashes it lists, from the leaf's
    /// sibling up.
    public static func inclusionSpans(leaf m: Int64, size n: Int64) -> [Span] {
        precondition(0 <= m && m < n)
        var spans: [Span] = []
        var start: Int64 = 0
        var end = n
        var m = m
        // the recursion appends each level's other half after the path below it: collect top
        // down, then reverse
        while end - start > 1 {
            let k = split(end - start)
            if m < k {
                spans.append(Span(start + k, end))
                end = start + k
            } else {
                spans.append(Span(start, start + k))
                start += k
                m -= k
            }
        }
        return spans.reversed()
    }

    /// PROOF(m, D[n]) of RFC 9162 §2.1.4.1 as spans, in the order the proof lists their hashes.
    public static func consistencySpans(from m: Int64, to n: Int64) -> [Span] {
        precondition(0 < m && m <= n)
        var spans: [Span] = []
        var start: Int64 = 0
        var end = n
        var m = m
        var complete = true
        while true {
            if m == end - start {
                if !complete { spans.append(Span(start, end)) }
                break
            }
            let k = split(end - start)
            if m <= k {
                spans.append(Span(start + k, end))
                end = start + k
            } else {
                spans.append(Span(start, start + k))
                start += k
                m -= k
                complete = false
            }
        }
        return spans.reversed()
    }
}

/// The right edge of a tree: the hashes of its perfect subtrees, widest first, one for each bit
/// set in its size. Enough to append leaves and to compute the root without the leaves before.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: Int64
    public private(set) var hashes: [Data]

    public init() {
        size = 0
        hashes = []
    }

    /// A frontier as stored; nil when the hashes cannot be the edge of a tree of that size.
    public init?(size: Int64, hashes: [Data]) {
        guard size >= 0, size.nonzeroBitCount == hashes.count, hashes.allSatisfy({ $0.count == 32 }) else { return nil }
        self.size = size
        self.hashes = hashes
    }

    /// Appends a leaf; returns the perfect subtrees (level 1 and up) it completed, lowest first.
    @discardableResult
    public mutating func append(leafHash: Data) -> [(node: MerkleTree.Node, hash: Data)] {
        var completed: [(node: MerkleTree.Node, hash: Data)] = []
        var hash = leafHash
        var level = 0
        var index = size
        // each trailing one bit of the old size is a subtree this leaf now completes a sibling of
        while (size >> level) & 1 == 1 {
            hash = MerkleTree.nodeHash(hashes.removeLast(), hash)
            level += 1
            index >>= 1
            completed.append((MerkleTree.Node(level: level, index: index), hash))
        }
        hashes.append(hash)
        size += 1
        return completed
    }

    /// MTH of the tree so far: the edge folded from the right.
    public var root: Data {
        guard var hash = hashes.last else { return MerkleTree.emptyRoot }
        for left in hashes.dropLast().reversed() {
            hash = MerkleTree.nodeHash(left, hash)
        }
        return hash
    }

    /// The perfect subtrees the edge holds, widest first (the nodes `hashes` are the hashes of).
    public var nodes: [MerkleTree.Node] { size > 0 ? MerkleTree.Span(0, size).nodes : [] }
}

extension Data {
    /// Lowercase hexadecimal.
    public var hexDigits: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Bytes from hexadecimal digits (either case); nil for anything else.
    public init?(hexDigits text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }
}
