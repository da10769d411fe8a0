import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// One 好差评: of an application (一事一评) or of an in-person service at a hall window (一次一评),
/// with the department answerable for it.
package final class RatingRecord: Model, @unchecked Sendable {
    package static let schema = "ratings"

    @ID(key: .id) package var id: UUID?
    /// "application" or "visit".
    @Field(key: "occasion") package var occasion: String
    /// The application's or the hall ticket's id.
    @Field(key: "subject_id") package var subjectID: UUID
    /// The rater's account; none for a kiosk ticket rated through its link.
    @OptionalField(key: "rater_id") package var raterID: UUID?
    @OptionalField(key: "department_id") package var departmentID: UUID?
    @Field(key: "department_name") package var departmentName: String
    @Field(key: "region_code") package var regionCode: String
    @Field(key: "subject_name") package var subjectName: String
    @Field(key: "level") package var level: Int
    /// Reason codes, comma-separated.
    @Field(key: "reasons") package var reasons: String
    @OptionalField(key: "comment") package var comment: String?
    @Field(key: "revisions") package var revisions: Int
    /// False once an appeal against it was upheld.
    @Field(key: "counts") package var counts: Bool
    @Field(key: "created_at") package var createdAt: Date
    /// The day it was given (Shanghai), for the supervision figures.
    @OptionalField(key: "rated_on") package var ratedOn: String?
    @OptionalField(key: "revised_at") package var revisedAt: Date?

    package init() {}

    package var ratingLevel: RatingLevel { RatingLevel(rawValue: level) ?? .fair }
    package var reasonCodes: [String] { reasons.split(separator: ",").map(String.init) }
}

/// 差评整改: the department's follow-up of a bad rating.
package final class FollowUp: Model, @unchecked Sendable {
    package static let schema = "rating_follow_ups"

    @ID(key: .id) package var id: UUID?
    @Field(key: "rating_id") package var ratingID: UUID
    @OptionalField(key: "department_id") package var departmentID: UUID?
    @Field(key: "department_name") package var departmentName: String
    @Field(key: "region_code") package var regionCode: String
    @Enum(key: "state") package var state: FollowUpState
    @OptionalField(key: "before_appeal") package var beforeAppeal: FollowUpState?
    @Field(key: "opened_on") package var openedOn: String
    @Field(key: "due_on") package var dueOn: String
    @Field(key: "escalated") package var escalated: Bool
    /// What the call-back found, as the department recorded it.
    @OptionalField(key: "call_note") package var callNote: String?
    /// The fix, the ledger entry, or why it cannot be fixed.
    @OptionalField(key: "resolution") package var resolution: String?
    /// 整改台账: the day a scheduled fix is due.
    @OptionalField(key: "ledger_due") package var ledgerDue: String?
    @OptionalField(key: "appeal_reason") package var appealReason: String?
    @OptionalField(key: "appeal_decision") package var appealDecision: String?
    @Field(key: "version") package var version: Int
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}
}

package struct CreateRatings: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(RatingRecord.schema)
            .id()
            .field("occasion", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("rater_id", .uuid)
            .field("department_id", .uuid)
            .field("department_name", .string, .required)
            .field("region_code", .string, .required)
            .field("subject_name", .string, .required)
            .field("level", .int, .required)
            .field("reasons", .string, .required)
            .field("comment", .string)
            .field("revisions", .int, .required)
            .field("counts", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("revised_at", .datetime)
            // one rating per application or visit
            .unique(on: "occasion", "subject_id")
            .create()
        try await database.schema(FollowUp.schema)
            .id()
            .field("rating_id", .uuid, .required, .references(RatingRecord.schema, "id"))
            .field("department_id", .uuid)
            .field("department_name", .string, .required)
            .field("region_code", .string, .required)
            .field("state", .string, .required)
            .field("before_appeal", .string)
            .field("opened_on", .string, .required)
            .field("due_on", .string, .required)
            .field("escalated", .bool, .required)
            .field("call_note", .string)
            .field("resolution", .string)
            .field("ledger_due", .string)
            .field("appeal_reason", .string)
            .field("appeal_decision", .string)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "rating_id")
            .create()
        for statement in [
            "CREATE INDEX ratings_by_department ON ratings (department_id, created_at)",
            "CREATE INDEX ratings_by_rater ON ratings (rater_id)",
            "CREATE INDEX rating_follow_ups_by_department ON rating_follow_ups (department_id, state)",
            "CREATE INDEX rating_follow_ups_open ON rating_follow_ups (state, due_on)",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: Database) async throws {
        try await database.schema(FollowUp.schema).delete()
        try await database.schema(RatingRecord.schema).delete()
    }
}
