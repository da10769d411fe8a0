import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban bench audit --events N`: issue 28's budgets for the log itself. First, entries
/// appended by 16 writers for 10 s, at up to 2,000 a second (one entry per transaction, so on
/// SQLite as many as its commits allow), while the sequencer runs as a serving
/// process runs it (every 200 ms): how long from an entry's writing to the signed head that
/// holds it. Then N entries (default 1,000,000) written and placed in the tree, `audit verify`
/// over the whole log, and inclusion and consistency proofs, each checked as a client would.
/// Prints figures; not a test.
enum AuditBench {
    static func run(_ app: Application, events: Int, say: @escaping @Sendable (String) -> Void) async throws {
        try await app.autoMigrate()
        let keys = app.keys
        let clock = app.clock
        try await AuditSequencer.integrateAll(on: app.db, keys: keys, now: { clock.now() })
        try await underLoad(app, say: say)

        // N entries, written in batches (what is timed after is the sequencer and the check)
        var started = ContinuousClock.now
        var written = 0
        while written < events {
            var rows = InsertBatch()
            let count = min(1_000, events - written)
            AuditLog.add((0..<count).map { entry(written + $0, keys: keys) }, to: &rows, now: clock.now())
            let batch = rows
            try await app.db.write { try await batch.run(on: $0) }
            written += count
        }
        say(String(format: "wrote %d entries in %.1f s (batches of 1,000)", events, seconds(since: started)))
        started = ContinuousClock.now
        let placed = try await AuditSequencer.integrateAll(on: app.db, keys: keys, now: { clock.now() })
        let sequencing = seconds(since: started)
        say(
            String(
                format: "sequencer: %d entries placed and signed in %.1f s, %.0f entries/s", placed, sequencing, Double(placed) / sequencing
            ))

        started = ContinuousClock.now
        let verdict = try await AuditLog.verify(on: app.db, keys: keys)
        say(String(format: "audit verify: %@ in %.1f s (budget < 60 s for 1,000,000)", "\(verdict)", seconds(since: started)))

        guard let head = try await AuditTree.latestHead(on: app.db) else { return say("no tree head") }
        let size = head.head.size
        var inclusion: [Double] = []
        var failures = 0
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let sequence = Int64.random(in: 1...size, using: &rng)
            let begun = ContinuousClock.now
            let path = try await AuditTree.inclusionProof(sequence: sequence, size: size, on: app.db)
            inclusion.append(CatalogBenchCommand.ms(ContinuousClock.now - begun))
            let leaf = try await AuditTree.hashes(of: [MerkleTree.Node(level: 0, index: sequence - 1)], on: app.db).values.first!
            if !MerkleProofCheck.inclusion(leafHash: leaf, index: sequence - 1, size: size, path: path, root: head.head.root) {
                failures += 1
            }
        }
        say("inclusion proofs in a tree of \(size): \(summary(inclusion)), \(failures) failed to check (budget < 5 ms)")

        let heads = try await AuditTree.heads(after: 0, limit: 100_000, on: app.db)
        var consistency: [Double] = []
        failures = 0
        for _ in 0..<2_000 {
            let pair = [heads.randomElement(using: &rng)!, heads.randomElement(using: &rng)!].sorted { $0.head.size < $1.head.size }
            let begun = ContinuousClock.now
            let path = try await AuditTree.consistencyProof(from: pair[0].head.size, to: pair[1].head.size, on: app.db)
            consistency.append(CatalogBenchCommand.ms(ContinuousClock.now - begun))
            if !MerkleProofCheck.consistency(
                first: pair[0].head.size, second: pair[1].head.size, firstRoot: pair[0].head.root, secondRoot: pair[1].head.root, path: path
            ) {
                failures += 1
            }
        }
        say("consistency proofs between \(heads.count) signed heads: \(summary(consistency)), \(failures) failed to check (budget < 5 ms)")
    }

    /// 16 writers at about 2,000 entries a second for 10 s, the sequencer every 200 ms.
    static func underLoad(_ app: Application, say: @escaping @Sendable (String) -> Void) async throws {
        let keys = app.keys
        let clock = app.clock
        let firstID = try await AuditEntry.query(on: app.db).max(\.$id) ?? 0
        let began = ContinuousClock.now
        let deadline = began + .seconds(10)
        let sequencer = Task {
            while !Task.isCancelled {
                _ = try? await AuditSequencer.integrateAll(on: app.db, keys: keys, now: { clock.now() }, waitForLock: false)
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let written = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<16 {
                group.addTask {
                    var count = 0
                    // 125 a second each: one every 8 ms
                    var next = ContinuousClock.now
                    while ContinuousClock.now < deadline {
                        try await AuditLog.append(entry(writer * 1_000_000 + count, keys: keys), on: app.db, now: clock.now())
                        count += 1
                        next += .milliseconds(8)
                        try await Task.sleep(until: next, clock: .continuous)
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let writing = seconds(since: began)
        sequencer.cancel()
        _ = await sequencer.result
        try await AuditSequencer.integrateAll(on: app.db, keys: keys, now: { clock.now() })
        let entries = try await app.db.sql.raw(
            """
            SELECT l.sequence, e.at_millis FROM audit_leaves l JOIN audit_entries e ON e.id = l.entry_id
            WHERE e.id > \(bind: firstID) ORDER BY l.sequence
            """
        ).all().map { (try $0.decode(column: "sequence", as: Int64.self), try $0.decode(column: "at_millis", as: Int64.self)) }
        let heads = try await AuditTree.heads(after: (entries.first?.0 ?? 1) - 1, limit: 1_000_000, on: app.db)
        var lags: [Double] = []
        var index = 0
        for (sequence, at) in entries {
            while index < heads.count, heads[index].head.size < sequence { index += 1 }
            guard index < heads.count else { break }
            lags.append(Double(heads[index].head.atMillis - at))
        }
        say(
            String(
                format:
                    "under load: %d entries from 16 writers in %.1f s (%.0f/s), %d signed heads; from writing to a signed head: %@ (budget p99 < 1 s)",
                written, writing, Double(written) / writing, heads.count, summary(lags)))
    }

    static func entry(_ n: Int, keys: KeyRing) -> AuditEvent {
        var event = AuditEvent(
            actorID: UUID(), actorLabel: "杭州市西湖区市场监督管理局 · 陈审批\(n % 97)", action: "data.read", resource: "data:hz-household",
            purpose: "办件审查", requestID: "bench-\(n)", details: "subject \(UUID().uuidString); fields name,address; basis grant:bench")
        event.keys = keys
        event.regionCode = "330106"
        return event
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double { CatalogBenchCommand.ms(ContinuousClock.now - start) / 1000 }

    static func summary(_ values: [Double]) -> String {
        String(
            format: "p50 %.2f ms, p99 %.2f ms, max %.2f ms", CatalogBenchCommand.percentile(values, 0.5),
            CatalogBenchCommand.percentile(values, 0.99), values.max() ?? 0)
    }
}
