import Fluent
import Foundation
import SQLKit
import TongbanPlatform
import Vapor

/// How every server process hears that an account changed, so that `SignedInAccounts` can trust
/// what it read in between without asking on each request.
package enum AccountChanges {
    /// The PostgreSQL notification channel (one per database: a notice from another schema only
    /// makes an account be read again).
    package static let channel = "tongban_accounts"

    /// Starts the serving process's feed (PostgreSQL only).
    package static func listen(_ app: Application) {
        let accounts = app.signedInAccounts
        PostgresChangeFeed.start(
            app, channel: channel,
            .init(onLive: { accounts.feed(live: $0) }, onNotice: { accounts.changed($0) }))
    }
}

/// PostgreSQL: a notice at the commit of every change of an account's version or status, and of
/// its deletion, whoever makes it (a use case, another process, an operator at the console).
package struct NotifyAccountChanges: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        guard database.isPostgres else { return }
        try await database.sql.raw(
            """
            CREATE OR REPLACE FUNCTION tongban_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_notify('\(unsafeRaw: AccountChanges.channel)', OLD.id::text);
              RETURN NULL;
            END $$
            """
        ).run()
        try await database.sql.raw(
            """
            CREATE TRIGGER accounts_changed AFTER UPDATE ON accounts FOR EACH ROW
            WHEN (OLD.version IS DISTINCT FROM NEW.version OR OLD.status IS DISTINCT FROM NEW.status)
            EXECUTE FUNCTION tongban_account_changed()
            """
        ).run()
        try await database.sql.raw(
            "CREATE TRIGGER accounts_deleted AFTER DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION tongban_account_changed()"
        ).run()
    }

    package func revert(on database: any Database) async throws {
        guard database.isPostgres else { return }
        try await database.sql.raw("DROP TRIGGER accounts_deleted ON accounts").run()
        try await database.sql.raw("DROP TRIGGER accounts_changed ON accounts").run()
        try await database.sql.raw("DROP FUNCTION tongban_account_changed()").run()
    }
}
