import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// The queue of a hall: taking a ticket (online or at the kiosk), where a ticket stands, and
/// what the hall's display shows.
package struct HallQueue {
    package let context: UseCaseContext
    package let parts: HallParts

    package func hall(_ id: UUID) async throws -> Hall {
        guard let hall = try await parts.directory.hall(id, on: context.db) else {
            throw TongbanError.notFound("hall")
        }
        return hall
    }

    /// Today's spans, or the refusal a closed hall gives.
    package static func requireOpen(_ hall: Hall, at now: LocalTime, calendar: WorkingDayCalendar) throws -> [DaySpan] {
        let spans = (try? hall.hours.spans(on: now.date, calendar: calendar)) ?? []
        guard spans.contains(where: { $0.contains(now.minute) }) else {
            throw TongbanError.conflict("hall.closedNow", ["hours": spans.isEmpty ? "—" : spans.map(\.description).joined(separator: ", ")])
        }
        return spans
    }

    /// Takes the next number of a category: the day's counter and the ticket in one transaction.
    /// `client`: the kiosk's address, for its limit.
    package func take(_ hall: Hall, category code: String?, channel: HallTicket.Channel, client: String = "unknown") async throws
        -> HallTicket
    {
        let account = context.account
        guard let code, !code.isEmpty else { throw TongbanError.invalid(field: "category", "field.required") }
        guard hall.categories.contains(where: { $0.code == code }) else {
            throw TongbanError.invalid(field: "category", "hall.unknownCategory")
        }
        if channel == .online {
            guard let account else { throw TongbanError.denied(.loginRequired) }
            try context.authorize(.create, .holderRecords(holderID: try account.requireID()))
        }
        let now = context.now
        let local = LocalTime(now)
        _ = try Self.requireOpen(hall, at: local, calendar: context.calendar)
        // on the halls' clock, like everything else here (tests hold it still)
        if channel == .kiosk,
            case let .refused(retryAfter) = parts.kioskLimiter.admit(
                client,
                limit: context.settings.kioskTicketsPerMinute, at: now)
        {
            throw TongbanError(
                status: .tooManyRequests, code: "hall.kioskBusy", arguments: ["seconds": String(retryAfter)],
                headers: ["Retry-After": String(retryAfter)])
        }
        let hallID = try hall.requireID()
        let accountID = channel == .online ? try account?.requireID() : nil
        if let accountID,
            let held = try await HallTicket.query(on: context.db).filter(\.$hallID == hallID).filter(\.$accountID == accountID)
                .filter(\.$status == .waiting).filter(\.$channel == .online).first()
        {
            throw TongbanError.conflict("hall.alreadyWaiting", ["ticket": held.label])
        }
        let ticket = HallTicket()
        ticket.id = UUID()
        ticket.hallID = hallID
        ticket.day = local.date.description
        ticket.category = code
        ticket.channel = channel
        ticket.accountID = accountID
        ticket.queuedAt = now
        ticket.status = .waiting
        ticket.transfers = 0
        do {
            try await parts.dispenser.dispense(ticket, on: context.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw TongbanError.conflict("hall.alreadyWaiting", ["ticket": "?"])
        }
        return ticket
    }

    /// Takes `count` numbers of the day's counter at once and returns the last of them.
    package static func nextNumber(hall: UUID, day: String, category: String, count: Int = 1, on db: any Database) async throws -> Int {
        let row = try await db.sql.raw(
            """
            INSERT INTO hall_counters (id, hall_id, day, category, last) VALUES (\(bind: UUID()), \(bind: hall), \(bind: day), \(bind: category), \(bind: count))
            ON CONFLICT (hall_id, day, category) DO UPDATE SET last = hall_counters.last + \(bind: count) RETURNING last
            """
        ).first()
        guard let last = try row?.decode(column: "last", as: Int.self) else {
            throw Abort(.internalServerError, reason: "no ticket number")
        }
        return last
    }

    /// Where a ticket stands: the people ahead of it, the windows serving its category, the
    /// expected wait.
    package struct Standing: Sendable {
        package let ahead: Int?
        package let openWindows: Int
        package let estimatedWaitMinutes: Int?
    }

    package func standing(of ticket: HallTicket, hall: Hall) async throws -> Standing {
        guard ticket.status == .waiting else { return Standing(ahead: nil, openWindows: 0, estimatedWaitMinutes: nil) }
        let ahead = try await Self.aheadCount(ticket, now: context.now, on: parts.readDB)
        let estimate = try await parts.estimates.entry(hall: hall, day: ticket.day, category: ticket.category, on: parts.readDB)
        return Standing(
            ahead: ahead, openWindows: estimate.openWindows,
            estimatedWaitMinutes: TicketQueue.estimatedWaitMinutes(
                ahead: ahead, openWindows: estimate.openWindows, serviceMinutes: estimate.serviceMinutes))
    }

    /// `TicketQueue.ahead` counted by the database, so a long queue is not read row by row: due
    /// appointments by slot, then everyone by the time they joined and their number. (The core's
    /// last tie-breaks — category and id — matter only between two tickets of one category with
    /// the same instant and number, which only a transfer can make; they are not counted here.)
    package static func aheadCount(_ t: HallTicket, now: Date, on db: any Database) async throws -> Int {
        let base = HallTicket.query(on: db).filter(\.$hallID == t.hallID).filter(\.$day == t.day).filter(\.$status == .waiting)
            .filter(\.$category == t.category).filter(\.$id != t.id!)
        if let slot = t.slotStart, slot <= now {
            return try await base.filter(\.$slotStart <= now).group(.or) { or in
                or.filter(\.$slotStart < slot)
                or.group(.and) { $0.filter(\.$slotStart == slot).filter(\.$queuedAt < t.queuedAt) }
                or.group(.and) { $0.filter(\.$slotStart == slot).filter(\.$queuedAt == t.queuedAt).filter(\.$number < t.number) }
            }.count()
        }
        return try await base.group(.or) { or in
            or.filter(\.$slotStart <= now)
            or.filter(\.$queuedAt < t.queuedAt)
            or.group(.and) { $0.filter(\.$queuedAt == t.queuedAt).filter(\.$number < t.number) }
        }.count()
    }

    /// The few waiting tickets one of which a window serving `categories` calls next: the first
    /// due appointments by slot and the first tickets by arrival. The core's order picks among
    /// them; a long queue is not read.
    package static func candidates(hall: UUID, day: String, categories: Set<String>, now: Date, on db: any Database) async throws
        -> [HallTicket]
    {
        let codes = Array(categories)
        func waiting() -> QueryBuilder<HallTicket> {
            HallTicket.query(on: db).filter(\.$hallID == hall).filter(\.$day == day).filter(\.$status == .waiting).filter(
                \.$category ~~ codes)
        }
        let due = try await waiting().filter(\.$slotStart <= now).sort(\.$slotStart).sort(\.$queuedAt).sort(\.$number).limit(30).all()
        let first = try await waiting().sort(\.$queuedAt).sort(\.$number).limit(30).all()
        var seen = Set<UUID>()
        return (due + first).filter { seen.insert($0.id!).inserted }
    }

    /// People waiting per category today, counted from the queue's index rather than read.
    package static func waitingCounts(hall: UUID, day: String, on db: any Database) async throws -> [String: Int] {
        struct Row: Decodable {
            let category: String
            let waiting: Int
        }
        let rows = try await db.sql.raw(
            """
            SELECT category, COUNT(*) AS waiting FROM hall_tickets
            WHERE hall_id = \(bind: hall) AND day = \(bind: day) AND status = 'waiting' GROUP BY category
            """
        ).all(decoding: Row.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.category, $0.waiting) })
    }

    package static func openWindows(hall: UUID, on db: any Database) async throws -> [HallWindow] {
        let open = Set(try await WindowSession.query(on: db).filter(\.$hallID == hall).filter(\.$closedAt == nil).all().map(\.windowID))
        guard !open.isEmpty else { return [] }
        return try await HallWindow.query(on: db).filter(\.$hallID == hall).all().filter { open.contains($0.id!) }
    }

    /// The day's mean service time of a category from its last 50 served tickets, else the hall's
    /// default.
    package static func meanServiceMinutes(hall: Hall, day: String, category: String, on db: any Database) async throws -> Double {
        let served = try await HallTicket.query(on: db).filter(\.$hallID == hall.requireID()).filter(\.$day == day).filter(
            \.$category == category
        )
        .filter(\.$status == .served).sort(\.$finishedAt, .descending).limit(50).all()
        let minutes = served.compactMap { t in t.finishedAt.flatMap { f in t.calledAt.map { f.timeIntervalSince($0) / 60 } } }
        return minutes.isEmpty ? hall.defaultServiceMinutes : minutes.reduce(0, +) / Double(minutes.count)
    }

    /// 叫号屏: the numbers being called and what waits, per category.
    package struct Board: Content {
        package struct Call: Content {
            package let label: String
            package let window: String
            package let at: Date
            package let current: Bool
        }
        package struct Queue: Content {
            package let code: String
            package let name: String
            package let waiting: Int
        }
        package let hall: String
        package let open: Bool
        package let calls: [Call]
        package let queues: [Queue]
    }

    /// `english`: the hall's and categories' names in English.
    package func board(_ hall: Hall, english: Bool) async throws -> Board {
        let hallID = try hall.requireID()
        let local = LocalTime(context.now)
        let day = local.date.description
        let recent = try await HallTicket.query(on: context.db).filter(\.$hallID == hallID).filter(\.$day == day)
            .filter(\.$calledAt != nil).sort(\.$calledAt, .descending).limit(12).all()
        let waiting = try await Self.waitingCounts(hall: hallID, day: day, on: parts.readDB)
        let spans = (try? hall.hours.spans(on: local.date, calendar: context.calendar)) ?? []
        return Board(
            hall: english ? hall.nameEn : hall.name, open: spans.contains { $0.contains(local.minute) },
            calls: recent.map { Board.Call(label: $0.label, window: $0.windowName ?? "", at: $0.calledAt!, current: $0.status == .called) },
            queues: hall.categories.map { c in Board.Queue(code: c.code, name: english ? c.nameEn : c.name, waiting: waiting[c.code] ?? 0) }
        )
    }
}
