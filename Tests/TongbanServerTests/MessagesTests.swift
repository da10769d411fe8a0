import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanDelivery
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 站内消息: what happens to a person's affairs reaches their inbox in their language, from
/// templates checked at start-up; a reminder shows the day before; nobody reads another's.
@Suite("messages to people")
struct MessagesTests {
    struct Inbox: Decodable {
        struct Message: Decodable {
            let id: UUID
            let topic: String
            let title: String
            let body: String
            let required: Bool
            let readAt: Date?
        }
        let unread: Int
        let messages: [Message]
    }

    static func templates(_ text: String) throws -> MessageTemplates {
        let path = NSTemporaryDirectory() + "templates-\(UUID().uuidString).json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try MessageTemplates.load(path)
    }

    static func entry(_ topic: String, to: String = "applicant", title: String, roles: String = "") -> String {
        """
        {"format": 1, "messages": {"\(topic)": {"kind": "progress", "to": "\(to)", \(roles) "required": false, "link": "/applications",
          "zh-CN": {"title": "\(title)", "body": "b"}, "en": {"title": "t", "body": "b"}}}}
        """
    }

    @Test(
        "the bundled templates load; a template naming an unknown variable or topic, or a recipient its payload cannot find, stops the start with its name"
    )
    func templatesChecked() throws {
        let bundled = try MessageTemplates.load(TongbanResources.directory + "/Templates/messages.json")
        #expect(bundled.byTopic["case.requestCorrection"]?.first?.required == true)
        // a topic may tell several people: the applicant of the acceptance, the reviewers of their new task
        #expect(Set(bundled.byTopic["case.accept"]?.map(\.to) ?? []) == [.applicant, .department])
        #expect(bundled.byTopic["case.requestCorrection"]?.first?.kind == .progress)
        #expect(bundled.byTopic.keys.allSatisfy { EventTopic.byName[$0] != nil })
        #expect(throws: MessageTemplates.Problem.self) { try Self.templates(Self.entry("case.accept", title: "{applicant}")) }
        do {
            _ = try Self.templates(Self.entry("case.accept", title: "已受理 {aplication}"))
            Issue.record("an unknown variable was taken")
        } catch let problem as MessageTemplates.Problem {
            #expect(problem.description.contains("{aplication}") && problem.description.contains("case.accept"))
        }
        #expect(throws: MessageTemplates.Problem.self) { try Self.templates(Self.entry("case.nothing", title: "x")) }
        #expect(throws: MessageTemplates.Problem.self) { try Self.templates(Self.entry("case.nothing#staff", title: "x")) }
        #expect(throws: MessageTemplates.Problem.self) { try Self.templates(Self.entry("case.accept", to: "rater", title: "x")) }
        #expect(throws: MessageTemplates.Problem.self) { try Self.templates(Self.entry("license.status", to: "applicant", title: "x")) }
        #expect(throws: MessageTemplates.Problem.self) { try Self.templates(Self.entry("case.warning", to: "department", title: "x")) }
        _ = try Self.templates(Self.entry("case.warning", to: "department", title: "{warning}", roles: "\"roles\": [\"reviewer\"],"))
        #expect(MessageTemplates.variables(in: "a {b} c {d}{e} {") == ["b", "d", "e"])
    }

    @Test(
        "a licence suspended: its holder is told, in their language, required by law; a reminder waits for its day; nobody reads another's messages",
        arguments: TestDatabase.available)
    func inbox(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let person = try await app.token(app.demoPersonLogin)
            let personID = try await app.accountID(login: app.demoPersonLogin)
            let license = try #require(
                try await LicenseRecord.query(on: app.db).filter(\.$holderID == (try await app.accountID(login: app.demoEnterpriseLogin)))
                    .first())
            let suspended = try await app.send(
                .POST, "/api/v1/licenses/\(license.identifier)/status", json: ["status": "02", "reason": "整改期间暂扣"],
                bearer: try await app.token("reviewer.amr"))
            #expect(suspended.status == .ok)
            // a reminder for tomorrow, written as the hall writes it
            let now = app.clock.now()
            let payload = [
                "appointment": UUID().uuidString, "account": personID.uuidString, "hall": "西湖区政务服务中心", "item": "居住证办理",
                "date": "2026-11-25", "start": "09:30", "version": "1",
                "sendAt": Date.ISO8601FormatStyle().format(now.addingTimeInterval(3_600)),
            ]
            try await OutboxEvent(
                .appointmentReminder, subject: payload["appointment"]!, payload: payload, audience: EventAudience(), at: now
            ).create(on: app.db)

            do {
                #expect(try await WebhookTests.writeMessages(app) >= 2)

                let inbox = try await app.send(.GET, "/api/v1/messages", bearer: enterprise).content.decode(Inbox.self)
                let told = try #require(inbox.messages.first { $0.topic == "license.status" })
                #expect(told.required && told.title == "电子证照状态变更" && told.body.contains(license.identifier))
                #expect(inbox.unread == inbox.messages.count)
                let english = try await app.send(.GET, "/api/v1/messages?lang=en", bearer: enterprise).content.decode(Inbox.self)
                #expect(english.messages.first { $0.topic == "license.status" }?.title == "E-licence status changed")
                // the reminder is not shown before its time
                #expect(
                    try await app.send(.GET, "/api/v1/messages", bearer: person).content.decode(Inbox.self).messages.allSatisfy {
                        $0.topic != "appointment.reminder"
                    })
                #expect(try await InboxMessage.query(on: app.db).filter(\.$topic == "appointment.reminder").count() == 1)

                // read: one, then all; another account's message reads as absent
                #expect(try await app.send(.POST, "/api/v1/messages/\(told.id)/read", bearer: person).status == .notFound)
                let read = try await app.send(.POST, "/api/v1/messages/\(told.id)/read", bearer: enterprise).content.decode(
                    Inbox.Message.self)
                #expect(read.readAt != nil)
                #expect(
                    try await app.send(.GET, "/api/v1/messages", bearer: enterprise).content.decode(Inbox.self).unread == inbox.unread - 1)
                _ = try await app.send(.POST, "/api/v1/messages/read", bearer: enterprise)
                #expect(try await app.send(.GET, "/api/v1/messages", bearer: enterprise).content.decode(Inbox.self).unread == 0)
                #expect(try await app.send(.GET, "/api/v1/messages").status == .unauthorized)
                // a second round writes nothing twice
                #expect(try await WebhookTests.writeMessages(app) == 0)
            }
        }
    }
}
