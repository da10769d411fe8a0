import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 共享申请 and, once approved, 共享授权: a department's request to read some fields of another
/// department's resource, for a purpose, under a legal basis, for a number of days.
package final class SharingGrant: Model, @unchecked Sendable {
    package static let schema = "sharing_grants"

    package enum Status: String, Codable, Sendable { case pending, approved, refused, revoked }

    @ID(key: .id) package var id: UUID?
    @Field(key: "resource_code") package var resourceCode: String
    @Field(key: "requester_id") package var requesterID: UUID
    @Field(key: "requester_name") package var requesterName: String
    @Field(key: "owner_name") package var ownerName: String
    /// Comma-separated field keys.
    @Field(key: "fields") package var fields: String
    @Field(key: "purpose") package var purpose: String
    @Field(key: "legal_basis") package var legalBasis: String
    @Field(key: "days") package var days: Int
    @Enum(key: "status") package var status: Status
    @Field(key: "requested_by") package var requestedBy: UUID
    @OptionalField(key: "decided_by") package var decidedBy: UUID?
    @OptionalField(key: "decision_reason") package var decisionReason: String?
    /// The last day it may be used (set on approval).
    @OptionalField(key: "last_day") package var lastDay: String?
    @Field(key: "version") package var version: Int
    @Field(key: "created_at") package var createdAt: Date
    @OptionalField(key: "decided_at") package var decidedAt: Date?
    /// The highest sensitivity the owner lets the requester read unmasked under this grant,
    /// whatever clearance the requester gives its own systems (L3); nil for grants approved
    /// before the owner said, read as `sensitive`.
    @OptionalField(key: "max_clearance") package var maxClearance: Sensitivity?

    package init() {}

    /// What an approved grant's clearance is when its owner did not say: never `core`.
    package static let defaultClearance = Sensitivity.sensitive

    package var fieldKeys: [String] { Self.fieldKeys(fields) }

    /// The field keys of the stored comma-separated column.
    package static func fieldKeys(_ column: String) -> [String] { column.split(separator: ",").map(String.init) }

    package var scope: GrantScope? {
        Self.scope(resource: resourceCode, fields: fields, purpose: purpose, lastDay: lastDay, approved: status == .approved)
    }

    /// What a grant allows, from its stored columns (nil until it is approved with a last day).
    package static func scope(resource: String, fields: String, purpose: String, lastDay: String?, approved: Bool) -> GrantScope? {
        guard let lastDay, let day = CalendarDate(iso: lastDay) else { return nil }
        return GrantScope(resource: resource, fields: Set(fieldKeys(fields)), purpose: purpose, lastDay: day, active: approved)
    }
}

package struct CreateDataSharing: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(SharedRecord.schema)
            .id()
            .field("resource_code", .string, .required)
            .field("subject_key", .string, .required)
            .field("subject_id", .uuid)
            .field("data", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "resource_code", "subject_key")
            .create()
        try await database.schema(SharingGrant.schema)
            .id()
            .field("resource_code", .string, .required)
            .field("requester_id", .uuid, .required, .references(Department.schema, "id"))
            .field("requester_name", .string, .required)
            .field("owner_name", .string, .required)
            .field("fields", .string, .required)
            .field("purpose", .string, .required)
            .field("legal_basis", .string, .required)
            .field("days", .int, .required)
            .field("status", .string, .required)
            .field("requested_by", .uuid, .required)
            .field("decided_by", .uuid)
            .field("decision_reason", .string)
            .field("last_day", .string)
            .field("version", .int, .required)
            .field("created_at", .datetime, .required)
            .field("decided_at", .datetime)
            .create()
        try await database.schema(APIClient.schema)
            .id()
            .field("department_id", .uuid, .required, .references(Department.schema, "id"))
            .field("department_name", .string, .required)
            .field("name", .string, .required)
            .field("key_prefix", .string, .required)
            .field("key_hash", .string, .required)
            .field("clearance", .string, .required)
            .field("rate_per_minute", .int, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "key_prefix")
            .create()
        for statement in [
            "CREATE INDEX sharing_grants_by_requester ON sharing_grants (requester_id, resource_code, status)",
            "CREATE INDEX sharing_grants_by_owner ON sharing_grants (owner_name, status)",
            "CREATE INDEX shared_records_by_subject ON shared_records (subject_id)",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: Database) async throws {
        try await database.schema(APIClient.schema).delete()
        try await database.schema(SharingGrant.schema).delete()
        try await database.schema(SharedRecord.schema).delete()
    }
}

/// 28. Data clients' keys expire and are revoked by their administrators; an owner's grant fixes
/// the clearance its requester reads under.
package struct AddClientExpiryAndGrantClearance: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(APIClient.schema).field("expires_at", .datetime).update()
        try await database.schema(APIClient.schema).field("revoked_by", .uuid).update()
        try await database.schema(SharingGrant.schema).field("max_clearance", .string).update()
        for client in try await APIClient.query(on: database).all() {
            client.expiresAt = client.createdAt.addingTimeInterval(365 * 24 * 3600)
            try await client.update(on: database)
        }
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(SharingGrant.schema).deleteField("max_clearance").update()
        try await database.schema(APIClient.schema).deleteField("revoked_by").update()
        try await database.schema(APIClient.schema).deleteField("expires_at").update()
    }
}
