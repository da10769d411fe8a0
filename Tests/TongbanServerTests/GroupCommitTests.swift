import Fluent
import FluentSQLiteDriver
import Foundation
import Testing
import TongbanCore
import TongbanPlatform
import Vapor
@testable import TongbanServer

@Suite("group commit")
struct GroupCommitTests {
    /// An event of some topic, told apart by its subject.
    static func event(_ subject: String, at now: Date) -> OutboxEvent {
        OutboxEvent(.complaintAnswered, subject: subject, payload: ["complaint": subject], audience: EventAudience(), at: now)
    }

    @Test(
        "concurrent writes share commits; one that fails is retried alone and hears of it; the others are stored with their audit entries",
        arguments: TestDatabase.available)
    func savepoints(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            let existing = Self.event("-", at: app.clock.now())
            try await existing.create(on: app.db)
            let taken = try existing.requireID()
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for i in 0..<60 {
                    group.addTask {
                        do {
                            // every fifth write reuses the id of a stored row: its insert fails
                            let event = Self.event(String(i), at: app.clock.now())
                            if i % 5 == 0 { event.id = taken }
                            var rows = InsertBatch()
                            rows.add(event)
                            try await app.groupCommit.write(
                                on: app.db,
                                GroupWrite(rows: rows, audit: AuditEvent(actorLabel: "test", action: "test.group", resource: String(i))))
                            return (i, true)
                        } catch  where error.isConstraintViolation {
                            return (i, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes.count == 60 && outcomes.filter { !$0.value }.map(\.key).sorted() == Array(stride(from: 0, to: 60, by: 5)))
            let stored = try await OutboxEvent.query(on: app.db).filter(\.$subject != "-").all().map { Int($0.subject)! }.sorted()
            #expect(stored == (0..<60).filter { $0 % 5 != 0 })
            // one audit entry per stored write, chained without a gap
            let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "test.group").all().map { Int($0.resource)! }.sorted()
            #expect(audited == stored)
            let total = try await AuditEntry.query(on: app.db).count()
            #expect(try await app.checkedAuditLog().entries == total)
        }
    }

    @Test(
        "two processes' queues and other audited writes interleaved: every write stored once with its entry, the chain whole",
        arguments: TestDatabase.available)
    func interleaved(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, store in
            let second = try await store.makeApp(migrate: false)
            do {
                func queued(_ server: Application, _ label: String) async throws {
                    var rows = InsertBatch()
                    rows.add(Self.event(label, at: app.clock.now()))
                    try await server.groupCommit.write(
                        on: server.db,
                        GroupWrite(rows: rows, audit: AuditEvent(actorLabel: "test", action: "test.interleaved", resource: label)))
                }
                func direct(_ label: String) async throws {
                    try await AuditLog.append(
                        AuditEvent(actorLabel: "test", action: "test.interleaved", resource: label), on: app.db, now: app.clock.now())
                }
                var expected: [String] = []
                // one after another: a queued write after another writer's entry finds the chain moved
                for round in 0..<20 {
                    try await queued(app, "q\(round)a")
                    try await queued(app, "q\(round)b")
                    try await direct("d\(round)")
                    expected += ["q\(round)a", "q\(round)b", "d\(round)"]
                }
                // all at once: two queues and direct appends race for the chain
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<90 {
                        let label = i % 3 == 2 ? "dc\(i)" : "c\(i)"
                        expected.append(label)
                        group.addTask {
                            switch i % 3 {
                            case 0: try await queued(app, label)
                            case 1: try await queued(second, label)
                            default: try await direct(label)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "test.interleaved").all().map(\.resource)
                #expect(entries.sorted() == expected.sorted())
                let rows = try await OutboxEvent.query(on: app.db).all().map(\.subject)
                #expect(rows.sorted() == expected.filter { !$0.hasPrefix("d") }.sorted())
                let total = try await AuditEntry.query(on: app.db).count()
                #expect(try await app.checkedAuditLog().entries == total)
            } catch {
                try await second.asyncShutdown()
                throw error
            }
            try await second.asyncShutdown()
        }
    }

    @Test("the SQLite writer binds every kind of value exactly as Fluent's SQLite encoder does")
    func sqliteValues() throws {
        var rng = SystemRandomNumberGenerator()
        let encoder = SQLiteDataEncoder()
        let letters = Array("abcXYZ09 -_'\"\\\n中文一网通办😀")
        func text() -> String { String((0..<Int.random(in: 0...40, using: &rng)).map { _ in letters.randomElement(using: &rng)! }) }
        for _ in 0..<2_000 {
            let values: [any Encodable & Sendable] = [
                UUID(), text(), Int.random(in: .min ... .max, using: &rng), Int64.random(in: .min ... .max, using: &rng),
                Bool.random(using: &rng), Double.random(in: -1e12...1e12, using: &rng),
                Date(timeIntervalSince1970: Double.random(in: 0...4e9, using: &rng)),
                // (one key: JSON writes a dictionary's keys in no fixed order)
                ["key": text()], [text()], CaseState.allCases.randomElement(using: &rng)!,
            ]
            for value in values {
                #expect(try InsertBatch.sqliteData(value) == encoder.encode(value), "\(value)")
            }
        }
        // the statement numbers its parameters in order and writes NULL in place
        let (sql, binds) = try InsertBatch.sqliteInsert("t", ["a", "b"], [[.bind("x"), .null], [.null, .bind(2)]])
        #expect(sql == #"INSERT INTO "t" ("a", "b") VALUES (?1, NULL), (NULL, ?2)"# && binds == [.text("x"), .integer(2)])
    }
}
