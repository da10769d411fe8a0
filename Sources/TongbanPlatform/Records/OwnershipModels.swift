import Fluent
import Foundation
import SQLKit
import TongbanCore

/// 首问负责: an owner's offer to hand an application on to another staff member, waiting until
/// the recipient acknowledges or declines it (or the owner withdraws it). The owner stays the
/// owner until it is acknowledged.
package final class OwnerHandoff: Model, @unchecked Sendable {
    package static let schema = "owner_handoffs"

    package enum State: String, Codable, Sendable { case offered, acknowledged, declined, withdrawn }

    @ID(key: .id) package var id: UUID?
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "application_label") package var applicationLabel: String
    /// Where the application is worked (its taking-in region, else its item's): the board's scope.
    @Field(key: "region_code") package var regionCode: String
    @Field(key: "from_id") package var fromID: UUID
    @Field(key: "from_name") package var fromName: String
    @Field(key: "to_id") package var toID: UUID
    @Field(key: "to_name") package var toName: String
    @OptionalField(key: "to_department_id") package var toDepartmentID: UUID?
    @Field(key: "to_department_name") package var toDepartmentName: String
    @OptionalField(key: "note") package var note: String?
    @Field(key: "state") package var state: State
    @Field(key: "offered_at") package var offeredAt: Date
    /// The last working day to answer without a warning.
    @Field(key: "due_on") package var dueOn: String
    @OptionalField(key: "answered_at") package var answeredAt: Date?
    @OptionalField(key: "answer") package var answer: String?

    package init() {}
}

/// 首问负责: the owner on each application, and the handoffs between owners.
package struct CreateOwnerHandoffs: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(ApplicationRecord.schema).field("owner_id", .uuid).update()
        try await database.schema(ApplicationRecord.schema).field("owner_name", .string).update()
        try await database.schema(OwnerHandoff.schema)
            .id()
            .field("application_id", .uuid, .required, .references(ApplicationRecord.schema, "id"))
            .field("application_label", .string, .required)
            .field("region_code", .string, .required)
            .field("from_id", .uuid, .required)
            .field("from_name", .string, .required)
            .field("to_id", .uuid, .required)
            .field("to_name", .string, .required)
            .field("to_department_id", .uuid)
            .field("to_department_name", .string, .required)
            .field("note", .string)
            .field("state", .string, .required)
            .field("offered_at", .datetime, .required)
            .field("due_on", .string, .required)
            .field("answered_at", .datetime)
            .field("answer", .string)
            .create()
        // one offer waits per application at a time, even when two are made at once
        try await database.sql.raw(
            "CREATE UNIQUE INDEX owner_handoffs_waiting ON owner_handoffs (application_id) WHERE state = 'offered'"
        ).run()
        try await database.sql.raw("CREATE INDEX owner_handoffs_to ON owner_handoffs (to_id, state)").run()
        try await database.sql.raw("CREATE INDEX owner_handoffs_due ON owner_handoffs (due_on) WHERE state = 'offered'").run()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(OwnerHandoff.schema).delete()
        try await database.schema(ApplicationRecord.schema).deleteField("owner_name").update()
        try await database.schema(ApplicationRecord.schema).deleteField("owner_id").update()
    }
}
