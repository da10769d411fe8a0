import Fluent
import SQLKit
import TongbanCore
import Vapor

/// One stored entry of the append-only, hash-chained audit trail.
final class AuditEntry: Model, @unchecked Sendable {
    static let schema = "audit_entries"

    // managed fields
    @ID(custom: "sequence", generatedBy: .user) var id: Int64?

    // data fields
    @Field(key: "at_millis") var atMillis: Int64
    @OptionalField(key: "actor_id") var actorID: String?
    @Field(key: "actor_label") var actorLabel: String
    @Field(key: "action") var action: String
    @Field(key: "resource") var resource: String
    @OptionalField(key: "purpose") var purpose: String?
    @OptionalField(key: "request_id") var requestID: String?
    @OptionalField(key: "details") var details: String?
    @Field(key: "previous_hash") var previousHash: String
    @Field(key: "hash") var hash: String

    init() {}

    init(_ record: AuditRecord) {
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

    var record: AuditRecord {
        AuditRecord(
            sequence: id ?? 0, atMillis: atMillis, actorID: actorID, actorLabel: actorLabel, action: action,
            resource: resource, purpose: purpose, requestID: requestID, details: details,
            previousHash: previousHash, hash: hash)
    }
}

/// The single row that holds the end of the chain. Every append first updates this row, which
/// makes concurrent writers (any number of server processes) take turns instead of forking.
struct CreateAuditEntry: AsyncMigration {
    func prepare(on database: Database) async throws {
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

    func revert(on database: Database) async throws {
        try await database.schema("audit_head").delete()
        try await database.schema(AuditEntry.schema).delete()
    }
}
