import Fluent
import Foundation
import SQLKit
import Testing
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("the audit trail in the database")
struct AuditTrailTests {
    @Test("sign-ins, failures and account changes are chained, and the chain verifies", arguments: TestDatabase.available)
    func chain(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            _ = try await app.token("admin")
            _ = try await app.send(.POST, "/api/v1/auth/login", json: ["login": "admin", "password": "wrong-password-9"])
            let entries = try await AuditEntry.query(on: app.db).sort(\.$id).all()
            // the seed, the signing keys the demo licences' issuers made, and the police's grant of
            // the two types only its demo licences show (without the catalog, no item grants any)
            #expect(
                entries.map(\.action) == [
                    "seed.demo", "license.keyCreated", "license.keyCreated", "license.issuerGranted", "license.issuerGranted",
                    "auth.signIn",
                    "auth.signIn.failed",
                ])
            #expect(entries.map(\.id) == [1, 2, 3, 4, 5, 6, 7])
            #expect(entries[5].previousHash == entries[4].hash)
            #expect(entries[5].requestID?.isEmpty == false)
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .ok(entries: 7))
        }
    }

    @Test("tampering with one stored entry is found at that entry", arguments: TestDatabase.available)
    func tampering(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let seeded = try await AuditEntry.query(on: app.db).count()
            for login in ["clerk", "supervisor", "admin", "data", "catalog"] { _ = try await app.token(login) }
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .ok(entries: seeded + 5))
            try await app.db.sql.raw("UPDATE audit_entries SET actor_label = 'staff:someone else' WHERE sequence = 4").run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: 4, reason: .hashMismatch))
            let admin = try await app.token("admin")
            let verdict = try await app.send(.GET, "/api/v1/audit/verify", bearer: admin).content.decode(AuditAPI.VerifyResult.self)
            #expect(!verdict.ok && verdict.brokenAt == 4)
        }
    }

    @Test("deleting the newest entry is found too", arguments: TestDatabase.available)
    func truncation(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            _ = try await app.token("clerk")
            let newest = try #require(try await AuditEntry.query(on: app.db).sort(\.$id, .descending).first()?.id)
            try await app.db.sql.raw("DELETE FROM audit_entries WHERE sequence = \(bind: newest)").run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: newest, reason: .sequenceGap))
        }
    }

    @Test("two applications writing at once (two server processes) never fork the chain", arguments: TestDatabase.available)
    func concurrentWriters(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { first, store in
            let second = try await store.makeApp(migrate: false)
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Six writers in each application, each appending five entries one after another.
                    for writer in 0..<12 {
                        let app = writer % 2 == 0 ? first : second
                        group.addTask {
                            for index in 0..<5 {
                                try await AuditLog.append(
                                    AuditEvent(actorLabel: "test:\(writer)", action: "test.concurrent", resource: "r\(index)"), on: app.db,
                                    now: app.clock.now())
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            } catch {
                try? await second.asyncShutdown()
                throw error
            }
            try await second.asyncShutdown()
            #expect(try await AuditLog.verify(on: first.db, keys: first.keys) == .ok(entries: 60))
            let sequences = try await AuditEntry.query(on: first.db).all().compactMap(\.id).sorted()
            #expect(sequences == Array(1...60))
        }
    }

    @Test("a failed change leaves no audit entry behind", arguments: TestDatabase.available)
    func atomicity(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let before = try await AuditEntry.query(on: app.db).count()
            do {
                try await app.db.transaction { tx in
                    try await AuditLog.append(
                        AuditEvent(actorLabel: "test", action: "test.rolledBack", resource: "x"), on: tx, now: app.clock.now())
                    throw Abort(.conflict)
                }
                Issue.record("the transaction did not fail")
            } catch {}
            #expect(try await AuditEntry.query(on: app.db).count() == before)
            try await AuditLog.append(AuditEvent(actorLabel: "test", action: "test.after", resource: "x"), on: app.db, now: app.clock.now())
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .ok(entries: before + 1))
        }
    }
}
