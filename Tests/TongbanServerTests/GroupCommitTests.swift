import Fluent
import Foundation
import Testing
import Vapor
@testable import TongbanServer

@Suite("group commit")
struct GroupCommitTests {
    @Test("concurrent writes share commits; one that fails is retried alone and hears of it; the others are stored with their audit entries", arguments: TestDatabase.available)
    func savepoints(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            let existing = OutboxEvent(topic: "test.existing", subject: "-", payload: [:], at: Date())
            try await existing.create(on: app.db)
            let taken = try existing.requireID()
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for i in 0..<60 {
                    group.addTask {
                        do {
                            // every fifth write reuses the id of a stored row: its insert fails
                            let event = OutboxEvent(topic: "test.group", subject: String(i), payload: [:], at: Date())
                            if i % 5 == 0 { event.id = taken }
                            var rows = InsertBatch()
                            rows.add(event)
                            try await app.groupCommit.write(on: app.db, GroupWrite(rows: rows, audit: AuditEvent(actorLabel: "test", action: "test.group", resource: String(i))))
                            return (i, true)
                        } catch where error.isConstraintViolation {
                            return (i, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes.count == 60 && outcomes.filter { !$0.value }.map(\.key).sorted() == Array(stride(from: 0, to: 60, by: 5)))
            let stored = try await OutboxEvent.query(on: app.db).filter(\.$topic == "test.group").all().map { Int($0.subject)! }.sorted()
            #expect(stored == (0..<60).filter { $0 % 5 != 0 })
            // one audit entry per stored write, chained without a gap
            let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "test.group").all().map { Int($0.resource)! }.sorted()
            #expect(audited == stored)
            #expect(try await AuditLog.verify(on: app.db) == .ok(entries: try await AuditEntry.query(on: app.db).count()))
        }
    }
}
