import Fluent
import SQLKit
import Foundation
import TongbanCore
import Vapor

/// What an audit entry says; the chain fields are filled in by `AuditLog.append`.
package struct AuditEvent: Sendable {
    package var actorID: UUID?
    package var actorLabel: String
    package var action: String
    package var resource: String
    package var purpose: String? = nil
    package var requestID: String? = nil
    package var details: String? = nil
    /// The acting account's region (who may read the entry); not sealed into the chain.
    package var regionCode: String? = nil
    /// The person who acted for an enterprise (经办人), also named in `actorLabel`, which the
    /// chain seals; kept apart so the enterprise can list its handlers' acts.
    package var agentID: UUID? = nil
    /// The key ring that seals the entry's personal parts (who acted, why, the details) to their
    /// cells; set by `UseCaseContext.auditEvent`. An entry of the system's own (no one's data in
    /// it) may go without.
    package var keys: KeyRing? = nil

    package init(
        actorID: UUID? = nil, actorLabel: String, action: String, resource: String, purpose: String? = nil, requestID: String? = nil,
        details: String? = nil
    ) {
        self.actorID = actorID
        self.actorLabel = actorLabel
        self.action = action
        self.resource = resource
        self.purpose = purpose
        self.requestID = requestID
        self.details = details
    }
}

private struct AuditHead: Decodable {
    let last_sequence: Int64
    let last_hash: String
}

/// The end of the chain as an append left it: the last entry's sequence number and hash.
package struct AuditChainEnd: Sendable, Equatable {
    package let sequence: Int64
    package let hash: String
}

