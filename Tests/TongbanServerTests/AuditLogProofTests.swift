import Crypto
import Fluent
import Foundation
import SQLKit
import Testing
@testable import TongbanCases
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("the audit log's proofs and its migration")
struct AuditLogProofTests {
    /// The public key that signed a head, as anyone finds it: in the published JWK Set.
    func publishedKey(_ kid: String, app: Application) async throws -> Curve25519.Signing.PublicKey {
        let jwks = try await app.send(.GET, "/.well-known/jwks.json").body.string
        let set = try JSONDecoder().decode([String: [[String: String]]].self, from: Data(jwks.utf8))
        let jwk = try #require(set["keys"]?.first { $0["kid"] == kid })
        let x = try #require(jwk["x"])
        return try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Data(base64URL: x)))
    }

    @Test(
        "a person checks the read of their data against the signed head with the published key; nobody else learns of it",
        arguments: TestDatabase.available)
    func inclusion(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let hash = app.keys.lookupHash(app.demoPersonLogin, field: "identity_number")
            let person = try #require(try await Account.query(on: app.db).filter(\.$idNumberHash == hash).first())
            try await DataReads.record(
                [
                    DataReads.Read(
                        subjectID: person.id, readerID: nil, readerLabel: "杭州市西湖区市场监督管理局 · 陈审批", source: "data:hz-household",
                        sourceName: "户籍信息", fields: ["address"], purpose: "办件审查", basis: "grant:test")
                ], requestID: "r-1", keys: app.keys, on: app.db, at: app.clock.now())
            let read = try #require(try await DataRead.query(on: app.db).filter(\.$subjectID == person.id!).first())
            let key = try #require(read.auditKey)
            let token = try await app.token(app.demoPersonLogin)
            // written, not yet placed: a clear answer, nothing else
            let early = try await app.send(.GET, "/api/v1/audit/entries/\(key)/proof", bearer: token)
            #expect(early.status == .conflict && early.body.string.contains("尚未编入审计日志"))
            #expect(try await app.checkedAuditLog().entries != nil)
            for _ in 0..<3 { _ = try await app.token("clerk") }
            #expect(try await app.checkedAuditLog().entries != nil)

            let proof = try await app.send(.GET, "/api/v1/audit/entries/\(key)/proof", bearer: token).content.decode(
                AuditLogDesk.Inclusion.self)
            let content = try #require(proof.content)
            #expect(content.details?.contains(person.id!.uuidString) == true && content.purpose == "办件审查")
            #expect(content.canonical == proof.canonical && content.hash == proof.contentHash)
            let leaf = AuditLeaf.hash(sequence: proof.sequence, contentHash: proof.contentHash)
            #expect(leaf.hexDigits == proof.leafHash)
            let head = proof.treeHead
            let root = try #require(Data(hexDigits: head.rootHash))
            #expect(
                MerkleProofCheck.inclusion(
                    leafHash: leaf, index: proof.sequence - 1, size: head.treeSize, path: proof.path.compactMap { Data(hexDigits: $0) },
                    root: root))
            let signed = AuditTreeHead(size: head.treeSize, root: root, atMillis: head.timestampMillis)
            #expect(signed.checkpoint == head.checkpoint)
            let key25519 = try await publishedKey(head.keyID, app: app)
            #expect(signed.isSigned(try #require(Data(base64Encoded: head.signature)), by: key25519))
            // the public head is the same
            let latest = try await app.send(.GET, "/api/v1/audit/tree-head").content.decode(AuditLogDesk.TreeHead.self)
            #expect(latest == head)

            // another person, a clerk, a stranger: as if it did not exist
            for login in [app.demoEnterpriseLogin, "clerk"] {
                let other = try await app.token(login)
                #expect(try await app.send(.GET, "/api/v1/audit/entries/\(key)/proof", bearer: other).status == .notFound)
            }
            #expect(try await app.send(.GET, "/api/v1/audit/entries/\(key)/proof").status == .unauthorized)
            #expect(try await app.send(.GET, "/api/v1/audit/entries/\(UUID())/proof", bearer: token).status == .notFound)
            // sizes that cannot be answered
            for (size, code) in [(head.treeSize + 1, "所请求的日志规模超过了最新签名树头"), (proof.sequence - 1, "这条记录在所请求的日志规模之后")] {
                let refused = try await app.send(.GET, "/api/v1/audit/entries/\(key)/proof?treeSize=\(size)", bearer: token)
                #expect(refused.status == .unprocessableEntity && refused.body.string.contains(code), "\(refused.body.string)")
            }
        }
    }

    @Test(
        "consistency proofs between any two signed heads check; sizes backwards or beyond the head are refused",
        arguments: TestDatabase.available)
    func consistency(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            var heads: [AuditLogDesk.TreeHead] = []
            for login in ["clerk", "supervisor", "admin", "data"] {
                _ = try await app.token(login)
                _ = try await app.checkedAuditLog()
                heads.append(try await app.send(.GET, "/api/v1/audit/tree-head").content.decode(AuditLogDesk.TreeHead.self))
            }
            for (i, older) in heads.enumerated() {
                for newer in heads[i...] {
                    let proof = try await app.send(.GET, "/api/v1/audit/consistency?from=\(older.treeSize)&to=\(newer.treeSize)")
                        .content.decode(AuditLogDesk.Consistency.self)
                    #expect(proof.fromHead == older && proof.toHead == newer)
                    let path = proof.path.compactMap { Data(hexDigits: $0) }
                    let (a, b) = (Data(hexDigits: older.rootHash)!, Data(hexDigits: newer.rootHash)!)
                    #expect(
                        MerkleProofCheck.consistency(first: older.treeSize, second: newer.treeSize, firstRoot: a, secondRoot: b, path: path)
                    )
                    if older.treeSize < newer.treeSize {
                        #expect(
                            !MerkleProofCheck.consistency(
                                first: older.treeSize, second: newer.treeSize, firstRoot: b, secondRoot: a, path: path))
                    }
                }
            }
            let last = heads.last!.treeSize
            for query in ["from=\(last)&to=1", "from=1&to=\(last + 1)", "from=0&to=2", "from=1", "from=x&to=2"] {
                let refused = try await app.send(.GET, "/api/v1/audit/consistency?\(query)")
                #expect(refused.status == .unprocessableEntity, "\(query): \(refused.status)")
            }
        }
    }

    /// The table as it was before migration 37, with `count` chained entries (every third in
    /// clear, the others sealed to their sequence numbers).
    func chainedTrail(_ count: Int, app: Application) async throws -> [AuditRecord] {
        let sql = app.db.sql
        for table in ["audit_entries", "audit_queue", "audit_leaves", "audit_tree_nodes", "audit_tree_heads", "audit_log_keys"] {
            try await sql.raw("DROP TABLE \(unsafeRaw: table)").run()
        }
        try await sql.raw("DROP INDEX data_reads_audit_key").run()
        try await sql.raw("ALTER TABLE data_reads DROP COLUMN audit_key").run()
        // as migrations 3, 27 and 32 left it
        try await sql.raw(
            """
            CREATE TABLE audit_entries (
                sequence BIGINT PRIMARY KEY, at_millis BIGINT NOT NULL, actor_id TEXT, actor_label TEXT NOT NULL, action TEXT NOT NULL,
                resource TEXT NOT NULL, purpose TEXT, request_id TEXT, details TEXT, previous_hash TEXT NOT NULL, hash TEXT NOT NULL,
                region_code TEXT, agent_id TEXT)
            """
        ).run()
        try await sql.raw("CREATE TABLE audit_head (id INTEGER PRIMARY KEY, last_sequence BIGINT NOT NULL, last_hash TEXT NOT NULL)").run()
        try await sql.raw("INSERT INTO audit_head (id, last_sequence, last_hash) VALUES (1, 0, \(bind: AuditChain.genesis))").run()
        try await sql.raw("CREATE INDEX audit_entries_region ON audit_entries (region_code, sequence)").run()
        try await sql.raw("CREATE INDEX audit_entries_actor ON audit_entries (actor_id, sequence)").run()
        var records: [AuditRecord] = []
        var previous = AuditChain.genesis
        for sequence in 1...Int64(count) {
            let record = AuditChain.seal(
                AuditRecord(
                    sequence: sequence, atMillis: 1_790_000_000_000 + sequence, actorID: UUID().uuidString,
                    actorLabel: "person:王丽\(sequence) [L2]", action: "test.chained", resource: "application:\(sequence)",
                    purpose: sequence % 2 == 0 ? "办件审查" : nil, requestID: "r\(sequence)", details: "fields a,b", previousHash: previous))
            previous = record.hash
            records.append(record)
            let stored =
                sequence % 3 == 0
                ? (record.actorLabel, record.purpose, record.details)
                : AuditEntry.sealed(
                    entryKey: String(sequence), actorLabel: record.actorLabel, purpose: record.purpose, details: record.details,
                    keys: app.keys)
            try await sql.raw(
                """
                INSERT INTO audit_entries (sequence, at_millis, actor_id, actor_label, action, resource, purpose, request_id, details,
                previous_hash, hash, region_code) VALUES (\(bind: sequence), \(bind: record.atMillis), \(bind: record.actorID),
                \(bind: stored.0), \(bind: record.action), \(bind: record.resource), \(bind: stored.1), \(bind: record.requestID),
                \(bind: stored.2), \(bind: record.previousHash), \(bind: record.hash), '330106')
                """
            ).run()
        }
        try await sql.raw("UPDATE audit_head SET last_sequence = \(bind: Int64(count)), last_hash = \(bind: previous) WHERE id = 1").run()
        return records
    }

    @Test("the hash chain becomes the log's first leaves, checked once; new entries follow it", arguments: TestDatabase.available)
    func migration(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            let records = try await chainedTrail(2_345, app: app)
            try await CreateAuditLogTree(keys: app.keys).prepare(on: app.db)
            #expect(try await AuditLog.verify(on: app.db, keys: app.keys) == .ok(entries: 2_345, heads: 1))
            let migrated = try await AuditEntry.query(on: app.db).sort(\.$id).all().map { $0.opened(app.keys) }
            #expect(
                migrated.map(\.content)
                    == records.map {
                        AuditContent(
                            atMillis: $0.atMillis, actorID: $0.actorID, actorLabel: $0.actorLabel, action: $0.action, resource: $0.resource,
                            purpose: $0.purpose, requestID: $0.requestID, details: $0.details)
                    })
            let places = try await app.logPlaces()
            #expect(migrated.map { places[$0.id!] } == (1...2_345).map { Int64($0) } && migrated.allSatisfy { $0.regionCode == "330106" })
            try await AuditLog.append(AuditEvent(actorLabel: "test", action: "test.after", resource: "x"), on: app.db, now: app.clock.now())
            #expect(try await app.checkedAuditLog() == .ok(entries: 2_346, heads: 2))
            let newest = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "test.after").first())
            let placesAfter = try await app.logPlaces()
            #expect(newest.id == 2_346 && placesAfter[2_346] == 2_346)
        }
    }

    @Test("a broken chain stops the migration, and nothing of it stays", arguments: TestDatabase.available)
    func brokenChain(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            _ = try await chainedTrail(40, app: app)
            try await app.db.sql.raw("UPDATE audit_entries SET resource = 'application:forged' WHERE sequence = 17").run()
            do {
                try await CreateAuditLogTree(keys: app.keys).prepare(on: app.db)
                Issue.record("the migration took a broken chain over")
            } catch let error as CreateAuditLogTree.BrokenChain {
                #expect(error.description.contains("broken at entry 17"))
            }
            let rows = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM audit_entries WHERE previous_hash IS NOT NULL").first()
            #expect(try rows?.decode(column: "n", as: Int.self) == 40)
        }
    }
}
