import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// The e-mail address a person gave for their messages (encrypted; the mobile number is the
/// account's own).
package final class MessageContact: Model, @unchecked Sendable {
    package static let schema = "message_contacts"
    package static let emailField = "email"

    @ID(key: .id) package var id: UUID?
    @Field(key: "account_id") package var accountID: UUID
    @OptionalField(key: "email_cipher") package var emailCipher: String?
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}
}

/// The channels a person chose for one kind of message; no row, the kind's standard choice.
package final class MessagePreference: Model, @unchecked Sendable {
    package static let schema = "message_preferences"

    @ID(key: .id) package var id: UUID?
    @Field(key: "account_id") package var accountID: UUID
    @Field(key: "kind") package var kind: String
    @Field(key: "email") package var email: Bool
    @Field(key: "sms") package var sms: Bool
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}

    package var choice: ChannelChoice { ChannelChoice(email: email, sms: sms) }
}

package struct CreateMessageChannels: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        // a ticket's holder is told once that their turn is near
        try await database.schema("hall_tickets").field("turn_soon_at", .datetime).update()
        try await database.schema(MessageContact.schema)
            .id()
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("email_cipher", .string)
            .field("updated_at", .datetime, .required)
            .unique(on: "account_id")
            .create()
        try await database.schema(MessagePreference.schema)
            .id()
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("kind", .string, .required)
            .field("email", .bool, .required)
            .field("sms", .bool, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "account_id", "kind")
            .create()
        try await database.schema(MessageSend.schema)
            .id()
            .field("message_id", .uuid, .required)
            .field("account_id", .uuid, .required, .references("accounts", "id"))
            .field("channel", .string, .required)
            .field("address_cipher", .string, .required)
            .field("subject", .string, .required)
            .field("text", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("provider_ref", .string)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "message_id", "channel")
            .create()
        for statement in [
            "CREATE INDEX message_sends_due ON message_sends (next_attempt_at) WHERE status = 'queued'",
            "CREATE UNIQUE INDEX message_sends_provider_ref ON message_sends (provider_ref) WHERE provider_ref IS NOT NULL",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(MessageSend.schema).delete()
        try await database.schema(MessagePreference.schema).delete()
        try await database.schema(MessageContact.schema).delete()
        try await database.schema("hall_tickets").deleteField("turn_soon_at").update()
    }
}
