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

enum AuditLog {
    /// Appends one entry. Call it inside the transaction of the change it records, so that both
    /// land or neither does.
    static func append(_ event: AuditEvent, on db: any Database, now: Date = Date()) async throws {
        guard db.inTransaction else {
            return try await db.write { try await append(event, on: $0, now: now) }
        }
        let sql = db.sql
        // Writing first takes the lock (a row lock on PostgreSQL, the write lock on SQLite):
        // concurrent appenders queue here rather than both reading the same head.
        try await sql.raw("UPDATE audit_head SET last_sequence = last_sequence + 1 WHERE id = 1").run()
        guard let head = try await sql.raw("SELECT last_sequence, last_hash FROM audit_head WHERE id = 1").first() else {
            throw Abort(.internalServerError, reason: "audit chain head missing")
        }
        let sequence = try head.decode(column: "last_sequence", as: Int64.self)
        let previous = try head.decode(column: "last_hash", as: String.self)
        let record = AuditChain.seal(AuditRecord(
            sequence: sequence, atMillis: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)),
            actorID: event.actorID?.uuidString, actorLabel: event.actorLabel, action: event.action,
            resource: event.resource, purpose: event.purpose, requestID: event.requestID, details: event.details,
            previousHash: previous))
        try await AuditEntry(record).create(on: db)
        try await sql.raw("UPDATE audit_head SET last_hash = \(bind: record.hash) WHERE id = 1").run()
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
