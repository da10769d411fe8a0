import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import Testing
import TongbanCases
import TongbanDelivery
import TongbanOpenAPI
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// Messages beyond the inbox: each person chooses e-mail and SMS per kind of message; what is
/// queued follows the choice; an SMS says only the tail of a number; a send's status moves only
/// forward whatever order a gateway's receipts arrive in.
@Suite("messages by e-mail and SMS")
struct MessageChannelsTests {
    struct Settings: Decodable {
        let email: String?
        let mobile: String?
        let choices: [String: ChannelChoice]
    }

    struct Inbox: Decodable {
        struct Send: Decodable {
            let channel: String
            let status: String
        }
        struct Message: Decodable {
            let id: UUID
            let topic: String
            let sends: [Send]
        }
        let messages: [Message]
    }

    /// Takes every e-mail and SMS handed to it, as a relay and a gateway would.
    final class Recorder: EmailSender, SMSGateway {
        let mails = NIOLockedValueBox<[MailMessage]>([])
        let texts = NIOLockedValueBox<[(to: String, text: String, id: UUID)]>([])
        let failing = NIOLockedValueBox<SendFailure?>(nil)

        func send(_ message: MailMessage) async throws(SendFailure) {
            if let failure = failing.withLockedValue({ $0 }) { throw failure }
            mails.withLockedValue { $0.append(message) }
        }

        func send(to mobile: String, text: String, messageID: UUID) async throws(SendFailure) -> SendAccepted {
            if let failure = failing.withLockedValue({ $0 }) { throw failure }
            texts.withLockedValue { $0.append((mobile, text, messageID)) }
            return SendAccepted(reference: "gw-" + messageID.uuidString.lowercased(), delivered: false)
        }
    }

    static func dispatcher(_ app: Application, _ recorder: Recorder, retry: RetryPolicy = MessageDispatcher.standardRetry)
        -> MessageDispatcher
    {
        MessageDispatcher(
            settings: .init(retry: retry, from: EmailAddress("noreply@tongban.example")!), email: recorder, sms: recorder, keys: app.keys,
            clock: app.clock)
    }

    /// A receipt as the gateway signs it.
    static func receipt(_ app: Application, key: WebhookSecret, id: String, status: String, sign: Bool = true) async throws
        -> TestingHTTPResponse
    {
        let body = Data("{\"id\":\"\(id)\",\"status\":\"\(status)\"}".utf8)
        let stamp = Int64(Date().timeIntervalSince1970)
        let messageID = "rcpt_\(UUID().uuidString.lowercased())"
        var headers: HTTPHeaders = ["content-type": "application/json"]
        if sign {
            headers.add(name: "webhook-id", value: messageID)
            headers.add(name: "webhook-timestamp", value: String(stamp))
            headers.add(
                name: "webhook-signature",
                value: try WebhookSignature.header(id: messageID, timestamp: stamp, body: body, secrets: [key], key: nil))
        }
        return try await app.send(.POST, "/api/v1/sms/receipts", headers: headers, raw: String(decoding: body, as: UTF8.self))
    }

    @Test(
        "a person's choices decide where a message goes beyond the inbox; bad settings change nothing; an SMS carries only a number's tail; receipts move a status only forward",
        arguments: TestDatabase.available)
    func choicesAndReceipts(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let key = WebhookSecret.random()
            app.tongban.smsKey = key.serialized
            let person = try await app.token(app.demoPersonLogin)
            let personID = try await app.accountID(login: app.demoPersonLogin)

            let standard = try await app.send(.GET, "/api/v1/messages/settings", bearer: person).content.decode(Settings.self)
            #expect(standard.email == nil && standard.mobile == "138****8000")
            #expect(standard.choices["progress"] == ChannelChoice(email: true, sms: true))
            #expect(standard.choices["complaints"] == ChannelChoice(email: true, sms: false))

            // a malformed address or an unknown kind: a clear error, nothing changed
            let bad = try await app.send(.PUT, "/api/v1/messages/settings", json: ["email": "zhang at example"], bearer: person)
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("email"))
            let unknown = try await app.send(
                .PUT, "/api/v1/messages/settings", json: ["choices": ["gossip": ["email": true, "sms": true]]], bearer: person)
            #expect(unknown.status == .unprocessableEntity)
            #expect(try await app.send(.GET, "/api/v1/messages/settings", bearer: person).content.decode(Settings.self).email == nil)
            #expect(try await app.send(.GET, "/api/v1/messages/settings").status == .unauthorized)

