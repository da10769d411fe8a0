import Foundation

/// A hall's categories of service (业务类别): each has the letter its ticket numbers begin with
/// and the departments whose items it serves; a category with no departments (综合) serves any
/// item no other category claims.
public struct HallCategory: Sendable, Equatable, Codable {
    public let code: String
    public let name: String
    public let nameEn: String
    /// Credit codes of the departments whose items this category serves.
    public let departments: [String]

    public init(code: String, name: String, nameEn: String, departments: [String]) {
        self.code = code
        self.name = name
        self.nameEn = nameEn
        self.departments = departments
    }

    /// The category serving an item of a department: the one naming the department, else the
    /// comprehensive one, else none.
    public static func serving(department: String, in categories: [HallCategory]) -> HallCategory? {
        categories.first { $0.departments.contains(department) } ?? categories.first { $0.departments.isEmpty }
    }

    /// A ticket's label: the letter and the day's number, three digits until the thousandth
    /// ticket ("B007", "B1024").
    public static func label(code: String, number: Int) -> String {
        code + (number < 1000 ? String(format: "%03d", number) : String(number))
    }

    /// One capital letter A–Z, so it reads out and prints unambiguously.
    public static func isValidCode(_ code: String) -> Bool {
        code.count == 1 && code.unicodeScalars.allSatisfy { (65...90).contains($0.value) }
    }
}

/// A ticket waiting in a hall's queue, as much of it as the calling order needs.
public struct WaitingTicket: Sendable, Equatable, Hashable {
    public let id: UUID
    public let category: String
    /// When it joined the queue (taken, or checked in with an appointment).
    public let queuedAt: Date
    /// The day's number within its category: breaks ties between tickets of the same instant.
    public let number: Int
    /// The start of the appointment slot it was checked in for, if any.
    public let slotStart: Date?

    public init(id: UUID, category: String, queuedAt: Date, number: Int, slotStart: Date?) {
        self.id = id
        self.category = category
        self.queuedAt = queuedAt
        self.number = number
        self.slotStart = slotStart
    }
}

/// The calling order (叫号规则). An appointment holder who has checked in is served first once
/// their slot has begun, earliest slot first; everyone else, early appointment holders
/// included, in the order they joined the queue. A window calls the first ticket of the
/// categories it serves.
public enum TicketQueue {
    /// Whether `a` is called before `b` at `now`.
    public static func precedes(_ a: WaitingTicket, _ b: WaitingTicket, now: Date) -> Bool {
        let aDue = a.slotStart.map { $0 <= now } ?? false
        let bDue = b.slotStart.map { $0 <= now } ?? false
        if aDue != bDue { return aDue }
        if aDue, let sa = a.slotStart, let sb = b.slotStart, sa != sb { return sa < sb }
        if a.queuedAt != b.queuedAt { return a.queuedAt < b.queuedAt }
        if a.number != b.number { return a.number < b.number }
        if a.category != b.category { return a.category < b.category }
        return a.id.uuidString < b.id.uuidString
    }

    public static func ordered(_ waiting: [WaitingTicket], now: Date) -> [WaitingTicket] {
        waiting.sorted { precedes($0, $1, now: now) }
    }

    /// The ticket a window serving `categories` calls next.
    public static func next(_ waiting: [WaitingTicket], serving categories: Set<String>, now: Date) -> WaitingTicket? {
        var best: WaitingTicket?
        for ticket in waiting where categories.contains(ticket.category) {
            if let current = best, !precedes(ticket, current, now: now) { continue }
            best = ticket
        }
        return best
    }

    /// How many people of the same category will be called before this ticket, if nothing
    /// changes.
    public static func ahead(of ticket: WaitingTicket, in waiting: [WaitingTicket], now: Date) -> Int {
        waiting.reduce(0) { $0 + ($1.id != ticket.id && $1.category == ticket.category && precedes($1, ticket, now: now) ? 1 : 0) }
    }

    /// The expected wait with every window busy: a window frees, on average, every
    /// `serviceMinutes / openWindows` (exponential service, as in the Erlang model), and this
    /// ticket is called at the (ahead + 1)-th. Minutes, rounded up; nil when no window serving
    /// the category is open.
    public static func estimatedWaitMinutes(ahead: Int, openWindows: Int, serviceMinutes: Double) -> Int? {
        guard openWindows > 0 else { return nil }
        let rounds = Double(ahead + 1) / Double(openWindows)
        return Int((rounds * serviceMinutes).rounded(.up))
    }
}
