import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// A clerk's work at a window: opening it, calling the next ticket it can serve, and ending
/// each call — served, no-show, or transferred to another category.
package struct HallCalling {
    package let context: UseCaseContext
    package let parts: HallParts

    /// The window `id`, which must be one of this hall's and in service.
    package func window(_ id: UUID, of hall: Hall) async throws -> HallWindow {
        guard let window = try await parts.directory.window(id, of: hall.requireID(), on: context.db) else {
            if let elsewhere = try await HallWindow.find(id, on: context.db) {
                throw TongbanError.conflict("hall.windowOfOtherHall", ["window": elsewhere.name])
            }
            throw TongbanError.notFound("window")
        }
        guard window.retiredAt == nil else { throw TongbanError.conflict("hall.windowRetired", ["window": window.name]) }
        return window
    }

    /// The acting clerk, if the policy lets them work at the hall's windows.
    package func clerk(for hall: Hall) throws -> Account {
        let account = try context.requireAccount()
        guard let region = hall.region else { throw TongbanError.notFound("hall") }
        try context.authorize(.handle, .hall(regionCode: region))
        return account
    }

    /// The clerk's open session at this hall, if any.
    package static func session(of clerk: Account, at hall: Hall, on db: any Database) async throws -> WindowSession? {
        try await WindowSession.query(on: db).filter(\.$clerkID == clerk.requireID()).filter(\.$hallID == hall.requireID())
            .filter(\.$closedAt == nil).first()
    }

    package func open(_ window: HallWindow, of hall: Hall, by clerk: Account) async throws -> WindowSession {
        let clerkID = try clerk.requireID()
        if let mine = try await WindowSession.query(on: context.db).filter(\.$clerkID == clerkID).filter(\.$closedAt == nil).first() {
            if mine.windowID == window.id { return mine }
            throw TongbanError.conflict("hall.clerkAtOtherWindow")
        }
        if let other = try await WindowSession.query(on: context.db).filter(\.$windowID == window.requireID()).filter(\.$closedAt == nil)
            .first()
        {
            throw TongbanError.conflict("hall.windowTaken", ["clerk": other.clerkName])
        }
        let session = WindowSession()
        session.id = UUID()
        session.hallID = try hall.requireID()
        session.windowID = try window.requireID()
        session.clerkID = clerkID
        session.clerkName = clerk.displayName
        session.openedAt = context.now
        do {
            let audit = context.auditEvent(
                "hall.windowOpened", resource: "window:\(session.windowID)", details: "\(window.name), \(hall.name)")
            try await context.db.write { tx in
                try await session.create(on: tx)
                try await AuditLog.append(audit, on: tx, now: session.openedAt)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw TongbanError.conflict("hall.windowTaken", ["clerk": "?"])
        }
        parts.estimates.forget(hall: session.hallID)
        return session
    }

    /// Closes the window: a ticket still called there goes back to the head of its queue.
    package func close(_ window: HallWindow, by clerk: Account) async throws {
        let clerkID = try clerk.requireID()
        let windowID = try window.requireID()
        let now = context.now
        try await context.db.write { tx in
            let closed = try await tx.sql.raw(
                """
                UPDATE hall_window_sessions SET closed_at = \(bind: now) WHERE window_id = \(bind: windowID) AND clerk_id = \(bind: clerkID) AND closed_at IS NULL RETURNING id
                """
            ).all()
            guard !closed.isEmpty else { throw TongbanError.conflict("hall.windowNotYours") }
            let requeued = try await tx.sql.raw(
                """
                UPDATE hall_tickets SET status = 'waiting', window_id = NULL, window_name = NULL, clerk_id = NULL, called_at = NULL
                WHERE window_id = \(bind: windowID) AND status = 'called' RETURNING label
                """
            ).all()
            let back = try requeued.map { try $0.decode(column: "label", as: String.self) }
            try await AuditLog.append(
                context.auditEvent(
                    "hall.windowClosed", resource: "window:\(windowID)",
                    details: window.name + (back.isEmpty ? "" : "; back to the queue: " + back.joined(separator: ", "))),
                on: tx, now: now)
        }
        parts.estimates.forget(hall: window.hallID)
    }

    /// The ticket called at a window and not yet ended.
    package static func current(at window: HallWindow, on db: any Database) async throws -> HallTicket? {
        try await HallTicket.query(on: db).filter(\.$windowID == window.requireID()).filter(\.$status == .called).first()
    }

    /// Calls the next ticket the window serves (the core's calling order); nil when none waits.
    /// Two windows calling at once never get the same ticket: the claim is conditional on the
    /// ticket still waiting, and the loser reads the queue again. Calls at one window queue on
    /// its session row, so a double click cannot call two tickets there.
    package func callNext(at window: HallWindow, of hall: Hall, by clerk: Account) async throws -> HallTicket? {
        let clerkID = try clerk.requireID()
        let windowID = try window.requireID()
        let hallID = try hall.requireID()
        let now = context.now
        let day = LocalTime(now).date.description
        for _ in 0..<20 {
            let outcome: HallTicket?? = try await context.db.write { tx in
                let held = try await tx.sql.raw(
                    """
                    UPDATE hall_window_sessions SET clerk_name = clerk_name WHERE window_id = \(bind: windowID) AND clerk_id = \(bind: clerkID) AND closed_at IS NULL RETURNING id
                    """
                ).all()
                guard !held.isEmpty else { throw TongbanError.conflict("hall.windowNotYours") }
                if let current = try await Self.current(at: window, on: tx) {
                    throw TongbanError.conflict("hall.finishCurrent", ["ticket": current.label])
                }
                let waiting = try await HallQueue.candidates(hall: hallID, day: day, categories: window.categories, now: now, on: tx)
                guard let next = TicketQueue.next(waiting.map(\.waiting), serving: window.categories, now: now) else { return .some(nil) }
                let claimed = try await tx.sql.raw(
                    """
                    UPDATE hall_tickets SET status = 'called', window_id = \(bind: windowID), window_name = \(bind: window.name), clerk_id = \(bind: clerkID),
                      called_at = \(bind: now), first_called_at = COALESCE(first_called_at, \(bind: now))
                    WHERE id = \(bind: next.id) AND status = 'waiting' RETURNING id
                    """
                ).all()
                guard !claimed.isEmpty else { return nil }  // another window took it: read the queue again
                let ticket = waiting.first { $0.id == next.id }!
                ticket.status = .called
                ticket.windowID = windowID
                ticket.windowName = window.name
                ticket.clerkID = clerkID
                ticket.calledAt = now
                ticket.firstCalledAt = ticket.firstCalledAt ?? now
                try await Self.tellTurnSoon(
                    waiting.filter { $0.id != next.id }, window: window, hall: hall, now: now, on: tx)
                try await AuditLog.append(
                    context.auditEvent("hall.ticketCalled", resource: "ticket:\(next.id)", details: "\(ticket.label) to \(window.name)"),
                    on: tx, now: now)
                return .some(ticket)
            }
            if let outcome { return outcome }
        }
        throw TongbanError.conflict("hall.busy")
    }

    /// How many may be ahead of a ticket when its holder is told to come (云呼叫).
    static let turnSoonAhead = 2

    /// Tells the holders of the tickets that now have at most two ahead of them in this window's
    /// calling order that their turn is near: once per ticket (its `turn_soon_at`), and only a
    /// ticket a signed-in account took.
    static func tellTurnSoon(_ rest: [HallTicket], window: HallWindow, hall: Hall, now: Date, on tx: any Database) async throws {
        var remaining = rest
        var order: [HallTicket] = []
        while order.count <= turnSoonAhead,
            let next = TicketQueue.next(remaining.map(\.waiting), serving: window.categories, now: now),
            let index = remaining.firstIndex(where: { $0.id == next.id })
        {
            order.append(remaining.remove(at: index))
        }
        for (ahead, ticket) in order.enumerated() {
            guard let account = ticket.accountID, let id = ticket.id else { continue }
            let marked = try await tx.sql.raw(
                "UPDATE hall_tickets SET turn_soon_at = \(bind: now) WHERE id = \(bind: id) AND turn_soon_at IS NULL RETURNING id"
            ).all()
            guard !marked.isEmpty else { continue }
            let payload = [
                "ticket": id.uuidString, "account": account.uuidString, "hall": hall.name, "label": ticket.label, "ahead": String(ahead),
            ]
            try await OutboxEvent(
                .ticketTurnSoon, subject: id.uuidString, payload: payload, audience: EventAudience(regionCode: hall.region), at: now
            ).create(on: tx)
        }
    }

    package enum Ending: String, Sendable { case served, noShow, transfer }

    /// Ends the call of a ticket at the clerk's window. A transfer puts it back in the queue of
    /// another category, keeping the time it first joined (so it is not sent to the back).
    package func finish(_ ticketID: UUID, ending raw: String?, transferTo: String?, by clerk: Account) async throws -> HallTicket {
        guard let ticket = try await HallTicket.find(ticketID, on: context.db) else { throw TongbanError.notFound("ticket") }
        guard let hall = try await parts.directory.hall(ticket.hallID, on: context.db) else { throw TongbanError.notFound("hall") }
        _ = try self.clerk(for: hall)
        guard let ending = raw.flatMap(Ending.init(rawValue:)) else { throw TongbanError.invalid(field: "outcome", "hall.badOutcome") }
        if ending == .transfer {
            guard let transferTo, !transferTo.isEmpty else { throw TongbanError.invalid(field: "category", "field.required") }
            guard hall.categories.contains(where: { $0.code == transferTo }) else {
                throw TongbanError.invalid(field: "category", "hall.unknownCategory")
            }
            guard transferTo != ticket.category else { throw TongbanError.invalid(field: "category", "hall.sameCategory") }
        }
        guard ticket.status == .called, let windowID = ticket.windowID else {
            throw TongbanError.conflict("hall.notCalled", ["ticket": ticket.label])
        }
        let clerkID = try clerk.requireID()
        let now = context.now
        try await context.db.write { tx in
            let mine = try await WindowSession.query(on: tx).filter(\.$windowID == windowID).filter(\.$clerkID == clerkID).filter(
                \.$closedAt == nil
            ).count()
            guard mine > 0 else { throw TongbanError.conflict("hall.windowNotYours") }
            let changed: [any SQLRow]
            switch ending {
            case .served, .noShow:
                let status = ending == .served ? HallTicket.Status.served : .noShow
                changed = try await tx.sql.raw(
                    """
                    UPDATE hall_tickets SET status = \(bind: status.rawValue), finished_at = \(bind: now)
                    WHERE id = \(bind: ticketID) AND status = 'called' AND window_id = \(bind: windowID) RETURNING id
                    """
                ).all()
                ticket.status = status
                ticket.finishedAt = now
            case .transfer:
                changed = try await tx.sql.raw(
                    """
                    UPDATE hall_tickets SET status = 'waiting', category = \(bind: transferTo!), window_id = NULL, window_name = NULL, clerk_id = NULL,
                      called_at = NULL, transfers = transfers + 1
                    WHERE id = \(bind: ticketID) AND status = 'called' AND window_id = \(bind: windowID) RETURNING id
                    """
                ).all()
                ticket.status = .waiting
                ticket.category = transferTo!
                ticket.windowID = nil
                ticket.windowName = nil
                ticket.calledAt = nil
                ticket.transfers += 1
            }
            guard !changed.isEmpty else { throw TongbanError.conflict("hall.notCalled", ["ticket": ticket.label]) }
            // the outcome gates the holder's rating and feeds the hall's figures: on the record
            let outcome = ending == .transfer ? "transfer to \(transferTo!)" : ending.rawValue
            try await AuditLog.append(
                context.auditEvent("hall.ticketFinished", resource: "ticket:\(ticketID)", details: "\(ticket.label): \(outcome)"),
                on: tx, now: now)
        }
        return ticket
    }
}
