import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// A department's client system told of the events it subscribes to, at its endpoint, signed
/// with its secret (`whsec_…`, stored encrypted; shown once). After a rotation the previous
/// secret still signs until `previous_until`, so the receiver can switch without losing events.
package final class WebhookSubscription: Model, @unchecked Sendable {
    package static let schema = "webhook_subscriptions"

    package enum State: String, Codable, Sendable { case active, disabled }

    @ID(key: .id) package var id: UUID?
    @Field(key: "department_id") package var departmentID: UUID
    @Field(key: "department_name") package var departmentName: String
    @Field(key: "region_code") package var regionCode: String
    @Field(key: "client_id") package var clientID: UUID
    @Field(key: "client_name") package var clientName: String
    @Field(key: "url") package var url: String
    /// Topic patterns, comma-separated (`case.*,license.issued`).
    @Field(key: "topics") package var topics: String
    @Enum(key: "scope") package var scope: SubscriptionScope
    @Field(key: "secret_cipher") package var secretCipher: String
    @OptionalField(key: "previous_secret_cipher") package var previousSecretCipher: String?
    @OptionalField(key: "previous_until") package var previousUntil: Date?
    @Enum(key: "state") package var state: State
    @OptionalField(key: "disabled_reason") package var disabledReason: String?
    @Field(key: "created_by") package var createdBy: UUID
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "updated_at") package var updatedAt: Date
    @Field(key: "version") package var version: Int

    package init() {}

    /// The associated data the secret is encrypted under.
    package static let secretField = "webhook_secret"

    package var patterns: [TopicPattern] { TopicPattern.parse(topics.split(separator: ",").map(String.init)).patterns }
}

/// One event's delivery to one subscription (`DeliveryState`). Its id is the `webhook-id` the
/// receiver deduplicates by: the same on every attempt.
package final class WebhookDelivery: Model, @unchecked Sendable {
    package static let schema = "webhook_deliveries"

    @ID(key: .id) package var id: UUID?
    @Field(key: "event_id") package var eventID: UUID
    @Field(key: "subscription_id") package var subscriptionID: UUID
    @Field(key: "department_id") package var departmentID: UUID
    @Field(key: "topic") package var topic: String
    @Field(key: "subject") package var subject: String
    @Enum(key: "state") package var state: DeliveryState
    @Field(key: "attempts") package var attempts: Int
    @Field(key: "next_attempt_at") package var nextAttemptAt: Date
    @OptionalField(key: "leased_until") package var leasedUntil: Date?
    @OptionalField(key: "last_status") package var lastStatus: Int?
    @OptionalField(key: "last_error") package var lastError: String?
    @OptionalField(key: "delivered_at") package var deliveredAt: Date?
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}
}

package struct CreateWebhooks: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        // one column per statement: SQLite alters a table a column at a time
        try await database.schema(OutboxEvent.schema).field("departments", .string).update()
        try await database.schema(OutboxEvent.schema).field("region_code", .string).update()
        try await database.schema(WebhookSubscription.schema)
            .id()
            .field("department_id", .uuid, .required, .references("departments", "id"))
            .field("department_name", .string, .required)
            .field("region_code", .string, .required)
            .field("client_id", .uuid, .required, .references("api_clients", "id"))
            .field("client_name", .string, .required)
            .field("url", .string, .required)
            .field("topics", .string, .required)
            .field("scope", .string, .required)
            .field("secret_cipher", .string, .required)
            .field("previous_secret_cipher", .string)
            .field("previous_until", .datetime)
            .field("state", .string, .required)
            .field("disabled_reason", .string)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()
        try await database.schema(WebhookDelivery.schema)
            .id()
            .field("event_id", .uuid, .required)
            .field("subscription_id", .uuid, .required, .references(WebhookSubscription.schema, "id"))
            .field("department_id", .uuid, .required)
            .field("topic", .string, .required)
            .field("subject", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("leased_until", .datetime)
            .field("last_status", .int)
            .field("last_error", .string)
            .field("delivered_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "event_id", "subscription_id")
            .create()
        let sql = database.sql
        for statement in [
            // the relay's queue of events not yet handed on, in the order they were written
            "CREATE INDEX outbox_to_relay ON outbox_events (id) WHERE delivered_at IS NULL",
            // what is due, and what holds a subject back for a subscriber
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state IN ('pending', 'retrying', 'delivering')",
            "CREATE INDEX webhook_deliveries_open ON webhook_deliveries (subscription_id, subject, event_id) WHERE state IN ('pending', 'retrying', 'delivering')",
            "CREATE INDEX webhook_deliveries_by_department ON webhook_deliveries (department_id, state, updated_at)",
            "CREATE INDEX webhook_subscriptions_by_department ON webhook_subscriptions (department_id, created_at)",
        ] { try await sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX outbox_to_relay").run()
        try await database.schema(WebhookDelivery.schema).delete()
        try await database.schema(WebhookSubscription.schema).delete()
        try await database.schema(OutboxEvent.schema).deleteField("region_code").update()
        try await database.schema(OutboxEvent.schema).deleteField("departments").update()
    }
}
