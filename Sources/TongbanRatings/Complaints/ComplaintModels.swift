import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// 民呼我应: a complaint, question or suggestion, routed to the department answerable for its
/// subject, answered there within the working days, then rated by its sender.
package final class ComplaintRecord: Model, @unchecked Sendable {
    package static let schema = "complaints"

    @ID(key: .id) package var id: UUID?
    @Field(key: "sender_id") package var senderID: UUID
    @Field(key: "kind") package var kind: ComplaintKind
    @Field(key: "subject") package var subject: ComplaintSubject
    /// The item's code, the department's id or the application's id.
    @Field(key: "target") package var target: String
    /// What the sender sees it is about (the item's or department's name, the application's number).
    @Field(key: "target_label") package var targetLabel: String
    @OptionalField(key: "item_code") package var itemCode: String?
    @OptionalField(key: "item_name") package var itemName: String?
    @OptionalField(key: "department_id") package var departmentID: UUID?
    @Field(key: "department_name") package var departmentName: String
    @Field(key: "region_code") package var regionCode: String
    @Field(key: "title") package var title: String
    @Field(key: "body") package var body: String
    @Field(key: "state") package var state: ComplaintState
    @Field(key: "sent_on") package var sentOn: String
    @Field(key: "due_on") package var dueOn: String
    @OptionalField(key: "answer") package var answer: String?
    @OptionalField(key: "answered_by") package var answeredBy: String?
    @OptionalField(key: "answered_on") package var answeredOn: String?
    @OptionalField(key: "rating") package var rating: Int?
    @OptionalField(key: "rating_comment") package var ratingComment: String?
    @Field(key: "escalated") package var escalated: Bool
    /// 首问负责: the staff member who took it (or answered it first) and answers for it.
    @OptionalField(key: "owner_id") package var ownerID: UUID?
    @OptionalField(key: "owner_name") package var ownerName: String?
    @Field(key: "version") package var version: Int
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}
}

/// 14. 民呼我应.
package struct CreateComplaints: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(ComplaintRecord.schema)
            .id()
            .field("sender_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("subject", .string, .required)
            .field("target", .string, .required)
            .field("target_label", .string, .required)
            .field("item_code", .string)
            .field("item_name", .string)
            .field("department_id", .uuid)
            .field("department_name", .string, .required)
            .field("region_code", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("state", .string, .required)
            .field("sent_on", .string, .required)
            .field("due_on", .string, .required)
            .field("answer", .string)
            .field("answered_by", .string)
            .field("answered_on", .string)
            .field("rating", .int)
            .field("rating_comment", .string)
            .field("escalated", .bool, .required)
            .field("version", .int, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        for statement in [
            "CREATE INDEX complaints_by_sender ON complaints (sender_id, created_at)",
            "CREATE INDEX complaints_by_department ON complaints (department_id, state, due_on)",
            "CREATE INDEX complaints_open_due ON complaints (state, due_on)",
            "CREATE INDEX complaints_by_update ON complaints (updated_at)",
            "CREATE INDEX complaints_by_day ON complaints (sent_on)",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: Database) async throws {
        try await database.schema(ComplaintRecord.schema).delete()
    }
}
