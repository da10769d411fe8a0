import Crypto
import Fluent
import Foundation
import SQLKit
import Testing
import TongbanCases
import TongbanDelivery
import TongbanOpenAPI
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// Webhooks end to end: a department's data administrator subscribes a client system, the
/// relay delivers the outbox to a real HTTP receiver on this machine, signed as Standard
/// Webhooks 1.0, once per event and subscription, in order per subject, never another
/// department's; failures are retried, dead letters replayed, a 410 disables the subscription.
@Suite("webhooks")
struct WebhookTests {
    struct Subscription: Decodable {
        let id: UUID
        let secret: String?
        let state: String
        let version: Int
        let topics: [String]
        let previousSecretUntil: Date?
    }

    struct Delivery: Decodable {
        let id: UUID
        let messageID: String
        let state: String
        let attempts: Int
        let subject: String
    }

    struct ClientCreated: Decodable { let id: UUID }

    static func client(_ app: Application, _ token: String, name: String) async throws -> UUID {
        let response = try await app.send(
            .POST, "/api/v1/data/clients", json: ["name": name, "clearance": "internal"], bearer: token)
        #expect(response.status == .created)
        return try response.content.decode(ClientCreated.self).id
    }

    static func subscribe(
        _ app: Application, _ token: String, client: UUID, url: String, topics: [String], scope: String = "department"
    ) async throws -> TestingHTTPResponse {
        try await app.send(
            .POST, "/api/v1/webhooks",
            json: WebhookDesk.SubscribeBody(clientID: client, url: url, topics: topics, scope: scope), bearer: token)
    }

    /// The market regulator's system subscribed to `case.*` at `receiver` (loopback allowed):
    /// the department's id and the subscription.
    static func subscribeMarketRegulator(_ app: Application, _ receiver: WebhookReceiver) async throws -> (UUID, Subscription) {
        app.tongban.webhookEndpoints.allowLoopback = true
        let amr = try await app.token("data.amr")
        let amrID = try await department(app, "杭州市西湖区市场监督管理局")
        let client = try await client(app, amr, name: "市场监管系统")
        let subscribed = try await subscribe(app, amr, client: client, url: receiver.url("amr"), topics: ["case.*"])
        #expect(subscribed.status == .created, "\(subscribed.body.string)")
        return (amrID, try subscribed.content.decode(Subscription.self))
    }

    /// A relay with a real HTTP client for the body, the client closed however the body ends.
    static func withRelay(
        _ app: Application, retry: RetryPolicy = .standard, _ body: (OutboxRelay) async throws -> Void
    ) async throws {
        let sender = HTTPWebhookSender(rules: .init(allowLoopback: true), group: app.eventLoopGroup)
        let relay = OutboxRelay(
            settings: .init(retry: retry, timeout: 5), sender: sender, keys: app.keys, clock: app.clock, logger: app.logger)
        do {
            try await body(relay)
        } catch {
            await sender.shutdown()
            throw error
        }
        await sender.shutdown()
    }

    /// The inbox's rounds until every event has its messages: how many messages were written.
    @discardableResult
    static func writeMessages(_ app: Application, baseURL: String = "") async throws -> Int {
        let inbox = InboxRelay(
            composer: MessageComposer(templates: app.messageTemplates, keys: app.keys, baseURL: baseURL), clock: app.clock)
        var written = 0
        while true {
            let round = try await inbox.round(on: app.db)
            guard round.events > 0 else { return written }
            written += round.messages
        }
    }

    /// Rounds until every event is handed on and no delivery is still to be made (or `until` holds).
    @discardableResult
    static func drain(_ relay: OutboxRelay, _ app: Application, rounds: Int = 200, until: (() async throws -> Bool)? = nil)
        async throws -> OutboxRelay.Round
    {
        var total = OutboxRelay.Round()
        for _ in 0..<rounds {
            let round = try await relay.round(on: app.db)
            total.attempted += round.attempted
            total.delivered += round.delivered
            total.dead += round.dead
            total.subscriptionsDisabled += round.subscriptionsDisabled
            if let until {
                if try await until() { break }
            } else if !round.didWork, try await OutboxEvent.query(on: app.db).filter(\.$deliveredAt == nil).count() == 0,
                try await WebhookDelivery.query(on: app.db).filter(\.$state ~~ [.pending, .retrying, .delivering]).count() == 0
            {
                break
            }
            if !round.didWork { try await Task.sleep(for: .milliseconds(30)) }
        }
        return total
    }

