import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// A department's data administrator's webhooks: subscribe one of the department's client
/// systems to topics at an endpoint (the secret shown once), rotate the secret with a grace
/// period, pause and resume, and see and replay the deliveries that died.
package struct WebhookDesk {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct SubscribeBody: Content {
        package var clientID: UUID?
        package var url: String?
        package var topics: [String]?
        package var scope: String?

        package init(clientID: UUID? = nil, url: String? = nil, topics: [String]? = nil, scope: String? = nil) {
            self.clientID = clientID
            self.url = url
            self.topics = topics
            self.scope = scope
        }
    }

    /// A subscription with its secret, which is shown this once.
    package struct WithSecret: Sendable {
        package let subscription: WebhookSubscription
        package let secret: String
    }

    /// The acting data administrator and their department, if the policy lets them `action` its webhooks.
    package func department(for action: Action = .view) async throws -> (Account, Department) {
        let account = try context.requireAccount()
        try context.authorize(action, .webhooks(departmentID: account.$department.id))
        guard let id = account.$department.id, let department = try await Department.find(id, on: context.db) else {
            throw TongbanError.denied(.roleMissing)
        }
        return (account, department)
    }

    /// The department's subscriptions, newest first.
    package func subscriptions() async throws -> (Department, [WebhookSubscription]) {
        let (_, department) = try await department(for: .list)
        let departmentID = try department.requireID()
        let rows = try await WebhookSubscription.query(on: context.db).filter(\.$departmentID == departmentID)
            .sort(\.$createdAt, .descending).limit(200).all()
        return (department, rows)
    }

    /// The department's client systems a subscription may be made for (not revoked).
    package func clients() async throws -> [APIClient] {
        let (_, department) = try await department(for: .list)
        let departmentID = try department.requireID()
        return try await APIClient.query(on: context.db).filter(\.$departmentID == departmentID).filter(\.$revokedAt == nil)
            .sort(\.$name).all()
    }

    /// One of the department's subscriptions; another department's reads as absent.
    package func subscription(_ id: UUID, for action: Action = .view) async throws -> WebhookSubscription {
        let (_, department) = try await department(for: action)
        guard let row = try await WebhookSubscription.find(id, on: context.db), row.departmentID == department.id else {
            throw TongbanError.notFound("webhook")
        }
        return row
    }

    package func subscribe(_ body: SubscribeBody) async throws -> WithSecret {
        let (account, department) = try await department(for: .create)
        var problems = FieldErrors()
        var client: APIClient? = nil
        if let clientID = body.clientID {
            client = try await APIClient.find(clientID, on: context.db)
            if client == nil || client?.departmentID != department.id || client?.revokedAt != nil {
                problems.add("clientID", "webhook.unknownClient")
                client = nil
            }
        } else {
            problems.add("clientID", "field.required")
        }
        let url = body.url?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if url.isEmpty {
            problems.add("url", "field.required")
        } else {
            do { _ = try WebhookEndpoint.check(url, rules: context.settings.webhookEndpoints) } catch {
                problems.add("url", Self.endpointKey(error))
            }
        }
        let patterns = topicPatterns(body.topics, into: &problems)
        let scope = body.scope.map { SubscriptionScope(rawValue: $0) } ?? .department
        if scope == nil { problems.add("scope", "field.unknownValue") }
        guard problems.isEmpty, let client, let scope, let region = department.region else { throw TongbanError.invalid(problems) }
        let now = context.now
        let secret = WebhookSecret.random()
        let row = WebhookSubscription()
        let id = UUID.timeOrdered(at: now)
        row.id = id
        row.departmentID = try department.requireID()
        row.departmentName = department.name
        row.regionCode = region.value
        row.clientID = try client.requireID()
        row.clientName = client.name
        row.url = url
        row.topics = patterns.map(\.text).joined(separator: ",")
        row.scope = scope
        row.secretCipher = context.keys.encrypt(secret.serialized, field: WebhookSubscription.secretField)
        row.state = .active
        row.createdBy = try account.requireID()
        row.createdAt = now
        row.updatedAt = now
        row.version = 1
        let audit = context.auditEvent(
            "webhook.subscribe", resource: "webhook:\(id.uuidString)", details: "\(client.name) → \(url) [\(row.topics)] \(scope.rawValue)")
        try await context.db.write { tx in
            try await row.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return WithSecret(subscription: row, secret: secret.serialized)
    }

    /// A new secret, shown once; the old one still signs for the grace period (both signatures
    /// are sent), so the receiver can switch without losing a delivery.
    package func rotateSecret(_ id: UUID, version: Int?) async throws -> WithSecret {
        let row = try await subscription(id, for: .edit)
        let now = context.now
        let secret = WebhookSecret.random()
        let until = now.addingTimeInterval(context.settings.webhookSecretGrace)
        let audit = context.auditEvent(
            "webhook.rotateSecret", resource: "webhook:\(id.uuidString)", details: "previous secret valid until \(until)")
        let cipher = context.keys.encrypt(secret.serialized, field: WebhookSubscription.secretField)
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE webhook_subscriptions SET previous_secret_cipher = secret_cipher, previous_until = \(bind: until),
                  secret_cipher = \(bind: cipher), version = version + 1, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND version = \(bind: version ?? row.version) RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("webhook.changedMeanwhile") }
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return WithSecret(subscription: try await subscription(id), secret: secret.serialized)
    }

    /// Pauses (nothing new is delivered to it; what is due waits) or resumes a subscription.
    package func setActive(_ id: UUID, _ wanted: Bool?, version: Int?) async throws -> WebhookSubscription {
        let row = try await subscription(id, for: .edit)
        guard let active = wanted else { throw TongbanError.invalid(field: "active", "field.required") }
        let now = context.now
        let state: WebhookSubscription.State = active ? .active : .disabled
        let audit = context.auditEvent(active ? "webhook.enable" : "webhook.disable", resource: "webhook:\(id.uuidString)")
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE webhook_subscriptions SET state = \(bind: state.rawValue),
                  disabled_reason = \(bind: active ? nil : "disabled by \(context.account?.displayName ?? "-")"),
                  version = version + 1, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND version = \(bind: version ?? row.version) RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("webhook.changedMeanwhile") }
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return try await subscription(id)
    }

    /// The department's deliveries in a state (dead letters by default), newest first.
    package func deliveries(state: DeliveryState = .dead, subscription: UUID? = nil, limit: Int = 200) async throws -> [WebhookDelivery] {
        let (_, department) = try await department(for: .list)
        let departmentID = try department.requireID()
        var query = WebhookDelivery.query(on: context.db).filter(\.$departmentID == departmentID).filter(\.$state == state)
        if let subscription { query = query.filter(\.$subscriptionID == subscription) }
        return try await query.sort(\.$updatedAt, .descending).limit(min(max(limit, 1), 1_000)).all()
    }

    /// Dead letters back to the queue: the ones named, or all of the department's (of one
    /// subscription, if given). Each is tried again as soon as the relay runs, with a fresh
    /// count of attempts; its `webhook-id` is unchanged, so a receiver that did get it drops it.
    package func replay(_ ids: [UUID]?, subscription: UUID? = nil) async throws -> Int {
        let (_, department) = try await department(for: .edit)
        let departmentID = try department.requireID()
        if let ids, ids.isEmpty || ids.count > 1_000 { throw TongbanError.invalid(field: "ids", "webhook.replayCount") }
        let now = context.now
        return try await context.db.write { tx in
            var conditions: [SQLQueryString] = ["department_id = \(bind: departmentID)", "state = 'dead'"]
            if let ids { conditions.append("id IN (\(SQLList(ids.map { SQLBind($0) })))") }
            if let subscription { conditions.append("subscription_id = \(bind: subscription)") }
            let replayed = try await tx.sql.raw(
                """
                UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = \(bind: now), updated_at = \(bind: now)
                WHERE \(conditions.joined(separator: " AND ")) RETURNING id
                """
            ).all()
            if ids != nil, replayed.count != ids?.count { throw TongbanError.notFound("webhookDelivery") }
            try await AuditLog.append(
                context.auditEvent(
                    "webhook.replay", resource: "department:\(departmentID.uuidString)", details: "\(replayed.count) dead letters"),
                on: tx, now: now)
            return replayed.count
        }
    }

    private func topicPatterns(_ given: [String]?, into problems: inout FieldErrors) -> [TopicPattern] {
        guard let given, !given.isEmpty else {
            problems.add("topics", "field.required")
            return []
        }
        let (patterns, unknown) = TopicPattern.parse(given)
        for name in unknown { problems.add(FieldError(field: "topics", key: "webhook.unknownTopic", label: name, labelEn: name)) }
        if given.count > 100 { problems.add("topics", "webhook.tooManyTopics") }
        return patterns
    }

    static func endpointKey(_ problem: WebhookEndpoint.Problem) -> String {
        switch problem {
        case .notAURL: "webhook.notAURL"
        case .schemeNotAllowed: "webhook.httpsOnly"
        case .credentialsInURL: "webhook.credentialsInURL"
        case .fragmentNotAllowed: "webhook.fragment"
        case .tooLong: "webhook.urlTooLong"
        case .addressNotAllowed: "webhook.addressNotAllowed"
        }
    }
}
