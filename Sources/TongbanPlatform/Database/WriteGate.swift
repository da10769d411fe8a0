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
        await WriteGate.sqlite.acquire()
        do {
            let result = try await transaction(body)
            await WriteGate.sqlite.release()
            return result
        } catch {
            await WriteGate.sqlite.release()
            throw error
        }
    }
}
