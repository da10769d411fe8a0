import Fluent
import SQLKit
import Foundation
import TongbanCore
import Vapor

/// What an audit entry says; its time and content hash are filled in by `AuditLog.append`.
package struct AuditEvent: Sendable {
    package var actorID: UUID?
    package var actorLabel: String
    package var action: String
    package var resource: String
    package var purpose: String? = nil
    package var requestID: String? = nil
    package var details: String? = nil
    /// The acting account's region (who may read the entry); not part of the content hash.
    package var regionCode: String? = nil
    /// The person who acted for an enterprise (经办人), also named in `actorLabel`, which the
    /// content hash covers; kept apart so the enterprise can list its handlers' acts.
    package var agentID: UUID? = nil
    /// The entry's key, when the caller links to it (a data read's row names its entry); else a new one.
    package var entryKey: UUID? = nil
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

package enum AuditLog {
    /// Appends entries: rows of their own, written with `batch` (the change they record) in the
    /// caller's transaction, or in one statement, each with its row in the sequencer's queue.
    /// Nothing here is shared with other writers: the entries take their place in the log when
    /// the sequencer next runs (`AuditSequencer`).
    package static func append(_ event: AuditEvent, on db: any Database, with batch: InsertBatch = InsertBatch(), now: Date) async throws {
        try await append([event], on: db, with: batch, now: now)
    }

    package static func append(_ events: [AuditEvent], on db: any Database, with batch: InsertBatch = InsertBatch(), now: Date) async throws
    {
        var batch = batch
        add(events, to: &batch, now: now)
        // one statement on PostgreSQL is a transaction of its own; SQLite writes a table at a
        // time, behind its write gate
        guard db.inTransaction || db.isPostgres else {
            let rows = batch
            return try await db.write { try await rows.run(on: $0) }
        }
        try await batch.run(on: db)
    }

    /// Columns bound for each entry written (its row and its place in the sequencer's queue).
    package static let bindsPerEntry = 15

    /// The entries' rows, added to `batch`.
    package static func add(_ events: [AuditEvent], to batch: inout InsertBatch, now: Date) {
        let atMillis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        for event in events {
            let content = AuditContent(
                atMillis: atMillis, actorID: event.actorID?.uuidString, actorLabel: event.actorLabel, action: event.action,
                resource: event.resource, purpose: event.purpose, requestID: event.requestID, details: event.details)
            let key = (event.entryKey ?? UUID()).uuidString
            // the hash covers what the entry says; the table keeps its personal parts sealed
            let stored = AuditEntry.sealed(
                entryKey: key, actorLabel: content.actorLabel, purpose: content.purpose, details: content.details, keys: event.keys)
            batch.add(
                AuditEntry.schema,
                [
                    ("entry_key", key), ("at_millis", atMillis), ("actor_id", content.actorID), ("actor_label", stored.actorLabel),
                    ("action", content.action), ("resource", content.resource), ("purpose", stored.purpose),
                    ("request_id", content.requestID), ("details", stored.details), ("region_code", event.regionCode),
                    ("agent_id", event.agentID?.uuidString), ("content_hash", content.hash),
                ])
            batch.add("audit_queue", [("entry_key", key)])
        }
    }

    /// The newest entries (before the row `before`), only those of actors within `regionPrefix`
    /// when given; their sealed parts opened.
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
