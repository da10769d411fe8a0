import Fluent
import Foundation
import SQLKit
import Testing
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// A signed-in account is read once and then trusted until PostgreSQL says it changed: a change
/// made anywhere (another process, the console) still takes effect at once.
@Suite("accounts trusted between change notices", .serialized)
struct AccountChangeFeedTests {
    @Test("a change made by another process or at the console ends a token's use at once", arguments: TestDatabase.available)
    func changeEndsTrust(database: TestDatabase) async throws {
        try await withTongban(database) { app, store in
            AccountChanges.listen(app)
            let accounts = app.signedInAccounts
            if database == .postgres {
                #expect(try await Self.eventually { accounts.isLive })
            } else {
                // SQLite: one process, no feed; every request asks
                #expect(!accounts.isLive)
            }
            let token = try await app.token(app.demoPersonLogin)
            let id = try #require(try await Account.query(on: app.db).filter(\.$kind == .person).first()?.id)
            #expect(try await app.send(.GET, "/api/v1/me", bearer: token).status == .ok)
            if database == .postgres {
                // read while live, with no notice since: answered without a statement
                #expect(
                    try await Self.eventually {
                        _ = try await app.send(.GET, "/api/v1/me", bearer: token)
                        return accounts.isTrusted(id)
                    })
                // proof that no statement is made: a change nobody is told of goes unseen
                try await app.db.sql.raw("ALTER TABLE accounts DISABLE TRIGGER accounts_changed").run()
                try await app.db.sql.raw("UPDATE accounts SET status = 'disabled', version = version + 1 WHERE id = \(bind: id)").run()
                #expect(try await app.send(.GET, "/api/v1/me", bearer: token).status == .ok)
                try await app.db.sql.raw("UPDATE accounts SET status = 'active' WHERE id = \(bind: id)").run()
                try await app.db.sql.raw("ALTER TABLE accounts ENABLE TRIGGER accounts_changed").run()
            }
            // another process disables the account: its token is refused here at once
            let other = database == .postgres ? try await store.makeApp(migrate: false) : app
            try await other.db.sql.raw("UPDATE accounts SET status = 'disabled', version = version + 1 WHERE id = \(bind: id)").run()
            if database == .postgres { try await other.asyncShutdown() }
            #expect(try await Self.eventually { try await app.send(.GET, "/api/v1/me", bearer: token).status == .unauthorized })
            #expect(!accounts.isTrusted(id))
        }
    }

    @Test("the feed lost: every account is asked for again until it is back")
    func feedLost() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        try await withTongban(.postgres) { app, _ in
            AccountChanges.listen(app)
            let accounts = app.signedInAccounts
            #expect(try await Self.eventually { accounts.isLive })
            let token = try await app.token(app.demoPersonLogin)
            let id = try #require(try await Account.query(on: app.db).filter(\.$kind == .person).first()?.id)
            #expect(
                try await Self.eventually {
                    _ = try await app.send(.GET, "/api/v1/me", bearer: token)
                    return accounts.isTrusted(id)
                })
            // the listening connection ends (a restart of the database, a network fault)
            let name = PostgresChangeFeed.applicationName(AccountChanges.channel)
            try await app.db.sql.raw(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = \(bind: name) AND pid <> pg_backend_pid()
                """
            ).run()
            #expect(try await Self.eventually { !accounts.isTrusted(id) })
            // and comes back by itself
            #expect(try await Self.eventually(seconds: 10) { accounts.isLive })
            #expect(try await app.send(.GET, "/api/v1/me", bearer: token).status == .ok)
        }
    }

    /// Whether the condition holds within a few seconds (a notice is asynchronous).
    static func eventually(seconds: Double = 5, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return try await condition()
    }
}