    static func event(_ topic: EventTopic, _ subject: String, department: UUID?, region: String = "330106", at now: Date) -> OutboxEvent {
        var payload: [String: String] = [:]
        for field in topic.fields where field.required { payload[field.name] = "\(field.name)-\(subject)" }
        return OutboxEvent(
            topic, subject: subject, payload: payload,
            audience: EventAudience(departmentID: department, regionCode: try? RegionCode(region)), at: now)
    }

    static func department(_ app: Application, _ name: String) async throws -> UUID {
        try #require(try await Department.query(on: app.db).filter(\.$name == name).first()).requireID()
    }

    @Test(
        "a data administrator subscribes a client system; every bad subscription is refused with its reason and changes nothing",
        arguments: TestDatabase.available)
    func subscribing(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let amr = try await app.token("data.amr")
            let police = try await app.token("data.police")
            let client = try await Self.client(app, amr, name: "市场监管业务系统")
            let reviewer = try await app.token("reviewer.amr")
            let auditBefore = try await AuditEntry.query(on: app.db).count()

            func refused(_ response: TestingHTTPResponse, _ code: String) {
                #expect(response.status == .unprocessableEntity, "\(response.body.string)")
                #expect(response.errorBody?.error.details?.contains { $0.code == code } == true, "\(code): \(response.body.string)")
            }
            refused(
                try await Self.subscribe(app, amr, client: client, url: "https://amr.example.cn/hook", topics: ["case.nothing"]),
                "webhook.unknownTopic")
            refused(try await Self.subscribe(app, amr, client: client, url: "https://amr.example.cn/hook", topics: []), "field.required")
            refused(
                try await Self.subscribe(app, amr, client: client, url: "http://amr.example.cn/hook", topics: ["*"]), "webhook.httpsOnly")
            refused(
                try await Self.subscribe(app, amr, client: client, url: "https://10.20.0.5/hook", topics: ["*"]),
                "webhook.addressNotAllowed")
            refused(
                try await Self.subscribe(app, amr, client: client, url: "https://169.254.169.254/latest", topics: ["*"]),
                "webhook.addressNotAllowed")
            refused(try await Self.subscribe(app, amr, client: client, url: "http://127.0.0.1:9/hook", topics: ["*"]), "webhook.httpsOnly")
            refused(
                try await Self.subscribe(app, amr, client: client, url: "https://u:p@amr.example.cn/", topics: ["*"]),
                "webhook.credentialsInURL")
            // another department's client is not the caller's to subscribe
            refused(
                try await Self.subscribe(app, police, client: client, url: "https://police.example.cn/", topics: ["*"]),
                "webhook.unknownClient")
            refused(
                try await Self.subscribe(app, amr, client: client, url: "https://amr.example.cn/", topics: ["*"], scope: "province"),
                "field.unknownValue")
            // not a data administrator, or not signed in
            #expect(
                try await Self.subscribe(app, reviewer, client: client, url: "https://a.example.cn/", topics: ["*"])
                    .status == .forbidden)
            #expect(try await app.send(.GET, "/api/v1/webhooks").status == .unauthorized)
            #expect(try await WebhookSubscription.query(on: app.db).count() == 0)
            #expect(try await AuditEntry.query(on: app.db).count() == auditBefore)

