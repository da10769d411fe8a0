import Fluent
import Foundation
import Metrics
import NIOPosix
import SQLKit
import Vapor

/// One audited write that may share its transaction with others: the changes to rows that
/// exist, the rows to insert and the audit entry recording them, made in full before it queues
/// (so the queue's one transaction at a time spends nothing on building them).
package struct GroupWrite: Sendable {
    package let rows: InsertBatch
    package let audit: AuditEvent
    /// Run first, in order; a refused one fails this write whole (see `RowChange`).
    package var changes: [RowChange] = []

    package init(rows: InsertBatch, audit: AuditEvent, changes: [RowChange] = []) {
        self.rows = rows
        self.audit = audit
        self.changes = changes
    }
}

/// Group commit for the hot audited writes (submissions, shared-data reads). Each write is a
/// transaction that ends in a disk flush; here the writes that arrive while the transactions in
/// flight are running wait, and then all of them go in the next: their rows and audit entries in
/// one statement, one flush for the lot. Every caller hears of its outcome only after the shared
/// commit, so nothing is acknowledged before it is durable. On PostgreSQL several transactions
/// are in flight at once (`maxInFlight`): no lock is shared between them (the audit entries wait
/// for the sequencer, not for each other), so one flushes while the next is written. SQLite takes
/// one writer at a time: there a second transaction would only wait for the first's lock.
///
/// If the group's transaction fails (a unique key raced, say), nothing of it is stored and each
/// write is retried alone in its own transaction, so one bad write cannot sink the others and
/// each caller gets its own answer.
package actor GroupCommit {
    private struct Job {
        let write: GroupWrite
        let done: CheckedContinuation<Void, any Error>
    }

    private var waiting: [Job] = []
    private var inFlight = 0
    package let maxBatch: Int
    /// Transactions committing at once on PostgreSQL.
    package let maxInFlight: Int
    /// Bound parameters per statement stay well under both databases' limits (PostgreSQL 65,535;
    /// SQLite 32,766).
    package static let maxBinds = 20_000

    // for operators (and for tuning): how many writes share a commit, and how long it takes
    private static let groupSize = Recorder(label: "tongban_group_commit_writes")
    private static let groupTime = Metrics.Timer(label: "tongban_group_commit_seconds")
    /// Dates each group's audit entries with the platform's time.
    package let clock: PlatformClock

    package init(clock: PlatformClock, maxBatch: Int = 64, maxInFlight: Int = 4) {
        self.clock = clock
        self.maxBatch = maxBatch
        self.maxInFlight = maxInFlight
    }

    package nonisolated func write(on db: any Database, _ write: GroupWrite) async throws {
        if db.inTransaction {
            _ = try await Self.run([write], on: db, now: clock.now())
            return
        }
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            Task { await self.enqueue(Job(write: write, done: done), db: db) }
        }
    }

    private func enqueue(_ job: Job, db: any Database) {
        waiting.append(job)
        guard inFlight < (db.isPostgres ? maxInFlight : 1) else { return }
        inFlight += 1
        // The queue is the one place every submission waits for. Its transaction awaits each of
        // its statements; on the shared pool every resumption would queue behind the requests
        // being handled (their JSON, their answers), several times per commit. On a thread of its
        // own it resumes at once, so a commit takes about as long as the database's work.
        Task(executorPreference: CommitThread.shared, priority: .high) { await self.drain(db: db) }
    }

    private func drain(db: any Database) async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(maxBatch))
            waiting.removeFirst(batch.count)
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                try await commit(batch.map(\.write), on: db)
                Self.groupTime.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
                Self.groupSize.record(batch.count)
                for job in batch { job.done.resume() }
            } catch {
                if batch.count == 1 {
                    batch[0].done.resume(throwing: error)
                    continue
                }
                for job in batch {
                    do {
                        try await db.write { tx in try await Self.run([job.write], on: tx, now: self.clock.now()) }
                        job.done.resume()
                    } catch {
                        job.done.resume(throwing: error)
                    }
                }
            }
        }
        inFlight -= 1
    }

    /// Commits the writes together: on PostgreSQL, when they only insert, as one statement (one
    /// round trip instead of three: begin, rows, commit); else in a transaction.
    private func commit(_ writes: [GroupWrite], on db: any Database) async throws {
        let binds = writes.reduce(0) { $0 + $1.rows.bindCount + AuditLog.bindsPerEntry }
        // changes to existing rows must be able to refuse the write: they run in a transaction
        if db.isPostgres, writes.allSatisfy(\.changes.isEmpty), binds <= Self.maxBinds {
            var rows = InsertBatch()
            for write in writes { rows.append(write.rows) }
            AuditLog.add(writes.map(\.audit), to: &rows, now: clock.now())
            return try await rows.run(on: db)
        }
        try await db.write { tx in try await Self.run(writes, on: tx, now: self.clock.now()) }
    }

    /// The writes' rows and their audit entries, inside one transaction.
    private static func run(_ writes: [GroupWrite], on tx: any Database, now: Date) async throws {
        for change in writes.flatMap(\.changes) {
            try await change.run(on: tx)
        }
        var rows = InsertBatch()
        for write in writes {
            if rows.bindCount + write.rows.bindCount + AuditLog.bindsPerEntry > maxBinds {
                try await rows.run(on: tx)
                rows = InsertBatch()
            }
            rows.append(write.rows)
            AuditLog.add([write.audit], to: &rows, now: now)
        }
        try await rows.run(on: tx)
    }
}

/// The thread the commit queue runs on (see `GroupCommit.enqueue`): one per process, for the
/// process's life, shared by every database's queue.
package final class CommitThread: TaskExecutor {
    package static let shared = CommitThread()

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var loop: any EventLoop { group.next() }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}

extension Application {
    private struct GroupCommitKey: StorageKey { typealias Value = GroupCommit }

    /// One per application, so each database has its own.
    package var groupCommit: GroupCommit {
        get { storage[GroupCommitKey.self]! }
        set { storage[GroupCommitKey.self] = newValue }
    }
}
