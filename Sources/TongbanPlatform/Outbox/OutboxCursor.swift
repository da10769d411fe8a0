import Fluent
import Foundation
import SQLKit
import TongbanCore

/// One reader's place in the outbox: the events it has not yet taken are those whose marker
/// column is still NULL. Each reader (the webhook fan-out, the inbox) has a marker and a lock of
/// its own, so a slow reader never holds back another: webhooks go out while the inbox is
/// still writing its messages.
package struct OutboxCursor: Sendable {
    /// The webhook relay's: `delivered_at`, set when an event is copied to its subscriptions.
    package static let webhooks = OutboxCursor(marker: "delivered_at", lock: "tongban outbox fan-out")
    /// The inbox's: `inboxed_at`, set when an event's messages are written.
    package static let inbox = OutboxCursor(marker: "inboxed_at", lock: "tongban outbox inbox")

    /// The column set when an event is taken (with a partial index on `id` where it is NULL).
    package let marker: String
    /// The advisory lock that lets one process at a time take events (PostgreSQL).
    package let lock: String

    /// An event as the readers take it.
    package struct Event: Decodable, Sendable {
        package let id: UUID
        package let topic: String
        package let subject: String
        /// Read only by the readers that ask for it.
        package let payload: String?
        package let createdAt: Date
        package let departments: String?
        package let regionCode: String?

        enum CodingKeys: String, CodingKey {
            case id, topic, subject, payload
            case createdAt = "created_at"
            case departments
            case regionCode = "region_code"
        }

        /// Whom it concerns.
        package var audience: EventAudience { OutboxEvent.audience(departments: departments, regionCode: regionCode) }
    }

    /// In one write transaction: the oldest `limit` events not yet taken (with their payloads
    /// when `payloads`), handed to `body`
    /// (which writes what they cause), then marked taken. Nothing when another process holds
    /// this cursor (PostgreSQL), so events are taken in order by one process at a time. Returns
    /// how many events were taken and what `body` returned, nil when there were none.
    package func advance<T: Sendable>(
        on db: any Database, limit: Int, now: Date, payloads: Bool, _ body: @escaping @Sendable ([Event], any Database) async throws -> T
    ) async throws -> (events: Int, result: T)? {
        let marker = marker
        let lock = lock
        return try await db.write { tx in
            if tx.isPostgres {
                // one lock per schema: deployments sharing a database in schemas of their own do not wait on each other
                let locked = try await tx.sql.raw(
                    "SELECT pg_try_advisory_xact_lock(hashtext(\(bind: lock + " ") || current_schema())) AS locked"
                )
                .first(decoding: Locked.self)
                guard locked?.locked == true else { return nil }
            }
            let events = try await tx.sql.raw(
                """
                SELECT id, topic, subject, \(unsafeRaw: payloads ? "payload" : "NULL AS payload"), created_at, departments, region_code FROM outbox_events
                WHERE \(unsafeRaw: marker) IS NULL ORDER BY id LIMIT \(bind: limit)
                """
            ).all(decoding: Event.self)
            guard !events.isEmpty else { return nil }
            let result = try await body(events, tx)
            let ids = SQLList(events.map { SQLBind($0.id) })
            try await tx.sql.raw("UPDATE outbox_events SET \(unsafeRaw: marker) = \(bind: now) WHERE id IN (\(ids))").run()
            return (events.count, result)
        }
    }

    private struct Locked: Decodable { let locked: Bool }
}

/// 22. The inbox reads the outbox with a cursor of its own (`inboxed_at`), apart from the
/// webhook fan-out's: events already handed on had their messages written with them.
package struct AddInboxCursor: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(OutboxEvent.schema).field("inboxed_at", .datetime).update()
        let sql = database.sql
        try await sql.raw("UPDATE outbox_events SET inboxed_at = delivered_at WHERE delivered_at IS NOT NULL").run()
        try await sql.raw("CREATE INDEX outbox_to_inbox ON outbox_events (id) WHERE inboxed_at IS NULL").run()
    }

    package func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX outbox_to_inbox").run()
        try await database.schema(OutboxEvent.schema).deleteField("inboxed_at").update()
    }
}