            // made: the secret shown once, the subscription listed without it
            let made = try await Self.subscribe(
                app, amr, client: client, url: "https://amr.example.cn/hook", topics: ["case.*", "license.issued", "case.accept"])
            #expect(made.status == .created)
            #expect(made.headers.cacheControl?.noStore == true)
            let subscription = try made.content.decode(Subscription.self)
            let secret = try #require(subscription.secret)
            #expect(secret.hasPrefix("whsec_") && (try? WebhookSecret(serialized: secret)) != nil)
            #expect(subscription.topics == ["case.*", "license.issued", "case.accept"])
            let listed = try await app.send(.GET, "/api/v1/webhooks", bearer: amr).content.decode([Subscription].self)
            #expect(listed.map(\.id) == [subscription.id] && listed[0].secret == nil)
            // the secret is stored encrypted, never in clear
            let stored = try #require(try await WebhookSubscription.find(subscription.id, on: app.db))
            #expect(!stored.secretCipher.contains(secret.dropFirst(6)))
            // another department sees nothing of it
            #expect(try await app.send(.GET, "/api/v1/webhooks/\(subscription.id)", bearer: police).status == .notFound)
            #expect(try await app.send(.GET, "/api/v1/webhooks", bearer: police).content.decode([Subscription].self).isEmpty)

