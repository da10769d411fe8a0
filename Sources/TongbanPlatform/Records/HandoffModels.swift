import Fluent
import Foundation
import SQLKit
import TongbanCore

/// 审管衔接: one approval handed to the department that supervises its item, written in the
/// decision's transaction; received only when that department signs for it. Its light (waiting,
/// yellow, red, signed) follows the working days it waits.
package final class SupervisionHandoff: Model, @unchecked Sendable {
    package static let schema = "supervision_handoffs"

    @ID(key: .id) package var id: UUID?
    @Field(key: "case_id") package var caseID: UUID
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "application_number") package var applicationNumber: String
    @Field(key: "item_code") package var itemCode: String
    @Field(key: "item_name") package var itemName: String
    @OptionalField(key: "deciding_department_id") package var decidingDepartmentID: UUID?
    @Field(key: "deciding_department_name") package var decidingDepartmentName: String
    @OptionalField(key: "supervising_department_id") package var supervisingDepartmentID: UUID?
    @Field(key: "supervising_department_name") package var supervisingDepartmentName: String
    @Field(key: "region_code") package var regionCode: String
    @Field(key: "handed_over_on") package var handedOverOn: String
    @Field(key: "yellow_on") package var yellowOn: String
    @Field(key: "red_on") package var redOn: String
    @Field(key: "light") package var light: String
    @Field(key: "escalated") package var escalated: Bool
    @OptionalField(key: "signed_at") package var signedAt: Date?
    @OptionalField(key: "signed_by") package var signedBy: UUID?
    @OptionalField(key: "signed_by_name") package var signedByName: String?
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "version") package var version: Int

    package init() {}

    package var handoffLight: HandoffRules.Light { HandoffRules.Light(rawValue: light) ?? .waiting }

    package var resource: Resource {
        get throws { .handoff(regionCode: try RegionCode(regionCode), departmentID: supervisingDepartmentID) }
    }

    /// The fields every handoff event carries.
    package var eventPayload: [String: String] {
        [
            "handoff": id?.uuidString ?? "", "application": applicationNumber, "item": itemCode, "itemName": itemName,
            "department": supervisingDepartmentName, "decidedBy": decidingDepartmentName,
        ]
    }

    package var audience: EventAudience {
        EventAudience(departmentID: supervisingDepartmentID, regionCode: try? RegionCode(regionCode))
    }
}

extension SupervisionHandoff {
    /// 审管衔接: in a decision's transaction, the handoff an approval of `item` makes to the
    /// department that supervises it, with its event; nothing when the item names none. The
    /// department is found by its credit code (checked when the item was published); one gone
    /// since leaves the handoff unaddressed, to turn red and reach the supervisors.
    package static func handOver(
        caseID: UUID, application: ApplicationRecord, item: ServiceItem, decidingDepartmentID: UUID?, rules: HandoffRules,
        calendar: WorkingDayCalendar, today: CalendarDate, now: Date, on tx: any Database
    ) async throws {
        guard let supervising = item.supervisingDepartment else { return }
        let department = try await Department.query(on: tx).filter(\.$creditCode == supervising.code).first()
        let deadlines = try rules.deadlines(handedOver: today, calendar: calendar)
        let handoff = SupervisionHandoff()
        handoff.id = UUID.timeOrdered(at: now)
        handoff.caseID = caseID
        handoff.applicationID = try application.requireID()
        handoff.applicationNumber = application.number ?? ""
        handoff.itemCode = item.code
        handoff.itemName = item.displayName
        handoff.decidingDepartmentID = decidingDepartmentID
        handoff.decidingDepartmentName = item.department.name
        handoff.supervisingDepartmentID = try department?.requireID()
        handoff.supervisingDepartmentName = department?.name ?? supervising.name
        handoff.regionCode = department?.regionCode ?? item.regionCode.value
        handoff.handedOverOn = today.description
        handoff.yellowOn = deadlines.yellow.description
        handoff.redOn = deadlines.red.description
        handoff.light = HandoffRules.Light.waiting.rawValue
        handoff.escalated = false
        handoff.createdAt = now
        handoff.version = 1
        try await handoff.create(on: tx)
        try await OutboxEvent(
            .handoffCreated, subject: handoff.id!.uuidString, payload: handoff.eventPayload, audience: handoff.audience, at: now
        ).create(on: tx)
    }
}

package struct CreateHandoffs: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(SupervisionHandoff.schema)
            .id()
            .field("case_id", .uuid, .required)
            .field("application_id", .uuid, .required)
            .field("application_number", .string, .required)
            .field("item_code", .string, .required)
            .field("item_name", .string, .required)
            .field("deciding_department_id", .uuid)
            .field("deciding_department_name", .string, .required)
            .field("supervising_department_id", .uuid)
            .field("supervising_department_name", .string, .required)
            .field("region_code", .string, .required)
            .field("handed_over_on", .string, .required)
            .field("yellow_on", .string, .required)
            .field("red_on", .string, .required)
            .field("light", .string, .required)
            .field("escalated", .bool, .required)
            .field("signed_at", .datetime)
            .field("signed_by", .uuid)
            .field("signed_by_name", .string)
            .field("created_at", .datetime, .required)
            .field("version", .int, .required)
            .unique(on: "case_id")
            .create()
        for statement in [
            "CREATE INDEX handoffs_by_department ON supervision_handoffs (supervising_department_id, created_at)",
            "CREATE INDEX handoffs_unsigned ON supervision_handoffs (yellow_on) WHERE signed_at IS NULL",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(SupervisionHandoff.schema).delete()
    }
}