package enum AuditLog {
    /// Columns bound for each entry written (see `seal`).
    package static let bindsPerEntry = 12

    /// Appends one entry. Call it inside the transaction of the change it records, so that both
    /// land or neither does.
    /// `batch`: rows of the change itself, written in the same statement as the entry (one
    /// round trip fewer while the chain's head is locked).
    package static func append(_ event: AuditEvent, on db: any Database, with batch: InsertBatch = InsertBatch(), now: Date) async throws {
        try await append([event], on: db, with: batch, now: now)
    }

    /// Appends entries in order, chained to each other, with one update of the chain's head.
    /// Returns where the chain ends once this transaction commits (nil when nothing was appended).
    @discardableResult
    package static func append(_ events: [AuditEvent], on db: any Database, with batch: InsertBatch = InsertBatch(), now: Date) async throws
        -> AuditChainEnd?
    {
        guard db.inTransaction else {
            return try await db.write { try await append(events, on: $0, with: batch, now: now) }
        }
        guard !events.isEmpty else {
            try await batch.run(on: db)
            return nil
        }
        // Writing first takes the lock (a row lock on PostgreSQL, the write lock on SQLite):
        // concurrent appenders queue here rather than both reading the same head. The lock is
        // held to the commit, so the chain's part of the transaction is two statements.
        guard
            let head = try await db.sql.raw(
                "UPDATE audit_head SET last_sequence = last_sequence + \(bind: events.count) WHERE id = 1 RETURNING last_sequence, last_hash"
            )
            .first(decoding: AuditHead.self)
        else {
            throw Abort(.internalServerError, reason: "audit chain head missing")
        }
        var batch = batch
        let end = seal(
            events, after: AuditChainEnd(sequence: head.last_sequence - Int64(events.count), hash: head.last_hash), into: &batch, now: now)
        try await batch.run(on: db, followedBy: "UPDATE audit_head SET last_hash = \(bind: end.hash) WHERE id = 1")
        return end
    }

    /// PostgreSQL, outside any transaction: the entries chained after `known` (where this process
    /// last left the chain), the rows, and the head's move, as one statement — one round trip
    /// and its own transaction, no lock held between statements. If any other writer appended
    /// since, the sequence numbers after `known` are taken (they are the entries' primary key),
    /// so the statement fails whole and nothing is written: the caller then appends as usual.
    package static func append(_ events: [AuditEvent], after known: AuditChainEnd, on db: any Database, with batch: InsertBatch, now: Date)
        async throws -> AuditChainEnd
    {
        precondition(db.isPostgres && !db.inTransaction && !events.isEmpty)
        var batch = batch
        let end = seal(events, after: known, into: &batch, now: now)
        let moved = try await batch.run(
            on: db,
            returningFrom: """
                UPDATE audit_head SET last_sequence = \(bind: end.sequence), last_hash = \(bind: end.hash)
                WHERE id = 1 AND last_sequence = \(bind: known.sequence) AND last_hash = \(bind: known.hash) RETURNING id
                """)
        // Cannot happen while every append moves the head with its entries (see above); if the
        // head was edited by hand, say so — the chain's verification will show where.
        if moved != 1 {
            db.logger.critical("audit chain head was not where this process left it", metadata: ["sequence": "\(known.sequence)"])
        }
        return end
    }

    /// Seals the entries after `end` into `batch`; returns the chain's new end.
    private static func seal(_ events: [AuditEvent], after end: AuditChainEnd, into batch: inout InsertBatch, now: Date) -> AuditChainEnd {
        let atMillis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        var last = end
        for event in events {
            let record = AuditChain.seal(
                AuditRecord(
                    sequence: last.sequence + 1, atMillis: atMillis,
                    actorID: event.actorID?.uuidString, actorLabel: event.actorLabel, action: event.action,
                    resource: event.resource, purpose: event.purpose, requestID: event.requestID, details: event.details,
                    previousHash: last.hash))
            // the chain hashes what the entry says; the table keeps its personal parts sealed
            let stored = AuditEntry.sealed(
                sequence: record.sequence, actorLabel: record.actorLabel, purpose: record.purpose, details: record.details, keys: event.keys
            )
            batch.add(
                AuditEntry.schema,
                [
                    ("sequence", record.sequence), ("at_millis", record.atMillis), ("actor_id", record.actorID),
                    ("actor_label", stored.actorLabel), ("action", record.action), ("resource", record.resource),
                    ("purpose", stored.purpose), ("request_id", record.requestID), ("details", stored.details),
                    ("previous_hash", record.previousHash), ("hash", record.hash), ("region_code", event.regionCode),
                    ("agent_id", event.agentID?.uuidString),
                ])
            last = AuditChainEnd(sequence: record.sequence, hash: record.hash)
        }
        return last
    }

    /// Walks the whole chain in pages of `pageSize`, oldest first; sealed parts are opened with
    /// `keys` (an entry whose parts do not open breaks the chain there).
    package static func verify(on db: any Database, keys: KeyRing, pageSize: Int = 1000) async throws -> AuditChain.Verdict {
        var verifier = AuditChain.Verifier()
        var after: Int64 = 0
        while true {
            let page = try await AuditEntry.query(on: db).filter(\.$id > after).sort(\.$id).limit(pageSize).all()
            for entry in page { verifier.feed(entry.opened(keys).record) }
            guard let last = page.last?.id, page.count == pageSize, verifier.failure == nil else { break }
            after = last
        }
        // A trail cut short at its end still links up: the head remembers how long it was.
        if case let .ok(count) = verifier.verdict,
            let head = try await db.sql.raw("SELECT last_sequence FROM audit_head WHERE id = 1").first(),
            try head.decode(column: "last_sequence", as: Int64.self) != Int64(count)
        {
            return .broken(sequence: Int64(count) + 1, reason: .sequenceGap)
        }
        return verifier.verdict
    }

    /// The newest entries first, for the supervisors' view.
    /// The newest entries (before `before`), only those of actors within `regionPrefix` when given.
    package static func recent(on db: any Database, keys: KeyRing, limit: Int, before: Int64?, regionPrefix: String? = nil) async throws
        -> [AuditEntry]
    {
        var query = AuditEntry.query(on: db).sort(\.$id, .descending).limit(limit)
        if let before { query = query.filter(\.$id < before) }
        if let regionPrefix { query = query.filter(\.$regionCode, .custom("LIKE"), regionPrefix + "%") }
        return try await query.all().map { $0.opened(keys) }
    }
}

extension Request {
    /// An audit event by the signed-in account (or anonymous), carrying this request's id.
    package func auditEvent(_ action: String, resource: String, purpose: String? = nil, details: String? = nil) -> AuditEvent {
        context.auditEvent(action, resource: resource, purpose: purpose, details: details)
    }
}
