import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 站内消息: one message to one account, written from an outbox event with its template's words
/// in both languages (what the person was told stays as it was told), shown from `visible_at`
/// (a reminder, the day before), read once.
package final class InboxMessage: Model, @unchecked Sendable {
    package static let schema = "inbox_messages"

    @ID(key: .id) package var id: UUID?
    @Field(key: "account_id") package var accountID: UUID
    @Field(key: "event_id") package var eventID: UUID
    @Field(key: "topic") package var topic: String
    /// A message the law requires (补正, 不予受理, a decision): always in the inbox, whatever
    /// channels the person chose.
    @Field(key: "required") package var required: Bool
    @Field(key: "title_zh") package var titleZh: String
    @Field(key: "body_zh") package var bodyZh: String
    @Field(key: "title_en") package var titleEn: String
    @Field(key: "body_en") package var bodyEn: String
    @Field(key: "link") package var link: String
    @Field(key: "visible_at") package var visibleAt: Date
    @OptionalField(key: "read_at") package var readAt: Date?
    @Field(key: "created_at") package var createdAt: Date

    package init() {}

    package func title(_ language: Language) -> String { language == .en ? titleEn : titleZh }
    package func body(_ language: Language) -> String { language == .en ? bodyEn : bodyZh }
}

package struct CreateInbox: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(InboxMessage.schema)
            .id()
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("event_id", .uuid, .required)
            .field("topic", .string, .required)
            .field("required", .bool, .required)
            .field("title_zh", .string, .required)
            .field("body_zh", .string, .required)
            .field("title_en", .string, .required)
            .field("body_en", .string, .required)
            .field("link", .string, .required)
            .field("visible_at", .datetime, .required)
            .field("read_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "event_id", "account_id")
            .create()
        for statement in [
            "CREATE INDEX inbox_by_account ON inbox_messages (account_id, visible_at)",
            "CREATE INDEX inbox_unread ON inbox_messages (account_id, visible_at) WHERE read_at IS NULL",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(InboxMessage.schema).delete()
    }
}

/// Turns outbox events into inbox messages, in the relay's fan-out transaction: for each event
/// with a template, its recipients found (the applicant by application number, the holder by
/// licence, the sender by complaint, the account named, or the department's staff in the
/// template's roles) and one message each, in both languages.
package struct MessageComposer: Sendable {
    package let templates: MessageTemplates

    package init(templates: MessageTemplates) {
        self.templates = templates
    }

    package struct Event: Sendable {
        package let id: UUID
        package let topic: String
        package let payload: [String: String]
        package let audience: EventAudience
        package let createdAt: Date
    }

    /// The messages for these events, added to `rows`; how many.
    package func compose(_ events: [Event], into rows: inout InsertBatch, on db: any Database, now: Date) async throws -> Int {
        let due = events.compactMap { event in templates.byTopic[event.topic].map { (event, $0) } }
        guard !due.isEmpty else { return 0 }
        let applicants = try await lookup(
            "SELECT number AS k, applicant_id AS v FROM applications WHERE number IN", due, .applicant, field: "application", on: db)
        let holders = try await lookup(
            "SELECT identifier AS k, holder_id AS v FROM licenses WHERE identifier IN", due, .holder, field: "license", on: db)
        let senders = try await complaintSenders(due, on: db)
        let staff = try await departmentStaff(due, on: db)
        var count = 0
        for (event, template) in due {
            var recipients: [UUID] = []
            switch template.to {
            case .applicant: recipients = event.payload["application"].flatMap { applicants[$0] }.map { [$0] } ?? []
            case .holder: recipients = event.payload["license"].flatMap { holders[$0] }.map { [$0] } ?? []
            case .sender: recipients = event.payload["complaint"].flatMap(UUID.init(uuidString:)).flatMap { senders[$0] }.map { [$0] } ?? []
            case .account: recipients = event.payload["account"].flatMap(UUID.init(uuidString:)).map { [$0] } ?? []
            case .department:
                recipients = event.audience.departmentIDs.flatMap { department in
                    (staff[department] ?? []).filter { !Set($0.roles).isDisjoint(with: template.roles) }.map(\.id)
                }
            }
            let visible = template.sendAt.flatMap { event.payload[$0] }.flatMap { try? Date.ISO8601FormatStyle().parse($0) } ?? now
            let zh = template.words[.zhCN]!
            let en = template.words[.en]!
            for account in Set(recipients) {
                rows.add(
                    InboxMessage.schema,
                    [
                        ("id", UUID.timeOrdered(at: now)), ("account_id", account), ("event_id", event.id), ("topic", event.topic),
                        ("required", template.required), ("title_zh", MessageTemplates.fill(zh.title, event.payload)),
                        ("body_zh", MessageTemplates.fill(zh.body, event.payload)),
                        ("title_en", MessageTemplates.fill(en.title, event.payload)),
                        ("body_en", MessageTemplates.fill(en.body, event.payload)),
                        ("link", MessageTemplates.fill(template.link, event.payload)), ("visible_at", visible), ("created_at", now),
                    ])
                count += 1
            }
        }
        return count
    }

    private struct Pair: Decodable {
        let k: String
        let v: UUID
    }

    /// `key → account` for the events whose template sends to `recipient`, by the payload's `field`.
    private func lookup(
        _ select: String, _ due: [(Event, MessageTemplates.Template)], _ recipient: MessageTemplates.Recipient, field: String,
        on db: any Database
    ) async throws -> [String: UUID] {
        let keys = Array(Set(due.filter { $0.1.to == recipient }.compactMap { $0.0.payload[field] }))
        var found: [String: UUID] = [:]
        for slice in keys.chunked(500) {
            let chunk = SQLList(slice.map { SQLBind($0) })
            let rows = try await db.sql.raw("\(unsafeRaw: select) (\(chunk))").all(decoding: Pair.self)
            for row in rows { found[row.k] = row.v }
        }
        return found
    }

    private struct Sender: Decodable {
        let id: UUID
        let sender_id: UUID
    }

    /// `complaint → its sender` for the events sent to complaints' senders.
    private func complaintSenders(_ due: [(Event, MessageTemplates.Template)], on db: any Database) async throws -> [UUID: UUID] {
        let ids = Array(Set(due.filter { $0.1.to == .sender }.compactMap { $0.0.payload["complaint"].flatMap(UUID.init(uuidString:)) }))
        var found: [UUID: UUID] = [:]
        for slice in ids.chunked(500) {
            let chunk = SQLList(slice.map { SQLBind($0) })
            let rows = try await db.sql.raw("SELECT id, sender_id FROM complaints WHERE id IN (\(chunk))").all(decoding: Sender.self)
            for row in rows { found[row.id] = row.sender_id }
        }
        return found
    }

    private struct StaffMember {
        let id: UUID
        let roles: [Role]
    }

    /// The active staff of the departments department-addressed events concern.
    private func departmentStaff(_ due: [(Event, MessageTemplates.Template)], on db: any Database) async throws -> [UUID: [StaffMember]] {
        let departments = Set(due.filter { $0.1.to == .department }.flatMap { $0.0.audience.departmentIDs })
        guard !departments.isEmpty else { return [:] }
        let accounts = try await Account.query(on: db).filter(\.$department.$id ~~ departments).filter(\.$kind == .staff)
            .filter(\.$status == .active).all()
        var staff: [UUID: [StaffMember]] = [:]
        for account in accounts {
            guard let id = account.id, let department = account.$department.id else { continue }
            staff[department, default: []].append(StaffMember(id: id, roles: account.roles))
        }
        return staff
    }
}
