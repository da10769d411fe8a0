import Foundation

/// Checks proofs the way RFC 9162 tells a verifier to (§2.1.3.2 and §2.1.4.2), step by step
/// with its bit arithmetic, and apart from the code that makes proofs (`MerkleTree`'s spans):
/// a mistake in one is not repeated in the other.
public enum MerkleProofCheck {
    /// Whether `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
    public static func inclusion(leafHash: Data, index: Int64, size: Int64, path: [Data], root: Data) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in path {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleTree.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleTree.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Whether the tree of `second` leaves with root `secondRoot` extends the tree of `first`
    /// leaves with root `firstRoot`.
    public static func consistency(first: Int64, second: Int64, firstRoot: Data, secondRoot: Data, path: [Data]) -> Bool {
        guard first >= 0, first <= second else { return false }
        // an empty tree is a prefix of every tree; a tree is consistent with itself alone
        if first == 0 { return path.isEmpty }
        if first == second { return path.isEmpty && firstRoot == secondRoot }
        guard !path.isEmpty else { return false }
        var path = path
        if first.nonzeroBitCount == 1 { path.insert(firstRoot, at: 0) }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleTree.nodeHash(c, fr)
                sr = MerkleTree.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleTree.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }
}
