import Fluent
import SQLKit
import TongbanCore
import Vapor

/// One stored entry of the append-only, hash-chained audit trail.
package final class AuditEntry: Model, @unchecked Sendable {
    package static let schema = "audit_entries"

    // managed fields
    @ID(custom: "sequence", generatedBy: .user) package var id: Int64?

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
    /// part of the chain (it decides who reads, not what happened).
    @OptionalField(key: "region_code") package var regionCode: String?
    @OptionalField(key: "agent_id") package var agentID: String?
    @Field(key: "previous_hash") package var previousHash: String
    @Field(key: "hash") package var hash: String

    package init() {}

    package init(_ record: AuditRecord) {
        id = record.sequence
        atMillis = record.atMillis
        actorID = record.actorID
        actorLabel = record.actorLabel
        action = record.action
        resource = record.resource
        purpose = record.purpose
        requestID = record.requestID
        details = record.details
        previousHash = record.previousHash
        hash = record.hash
    }

    /// The parts of an entry that name or describe people, sealed to this entry's cells (the
    /// sequence is its row key); without a key ring, as they are.
    package static func sealed(
        sequence: Int64, actorLabel: String, purpose: String?, details: String?, keys: KeyRing?
    ) -> (actorLabel: String, purpose: String?, details: String?) {
        guard let keys else { return (actorLabel, purpose, details) }
        let row = String(sequence)
        func seal(_ value: String, _ column: String) -> String { keys.seal(value, table: schema, rowKey: row, column: column) }
        return (seal(actorLabel, "actor_label"), purpose.map { seal($0, "purpose") }, details.map { seal($0, "details") })
    }

    /// The entry with its sealed parts opened (in place; a part that does not open is left sealed,
    /// so the chain's check fails there).
    @discardableResult
    package func opened(_ keys: KeyRing) -> AuditEntry {
        let row = String(id ?? 0)
        func open(_ value: String, _ column: String) -> String {
            guard value.hasPrefix(KeyRing.sealedPrefix) else { return value }
            return keys.open(value, table: Self.schema, rowKey: row, column: column) ?? value
        }
        actorLabel = open(actorLabel, "actor_label")
        purpose = purpose.map { open($0, "purpose") }
        details = details.map { open($0, "details") }
        return self
    }

    package var record: AuditRecord {
        AuditRecord(
            sequence: id ?? 0, atMillis: atMillis, actorID: actorID, actorLabel: actorLabel, action: action,
            resource: resource, purpose: purpose, requestID: requestID, details: details,
            previousHash: previousHash, hash: hash)
    }
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
package struct SealAuditEntries: AsyncMigration {
    let keys: KeyRing

    package init(keys: KeyRing) { self.keys = keys }

    package func prepare(on database: any Database) async throws {
        let keys = self.keys
        try await ResealInPages.run(
            {
                AuditEntry.query(on: $0).field(\.$id).field(\.$actorLabel).field(\.$purpose).field(\.$details)
                    .filter(\.$actorLabel, .custom("NOT LIKE"), "v2:%")
            }, on: database
        ) { entry in
            let sealed = AuditEntry.sealed(
                sequence: entry.id ?? 0, actorLabel: entry.actorLabel, purpose: entry.purpose, details: entry.details, keys: keys)
            entry.actorLabel = sealed.actorLabel
            entry.purpose = sealed.purpose
            entry.details = sealed.details
        }
    }

    package func revert(on database: any Database) async throws {}
}
