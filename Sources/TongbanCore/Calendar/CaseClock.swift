/// A time limit counted in working days from a start date, stopped while the case waits for
/// the applicant or for a procedure that does not count (补正, 容缺 overdue, an inspection the
/// item says pauses the clock).
///
/// Day conventions, the same as the law's "N working days after acceptance": the start date is
/// not counted; a pause from date P until date R leaves the working days after P up to and
/// including R uncounted (the case worked on P, and starts counting again the day after R, as it
/// does after acceptance). A pause still open counts as running until today.
public struct CaseClock: Sendable, Equatable, Codable {
    public struct Pause: Sendable, Equatable, Codable {
        public var from: CalendarDate
        public var until: CalendarDate?
        public init(from: CalendarDate, until: CalendarDate? = nil) {
            self.from = from
            self.until = until
        }
    }

    public enum Warning: String, Sendable, Codable, Comparable, CaseIterable {
        case none, yellow, red
        public static func < (a: Warning, b: Warning) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    public struct Reading: Sendable, Equatable {
        public let dueDate: CalendarDate
        /// The day the yellow warning starts, if the clock runs on without a new pause.
        public let yellowDate: CalendarDate
        /// Working days counted so far (after the start, up to today, outside pauses).
        public let used: Int
        /// Working days left; negative when overdue.
        public let left: Int
        public let pausedDays: Int
        public let isPaused: Bool
        public let warning: Warning
        /// Dates counted by weekends alone because no holiday notice covers them yet.
        public let assumed: ClosedRange<CalendarDate>?
    }

    public var start: CalendarDate
    public var limit: Int
    public var pauses: [Pause]

    public init(start: CalendarDate, limit: Int, pauses: [Pause] = []) {
        self.start = start
        self.limit = limit
        self.pauses = pauses
    }

    /// Yellow once `warnAt` of the limit is used (80 % by default), red once the due date has passed.
    public func reading(on today: CalendarDate, calendar: WorkingDayCalendar, warnAt: Double = 0.8) throws(WorkingDayCalendar.Problem)
        -> Reading
    {
        var assumed: ClosedRange<CalendarDate>? = nil
        func note(_ range: ClosedRange<CalendarDate>?) {
            guard let range else { return }
            assumed = assumed.map { min($0.lowerBound, range.lowerBound)...max($0.upperBound, range.upperBound) } ?? range
        }
        let merged = Self.merged(pauses, today: today).filter { $0.until > $0.from && $0.until > start }
        var pausedTotal = 0
        var pausedToDate = 0
        for pause in merged {
            let from = max(pause.from, start)
            let whole = try calendar.workingDays(after: from, through: pause.until)
            note(whole.assumed)
            pausedTotal += whole.value
            if from < today { pausedToDate += try calendar.workingDays(after: from, through: min(pause.until, today)).value }
        }
        let dueDate = try countedDay(limit, merged, calendar, note)
        let yellowDate = try countedDay(Self.yellowThreshold(limit: limit, warnAt: warnAt), merged, calendar, note)
        let elapsed = try calendar.workingDays(after: start, through: max(start, today))
        note(elapsed.assumed)
        let used = max(0, elapsed.value - pausedToDate)
        let isPaused = pauses.contains { $0.from <= today && ($0.until.map { today < $0 } ?? true) }
        let warning: Warning = today > dueDate ? .red : used >= Self.yellowThreshold(limit: limit, warnAt: warnAt) ? .yellow : .none
        return Reading(
            dueDate: dueDate, yellowDate: yellowDate, used: used, left: limit - used, pausedDays: pausedTotal,
            isPaused: isPaused, warning: warning, assumed: assumed)
    }

    /// Working days used from which a case is yellow: the share `warnAt` of the limit, rounded
    /// up, and at least one (an instant item is yellow as soon as a day is used).
    public static func yellowThreshold(limit: Int, warnAt: Double) -> Int {
        max(1, Int((warnAt * Double(limit)).rounded(.up)))
    }

    /// The day the `n`-th counted working day falls on: walk the pauses in order, spending the
    /// days on the working days between them.
    private func countedDay(
        _ n: Int, _ merged: [(from: CalendarDate, until: CalendarDate)], _ calendar: WorkingDayCalendar,
        _ note: (ClosedRange<CalendarDate>?) -> Void
    ) throws(WorkingDayCalendar.Problem) -> CalendarDate {
        var remaining = n
        var cursor = start
        for pause in merged {
            let before = try calendar.workingDays(after: cursor, through: max(cursor, pause.from))
            note(before.assumed)
            if before.value >= remaining { break }
            remaining -= before.value
            cursor = max(cursor, pause.until)
        }
        let reached = try calendar.adding(workingDays: remaining, to: cursor)
        note(reached.assumed)
        return reached.value
    }

    /// Pauses as disjoint closed intervals in date order, open ones ending today.
    static func merged(_ pauses: [Pause], today: CalendarDate) -> [(from: CalendarDate, until: CalendarDate)] {
        let closed = pauses.map { (from: $0.from, until: max($0.from, $0.until ?? max(today, $0.from))) }.sorted { $0.from < $1.from }
        var result: [(from: CalendarDate, until: CalendarDate)] = []
        for pause in closed {
            if let last = result.last, pause.from <= last.until {
                result[result.count - 1].until = max(last.until, pause.until)
            } else {
                result.append(pause)
            }
        }
        return result
    }
}
