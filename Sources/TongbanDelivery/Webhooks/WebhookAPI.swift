import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `/api/v1/webhooks`: a department's subscriptions, their secrets, and their dead letters;
/// adapters over `WebhookDesk`.
package struct WebhookAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.get("webhooks", use: list)
        api.post("webhooks", use: subscribe)
        api.get("webhooks", "deliveries", use: deliveries)
        api.post("webhooks", "deliveries", "replay", use: replay)
        api.get("webhooks", ":id", use: one)
        api.post("webhooks", ":id", "secret", use: rotate)
        api.post("webhooks", ":id", "state", use: setState)
    }

    package struct SubscriptionDTO: Content {
        package let id: UUID
        package let client: String
        package let clientID: UUID
        package let department: String
        package let url: String
        package let topics: [String]
        package let scope: String
        package let state: String
        package let disabledReason: String?
        /// Set while a rotated-out secret still signs beside the new one.
        package let previousSecretUntil: Date?
        package let createdAt: Date
        package let version: Int
        /// Shown on the answer that made it only.
        package let secret: String?

        package init(_ s: WebhookSubscription, secret: String? = nil, now: Date) throws {
            id = try s.requireID()
            client = s.clientName
            clientID = s.clientID
            department = s.departmentName
            url = s.url
            topics = s.patterns.map(\.text)
            scope = s.scope.rawValue
            state = s.state.rawValue
            disabledReason = s.disabledReason
            previousSecretUntil = s.previousUntil.flatMap { $0 > now ? $0 : nil }
            createdAt = s.createdAt
            version = s.version
            self.secret = secret
        }
    }

    package struct DeliveryDTO: Content {
        package let id: UUID
        /// The `webhook-id` the receiver saw.
        package let messageID: String
        package let subscriptionID: UUID
        package let eventID: UUID
        package let topic: String
        package let subject: String
        package let state: String
        package let attempts: Int
        package let nextAttemptAt: Date?
        package let lastStatus: Int?
        package let lastError: String?
        package let deliveredAt: Date?
        package let createdAt: Date
        package let updatedAt: Date

        package init(_ d: WebhookDelivery) throws {
            id = try d.requireID()
            messageID = OutboxRelay.messageID(id)
            subscriptionID = d.subscriptionID
            eventID = d.eventID
            topic = d.topic
            subject = d.subject
            state = d.state.rawValue
            attempts = d.attempts
            nextAttemptAt = [.pending, .retrying].contains(d.state) ? d.nextAttemptAt : nil
            lastStatus = d.lastStatus
            lastError = d.lastError
            deliveredAt = d.deliveredAt
            createdAt = d.createdAt
            updatedAt = d.updatedAt
        }
    }

    package struct VersionBody: Content {
        package var version: Int?
    }

    package struct StateBody: Content {
        package var active: Bool?
        package var version: Int?

        package init(active: Bool? = nil, version: Int? = nil) {
            self.active = active
            self.version = version
        }
    }

    package struct ReplayBody: Content {
        /// The dead letters to replay; absent: all of the department's (or of `subscriptionID`).
        package var ids: [UUID]?
        package var subscriptionID: UUID?

        package init(ids: [UUID]? = nil, subscriptionID: UUID? = nil) {
            self.ids = ids
            self.subscriptionID = subscriptionID
        }
    }

    package struct Replayed: Content {
        package let replayed: Int
    }

    func list(req: Request) async throws -> [SubscriptionDTO] {
        let now = req.context.now
        return try await WebhookDesk(context: req.context).subscriptions().1.map { try SubscriptionDTO($0, now: now) }
    }

    func one(req: Request) async throws -> SubscriptionDTO {
        try SubscriptionDTO(try await WebhookDesk(context: req.context).subscription(try req.uuid("id", "webhook")), now: req.context.now)
    }

    func subscribe(req: Request) async throws -> Response {
        let desk = try await WebhookDesk.authorized(req, for: .create)
        let made = try await desk.subscribe(try req.content.decode(WebhookDesk.SubscribeBody.self))
        let response = try await SubscriptionDTO(made.subscription, secret: made.secret, now: req.context.now).encodeResponse(
            status: .created, for: req)
        response.headers.cacheControl = .init(noStore: true)
        return response
    }

    func rotate(req: Request) async throws -> Response {
        let desk = try await WebhookDesk.authorized(req, for: .edit)
        // the body is optional: without one, the subscription as it stands now
        let version = req.body.data == nil ? nil : try req.content.decode(VersionBody.self).version
        let made = try await desk.rotateSecret(try req.uuid("id", "webhook"), version: version)
        let response = try await SubscriptionDTO(made.subscription, secret: made.secret, now: req.context.now).encodeResponse(for: req)
        response.headers.cacheControl = .init(noStore: true)
        return response
    }

    func setState(req: Request) async throws -> SubscriptionDTO {
        let desk = try await WebhookDesk.authorized(req, for: .edit)
        let body = try req.content.decode(StateBody.self)
        let row = try await desk.setActive(try req.uuid("id", "webhook"), body.active, version: body.version)
        return try SubscriptionDTO(row, now: req.context.now)
    }

    func deliveries(req: Request) async throws -> [DeliveryDTO] {
        let query = try req.query.decode(DeliveryQuery.self)
        var state = DeliveryState.dead
        if let raw = query.state, !raw.isEmpty {
            guard let parsed = DeliveryState(rawValue: raw) else { throw TongbanError.invalid(field: "state", "field.unknownValue") }
            state = parsed
        }
        var subscription: UUID? = nil
        if let raw = query.subscription, !raw.isEmpty {
            guard let parsed = UUID(uuidString: raw) else { throw TongbanError.invalid(field: "subscription", "field.unknownValue") }
            subscription = parsed
        }
        let rows = try await WebhookDesk(context: req.context).deliveries(state: state, subscription: subscription)
        return try rows.map(DeliveryDTO.init)
    }

    struct DeliveryQuery: Decodable {
        var state: String?
        var subscription: String?
    }

    func replay(req: Request) async throws -> Replayed {
        let desk = try await WebhookDesk.authorized(req, for: .edit)
        // without a body: every dead letter of the department
        let body = req.body.data == nil ? ReplayBody() : try req.content.decode(ReplayBody.self)
        let count = try await desk.replay(body.ids, subscription: body.subscriptionID)
        return Replayed(replayed: count)
    }
}

extension WebhookDesk {
    /// The desk of a caller the policy lets `action` their department's webhooks, asked before
    /// the body is read: a caller who may not gets a 401 or 403 whatever they sent.
    fileprivate static func authorized(_ req: Request, for action: Action) async throws -> WebhookDesk {
        let desk = WebhookDesk(context: req.context)
        _ = try await desk.department(for: action)
        return desk
    }
}

extension Request {
    /// A UUID path parameter; anything else reads as the resource being absent.
    fileprivate func uuid(_ name: String, _ resource: String) throws -> UUID {
        guard let id = parameters.get(name, as: UUID.self) else { throw TongbanError.notFound(resource) }
        return id
    }
}
