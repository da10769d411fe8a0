import Crypto
import Fluent
import Foundation
import SQLKit
import TongbanCore

/// A signed tree head as stored: the head, the key that signed it, and the signature.
package struct StoredTreeHead: Sendable, Equatable {
    package let head: AuditTreeHead
    package let keyID: String
    package let signature: Data
}

/// The log's Merkle tree as the database holds it: leaves in `audit_leaves` (by sequence, each
/// naming its entry), every completed perfect subtree above them in `audit_tree_nodes`, and a signed
/// head per sequencer batch in `audit_tree_heads`. Any proof needs only stored nodes: a handful
/// of rows by primary key.
package enum AuditTree {
    private struct HeadRow: Decodable {
        let size: Int64
        let root_hash: String
        let at_millis: Int64
        let key_id: String
        let signature: String

        var stored: StoredTreeHead? {
            guard let root = Data(hexDigits: root_hash), let signature = Data(base64Encoded: signature) else { return nil }
            return StoredTreeHead(head: AuditTreeHead(size: size, root: root, atMillis: at_millis), keyID: key_id, signature: signature)
        }
    }

    private static let headColumns: SQLQueryString = "size, root_hash, at_millis, key_id, signature"

    /// The newest signed head; nil while the log is empty.
    package static func latestHead(on db: any Database) async throws -> StoredTreeHead? {
        try await db.sql.raw("SELECT \(headColumns) FROM audit_tree_heads ORDER BY size DESC LIMIT 1").first(decoding: HeadRow.self)?.stored
    }

    /// The signed head of exactly `size` entries, if a batch ended there.
    package static func head(size: Int64, on db: any Database) async throws -> StoredTreeHead? {
        try await db.sql.raw("SELECT \(headColumns) FROM audit_tree_heads WHERE size = \(bind: size)").first(decoding: HeadRow.self)?.stored
    }

    /// Heads after `size`, oldest first.
    package static func heads(after size: Int64, limit: Int, on db: any Database) async throws -> [StoredTreeHead] {
        try await db.sql.raw("SELECT \(headColumns) FROM audit_tree_heads WHERE size > \(bind: size) ORDER BY size LIMIT \(bind: limit)")
            .all(decoding: HeadRow.self).map { row in
                guard let stored = row.stored else { throw TreeProblem.unreadable("tree head \(row.size)") }
                return stored
            }
    }

    /// Every public key that ever signed a head, by key id (retired data keys' included).
    package static func signingKeys(on db: any Database) async throws -> [String: Curve25519.Signing.PublicKey] {
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        for row in try await db.sql.raw("SELECT key_id, public_x FROM audit_log_keys").all() {
            let x = try row.decode(column: "public_x", as: String.self)
            guard let raw = Data(base64URL: x), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { continue }
            keys[try row.decode(column: "key_id", as: String.self)] = key
        }
        return keys
    }

    /// The log's keys as JWKs: every key that signed a head, and the one that signs the next.
    package static func jwks(on db: any Database, keys: KeyRing) async throws -> [[String: String]] {
        var known = try await signingKeys(on: db)
        known[keys.auditLogKeyID] = keys.auditLogSigningKey.publicKey
        return known.sorted { $0.key < $1.key }.map { KeyRing.jwk($0.value, kid: $0.key) }
    }

    package enum TreeProblem: Error, CustomStringConvertible {
        case unreadable(String)
        case missingNode(MerkleTree.Node)

        package var description: String {
            switch self {
            case let .unreadable(what): "audit log: \(what) is unreadable"
            case let .missingNode(node): "audit log: node \(node.level)/\(node.index) is missing"
            }
        }
    }

    /// The stored hashes of perfect subtrees (leaves included).
    package static func hashes(of nodes: some Collection<MerkleTree.Node>, on db: any Database) async throws -> [MerkleTree.Node: Data] {
        var found: [MerkleTree.Node: Data] = [:]
        let leaves = nodes.filter { $0.level == 0 }
        let inner = nodes.filter { $0.level > 0 }
        if !leaves.isEmpty {
            let sequences = SQLList(leaves.map { SQLBind($0.index + 1) })
            for row in try await db.sql.raw("SELECT sequence, leaf_hash FROM audit_leaves WHERE sequence IN (\(sequences))").all() {
                let sequence = try row.decode(column: "sequence", as: Int64.self)
                guard let hash = Data(hexDigits: try row.decode(column: "leaf_hash", as: String.self)) else {
                    throw TreeProblem.unreadable("leaf \(sequence)")
                }
                found[MerkleTree.Node(level: 0, index: sequence - 1)] = hash
            }
        }
        if !inner.isEmpty {
            let pairs: [SQLQueryString] = inner.map { "(level = \(bind: $0.level) AND idx = \(bind: $0.index))" }
            let rows = try await db.sql.raw("SELECT level, idx, hash FROM audit_tree_nodes WHERE \(pairs.joined(separator: " OR "))").all()
            for row in rows {
                let node = MerkleTree.Node(
                    level: try row.decode(column: "level", as: Int.self), index: try row.decode(column: "idx", as: Int64.self))
                guard let hash = Data(hexDigits: try row.decode(column: "hash", as: String.self)) else {
                    throw TreeProblem.unreadable("node \(node.level)/\(node.index)")
                }
                found[node] = hash
            }
        }
        for node in nodes where found[node] == nil { throw TreeProblem.missingNode(node) }
        return found
    }

    /// The hashes of `spans`, from the stored nodes, in order.
    package static func hashes(of spans: [MerkleTree.Span], on db: any Database) async throws -> [Data] {
        let stored = try await hashes(of: Set(spans.flatMap(\.nodes)), on: db)
        return spans.map { $0.hash { stored[$0]! } }
    }

    /// The right edge of the tree of `size` entries, to append to.
    package static func frontier(size: Int64, on db: any Database) async throws -> MerkleFrontier {
        guard size > 0 else { return MerkleFrontier() }
        let nodes = MerkleTree.Span(0, size).nodes
        let stored = try await hashes(of: nodes, on: db)
        guard let frontier = MerkleFrontier(size: size, hashes: nodes.map { stored[$0]! }) else {
            throw TreeProblem.unreadable("the tree's edge at \(size)")
        }
        return frontier
    }

    /// The audit path of entry `sequence` in the tree of `size` entries (RFC 9162 §2.1.3.1).
    package static func inclusionProof(sequence: Int64, size: Int64, on db: any Database) async throws -> [Data] {
        try await hashes(of: MerkleTree.inclusionSpans(leaf: sequence - 1, size: size), on: db)
    }

    /// The consistency proof between the trees of `first` and `second` entries (RFC 9162 §2.1.4.1).
    package static func consistencyProof(from first: Int64, to second: Int64, on db: any Database) async throws -> [Data] {
        guard first > 0, first < second else { return [] }
        return try await hashes(of: MerkleTree.consistencySpans(from: first, to: second), on: db)
    }
}
