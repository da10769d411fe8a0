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
        let leaf_hash: String?
    }

    /// Recomputes the log from its entries, oldest first in pages of `pageSize`: each entry's
    /// content (its sealed parts opened with `keys`) against its hash, its leaf against its place,
    /// and every signed head against the tree and against the log's published keys. Entries not
    /// yet sequenced are not part of the log yet and are not counted.
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
                SELECT entry_key, sequence, at_millis, actor_id, actor_label, action, resource, purpose, request_id, details,
                content_hash, leaf_hash FROM audit_entries WHERE sequence > \(bind: after) ORDER BY sequence LIMIT \(bind: pageSize)
                """
            ).all(decoding: Row.self)
            for row in page {
                let content = AuditEntry.content(row, keys: keys)
                check.feed(
                    sequence: row.sequence, content: content, contentHash: row.content_hash,
                    leafHash: row.leaf_hash.flatMap { Data(hexDigits: $0) } ?? Data())
                try await checkHeads(upTo: check.frontier.size, final: false)
                if check.failure != nil { break }
            }
            guard let last = page.last, page.count == pageSize else { break }
            after = last.sequence
        }
        // heads beyond the entries: the newest entries were cut off
        try await checkHeads(upTo: check.frontier.size, final: true)
        return check.verdict
    }

    /// Entries committed and not yet in the log.
    package static func pendingCount(on db: any Database) async throws -> Int {
        try await AuditEntry.query(on: db).filter(\.$sequence == nil).count()
    }
}
