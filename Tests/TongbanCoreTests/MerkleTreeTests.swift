import Crypto
import Foundation
import Testing

@testable import TongbanCore

/// The reference values are Certificate Transparency's (RFC 6962's tree, the C++ and Go
/// implementations' test vectors): eight leaves, the roots of their first n, and known proofs.
@Suite("the RFC 9162 Merkle tree")
struct MerkleTreeTests {
    static let referenceLeaves = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map { Data(hexDigits: $0)! }

    static let referenceRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static let inclusionVectors: [(Int64, [String])] = [
        (
            0,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            5,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
    ]

    static let consistencyVectors: [(Int64, Int64, [String])] = [
        (1, 1, []),
        (
            1, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            6, 8,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (
            2, 5,
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ]

    static var referenceLeafHashes: [Data] { referenceLeaves.map { MerkleTree.leafHash($0) } }

    /// The proof a span list stands for, hashed from the leaves themselves.
    static func proof(_ spans: [MerkleTree.Span], leaves: [Data]) -> [Data] {
        spans.map { span in span.hash { node in MerkleTree.root(of: leaves[Int(node.firstLeaf)..<Int(node.firstLeaf + (1 << node.level))]) }
        }
    }

    static func randomLeaves(_ count: Int, rng: inout SplitMix64) -> [Data] {
        (0..<count).map { _ in
            MerkleTree.leafHash(Data((0..<Int.random(in: 16...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        }
    }

    @Test("the empty tree and the reference roots for every size up to eight")
    func referenceRootsMatch() {
        #expect(MerkleTree.emptyRoot.hexDigits == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            MerkleTree.leafHash(Self.referenceLeaves[1]).hexDigits == "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")
        var frontier = MerkleFrontier()
        for size in 1...8 {
            #expect(MerkleTree.root(of: Self.referenceLeafHashes.prefix(size)).hexDigits == Self.referenceRoots[size - 1])
            frontier.append(leafHash: Self.referenceLeafHashes[size - 1])
            #expect(frontier.root.hexDigits == Self.referenceRoots[size - 1])
        }
    }

    @Test("the reference inclusion proofs", arguments: Self.inclusionVectors)
    func referenceInclusion(index: Int64, expected: [String]) {
        let leaves = Self.referenceLeafHashes
        let path = Self.proof(MerkleTree.inclusionSpans(leaf: index, size: 8), leaves: leaves)
        #expect(path.map(\.hexDigits) == expected)
        let root = Data(hexDigits: Self.referenceRoots[7])!
        #expect(MerkleProofCheck.inclusion(leafHash: leaves[Int(index)], index: index, size: 8, path: path, root: root))
        #expect(!MerkleProofCheck.inclusion(leafHash: leaves[Int(index)], index: index ^ 1, size: 8, path: path, root: root))
    }

    @Test("the reference consistency proofs", arguments: Self.consistencyVectors)
    func referenceConsistency(first: Int64, second: Int64, expected: [String]) {
        let leaves = Self.referenceLeafHashes
        let path = Self.proof(MerkleTree.consistencySpans(from: first, to: second), leaves: leaves)
        #expect(path.map(\.hexDigits) == expected)
        let firstRoot = Data(hexDigits: Self.referenceRoots[Int(first) - 1])!
        let secondRoot = Data(hexDigits: Self.referenceRoots[Int(second) - 1])!
        #expect(MerkleProofCheck.consistency(first: first, second: second, firstRoot: firstRoot, secondRoot: secondRoot, path: path))
    }

    @Test("every leaf of every tree up to 70 leaves proves its way to the root, and no other leaf or place does")
    func generatedInclusion() {
        var rng = SplitMix64(seed: 9162)
        for size in 1...70 {
            let leaves = Self.randomLeaves(size, rng: &rng)
            let root = MerkleTree.root(of: leaves)
            for index in 0..<size {
                let path = Self.proof(MerkleTree.inclusionSpans(leaf: Int64(index), size: Int64(size)), leaves: leaves)
                #expect(MerkleProofCheck.inclusion(leafHash: leaves[index], index: Int64(index), size: Int64(size), path: path, root: root))
                let other = (index + 1) % size
                if other != index {
                    #expect(
                        !MerkleProofCheck.inclusion(leafHash: leaves[other], index: Int64(index), size: Int64(size), path: path, root: root)
                    )
                    #expect(
                        !MerkleProofCheck.inclusion(leafHash: leaves[index], index: Int64(other), size: Int64(size), path: path, root: root)
                    )
                }
                if !path.isEmpty {
                    var bent = path
                    bent[Int.random(in: 0..<bent.count, using: &rng)][0] ^= 1
                    #expect(
                        !MerkleProofCheck.inclusion(leafHash: leaves[index], index: Int64(index), size: Int64(size), path: bent, root: root)
                    )
                    #expect(
                        !MerkleProofCheck.inclusion(
                            leafHash: leaves[index], index: Int64(index), size: Int64(size), path: path.dropLast(), root: root))
                }
            }
        }
    }

    @Test("every pair of sizes up to 48 has a consistency proof that checks, and a rewritten history fails")
    func generatedConsistency() {
        var rng = SplitMix64(seed: 6962)
        let leaves = Self.randomLeaves(48, rng: &rng)
        for second in 1...48 {
            let secondRoot = MerkleTree.root(of: leaves.prefix(second))
            for first in 1...second {
                let firstRoot = MerkleTree.root(of: leaves.prefix(first))
                let path = Self.proof(MerkleTree.consistencySpans(from: Int64(first), to: Int64(second)), leaves: leaves)
                #expect(
                    MerkleProofCheck.consistency(
                        first: Int64(first), second: Int64(second), firstRoot: firstRoot, secondRoot: secondRoot, path: path))
                guard first < second else { continue }
                // the old tree with one leaf changed is not a prefix of the new one
                var rewritten = leaves
                rewritten[Int.random(in: 0..<first, using: &rng)][0] ^= 1
                let forgedRoot = MerkleTree.root(of: rewritten.prefix(first))
                #expect(
                    !MerkleProofCheck.consistency(
                        first: Int64(first), second: Int64(second), firstRoot: forgedRoot, secondRoot: secondRoot, path: path))
                #expect(
                    !MerkleProofCheck.consistency(
                        first: Int64(second), second: Int64(first), firstRoot: secondRoot, secondRoot: firstRoot, path: path))
            }
        }
    }

