import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

extension Application {
    private struct HallClockKey: StorageKey { typealias Value = @Sendable () -> Date }

    /// The halls' clock: opening hours, slots and queues are read against it. Tests set a fixed
    /// instant, so they run the same at any hour.
    var hallNow: @Sendable () -> Date {
        get { storage[HallClockKey.self] ?? { Date() } }
        set { storage[HallClockKey.self] = newValue }
    }
}

/// The queue of a hall: taking a ticket (online or at the kiosk), where a ticket stands, and
/// what the hall's display shows.
enum HallQueue {
    static func hall(_ req: Request) async throws -> Hall {
        guard let id = req.parameters.get("hall", as: UUID.self), let hall = try await Hall.find(id, on: req.db) else {
            throw TongbanError.notFound("hall")
        }
        return hall
    }

    /// Today's spans, or the refusal a closed hall gives.
    static func requireOpen(_ hall: Hall, at now: LocalTime, on app: Application) throws -> [DaySpan] {
        let spans = (try? hall.hours.spans(on: now.date, calendar: app.workingDays)) ?? []
        guard spans.contains(where: { $0.contains(now.minute) }) else {
            throw TongbanError.conflict("hall.closedNow", ["hours": spans.isEmpty ? "—" : spans.map(\.description).joined(separator: ", ")])
        }
        return spans
    }

    /// Takes the next number of a category: the day's counter and the ticket in one transaction.
    static func take(_ hall: Hall, category code: String?, channel: HallTicket.Channel, account: Account?, on req: Request) async throws -> HallTicket {
        guard let code, !code.isEmpty else { throw TongbanError.invalid(field: "category", "field.required") }
        guard hall.categories.contains(where: { $0.code == code }) else { throw TongbanError.invalid(field: "category", "hall.unknownCategory") }
        if channel == .online {
            guard let account else { throw TongbanError.denied(.loginRequired) }
            guard account.kind != .staff else { throw TongbanError.denied(.notOwner) }
        }
        let now = req.application.hallNow()
        let local = LocalTime(now)
        _ = try requireOpen(hall, at: local, on: req.application)
        let hallID = try hall.requireID()
        let accountID = channel == .online ? try account?.requireID() : nil
        if let accountID, let held = try await HallTicket.query(on: req.db).filter(\.$hallID == hallID).filter(\.$accountID == accountID)
            .filter(\.$status == .waiting).filter(\.$channel == .online).first() {
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
            try await req.db.write { tx in
                ticket.number = try await nextNumber(hall: hallID, day: ticket.day, category: code, on: tx)
                ticket.label = HallCategory.label(code: code, number: ticket.number)
                try await ticket.create(on: tx)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw TongbanError.conflict("hall.alreadyWaiting", ["ticket": "?"])
        }
        return ticket
    }

    static func nextNumber(hall: UUID, day: String, category: String, on db: any Database) async throws -> Int {
        let row = try await db.sql.raw("""
            INSERT INTO hall_counters (id, hall_id, day, category, last) VALUES (\(bind: UUID()), \(bind: hall), \(bind: day), \(bind: category), 1)
            ON CONFLICT (hall_id, day, category) DO UPDATE SET last = hall_counters.last + 1 RETURNING last
            """).first()
        guard let last = try row?.decode(column: "last", as: Int.self) else { throw Abort(.internalServerError, reason: "no ticket number") }
        return last
    }

    /// Where a ticket stands: the people ahead of it, the windows serving its category, the
    /// expected wait.
    struct Standing: Sendable {
        let ahead: Int?
        let openWindows: Int
        let estimatedWaitMinutes: Int?
    }

    static func standing(of ticket: HallTicket, hall: Hall, on req: Request) async throws -> Standing {
        guard ticket.status == .waiting else { return Standing(ahead: nil, openWindows: 0, estimatedWaitMinutes: nil) }
        let waiting = try await HallTicket.query(on: req.db).filter(\.$hallID == ticket.hallID).filter(\.$day == ticket.day)
            .filter(\.$status == .waiting).filter(\.$category == ticket.category).all().map(\.waiting)
        let now = req.application.hallNow()
        let ahead = TicketQueue.ahead(of: ticket.waiting, in: waiting, now: now)
        let open = try await openWindows(hall: ticket.hallID, on: req.db).filter { $0.categories.contains(ticket.category) }.count
        let service = try await meanServiceMinutes(hall: hall, day: ticket.day, category: ticket.category, on: req.db)
        return Standing(ahead: ahead, openWindows: open,
                        estimatedWaitMinutes: TicketQueue.estimatedWaitMinutes(ahead: ahead, openWindows: open, serviceMinutes: service))
    }

    static func openWindows(hall: UUID, on db: any Database) async throws -> [HallWindow] {
        let open = Set(try await WindowSession.query(on: db).filter(\.$hallID == hall).filter(\.$closedAt == nil).all().map(\.windowID))
        guard !open.isEmpty else { return [] }
        return try await HallWindow.query(on: db).filter(\.$hallID == hall).all().filter { open.contains($0.id!) }
    }

    /// The day's mean service time of a category from its last 50 served tickets, else the hall's
    /// default.
    static func meanServiceMinutes(hall: Hall, day: String, category: String, on db: any Database) async throws -> Double {
        let served = try await HallTicket.query(on: db).filter(\.$hallID == hall.requireID()).filter(\.$day == day).filter(\.$category == category)
            .filter(\.$status == .served).sort(\.$finishedAt, .descending).limit(50).all()
        let minutes = served.compactMap { t in t.finishedAt.flatMap { f in t.calledAt.map { f.timeIntervalSince($0) / 60 } } }
        return minutes.isEmpty ? hall.defaultServiceMinutes : minutes.reduce(0, +) / Double(minutes.count)
    }

    /// 叫号屏: the numbers being called and what waits, per category.
    struct Board: Content {
        struct Call: Content { let label: String; let window: String; let at: Date; let current: Bool }
        struct Queue: Content { let code: String; let name: String; let waiting: Int }
        let hall: String
        let open: Bool
        let calls: [Call]
        let queues: [Queue]
    }

    static func board(_ hall: Hall, on req: Request) async throws -> Board {
        let hallID = try hall.requireID()
        let local = LocalTime(req.application.hallNow())
        let day = local.date.description
        let recent = try await HallTicket.query(on: req.db).filter(\.$hallID == hallID).filter(\.$day == day)
            .filter(\.$calledAt != nil).sort(\.$calledAt, .descending).limit(12).all()
        let waiting = try await HallTicket.query(on: req.db).filter(\.$hallID == hallID).filter(\.$day == day).filter(\.$status == .waiting).all()
        let english = req.language == .en
        let spans = (try? hall.hours.spans(on: local.date, calendar: req.application.workingDays)) ?? []
        return Board(hall: english ? hall.nameEn : hall.name, open: spans.contains { $0.contains(local.minute) },
                     calls: recent.map { Board.Call(label: $0.label, window: $0.windowName ?? "", at: $0.calledAt!, current: $0.status == .called) },
                     queues: hall.categories.map { c in Board.Queue(code: c.code, name: english ? c.nameEn : c.name, waiting: waiting.count { $0.category == c.code }) })
    }
}