            struct Change: Encodable {
                let email: String
                let choices: [String: ChannelChoice]
            }
            let changed = try await app.send(
                .PUT, "/api/v1/messages/settings",
                json: Change(
                    email: "Zhang.San@Example.COM",
                    choices: ["progress": .init(email: false, sms: true), "appointments": .init(email: true, sms: false)]),
                bearer: person
            ).content.decode(Settings.self)
            #expect(changed.email == "Z***@example.com")
            #expect(changed.choices["progress"] == ChannelChoice(email: false, sms: true))

            // a correction requested (required by law) and an appointment booked, as the flows write them
            let draft = try await RatingTests.application(app, token: person, closed: false)
            // numbered as a submission numbers it
            let record = try #require(try await ApplicationRecord.find(draft, on: app.db))
            let number = "3301062026112400000123"
            record.number = number
            try await record.save(on: app.db)
            let now = app.clock.now()
            try await OutboxEvent(
                .caseAction(.requestCorrection), subject: number,
                payload: [
                    "application": number, "item": "330100-000-00-00-0001", "itemName": "就业登记", "from": "prereview", "to": "correction",
                    "detail": "身份证复印件不清晰",
                ],
                audience: EventAudience(), at: now
            ).create(on: app.db)
            let booking = [
                "appointment": UUID().uuidString, "account": personID.uuidString, "hall": "西湖区政务服务中心", "item": "居住证办理",
                "date": "2026-11-25", "start": "09:30", "version": "1",
            ]
            try await OutboxEvent(
                .appointmentBooked, subject: booking["appointment"]!, payload: booking, audience: EventAudience(), at: now
            )
            .create(on: app.db)

            #expect(try await WebhookTests.writeMessages(app, baseURL: "https://tongban.example") == 2)
            let queued = try await MessageSend.query(on: app.db).filter(\.$accountID == personID).all()
            #expect(Set(queued.map { "\($0.channel)" }) == ["sms", "email"])
            #expect(queued.count == 2 && queued.allSatisfy { $0.sendStatus == .queued })

            let recorder = Recorder()
            let round = try await Self.dispatcher(app, recorder).round(on: app.db)
            #expect(round.sent == 2)
            let sms = try #require(recorder.texts.withLockedValue { $0 }.first)
            #expect(sms.to == DemoSeed.personMobile)
            #expect(sms.text.hasPrefix("【一网通办】") && sms.text.contains(SMSText.tail(number)) && !sms.text.contains(number))
            // the person reads what the item is and what to correct, not a code
            #expect(sms.text.contains("就业登记") && sms.text.contains("身份证复印件不清晰") && !sms.text.contains("330100-000"))
            let mail = try #require(recorder.mails.withLockedValue { $0 }.first)
            #expect(mail.to.value == "Zhang.San@example.com" && mail.subject == "预约成功：2026-11-25 09:30")
            #expect(mail.body.contains("西湖区政务服务中心") && mail.body.contains("https://tongban.example/halls"))
            #expect(try await Self.dispatcher(app, recorder).round(on: app.db).didWork == false)

