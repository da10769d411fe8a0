import Crypto
import Fluent
import Foundation
import SQLKit
import Testing
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("the audit log in the database")
struct AuditTrailTests {
    @Test(
        "sign-ins, failures and account changes wait for the sequencer, then take their places in order, and the log checks",
        arguments: TestDatabase.available)
    func sequencing(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            _ = try await app.token("admin")
            _ = try await app.send(.POST, "/api/v1/auth/login", json: ["login": "admin", "password": "wrong-password-9"])
            var entries = try await AuditEntry.query(on: app.db).sort(\.$id).all()
            // the seed, the signing keys the demo licences' issuers made, and the police's grant of
            // the two types only its demo licences show (without the catalog, no item grants any)
            #expect(
                entries.map(\.action) == [
                    "seed.demo", "license.keyCreated", "license.keyCreated", "license.issuerGranted", "license.issuerGranted",
                    "auth.signIn",
                    "auth.signIn.failed",
                ])
            #expect(try await app.logPlaces().isEmpty)
            #expect(entries[5].requestID?.isEmpty == false)
            guard case let .ok(entries: placed, heads: heads) = try await app.checkedAuditLog() else {
                Issue.record("the log does not check")
                return
            }
            // on PostgreSQL entries of transactions other tests hold open may come a batch later
            #expect(placed == 7 && heads >= 1)
            let places = try await app.logPlaces()
            #expect(entries.map { places[$0.id!] } == [1, 2, 3, 4, 5, 6, 7])
            // nothing waiting: another round signs no empty head
            #expect(try await app.checkedAuditLog() == .ok(entries: 7, heads: heads))
            _ = try await app.token("clerk")
            #expect(try await app.checkedAuditLog() == .ok(entries: 8, heads: heads + 1))
        }
    }

    @Test(
        "an edited, reordered or deleted entry is named; an edit with its hashes made again is caught by the signed head",
        arguments: TestDatabase.available)
    func tampering(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            for login in ["clerk", "supervisor", "admin", "data", "catalog"] { _ = try await app.token(login) }
            let total = try await AuditEntry.query(on: app.db).count()
            #expect(try await app.checkedAuditLog().entries == total)
            let sql = app.db.sql
            // edited
            try await sql.raw(
                "UPDATE audit_entries SET resource = 'account:someone-else' WHERE id = (SELECT entry_id FROM audit_leaves WHERE sequence = 4)"
            ).run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: 4, reason: .contentMismatch))
            let admin = try await app.token("admin")
            let verdict = try await app.send(.GET, "/api/v1/audit/verify", bearer: admin).content.decode(AuditAPI.VerifyResult.self)
            #expect(!verdict.ok && verdict.brokenAt == 4 && verdict.reason == "entry content does not match its hash")
        }
        try await withTongban(database) { app, _ in
            for login in ["clerk", "supervisor", "admin"] { _ = try await app.token(login) }
            #expect(try await app.checkedAuditLog().entries == 8)
            // two entries swap places
            try await app.db.sql.raw("UPDATE audit_leaves SET sequence = -1 WHERE sequence = 3").run()
            try await app.db.sql.raw("UPDATE audit_leaves SET sequence = 3 WHERE sequence = 4").run()
            try await app.db.sql.raw("UPDATE audit_leaves SET sequence = 4 WHERE sequence = -1").run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: 3, reason: .leafMismatch))
        }
        try await withTongban(database) { app, _ in
            for login in ["clerk", "supervisor", "admin"] { _ = try await app.token(login) }
            #expect(try await app.checkedAuditLog().entries == 8)
            // deleted from the middle, and at the end (the signed head still counts it)
            try await app.db.sql.raw("DELETE FROM audit_entries WHERE id = (SELECT entry_id FROM audit_leaves WHERE sequence = 8)").run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: 8, reason: .sequenceGap))
            try await app.db.sql.raw("DELETE FROM audit_leaves WHERE sequence = 5").run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: 5, reason: .sequenceGap))
        }
        try await withTongban(database) { app, _ in
            _ = try await app.token("clerk")
            #expect(try await app.checkedAuditLog().entries == 6)
            let firstHead = try #require(try await AuditTree.latestHead(on: app.db)).head.size
            _ = try await app.token("admin")
            #expect(try await app.checkedAuditLog().entries == 7)
            // a writer who knows the format rewrites an entry with its content and leaf hashes made
            // again: only the signed head, whose key it does not have, shows it
            let second = try #require(try await app.logPlaces().first { $0.value == 2 }?.key)
            let entry = try #require(try await AuditEntry.find(second, on: app.db)?.opened(app.keys))
            var content = entry.content
            content.resource = "license:forged"
            let leaf = AuditLeaf.hash(sequence: 2, contentHash: content.hash).hexDigits
            try await app.db.sql.raw(
                "UPDATE audit_entries SET resource = 'license:forged', content_hash = \(bind: content.hash) WHERE id = \(bind: second)"
            ).run()
            try await app.db.sql.raw("UPDATE audit_leaves SET leaf_hash = \(bind: leaf) WHERE sequence = 2").run()
            // the first head at or after entry 2 fails; the report names the first entry it added
            let heads = try await AuditTree.heads(after: 0, limit: 10, on: app.db).map(\.head.size)
            let before = heads.last { $0 < 2 } ?? 0
            #expect(firstHead >= 2)
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: before + 1, reason: .rootMismatch))
        }
    }

    @Test(
        "entries placed behind the sequencer's back, a head signed with another key, or a row slipped in unqueued, do not check",
        arguments: TestDatabase.available)
    func forgedHeads(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            #expect(try await app.checkedAuditLog().entries == 5)
            try await AuditLog.append(
                AuditEvent(actorLabel: "test", action: "test.sneaked", resource: "x"), on: app.db, now: app.clock.now())
            let sneaked = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "test.sneaked").first())
            try await app.db.sql.raw("DELETE FROM audit_queue WHERE entry_key = \(bind: sneaked.entryKey)").run()
            let leaf = AuditLeaf.hash(sequence: 6, contentHash: sneaked.contentHash).hexDigits
            try await app.db.sql.raw(
                "INSERT INTO audit_leaves (sequence, entry_id, leaf_hash) VALUES (6, \(bind: sneaked.id!), \(bind: leaf))"
            ).run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: 6, reason: .unsigned))
            // and a head for it signed with a key of the forger's own
            var frontier = try await AuditTree.frontier(size: 5, on: app.db)
            frontier.append(leafHash: Data(hexDigits: leaf)!)
            let head = AuditTreeHead(size: 6, root: frontier.root, atMillis: 1)
            let signature = try head.sign(with: Curve25519.Signing.PrivateKey())
            try await app.db.sql.raw(
                """
                INSERT INTO audit_tree_heads (size, root_hash, at_millis, key_id, signature)
                VALUES (6, \(bind: frontier.root.hexDigits), 1, \(bind: app.keys.auditLogKeyID), \(bind: signature.base64EncodedString()))
                """
            ).run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: 6, reason: .badSignature))
        }
        try await withTongban(database) { app, _ in
            #expect(try await app.checkedAuditLog().entries == 5)
            // a row slipped in without its place in the sequencer's queue: it would never be placed
            try await app.db.sql.raw(
                """
                INSERT INTO audit_entries (id, entry_key, at_millis, actor_label, action, resource, content_hash)
                VALUES (-3, 'slipped-in', 1, 'test', 'test.hidden', 'x', 'x')
                """
            ).run()
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .broken(sequence: 6, reason: .unplaced))
        }
    }

    @Test(
        "two processes writing and sequencing at once put every entry in one tree: no gap, no number twice",
        arguments: TestDatabase.available)
    func concurrentWriters(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { first, store in
            let second = try await store.makeApp(migrate: false)
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // six writers in each application, each appending ten entries one after another,
                    // while each application's sequencer runs its batches
                    for writer in 0..<12 {
                        let app = writer % 2 == 0 ? first : second
                        group.addTask {
                            for index in 0..<10 {
                                try await AuditLog.append(
                                    AuditEvent(actorLabel: "test:\(writer)", action: "test.concurrent", resource: "r\(index)"), on: app.db,
                                    now: app.clock.now())
                            }
                        }
                    }
                    for app in [first, second] {
                        group.addTask {
                            for _ in 0..<20 {
                                try await AuditSequencer.integrate(on: app.db, keys: app.keys, now: app.clock.now(), limit: 7)
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
            #expect(try await first.checkedAuditLog().entries == 120)
            let sequences = try await first.logPlaces().values.sorted()
            #expect(sequences == Array(1...120))
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
            #expect(try await app.checkedAuditLog().entries == before + 1)
        }
    }
}
