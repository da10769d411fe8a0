import Fluent
import SQLKit
import TongbanPlatform
import Vapor

/// 会话: a browser session, stored in the database so that any server process can serve it.
/// The id is the SHA-256 of the cookie's value, so a copy of the table cannot be replayed.
package final class WebSession: Model, @unchecked Sendable {
    package static let schema = "web_sessions"

    // managed fields
    @ID(custom: "token_hash", generatedBy: .user) package var id: String?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    // data fields
    @Parent(key: "account_id") package var account: Account
    @Field(key: "last_seen_at") package var lastSeenAt: Date
    @Field(key: "expires_at") package var expiresAt: Date
    /// The enterprise the signed-in person acts for (经办人), checked against their mandate on
    /// every request.
    @OptionalField(key: "acting_for_id") package var actingForID: UUID?

    package init() {}

    package init(tokenHash: String, accountID: UUID, now: Date, lifetime: TimeInterval) {
        id = tokenHash
        $account.id = accountID
        lastSeenAt = now
        expiresAt = now.addingTimeInterval(lifetime)
    }
}

/// A refresh token of the API. Rotated on every use; all tokens of one login share a family, so
/// that reuse of a rotated token revokes the whole family.
package final class RefreshToken: Model, @unchecked Sendable {
    package static let schema = "refresh_tokens"

    // managed fields
    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    // data fields
    @Parent(key: "account_id") package var account: Account
    @Field(key: "token_hash") package var tokenHash: String
    @Field(key: "family") package var family: UUID
    @Field(key: "expires_at") package var expiresAt: Date
    @OptionalField(key: "revoked_at") package var revokedAt: Date?

    package init() {}

    package init(accountID: UUID, tokenHash: String, family: UUID, expiresAt: Date) {
        $account.id = accountID
        self.tokenHash = tokenHash
        self.family = family
        self.expiresAt = expiresAt
    }
}

/// One failed sign-in, kept to throttle guessing across every server process.
package final class LoginFailure: Model, @unchecked Sendable {
    package static let schema = "login_failures"

    @ID(key: .id) package var id: UUID?
    @Field(key: "login_key") package var loginKey: String
    @Field(key: "at") package var at: Date
    /// Where the attempt came from (a limit per address as well as per login).
    @OptionalField(key: "client_address") package var clientAddress: String?

    package init() {}

    package init(loginKey: String, at: Date, clientAddress: String? = nil) {
        self.id = UUID()
        self.loginKey = loginKey
        self.at = at
        self.clientAddress = clientAddress
    }
}

/// 26. Failed sign-ins remember the client's address.
package struct AddLoginFailureClient: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(LoginFailure.schema).field("client_address", .string).update()
        try await database.sql.create(index: "login_failures_client_at").on(LoginFailure.schema).column("client_address").column("at").run()
    }

    package func revert(on database: Database) async throws {
        try await database.sql.drop(index: "login_failures_client_at").run()
        try await database.schema(LoginFailure.schema).deleteField("client_address").update()
    }
}

package struct CreateWebSession: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(WebSession.schema)
            .field("token_hash", .string, .identifier(auto: false))
            .field("account_id", .uuid, .required, .references(Account.schema, "id", onDelete: .cascade))
            .field("created_at", .datetime)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.sql.create(index: "web_sessions_account_id").on(WebSession.schema).column("account_id").run()
    }

    package func revert(on database: Database) async throws {
        try await database.schema(WebSession.schema).delete()
    }
}

package struct CreateRefreshToken: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(RefreshToken.schema)
            .id()
            .field("account_id", .uuid, .required, .references(Account.schema, "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("family", .uuid, .required)
            .field("created_at", .datetime)
            .field("expires_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.sql.create(index: "refresh_tokens_family").on(RefreshToken.schema).column("family").run()
    }

    package func revert(on database: Database) async throws {
        try await database.schema(RefreshToken.schema).delete()
    }
}

package struct CreateLoginFailure: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(LoginFailure.schema)
            .id()
            .field("login_key", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.sql.create(index: "login_failures_key_at").on(LoginFailure.schema).column("login_key").column("at").run()
    }

    package func revert(on database: Database) async throws {
        try await database.schema(LoginFailure.schema).delete()
    }
}