            // the gateway reports: delivered, then a late "sent" that must not take it back
            let reference = "gw-" + (queued.first { $0.channel == "sms" }!.id!.uuidString.lowercased())
            #expect(try await Self.receipt(app, key: key, id: reference, status: "delivered").status == .noContent)
            #expect(try await Self.receipt(app, key: key, id: reference, status: "sent").status == .noContent)
            #expect(try await Self.receipt(app, key: key, id: reference, status: "failed").status == .noContent)
            #expect(try await MessageSend.query(on: app.db).filter(\.$providerRef == reference).first()?.sendStatus == .delivered)
            #expect(try await Self.receipt(app, key: key, id: reference, status: "delivered", sign: false).status == .unauthorized)
            #expect(try await Self.receipt(app, key: WebhookSecret.random(), id: reference, status: "failed").status == .unauthorized)
            #expect(try await Self.receipt(app, key: key, id: "gw-nobody", status: "delivered").status == .notFound)
            #expect(try await Self.receipt(app, key: key, id: reference, status: "lost").status == .unprocessableEntity)

            let inbox = try await app.send(.GET, "/api/v1/messages", bearer: person).content.decode(Inbox.self)
            let correction = try #require(inbox.messages.first { $0.topic == "case.requestCorrection" })
            #expect(correction.sends.map(\.channel) == ["sms"] && correction.sends.first?.status == "delivered")
            let booked = try #require(inbox.messages.first { $0.topic == "appointment.booked" })
            #expect(booked.sends.map(\.channel) == ["email"] && booked.sends.first?.status == "sent")
        }
    }

    @Test(
        "a passing failure is tried again later; a refusal (5xx) or the last attempt fails the send, and nothing takes it back",
        arguments: TestDatabase.available)
    func retries(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let personID = try await app.accountID(login: app.demoPersonLogin)
            let now = app.clock.now()
            for start in ["09:30", "10:00"] {
                let booking = [
                    "appointment": UUID().uuidString, "account": personID.uuidString, "hall": "西湖区政务服务中心", "item": "居住证办理",
                    "date": "2026-11-25", "start": start, "version": "1",
                ]
                try await OutboxEvent(
                    .appointmentBooked, subject: booking["appointment"]!, payload: booking, audience: EventAudience(), at: now
                )
                .create(on: app.db)
            }
            try await WebhookTests.writeMessages(app)
            let recorder = Recorder()
            recorder.failing.withLockedValue { $0 = SendFailure(permanent: false, "connection refused") }
            let thrice = try RetryPolicy(firstDelay: 600, factor: 1, maximumDelay: 600, attempts: 3, jitter: 0)
            let first = try await Self.dispatcher(app, recorder, retry: thrice).round(on: app.db)
            #expect(first.retrying == 2 && first.sent == 0)
            // not due yet: nothing is tried
            #expect(try await Self.dispatcher(app, recorder, retry: thrice).round(on: app.db).didWork == false)
            // the gateway refuses (a 5xx answer of SMTP, a 4xx of HTTP): failed at once, attempts left or not
            try await app.db.sql.raw("UPDATE message_sends SET next_attempt_at = \(bind: now.addingTimeInterval(-1))").run()
            recorder.failing.withLockedValue { $0 = SendFailure(permanent: true, "550 mailbox unavailable") }
            let refused = try await Self.dispatcher(app, recorder, retry: thrice).round(on: app.db)
            #expect(refused.failed == 2 && refused.retrying == 0)
            let sends = try await MessageSend.query(on: app.db).all()
            #expect(sends.allSatisfy { $0.sendStatus == .failed && $0.lastError?.contains("550") == true && $0.attempts == 2 })
            // a passing failure on the last attempt fails it too
            let booking = [
                "appointment": UUID().uuidString, "account": personID.uuidString, "hall": "西湖区政务服务中心", "item": "居住证办理",
                "date": "2026-11-26", "start": "09:30", "version": "1",
            ]
            try await OutboxEvent(
                .appointmentBooked, subject: booking["appointment"]!, payload: booking, audience: EventAudience(), at: now
            )
            .create(on: app.db)
            try await WebhookTests.writeMessages(app)
            recorder.failing.withLockedValue { $0 = SendFailure(permanent: false, "connection refused") }
            let once = try RetryPolicy(firstDelay: 1, factor: 1, maximumDelay: 1, attempts: 1, jitter: 0)
            #expect(try await Self.dispatcher(app, recorder, retry: once).round(on: app.db).failed == 1)
            // and nothing brings a failed send back
            recorder.failing.withLockedValue { $0 = nil }
            try await app.db.sql.raw("UPDATE message_sends SET next_attempt_at = \(bind: now.addingTimeInterval(-1))").run()
            #expect(try await Self.dispatcher(app, recorder, retry: thrice).round(on: app.db).didWork == false)
            #expect(try await MessageSend.query(on: app.db).all().allSatisfy { $0.sendStatus == .failed })
            #expect(recorder.texts.withLockedValue { $0 }.isEmpty)
        }
    }

    @Test("the HTTP SMS gateway: a signed request the gateway can check, its id kept for receipts; a 5xx is tried again, a 4xx is not")
    func gateway() async throws {
        let receiver = try await WebhookReceiver.start()
        let key = WebhookSecret.random()
        let gateway = HTTPSMSGateway(
            url: receiver.url("sms/send"), key: key, callback: "https://tongban.example/api/v1/sms/receipts",
            group: MultiThreadedEventLoopGroup.singleton)
        do {
            receiver.answer { _ in .ok }
            receiver.answerJSON { _ in "{\"id\":\"gw-77\"}" }
            let id = UUID()
            let accepted = try await gateway.send(to: "13800138000", text: "【一网通办】您的申请 ****000123 需要补正。", messageID: id)
            #expect(accepted == SendAccepted(reference: "gw-77", delivered: false))
            let request = try #require(receiver.received.first)
            try WebhookSignature.verify(
                id: request.id, timestamp: request.timestamp, signatures: request.signature, body: request.body, secrets: [key], now: Date()
            )
            let sent = try JSONDecoder().decode([String: String].self, from: request.body)
            #expect(sent["to"] == "13800138000" && sent["reference"] == id.uuidString.lowercased())
            #expect(sent["callback"] == "https://tongban.example/api/v1/sms/receipts" && sent["text"]?.contains("****000123") == true)

            receiver.answerJSON { _ in nil }
            receiver.answer { _ in .serviceUnavailable }
            do {
                _ = try await gateway.send(to: "13800138000", text: "x", messageID: UUID())
                Issue.record("a 503 was taken as sent")
            } catch {
                #expect(!error.permanent)
            }
            receiver.answer { _ in .badRequest }
            do {
                _ = try await gateway.send(to: "13800138000", text: "x", messageID: UUID())
                Issue.record("a 400 was taken as sent")
            } catch {
                #expect(error.permanent)
            }
        } catch {
            await gateway.shutdown()
            await receiver.stop()
            throw error
        }
        await gateway.shutdown()
        await receiver.stop()
    }

    @Test("generated addresses: the contract's pattern for an e-mail address takes exactly what the platform takes")
    func emailPatternAgrees() throws {
        let pattern = try NSRegularExpression(pattern: OpenAPIDocument.emailPattern)
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "Z", "0", ".", "-", "_", "+", "@", " ", "<", ",", "\"", "例", "..", "-x", "x-", ""]
        let words = ["zhang", "li.si", "a", "X9", "o'brien", "x-y", "-x", "x-", "gov", "cn", "example", "com", "例子"]
        var accepted = 0
        for _ in 0..<5_000 {
            func word() -> String { words.randomElement(using: &rng)! }
            let labels = (0..<Int.random(in: 1...3, using: &rng)).map { _ in word() }.joined(separator: ".")
            var text = word() + (Int.random(in: 0..<8, using: &rng) == 0 ? "" : "@") + labels
            // now and then something that does not belong, anywhere
            if Bool.random(using: &rng) {
                let at = text.index(text.startIndex, offsetBy: Int.random(in: 0...text.count, using: &rng))
                text.insert(contentsOf: pieces.randomElement(using: &rng)!, at: at)
            }
            let byPattern = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            let byPlatform = text.isEmpty || EmailAddress(text) != nil
            #expect(byPattern == byPlatform, "\(text)")
            if byPattern && !text.isEmpty { accepted += 1 }
        }
        #expect(accepted > 50, "\(accepted) generated addresses were valid")
    }
}
