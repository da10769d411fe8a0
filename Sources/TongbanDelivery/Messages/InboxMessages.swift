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

/// Turns outbox events into inbox messages, in the inbox relay's transaction: for each event
/// with a template, its recipients found (the applicant by application number, the holder by
/// licence, the sender by complaint, the account named, or the department's staff in the
/// template's roles) and one message each, in both languages.
package struct MessageComposer: Sendable {
    package let templates: MessageTemplates
    /// Where the links in e-mails point (the platform's public address).
    package let baseURL: String
    /// To read recipients' mobiles and seal them for their sends.
    package let keys: KeyRing

    package init(templates: MessageTemplates, keys: KeyRing, baseURL: String = "") {
        self.templates = templates
        self.keys = keys
        self.baseURL = baseURL
    }

    package struct Event: Sendable {
        package let id: UUID
        package let topic: String
        package let payload: [String: String]
        package let audience: EventAudience
        package let createdAt: Date
    }

    /// Writes the messages for these events, each also queued for e-mail and SMS as its
    /// recipient chose for its kind; how many messages.
    package func compose(_ events: [Event], on db: any Database, now: Date) async throws -> Int {
        let due = events.flatMap { event in (templates.byTopic[event.topic] ?? []).map { (event, $0) } }
        guard !due.isEmpty else { return 0 }
        let addressed = try await recipients(of: due, on: db)
        let everyone = Set(addressed.flatMap(\.accounts))
        let channels = try await ChannelBook.load(for: everyone, keys: keys, on: db)
        var rows = InsertBatch()
        var count = 0
        for (event, template, accounts) in addressed where !accounts.isEmpty {
            let visible = template.sendAt.flatMap { event.payload[$0] }.flatMap { try? Date.ISO8601FormatStyle().parse($0) } ?? now
            let zh = template.words[.zhCN]!
            let en = template.words[.en]!
            let titleZh = Placeholders.fill(zh.title, event.payload)
            let bodyZh = Placeholders.fill(zh.body, event.payload)
            let titleEn = Placeholders.fill(en.title, event.payload)
            let bodyEn = Placeholders.fill(en.body, event.payload)
            let link = Placeholders.fill(template.link, event.payload)
            // the texts of e-mail and SMS are made only when someone is to get one
            lazy var sms = SMSText.compose(Placeholders.fill(zh.body, SMSText.masked(event.payload)))
            lazy var email = [bodyZh, titleEn + "\n" + bodyEn, baseURL + link].joined(separator: "\n\n")
            for account in accounts {
                let message = UUID.timeOrdered(at: now)
                rows.add(
                    InboxMessage.schema,
                    [
                        ("id", message), ("account_id", account), ("event_id", event.id), ("topic", event.topic),
                        ("required", template.required), ("title_zh", titleZh), ("body_zh", bodyZh), ("title_en", titleEn),
                        ("body_en", bodyEn), ("link", link), ("visible_at", visible), ("created_at", now),
                    ])
                for (channel, address) in channels.addresses(of: account, for: template.kind) {
                    rows.add(
                        MessageSend.schema,
                        [
                            ("id", UUID.timeOrdered(at: now)), ("message_id", message), ("account_id", account),
                            ("channel", channel.rawValue), ("address_cipher", address), ("subject", titleZh),
                            ("text", channel == .sms ? sms : email), ("status", SendStatus.queued.rawValue), ("attempts", 0),
                            ("next_attempt_at", visible), ("created_at", now), ("updated_at", now),
                        ])
                }
                count += 1
                if rows.bindCount > 20_000 {
                    try await rows.run(on: db)
                    rows = InsertBatch()
                }
            }
        }
        try await rows.run(on: db)
        return count
    }

    /// Each event with its template and the accounts it goes to.
    private func recipients(of due: [(Event, MessageTemplates.Template)], on db: any Database) async throws -> [(
        event: Event, template: MessageTemplates.Template, accounts: [UUID]
    )] {
        let applicants = try await lookup(
            "SELECT number AS k, applicant_id AS v FROM applications WHERE number IN", due, .applicant, field: "application", on: db)
        let holders = try await lookup(
            "SELECT identifier AS k, holder_id AS v FROM licenses WHERE identifier IN", due, .holder, field: "license", on: db)
        let senders = try await complaintSenders(due, on: db)
        let raters = try await lookup(
            "SELECT f.id AS k, r.rater_id AS v FROM rating_follow_ups f JOIN ratings r ON r.id = f.rating_id WHERE r.rater_id IS NOT NULL AND f.id IN",
            due, .rater, field: "followUp", on: db, uuidKeys: true)
        let staff = try await departmentStaff(due, on: db)
        let supervisors = due.contains { $0.1.to == .supervisors } ? try await activeStaff(on: db) : []
        return due.map { event, template in
            var recipients: [UUID] = []
            switch template.to {
            case .applicant: recipients = event.payload["application"].flatMap { applicants[$0] }.map { [$0] } ?? []
            case .holder: recipients = event.payload["license"].flatMap { holders[$0] }.map { [$0] } ?? []
            case .sender: recipients = event.payload["complaint"].flatMap(UUID.init(uuidString:)).flatMap { senders[$0] }.map { [$0] } ?? []
            case .account: recipients = event.payload["account"].flatMap(UUID.init(uuidString:)).map { [$0] } ?? []
            case .rater: recipients = event.payload["followUp"].flatMap { raters[$0.lowercased()] }.map { [$0] } ?? []
            case .supervisors:
                // those the policy lets supervise what the event concerns (their region and what lies inside it)
                recipients = supervisors.filter { candidate in
                    guard let region = event.audience.regionCode ?? candidate.actor.regionCode else { return false }
                    let watched = Resource.followUp(regionCode: region, departmentID: event.audience.departmentIDs.first)
                    return Policy.decide(candidate.actor, .supervise, watched).isAllowed
                }.map(\.id)
            case .department:
                recipients = event.audience.departmentIDs.flatMap { department in
                    (staff[department] ?? []).filter { !Set($0.roles).isDisjoint(with: template.roles) }.map(\.id)
                }
            }
            var seen = Set<UUID>()
            return (event, template, recipients.filter { seen.insert($0).inserted })
        }
    }

    private struct Pair: Decodable {
        let k: String
        let v: UUID
    }

    private struct UUIDPair: Decodable {
        let k: UUID
        let v: UUID
    }

    /// `key → account` for the events whose template sends to `recipient`, by the payload's `field`
    /// (a UUID key found as its lower-case text).
    private func lookup(
        _ select: String, _ due: [(Event, MessageTemplates.Template)], _ recipient: MessageTemplates.Recipient, field: String,
        on db: any Database, uuidKeys: Bool = false
    ) async throws -> [String: UUID] {
        let keys = Array(Set(due.filter { $0.1.to == recipient }.compactMap { $0.0.payload[field] }))
        var found: [String: UUID] = [:]
        for slice in keys.chunked(500) {
            if uuidKeys {
                let chunk = SQLList(slice.compactMap(UUID.init(uuidString:)).map { SQLBind($0) })
                guard !chunk.expressions.isEmpty else { continue }
                let rows = try await db.sql.raw("\(unsafeRaw: select) (\(chunk))").all(decoding: UUIDPair.self)
                for row in rows { found[row.k.uuidString.lowercased()] = row.v }
            } else {
                let chunk = SQLList(slice.map { SQLBind($0) })
                let rows = try await db.sql.raw("\(unsafeRaw: select) (\(chunk))").all(decoding: Pair.self)
                for row in rows { found[row.k] = row.v }
            }
        }
        return found
    }

    private struct StaffActor {
        let id: UUID
        let actor: Actor
    }

    /// Every active staff member, as the policy sees them.
    private func activeStaff(on db: any Database) async throws -> [StaffActor] {
        let accounts = try await Account.query(on: db).filter(\.$kind == .staff).filter(\.$status == .active).all()
        return accounts.compactMap { account in
            guard let id = account.id, let actor = try? account.actor else { return nil }
            return StaffActor(id: id, actor: actor)
        }
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
