import Fluent
import Foundation
import Metrics
import SQLKit
import TongbanCore
import Vapor

/// Gives committed audit entries their place in the log: in batches, in the order they were
/// queued (`audit_queue`, written with each entry), each batch appended to the Merkle tree as
/// leaves (`audit_leaves`; the entries themselves are never updated) and closed with a signed
/// tree head, all in one transaction that also takes the batch off the queue. One process at a
/// time: on PostgreSQL whoever holds the advisory lock for the batch (the others pass), on SQLite
/// the serving process. A process killed in a batch leaves nothing of it; the next batch goes on
/// from the last signed head, so there is never a gap nor a number twice; and an entry committed
/// after a batch read the queue, however low its number, is still queued: nothing committed is
/// left out.
package enum AuditSequencer {
    /// The advisory lock's first key ("tbal"); the second is the schema's, so deployments that
    /// share a database in separate schemas each have their own sequencer.
    package static let lockKey: Int32 = 0x7462_616c
    /// Entries per batch: the leaves' insert binds three values each, and SQLite takes 32,766.
    package static let batchLimit = 4_000

    private static let batchSize = Recorder(label: "tongban_audit_sequencer_entries")
    private static let batchTime = Metrics.Timer(label: "tongban_audit_sequencer_seconds")

    private struct Pending: Decodable {
        let queued: Int64
        let id: Int64
        let content_hash: String
    }

    /// How many entries the newest signed head holds.
    static func treeSize(on db: any Database) async throws -> Int64 {
        try await AuditTree.latestHead(on: db)?.head.size ?? 0
    }

    /// Integrates up to `limit` pending entries and signs the new head; how many it took (0 when
    /// nothing was pending), or nil when another process is at it and `waitForLock` is false.
    @discardableResult
    package static func integrate(on db: any Database, keys: KeyRing, now: Date, limit: Int = batchLimit, waitForLock: Bool = false)
        async throws -> Int?
    {
        let started = DispatchTime.now().uptimeNanoseconds
        let count = try await db.write { tx -> Int? in
            if tx.isPostgres {
                if waitForLock {
                    try await tx.sql.raw("SELECT pg_advisory_xact_lock(\(bind: lockKey), hashtext(current_schema()))").run()
                } else {
                    let row = try await tx.sql.raw(
                        "SELECT pg_try_advisory_xact_lock(\(bind: lockKey), hashtext(current_schema())) AS locked"
                    ).first()
                    guard try row?.decode(column: "locked", as: Bool.self) == true else { return nil }
                }
            }
            let pending = try await tx.sql.raw(
                """
                SELECT q.id AS queued, e.id, e.content_hash FROM audit_queue q JOIN audit_entries e ON e.entry_key = q.entry_key
                ORDER BY q.id LIMIT \(bind: limit)
                """
            ).all(decoding: Pending.self)
            guard !pending.isEmpty else { return 0 }
            var frontier = try await AuditTree.frontier(size: try await treeSize(on: tx), on: tx)
            var leaves: [SQLQueryString] = []
            var nodes: [SQLQueryString] = []
            for entry in pending {
                let sequence = frontier.size + 1
                let leaf = AuditLeaf.hash(sequence: sequence, contentHash: entry.content_hash)
                leaves.append("(\(bind: sequence), \(bind: entry.id), \(bind: leaf.hexDigits))")
                for (node, hash) in frontier.append(leafHash: leaf) {
                    nodes.append("(\(bind: node.level), \(bind: node.index), \(bind: hash.hexDigits))")
                }
            }
            try await tx.sql.raw("INSERT INTO audit_leaves (sequence, entry_id, leaf_hash) VALUES \(leaves.joined(separator: ", "))").run()
            for chunk in stride(from: 0, to: nodes.count, by: batchLimit) {
                let rows = nodes[chunk..<min(chunk + batchLimit, nodes.count)]
                try await tx.sql.raw("INSERT INTO audit_tree_nodes (level, idx, hash) VALUES \(rows.joined(separator: ", "))").run()
            }
            try await tx.sql.raw("DELETE FROM audit_queue WHERE id IN (\(SQLList(pending.map { SQLBind($0.queued) })))").run()
            try await sign(frontier, on: tx, keys: keys, atMillis: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
            return pending.count
        }
        if let count, count > 0 {
            batchSize.record(count)
            batchTime.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
        }
        return count
    }

    /// Stores the signed head of the tree `frontier` ends, and the key's public half.
    static func sign(_ frontier: MerkleFrontier, on db: any Database, keys: KeyRing, atMillis: Int64) async throws {
        let key = keys.auditLogSigningKey
        let kid = keys.auditLogKeyID
        let head = AuditTreeHead(size: frontier.size, root: frontier.root, atMillis: atMillis)
        try await db.sql.raw(
            """
            INSERT INTO audit_log_keys (key_id, public_x, created_millis)
            VALUES (\(bind: kid), \(bind: key.publicKey.rawRepresentation.base64URLEncodedString()), \(bind: head.atMillis))
            ON CONFLICT (key_id) DO NOTHING
            """
        ).run()
        try await db.sql.raw(
            """
            INSERT INTO audit_tree_heads (size, root_hash, at_millis, key_id, signature)
            VALUES (\(bind: head.size), \(bind: head.root.hexDigits), \(bind: head.atMillis), \(bind: kid),
            \(bind: try head.sign(with: key).base64EncodedString()))
            """
        ).run()
    }

    /// Integrates batches until none is pending (or, unless `waitForLock`, until another process
    /// is found at it); the number of entries taken.
    @discardableResult
    package static func integrateAll(on db: any Database, keys: KeyRing, now: @Sendable () -> Date, waitForLock: Bool = true) async throws
        -> Int
    {
        var total = 0
        while true {
            guard let count = try await integrate(on: db, keys: keys, now: now(), waitForLock: waitForLock) else { return total }
            total += count
            if count < batchLimit { return total }
        }
    }

    /// A serving process's sequencer: a batch every `interval` seconds while there is work.
    package static func schedule(_ app: Application, every interval: TimeInterval) {
        let keys = app.keys
        let clock = app.clock
        BackgroundJob.schedule(app, name: "audit sequencer", every: interval, firstAfter: interval) {
            try await integrateAll(on: app.db, keys: keys, now: { clock.now() }, waitForLock: false)
        }
    }
}
