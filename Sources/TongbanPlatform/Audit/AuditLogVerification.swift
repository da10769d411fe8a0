import Fluent
import Foundation
import SQLKit
import TongbanCore

extension AuditLog {
    private struct Row: Decodable, StoredAuditRow {
        let entry_key: String
        let sequence: Int64
        let at_millis: Int64
        let actor_id: String?
        let actor_label: String
        let action: String
        let resource: String
        let purpose: String?
        let request_id: String?
        let details: String?
        let content_hash: String
        let leaf_hash: String
    }

    /// Recomputes the log from its entries, oldest first in pages of `pageSize`: each entry's
    /// content (its sealed parts opened with `keys`) against its hash, its leaf against its place,
    /// and every signed head against the tree and against the log's published keys; and every
    /// entry must be placed or queued. Entries waiting for the sequencer are not part of
    /// the log yet and are not counted.
    package static func verify(on db: any Database, keys: KeyRing, pageSize: Int = 5000) async throws -> AuditLogCheck.Verdict {
        let signers = try await AuditTree.signingKeys(on: db)
        var check = AuditLogCheck()
        var heads: [StoredTreeHead] = []
        var headsAfter: Int64 = 0
        var moreHeads = true
        var after: Int64 = 0
        func checkHeads(upTo size: Int64, final: Bool) async throws {
            while true {
                if heads.isEmpty, moreHeads {
                    heads = try await AuditTree.heads(after: headsAfter, limit: 1000, on: db)
                    moreHeads = heads.count == 1000
                    headsAfter = heads.last?.head.size ?? headsAfter
                }
                guard let next = heads.first, final || next.head.size <= size else { return }
                heads.removeFirst()
                let signed = signers[next.keyID].map { next.head.isSigned(next.signature, by: $0) } ?? false
                check.check(next.head, signed: signed)
                if check.failure != nil { return }
            }
        }
        while check.failure == nil {
            let page = try await db.sql.raw(
                """
                SELECT e.entry_key, l.sequence, e.at_millis, e.actor_id, e.actor_label, e.action, e.resource, e.purpose, e.request_id,
                e.details, e.content_hash, l.leaf_hash FROM audit_leaves l JOIN audit_entries e ON e.id = l.entry_id
                WHERE l.sequence > \(bind: after) ORDER BY l.sequence LIMIT \(bind: pageSize)
                """
            ).all(decoding: Row.self)
            for row in page {
                let content = AuditEntry.content(row, keys: keys)
                check.feed(
                    sequence: row.sequence, content: content, contentHash: row.content_hash,
                    leafHash: Data(hexDigits: row.leaf_hash) ?? Data())
                try await checkHeads(upTo: check.frontier.size, final: false)
                if check.failure != nil { break }
            }
            guard let last = page.last, page.count == pageSize else { break }
            after = last.sequence
        }
        // heads beyond the entries: the newest entries were cut off
        try await checkHeads(upTo: check.frontier.size, final: true)
        guard case .ok = check.verdict else { return check.verdict }
        // an entry neither placed nor queued, written behind the sequencer's back: never to be placed
        if let hidden = try await db.sql.raw(
            """
            SELECT MIN(e.id) AS id FROM audit_entries e
            WHERE NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.entry_id = e.id)
            AND NOT EXISTS (SELECT 1 FROM audit_queue q WHERE q.entry_key = e.entry_key)
            """
        ).first(), let id = try hidden.decode(column: "id", as: Int64?.self) {
            db.logger.critical("audit log: entry row \(id) is neither in a leaf nor queued for one")
            return .broken(sequence: check.frontier.size + 1, reason: .unplaced)
        }
        return check.verdict
    }

    /// Entries committed and queued for the sequencer.
    package static func waitingCount(on db: any Database) async throws -> Int {
        let row = try await db.sql.raw("SELECT COUNT(*) AS n FROM audit_queue").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The places in the log of entries, by their keys (entries not placed yet are absent).
    package static func places(ofKeys keys: [String], on db: any Database) async throws -> [String: Int64] {
        guard !keys.isEmpty else { return [:] }
        var places: [String: Int64] = [:]
        let rows = try await db.sql.raw(
            """
            SELECT e.entry_key, l.sequence FROM audit_entries e JOIN audit_leaves l ON l.entry_id = e.id
            WHERE e.entry_key IN (\(SQLList(keys.map { SQLBind($0) })))
            """
        ).all()
        for row in rows {
            places[try row.decode(column: "entry_key", as: String.self)] = try row.decode(column: "sequence", as: Int64.self)
        }
        return places
    }

    /// An entry's place in the log and its leaf hash, once placed.
    package static func leaf(ofEntry id: Int64, on db: any Database) async throws -> (sequence: Int64, leafHash: String)? {
        guard let row = try await db.sql.raw("SELECT sequence, leaf_hash FROM audit_leaves WHERE entry_id = \(bind: id)").first() else {
            return nil
        }
        return (try row.decode(column: "sequence", as: Int64.self), try row.decode(column: "leaf_hash", as: String.self))
    }
}
