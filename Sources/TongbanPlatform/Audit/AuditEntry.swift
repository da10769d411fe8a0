import Fluent
import SQLKit
import TongbanCore
import Vapor

/// One stored entry of the audit log. The business transaction writes it with its content and
/// content hash and nothing shared with other writers, and it is never updated; the sequencer
/// later gives it a place and a leaf in the log's Merkle tree (`audit_leaves`).
package final class AuditEntry: Model, @unchecked Sendable {
    package static let schema = "audit_entries"

    // managed fields
    /// The row's number, given by the database in insertion order; not the place in the log.
    @ID(custom: "id", generatedBy: .database) package var id: Int64?
    /// The key the entry's sealed parts are bound to, and how a proof names the entry: a random
    /// UUID (entries from before the log: their old sequence number).
    @Field(key: "entry_key") package var entryKey: String

    // data fields
    @Field(key: "at_millis") package var atMillis: Int64
    @OptionalField(key: "actor_id") package var actorID: String?
    @Field(key: "actor_label") package var actorLabel: String
    @Field(key: "action") package var action: String
    @Field(key: "resource") package var resource: String
    @OptionalField(key: "purpose") package var purpose: String?
    @OptionalField(key: "request_id") package var requestID: String?
    @OptionalField(key: "details") package var details: String?
    /// The acting account's region, when it has one: whose supervisors may read the entry. Not
    /// part of the content hash (it decides who reads, not what happened).
    @OptionalField(key: "region_code") package var regionCode: String?
    @OptionalField(key: "agent_id") package var agentID: String?
    /// SHA-256 of the content (`AuditContent.hash`), written with the entry.
    @Field(key: "content_hash") package var contentHash: String

    package init() {}

    /// The parts of an entry that name or describe people, sealed to this entry's cells (its
    /// key is the row key); without a key ring, as they are.
    package static func sealed(
        entryKey: String, actorLabel: String, purpose: String?, details: String?, keys: KeyRing?
    ) -> (actorLabel: String, purpose: String?, details: String?) {
        guard let keys else { return (actorLabel, purpose, details) }
        func seal(_ value: String, _ column: String) -> String { keys.seal(value, table: schema, rowKey: entryKey, column: column) }
        return (seal(actorLabel, "actor_label"), purpose.map { seal($0, "purpose") }, details.map { seal($0, "details") })
    }

    /// The entry with its sealed parts opened (in place; a part that does not open is left sealed,
    /// so the content no longer matches its hash).
    @discardableResult
    package func opened(_ keys: KeyRing) -> AuditEntry {
        actorLabel = Self.open(actorLabel, "actor_label", entryKey: entryKey, keys: keys)
        purpose = purpose.map { Self.open($0, "purpose", entryKey: entryKey, keys: keys) }
        details = details.map { Self.open($0, "details", entryKey: entryKey, keys: keys) }
        return self
    }

    /// A stored part opened (a value in clear as it is; one that does not open left sealed).
    package static func open(_ value: String, _ column: String, entryKey: String, keys: KeyRing) -> String {
        guard value.hasPrefix(KeyRing.sealedPrefix) else { return value }
        return keys.open(value, table: schema, rowKey: entryKey, column: column) ?? value
    }

    /// What a stored row says, read without the model (pages of a long log), its parts opened.
    package static func content(_ row: StoredAuditRow, keys: KeyRing) -> AuditContent {
        AuditContent(
            atMillis: row.at_millis, actorID: row.actor_id,
            actorLabel: open(row.actor_label, "actor_label", entryKey: row.entry_key, keys: keys),
            action: row.action, resource: row.resource,
            purpose: row.purpose.map { open($0, "purpose", entryKey: row.entry_key, keys: keys) },
            requestID: row.request_id, details: row.details.map { open($0, "details", entryKey: row.entry_key, keys: keys) })
    }

    /// What the entry says (open it first).
    package var content: AuditContent {
        AuditContent(
            atMillis: atMillis, actorID: actorID, actorLabel: actorLabel, action: action, resource: resource, purpose: purpose,
            requestID: requestID, details: details)
    }
}

/// The columns of an entry's content as a query reads them.
package protocol StoredAuditRow {
    var entry_key: String { get }
    var at_millis: Int64 { get }
    var actor_id: String? { get }
    var actor_label: String { get }
    var action: String { get }
    var resource: String { get }
    var purpose: String? { get }
    var request_id: String? { get }
    var details: String? { get }
}

/// The single row that holds the end of the chain. Every append first updates this row, which
/// makes concurrent writers (any number of server processes) take turns instead of forking.
package struct CreateAuditEntry: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(AuditEntry.schema)
            .field("sequence", .int64, .identifier(auto: false))
            .field("at_millis", .int64, .required)
            .field("actor_id", .string)
            .field("actor_label", .string, .required)
            .field("action", .string, .required)
            .field("resource", .string, .required)
            .field("purpose", .string)
            .field("request_id", .string)
            .field("details", .string)
            .field("previous_hash", .string, .required)
            .field("hash", .string, .required)
            .create()
        try await database.schema("audit_head")
            .field("id", .int, .identifier(auto: false))
            .field("last_sequence", .int64, .required)
            .field("last_hash", .string, .required)
            .create()
        try await database.sql.insert(into: "audit_head")
            .columns("id", "last_sequence", "last_hash")
            .values(SQLBind(1), SQLBind(Int64(0)), SQLBind(AuditChain.genesis))
            .run()
    }

    package func revert(on database: Database) async throws {
        try await database.schema("audit_head").delete()
        try await database.schema(AuditEntry.schema).delete()
    }
}

/// 27. Audit entries carry the acting account's region, so a region's supervisors and admins
/// read their region's trail only.
package struct AddAuditRegion: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(AuditEntry.schema).field("region_code", .string).update()
        try await database.sql.create(index: "audit_entries_region").on(AuditEntry.schema).column("region_code").column("sequence").run()
    }

    package func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "audit_entries_region").run()
        try await database.schema(AuditEntry.schema).deleteField("region_code").update()
    }
}

/// 36. The audit entries written before their personal parts were sealed: actor, purpose and
/// details sealed to their cells, in pages (the chain, which hashes what they say, is unchanged).
/// Written against the table as it was then (its row key the sequence number), not the model.
package struct SealAuditEntries: AsyncMigration {
    let keys: KeyRing

    package init(keys: KeyRing) { self.keys = keys }

    private struct Row: Decodable {
        let sequence: Int64
        let actor_label: String
        let purpose: String?
        let details: String?
    }

    package func prepare(on database: any Database) async throws {
        while true {
            let page = try await database.sql.raw(
                """
                SELECT sequence, actor_label, purpose, details FROM audit_entries
                WHERE actor_label NOT LIKE 'v2:%' ORDER BY sequence LIMIT \(bind: ResealInPages.pageSize)
                """
            ).all(decoding: Row.self)
            if page.isEmpty { return }
            try await database.transaction { tx in
                for row in page {
                    let sealed = AuditEntry.sealed(
                        entryKey: String(row.sequence), actorLabel: row.actor_label, purpose: row.purpose, details: row.details, keys: keys)
                    try await tx.sql.raw(
                        """
                        UPDATE audit_entries SET actor_label = \(bind: sealed.actorLabel), purpose = \(bind: sealed.purpose),
                        details = \(bind: sealed.details) WHERE sequence = \(bind: row.sequence)
                        """
                    ).run()
                }
            }
        }
    }

    package func revert(on database: any Database) async throws {}
}
