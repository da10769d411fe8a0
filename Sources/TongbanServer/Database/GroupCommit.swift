import Fluent
import Foundation
import SQLKit
import Vapor

/// Group commit for SQLite's hot writes. SQLite takes one writer at a time and makes each commit
/// durable with an fsync; with every submission its own transaction, the disk's sync rate would
/// be the platform's submission rate. Here the writes that arrive while one transaction is
/// running wait, and then all of them run in the next transaction, each inside its own
/// savepoint: one that fails is rolled back alone, and every caller hears of its own outcome
/// only after the shared commit — so nothing is acknowledged before it is durable.
///
/// On PostgreSQL, which syncs concurrent commits together by itself, a write is simply its own
/// transaction.
actor GroupCommit {
    private struct Job {
        let body: @Sendable (any Database) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, any Error>
    }

    private var waiting: [Job] = []
    private var running = false
    let maxBatch: Int

    init(maxBatch: Int = 128) { self.maxBatch = maxBatch }

    nonisolated func write<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if db.isPostgres || db.inTransaction { return try await db.write(body) }
        let result = try await withCheckedThrowingContinuation { (done: CheckedContinuation<any Sendable, any Error>) in
            Task { await self.enqueue(Job(body: { try await body($0) }, done: done), db: db) }
        }
        return result as! T
    }

    private func enqueue(_ job: Job, db: any Database) {
        waiting.append(job)
        guard !running else { return }
        running = true
        Task { await self.drain(db: db) }
    }

    private func drain(db: any Database) async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(maxBatch))
            waiting.removeFirst(batch.count)
            let outcomes: [Result<any Sendable, any Error>]
            do {
                outcomes = try await db.write { tx in
                    var outcomes: [Result<any Sendable, any Error>] = []
                    for (index, job) in batch.enumerated() {
                        let savepoint = SQLQueryString("s\(unsafeRaw: String(index))")
                        try await tx.sql.raw("SAVEPOINT \(savepoint)").run()
                        do {
                            outcomes.append(.success(try await job.body(tx)))
                            try await tx.sql.raw("RELEASE \(savepoint)").run()
                        } catch {
                            try await tx.sql.raw("ROLLBACK TO \(savepoint)").run()
                            try await tx.sql.raw("RELEASE \(savepoint)").run()
                            outcomes.append(.failure(error))
                        }
                    }
                    return outcomes.map { ResultBox($0) }
                }.map(\.result)
            } catch {
                // the commit itself failed: nothing of this batch is stored
                outcomes = batch.map { _ in .failure(error) }
            }
            for (job, outcome) in zip(batch, outcomes) { job.done.resume(with: outcome) }
        }
        running = false
    }
}

/// A result that crosses the transaction's Sendable boundary.
private struct ResultBox: @unchecked Sendable {
    let result: Result<any Sendable, any Error>
    init(_ result: Result<any Sendable, any Error>) { self.result = result }
}

extension Application {
    private struct GroupCommitKey: StorageKey { typealias Value = GroupCommit }

    /// One per application, so each SQLite file has its own.
    var groupCommit: GroupCommit {
        get { storage[GroupCommitKey.self]! }
        set { storage[GroupCommitKey.self] = newValue }
    }
}
