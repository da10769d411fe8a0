import Fluent
import Foundation
import SQLKit
import TongbanCore

/// 首问负责: an owner's offer to hand an application or an enquiry on to another staff member,
/// waiting until the recipient acknowledges or declines it (or the owner withdraws it). The owner
/// stays the owner until it is acknowledged.
package final class OwnerHandoff: Model, @unchecked Sendable {
    package static let schema = "owner_handoffs"

    package enum State: String, Codable, Sendable { case offered, acknowledged, declined, withdrawn }

    /// What is owned: an application, or a complaint, question or suggestion (民呼我应).
    package enum Kind: String, Codable, Sendable {
        case application, complaint

        /// The table holding the subject's owner.
        package var table: String {
            switch self {
            case .application: "applications"
            case .complaint: "complaints"
            }
        }

        /// Its page, at the owner's section.
        package func href(_ id: UUID) -> String {
            switch self {
            case .application: "/applications/\(id)#owner"
            case .complaint: "/complaints/\(id)#owner"
            }
        }
    }

    @ID(key: .id) package var id: UUID?
    @Enum(key: "subject_kind") package var subjectKind: Kind
    @Field(key: "subject_id") package var subjectID: UUID
    @Field(key: "subject_label") package var subjectLabel: String
    /// Where the subject is worked (an application's taking-in region, else its item's; an
    /// enquiry's region): the board's scope.
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

/// 首问负责: the owner on each application and enquiry, and the handoffs between owners.
package struct CreateOwnerHandoffs: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        for table in ["applications", "complaints"] {
            try await database.schema(table).field("owner_id", .uuid).update()
            try await database.schema(table).field("owner_name", .string).update()
        }
        try await database.schema(OwnerHandoff.schema)
            .id()
            .field("subject_kind", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("subject_label", .string, .required)
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
            "CREATE UNIQUE INDEX owner_handoffs_waiting ON owner_handoffs (subject_id) WHERE state = 'offered'"
        ).run()
        try await database.sql.raw("CREATE INDEX owner_handoffs_to ON owner_handoffs (to_id, state)").run()
        try await database.sql.raw("CREATE INDEX owner_handoffs_due ON owner_handoffs (due_on) WHERE state = 'offered'").run()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(OwnerHandoff.schema).delete()
        for table in ["complaints", "applications"] {
            try await database.schema(table).deleteField("owner_name").update()
            try await database.schema(table).deleteField("owner_id").update()
        }
    }
}