            // rotation: a new secret, the old one signing beside it for a while; a stale version is a conflict
            let rotated = try await app.send(.POST, "/api/v1/webhooks/\(subscription.id)/secret", json: ["version": 1], bearer: amr)
            #expect(rotated.status == .ok)
            let after = try rotated.content.decode(Subscription.self)
            #expect(after.secret != nil && after.secret != secret && after.previousSecretUntil != nil && after.version == 2)
            #expect(
                try await app.send(.POST, "/api/v1/webhooks/\(subscription.id)/secret", json: ["version": 1], bearer: amr).status
                    == .conflict)
            let paused = try await app.send(
                .POST, "/api/v1/webhooks/\(subscription.id)/state", json: WebhookAPI.StateBody(active: false, version: 2), bearer: amr)
            #expect(try paused.content.decode(Subscription.self).state == "disabled")
            #expect(
                try await AuditEntry.query(on: app.db).filter(
                    \.$action ~~ ["webhook.subscribe", "webhook.rotateSecret", "webhook.disable"]
                ).count() == 3)
        }
    }

    @Test(
        "events reach each subscriber signed (v1 with its secret, v1a with the published key), once, in order per subject; never another department's",
        arguments: TestDatabase.available)
    func delivering(database: TestDatabase) async throws {
        let receiver = try await WebhookReceiver.start()
        try await withTongban(database) { app, _ in
            app.tongban.webhookEndpoints.allowLoopback = true
            let amr = try await app.token("data.amr")
            let police = try await app.token("data.police")
            let amrID = try await Self.department(app, "杭州市西湖区市场监督管理局")
            let policeID = try await Self.department(app, "杭州市公安局西湖区分局")
            let amrSubscription = try await Self.subscribe(
                app, amr, client: try await Self.client(app, amr, name: "市场监管系统"), url: receiver.url("amr"),
                topics: ["license.*", "case.*"]
            ).content.decode(Subscription.self)
            let policeSubscription = try await Self.subscribe(
                app, police, client: try await Self.client(app, police, name: "户政系统"), url: receiver.url("police"), topics: ["*"],
                scope: "region"
            ).content.decode(Subscription.self)
            // what was written before the subscriptions is handed on to them too (the outbox is read from its start)
            try await Self.withRelay(app) { relay in
                try await Self.drain(relay, app)
                let earlier = receiver.received.count

                // a real change: the market regulator's reviewer suspends the demo business licence
                let license = try #require(try await LicenseRecord.query(on: app.db).filter(\.$departmentID == amrID).first())
                let suspended = try await app.send(
                    .POST, "/api/v1/licenses/\(license.identifier)/status", json: ["status": "02", "reason": "整改期间暂扣"],
                    bearer: try await app.token("reviewer.amr"))
                #expect(suspended.status == .ok)
                // and events written as the cases and the halls write them
                let now = app.clock.now()
                var rows = InsertBatch()
                for kind in [CaseActionKind.accept, .requestCorrection, .supplyCorrection, .decide] {
                    rows.add(Self.event(.caseAction(kind), "330106-A", department: amrID, at: now))
                }
                rows.add(Self.event(.caseAction(.accept), "330106-P", department: policeID, at: now))
                rows.add(Self.event(.appointmentBooked, "appointment-1", department: nil, at: now))
                rows.add(Self.event(.appointmentBooked, "appointment-elsewhere", department: nil, region: "330102", at: now))
                let written = rows
                try await app.db.write { tx in try await written.run(on: tx) }
                try await Self.drain(relay, app)

                let fresh = Array(receiver.received.dropFirst(earlier))
                let toAMR = fresh.filter { $0.path == "/amr" }
                let toPolice = fresh.filter { $0.path == "/police" }
                // one subject's events in the order written (different subjects go side by side)
                #expect(
                    toAMR.filter { $0.type?.hasPrefix("case.") == true }.map(\.type)
                        == ["case.accept", "case.requestCorrection", "case.supplyCorrection", "case.decide"])
                let status = toAMR.filter { $0.type == "license.status" }
                #expect(status.count == 1 && status.first?.data["license"] == license.identifier && status.first?.data["to"] == "02")
                // the region's subscriber: its own department's, and the region's events of no department, nothing of the market regulator's
                #expect(Set(toPolice.compactMap(\.type)) == ["case.accept", "appointment.booked"] && toPolice.count == 2)
                #expect(toPolice.first { $0.type == "appointment.booked" }?.data["appointment"] == "appointment-appointment-1")
                #expect(Set(fresh.map(\.id)).count == fresh.count)

                // each verifies with the subscriber's secret, and with the public key alone
                let jwks = try JSONDecoder().decode(
                    JWKSet.self, from: Data(try await app.send(.GET, "/.well-known/jwks.json").body.readableBytesView))
                let webhookKey = try #require(jwks.keys.first { $0.kid.hasPrefix("webhook-") })
                let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Data(base64URL: webhookKey.x)))
                for (message, secret) in toAMR.map({ ($0, amrSubscription.secret!) }) + toPolice.map({ ($0, policeSubscription.secret!) }) {
                    let stamp = try #require(Int64(message.timestamp))
                    #expect(abs(Date().timeIntervalSince1970 - Double(stamp)) < 60)
                    try WebhookSignature.verify(
                        id: message.id, timestamp: message.timestamp, signatures: message.signature, body: message.body,
                        secrets: [try WebhookSecret(serialized: secret)], now: Date())
                    try WebhookSignature.verify(
                        id: message.id, timestamp: message.timestamp, signatures: message.signature, body: message.body, secrets: [],
                        publicKeys: [publicKey], now: Date())
                    #expect(throws: WebhookSignature.Problem.self) {
                        try WebhookSignature.verify(
                            id: message.id, timestamp: message.timestamp, signatures: message.signature,
                            body: message.body + Data(" ".utf8),
                            secrets: [try WebhookSecret(serialized: secret)], now: Date())
                    }
                }
                // every delivery is delivered, once
                let open = try await WebhookDelivery.query(on: app.db).filter(\.$state != .delivered).count()
                #expect(open == 0)
                #expect(try await OutboxEvent.query(on: app.db).filter(\.$deliveredAt == nil).count() == 0)
            }
        }
        await receiver.stop()
    }

    @Test("/openapi.json's webhooks are the topics the code writes, each with its payload's fields")
    func documented() throws {
        let document = try JSONSerialization.jsonObject(with: OpenAPIDocument.encoded) as? [String: Any]
        let webhooks = try #require(document?["webhooks"] as? [String: Any])
        #expect(Set(webhooks.keys) == Set(EventTopic.all.map(\.name)))
        for topic in EventTopic.all {
            let post = (webhooks[topic.name] as? [String: Any])?["post"] as? [String: Any]
            let body = ((post?["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any]
            let schema = body?["schema"] as? [String: Any]
            let data = (schema?["properties"] as? [String: Any])?["data"] as? [String: Any]
            let fields = Set(((data?["properties"] as? [String: Any]) ?? [:]).keys)
            #expect(fields == topic.fieldNames, "\(topic)")
            #expect(Set((data?["required"] as? [String]) ?? []) == topic.requiredFieldNames, "\(topic)")
        }
    }

    struct JWKSet: Decodable {
        struct Key: Decodable {
            let kid: String
            let x: String
        }
        let keys: [Key]
    }

    @Test(
        "a failing subject is retried with backoff and holds back only its own later events; dead letters are listed and replayed; a 410 disables the subscription",
        arguments: TestDatabase.available)
    func failing(database: TestDatabase) async throws {
        let receiver = try await WebhookReceiver.start()
        try await withTongban(database) { app, _ in
            let (amrID, subscription) = try await Self.subscribeMarketRegulator(app, receiver)
            let amr = try await app.token("data.amr")
            let retry = try RetryPolicy(firstDelay: 0.05, factor: 1, maximumDelay: 0.05, attempts: 3, jitter: 0)
            try await Self.withRelay(app, retry: retry) { relay in
                try await Self.drain(relay, app)
                let earlier = receiver.received.count
                // subject A fails every time; B is fine
                receiver.answer { $0.data["application"]?.hasSuffix("-A") == true ? .internalServerError : .noContent }
                let now = app.clock.now()
                var rows = InsertBatch()
                rows.add(Self.event(.caseAction(.accept), "A", department: amrID, at: now))
                rows.add(Self.event(.caseAction(.decide), "A", department: amrID, at: now))
                rows.add(Self.event(.caseAction(.accept), "B", department: amrID, at: now))
                let written = rows
                try await app.db.write { tx in try await written.run(on: tx) }
                try await Self.drain(relay, app, rounds: 200)
                let attempts = Array(receiver.received.dropFirst(earlier))
                // A's first event tried three times, then dead; only then its second (held back till then), three times; B once, at once
                let aTypes = attempts.filter { $0.data["application"] == "application-A" }.map(\.type)
                #expect(aTypes == Array(repeating: "case.accept", count: 3) + Array(repeating: "case.decide", count: 3))
                #expect(attempts.filter { $0.data["application"] == "application-B" }.count == 1)
                #expect(attempts.firstIndex { $0.data["application"] == "application-B" }! < 2)
                // a retry carries the same webhook-id
                #expect(Set(attempts.filter { $0.type == "case.accept" && $0.data["application"] == "application-A" }.map(\.id)).count == 1)

                let dead = try await app.send(.GET, "/api/v1/webhooks/deliveries", bearer: amr).content.decode([Delivery].self)
                #expect(dead.count == 2 && dead.allSatisfy { $0.state == "dead" && $0.attempts == 3 && $0.subject == "A" })
                // replayed once the receiver is fixed: delivered, in order, under the same ids
                receiver.answer { _ in .ok }
                let replayed = try await app.send(.POST, "/api/v1/webhooks/deliveries/replay", json: WebhookAPI.ReplayBody(), bearer: amr)
                #expect(try replayed.content.decode(WebhookAPI.Replayed.self).replayed == 2)
                let beforeReplay = receiver.received.count
                try await Self.drain(relay, app)
                let again = Array(receiver.received.dropFirst(beforeReplay))
                #expect(again.map(\.type) == ["case.accept", "case.decide"])
                #expect(Set(again.map(\.id)) == Set(dead.map(\.messageID)))
                #expect(try await app.send(.GET, "/api/v1/webhooks/deliveries", bearer: amr).content.decode([Delivery].self).isEmpty)
                // nothing of another department's to replay
                let other = try await app.send(
                    .POST, "/api/v1/webhooks/deliveries/replay", json: WebhookAPI.ReplayBody(ids: [dead[0].id]),
                    bearer: try await app.token("data.police"))
                #expect(other.status == .notFound)

                // 410: the subscription is disabled and its owner told
                receiver.answer { _ in .gone }
                try await app.db.write { tx in try await Self.event(.caseAction(.deliver), "C", department: amrID, at: now).create(on: tx) }
                let round = try await Self.drain(relay, app)
                #expect(round.subscriptionsDisabled == 1)
                let disabled = try await app.send(.GET, "/api/v1/webhooks/\(subscription.id)", bearer: amr).content.decode(
                    Subscription.self)
                #expect(disabled.state == "disabled")
                #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "webhook.disabled").count() == 1)
                #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "webhook.disabled").count() == 1)
                // nothing more is sent to it
                let afterGone = receiver.received.count
                try await app.db.write { tx in try await Self.event(.caseAction(.conclude), "D", department: amrID, at: now).create(on: tx)
                }
                try await Self.drain(relay, app)
                #expect(receiver.received.count == afterGone)
            }
        }
        await receiver.stop()
    }
}
