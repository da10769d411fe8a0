import Fluent
import SQLKit

/// SQLite takes one writer at a time, and a connection that finds the file locked spins on a
/// pool thread until it is free; a few of those can starve the writer they wait for. Writes on
/// SQLite therefore queue here, in order, before they start. One gate per process is right
/// because a process serves one SQLite file (tests with several files only queue a little
/// longer). PostgreSQL needs none: its row locks wait without burning a thread.
package actor WriteGate {
    package static let sqlite = WriteGate()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    package func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    package func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

extension Database {
    /// A write transaction: on SQLite it first queues at the write gate. Inside a transaction it
    /// simply joins it.
    package func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if inTransaction || isPostgres {
            return try await transaction(body)
        }
        return try await WriteGate.sqlite.passing { try await transaction(body) }
    }

    /// One statement that writes, atomic by itself, without a transaction around it: on SQLite it
    /// queues at the write gate all the same (saving the BEGIN and COMMIT round trips of
    /// `write`). Inside a transaction, or on PostgreSQL, it simply runs.
    package func writeAlone<T: Sendable>(_ statement: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if inTransaction || isPostgres { return try await statement(self) }
        return try await WriteGate.sqlite.passing { try await statement(self) }
    }
}

extension Database {
    /// Holds `key`'s lock to the end of this transaction, for a count that must see every earlier
    /// decision before it writes (a quota, a rate): on PostgreSQL an advisory lock (the server's,
    /// so the schema is part of the key); on SQLite the write gate every write transaction holds
    /// already does it.
    package func lockUntilCommit(_ key: String) async throws {
        guard isPostgres else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: key + " ") || current_schema()))").run()
    }
}

extension WriteGate {
    /// `body` run once the gate is this caller's, and the gate passed on whatever happens.
    nonisolated func passing<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
