import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `/webhooks` for a department's data administrator, without JavaScript: the subscriptions
/// (secret shown once when made or rotated), a form to subscribe a client system, and the dead
/// letters with replay. Adapters over `WebhookDesk`.
package struct WebhookPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("webhooks", use: page)
        routes.post("webhooks", use: subscribe)
        routes.post("webhooks", ":id", "secret", use: rotate)
        routes.post("webhooks", ":id", "state", use: setState)
        routes.post("webhooks", "replay", use: replay)
    }

    struct SubscriptionView: Encodable {
        let id: String
        let client: String
        let url: String
        let topics: String
        let scope: String
        let active: Bool
        let state: String
        let disabledReason: String?
        let previousUntil: String?
        let version: Int
    }

    struct DeadView: Encodable {
        let id: String
        let messageID: String
        let topic: String
        let subject: String
        let attempts: Int
        let lastError: String
        let at: String
    }

    struct ClientOption: Encodable {
        let id: String
        let name: String
    }

    struct TopicGroup: Encodable {
        let group: String
        let topics: [TopicOption]
    }

    struct TopicOption: Encodable {
        let name: String
        let summary: String
    }

    struct Context: Encodable {
        let page: PageContext
        let department: String
        let subscriptions: [SubscriptionView]
        let hasSubscriptions: Bool
        let clients: [ClientOption]
        let hasClients: Bool
        let groups: [TopicGroup]
        let dead: [DeadView]
        let hasDead: Bool
        let newSecret: String?
        let summary: String?
        let done: String?
        let jwksKey: String
    }

    func page(req: Request) async throws -> Response {
        try await render(req, failure: nil, newSecret: nil)
    }

    func render(_ req: Request, failure: (any Error)?, newSecret: String?) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/webhooks") }
        let desk = WebhookDesk(context: req.context)
        let (department, rows) = try await desk.subscriptions()
        let now = req.context.now
        let shown = try FormFailure(failure, req)
        let subscriptions = rows.map { s in
            SubscriptionView(
                id: s.id!.uuidString, client: s.clientName, url: s.url, topics: s.patterns.map(\.text).joined(separator: ", "),
                scope: req.t("webhook.scope.\(s.scope.rawValue)"), active: s.state == .active,
                state: req.t("webhook.state.\(s.state.rawValue)"),
                disabledReason: s.disabledReason,
                previousUntil: s.previousUntil.flatMap { $0 > now ? LocalTime($0).wallClockText : nil }, version: s.version)
        }
        let clients = try await desk.clients().map { ClientOption(id: $0.id!.uuidString, name: $0.name) }
        let groups = Dictionary(grouping: EventTopic.all, by: \.group).sorted { $0.key < $1.key }.map { group, topics in
            TopicGroup(group: group, topics: topics.map { TopicOption(name: $0.name, summary: $0.summary) })
        }
        let dead = try await desk.deliveries(state: .dead, limit: 100).map { d in
            DeadView(
                id: d.id!.uuidString, messageID: OutboxRelay.messageID(d.id!), topic: d.topic, subject: d.subject, attempts: d.attempts,
                lastError: d.lastError ?? "-", at: LocalTime(d.updatedAt).wallClockText)
        }
        let done = (try? req.query.get(String.self, at: "done")).flatMap { ["subscribed", "state", "replayed"].contains($0) ? $0 : nil }
        let context = Context(
            page: req.pageContext(title: req.t("webhook.title")), department: department.name, subscriptions: subscriptions,
            hasSubscriptions: !subscriptions.isEmpty, clients: clients, hasClients: !clients.isEmpty, groups: groups, dead: dead,
            hasDead: !dead.isEmpty, newSecret: newSecret,
            summary: shown.summary.map { ([$0] + shown.fields.values.sorted()).joined(separator: " ") },
            done: done.map { req.t("webhook.done.\($0)") }, jwksKey: req.application.keys.webhookKeyID)
        let response = try await req.view.render("webhooks", context).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        // a secret is shown on this answer only
        if newSecret != nil { response.headers.cacheControl = .init(noStore: true) }
        return response
    }

    struct SubscribeForm: Decodable {
        var clientID: String?
        var url: String?
        var topics: [String]?
        var scope: String?
    }

    func subscribe(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let form = try req.content.decode(SubscribeForm.self)
        let body = WebhookDesk.SubscribeBody(
            clientID: form.clientID.flatMap { UUID(uuidString: $0) }, url: form.url, topics: form.topics ?? [], scope: form.scope)
        do {
            let made = try await WebhookDesk(context: req.context).subscribe(body)
            return try await render(req, failure: nil, newSecret: made.secret)
        } catch let error as TongbanError where error.status == .unprocessableEntity {
            return try await render(req, failure: error, newSecret: nil)
        }
    }

    struct VersionForm: Decodable {
        var version: String?
        var active: String?
    }

    func rotate(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("webhook") }
        let form = try req.content.decode(VersionForm.self)
        do {
            let made = try await WebhookDesk(context: req.context).rotateSecret(id, version: form.version.flatMap { Int($0) })
            return try await render(req, failure: nil, newSecret: made.secret)
        } catch let error as TongbanError where error.status == .conflict {
            return try await render(req, failure: error, newSecret: nil)
        }
    }

    func setState(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("webhook") }
        let form = try req.content.decode(VersionForm.self)
        do {
            _ = try await WebhookDesk(context: req.context).setActive(id, form.active == "true", version: form.version.flatMap { Int($0) })
        } catch let error as TongbanError where error.status == .conflict {
            return try await render(req, failure: error, newSecret: nil)
        }
        return req.redirect(to: "/webhooks?done=state")
    }

    struct ReplayForm: Decodable {
        var id: String?
    }

    func replay(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let form = try req.content.decode(ReplayForm.self)
        let ids = form.id.flatMap { UUID(uuidString: $0) }.map { [$0] }
        do {
            _ = try await WebhookDesk(context: req.context).replay(ids)
        } catch let error as TongbanError where [.unprocessableEntity, .notFound].contains(error.status) {
            return try await render(req, failure: error, newSecret: nil)
        }
        return req.redirect(to: "/webhooks?done=replayed#dead")
    }
}
