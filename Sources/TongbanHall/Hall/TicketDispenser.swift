import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Hands out queue numbers in groups. Each ticket bumps its category's counter row, which stays
/// locked until the commit; one transaction per ticket therefore lets a hall hand out only as
/// many tickets a second as commits it can make one after another. Here the tickets asked for
/// while one transaction runs wait, and then all of them go in the next: one counter update per
/// category for the whole group, one insert, one commit. Each caller hears only after the shared
/// commit; if the group fails (one person's second online ticket, say), each is retried alone so
/// only that one is refused.
package actor TicketDispenser {
    private struct Job {
        let ticket: HallTicket
        let done: CheckedContinuation<Void, any Error>
    }

    private var waiting: [Job] = []
    private var running = false
    package static let maxBatch = 200

    package nonisolated func dispense(_ ticket: HallTicket, on db: any Database) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            Task { await self.enqueue(Job(ticket: ticket, done: done), db: db) }
        }
    }

    private func enqueue(_ job: Job, db: any Database) {
        waiting.append(job)
        guard !running else { return }
        running = true
        Task(priority: .high) { await self.drain(db: db) }
    }

    private func drain(db: any Database) async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maxBatch))
            waiting.removeFirst(batch.count)
            do {
                try await db.write { tx in try await Self.number(batch.map(\.ticket), on: tx) }
                for job in batch { job.done.resume() }
            } catch {
                for job in batch {
                    do {
                        try await db.write { tx in try await Self.number([job.ticket], on: tx) }
                        job.done.resume()
                    } catch {
                        job.done.resume(throwing: error)
                    }
                }
            }
        }
        running = false
    }

    /// Numbers the tickets in the order they came, per hall, day and category, and stores them.
    private static func number(_ tickets: [HallTicket], on tx: any Database) async throws {
        var groups: [String: [HallTicket]] = [:]
        var order: [String] = []
        for t in tickets {
            let key = "\(t.hallID)|\(t.day)|\(t.category)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(t)
        }
        for key in order {
            let group = groups[key]!
            let last = try await HallQueue.nextNumber(
                hall: group[0].hallID, day: group[0].day, category: group[0].category, count: group.count, on: tx)
            for (i, t) in group.enumerated() {
                t.number = last - group.count + 1 + i
                t.label = HallCategory.label(code: t.category, number: t.number)
            }
        }
        try await tickets.create(on: tx)
    }
}

extension Application {
    private struct TicketDispenserKey: StorageKey { typealias Value = TicketDispenser }

    /// One per application, so each database has its own.
    package var ticketDispenser: TicketDispenser {
        if let existing = storage[TicketDispenserKey.self] { return existing }
        let made = TicketDispenser()
        storage[TicketDispenserKey.self] = made
        return made
    }
}
