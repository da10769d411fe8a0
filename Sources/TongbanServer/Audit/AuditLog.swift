import Fluent
import SQLKit
import Foundation
import TongbanCore
import Vapor

/// What an audit entry says; the chain fields are filled in by `AuditLog.append`.
struct AuditEvent: Sendable {
    var actorID: UUID?
    var actorLabel: String
    var action: String
    var resource: String
    var purpose: String? = nil
    var requestID: String? = nil
    var details: String? = nil
}

private struct AuditHead: Decodable { let last_sequence: Int64; let last_hash: String }

enum AuditLog {
    /// Appends one entry. Call it inside the transaction of the change it records, so that both
    /// land or neither does.
    /// `batch`: rows of the change itself, written in the same statement as the entry (one
    /// round trip fewer while the chain's head is locked).
    static func append(_ event: AuditEvent, on db: any Database, with batch: InsertBatch = InsertBatch(), now: Date = Date()) async throws {
        try await append([event], on: db, with: batch, now: now)
    }

    /// Appends entries in order, chained to each other, with one update of the chain's head.
    static func append(_ events: [AuditEvent], on db: any Database, with batch: InsertBatch = InsertBatch(), now: Date = Date()) async throws {
        guard db.inTransaction else {
            return try await db.write { try await append(events, on: $0, with: batch, now: now) }
        }
        guard !events.isEmpty else { return try await batch.run(on: db) }
        // Writing first takes the lock (a row lock on PostgreSQL, the write lock on SQLite):
        // concurrent appenders queue here rather than both reading the same head. The lock is
        // held to the commit, so the chain's part of the transaction is two statements.
        guard let head = try await db.sql.raw("UPDATE audit_head SET last_sequence = last_sequence + \(bind: events.count) WHERE id = 1 RETURNING last_sequence, last_hash")
            .first(decoding: AuditHead.self) else {
            throw Abort(.internalServerError, reason: "audit chain head missing")
        }
        let atMillis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        var previousHash = head.last_hash
        var batch = batch
        for (offset, event) in events.enumerated() {
            let record = AuditChain.seal(AuditRecord(
                sequence: head.last_sequence - Int64(events.count) + 1 + Int64(offset), atMillis: atMillis,
                actorID: event.actorID?.uuidString, actorLabel: event.actorLabel, action: event.action,
                resource: event.resource, purpose: event.purpose, requestID: event.requestID, details: event.details,
                previousHash: previousHash))
            batch.add(AuditEntry.schema, [("sequence", record.sequence), ("at_millis", record.atMillis), ("actor_id", record.actorID),
                                          ("actor_label", record.actorLabel), ("action", record.action), ("resource", record.resource),
                                          ("purpose", record.purpose), ("request_id", record.requestID), ("details", record.details),
                                          ("previous_hash", record.previousHash), ("hash", record.hash)])
            previousHash = record.hash
        }
        try await batch.run(on: db, followedBy: "UPDATE audit_head SET last_hash = \(bind: previousHash) WHERE id = 1")
    }

    /// Walks the whole chain in pages of `pageSize`, oldest first.
    static func verify(on db: any Database, pageSize: Int = 1000) async throws -> AuditChain.Verdict {
        var verifier = AuditChain.Verifier()
        var after: Int64 = 0
        while true {
            let page = try await AuditEntry.query(on: db).filter(\.$id > after).sort(\.$id).limit(pageSize).all()
            for entry in page { verifier.feed(entry.record) }
            guard let last = page.last?.id, page.count == pageSize, verifier.failure == nil else { break }
            after = last
        }
        // A trail cut short at its end still links up: the head remembers how long it was.
        if case let .ok(count) = verifier.verdict,
           let head = try await db.sql.raw("SELECT last_sequence FROM audit_head WHERE id = 1").first(),
           try head.decode(column: "last_sequence", as: Int64.self) != Int64(count) {
            return .broken(sequence: Int64(count) + 1, reason: .sequenceGap)
        }
        return verifier.verdict
    }

    /// The newest entries first, for the supervisors' view.
    static func recent(on db: any Database, limit: Int, before: Int64?) async throws -> [AuditEntry] {
        var query = AuditEntry.query(on: db).sort(\.$id, .descending).limit(limit)
        if let before { query = query.filter(\.$id < before) }
        return try await query.all()
    }
}

extension Request {
    /// An audit event by the signed-in account (or anonymous), carrying this request's id.
    func auditEvent(_ action: String, resource: String, purpose: String? = nil, details: String? = nil) -> AuditEvent {
        let account = currentAccount
        return AuditEvent(actorID: account?.id, actorLabel: account.map { "\($0.kind.rawValue):\($0.displayName)" } ?? "anonymous",
                          action: action, resource: resource, purpose: purpose, requestID: requestID, details: details)
    }
}