    @Test("the frontier grows to the same root as the whole tree, and stores each perfect subtree once")
    func frontierMatchesTree() {
        var rng = SplitMix64(seed: 42)
        let leaves = Self.randomLeaves(1100, rng: &rng)
        var frontier = MerkleFrontier()
        var stored: [MerkleTree.Node: Data] = [:]
        for (index, leaf) in leaves.enumerated() {
            stored[MerkleTree.Node(level: 0, index: Int64(index))] = leaf
            for (node, hash) in frontier.append(leafHash: leaf) {
                #expect(stored[node] == nil)
                stored[node] = hash
                #expect(hash == MerkleTree.root(of: leaves[Int(node.firstLeaf)..<Int(node.firstLeaf + (1 << node.level))]))
            }
            let size = index + 1
            if size % 97 == 0 || size < 40 || size.nonzeroBitCount == 1 {
                #expect(frontier.root == MerkleTree.root(of: leaves.prefix(size)))
                #expect(MerkleFrontier(size: frontier.size, hashes: frontier.hashes) == frontier)
                #expect(frontier.nodes.map { stored[$0]! } == frontier.hashes)
            }
        }
        // proofs made from stored nodes alone (what the server does) are the ones from the leaves
        for _ in 0..<200 {
            let size = Int64.random(in: 1...1100, using: &rng)
            let index = Int64.random(in: 0..<size, using: &rng)
            let spans = MerkleTree.inclusionSpans(leaf: index, size: size)
            #expect(spans.map { $0.hash { stored[$0]! } } == Self.proof(spans, leaves: leaves))
        }
        #expect(MerkleFrontier(size: 3, hashes: [Data(count: 32)]) == nil)
    }

    @Test("hex round trips; anything else is refused")
    func hexDigits() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<100 {
            let bytes = Data((0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            #expect(Data(hexDigits: bytes.hexDigits) == bytes)
            #expect(Data(hexDigits: bytes.hexDigits.uppercased()) == bytes)
        }
        #expect(Data(hexDigits: "abc") == nil)
        #expect(Data(hexDigits: "zz") == nil)
    }
}
