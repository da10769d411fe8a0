import Foundation

/// A stretch of a day, in minutes after midnight (Asia/Shanghai): opens at `start`, closed from
/// `end`. Written "08:30-12:00" in the hall's configuration.
public struct DaySpan: Sendable, Equatable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let start: Int
    public let end: Int

    public init?(start: Int, end: Int) {
        guard 0 <= start, start < end, end <= 24 * 60 else { return nil }
        self.start = start
        self.end = end
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]) else { return nil }
        self.init(start: start, end: end)
    }

    /// "08:30" → 510; "24:00" is the end of the day.
    public static func minutes<S: StringProtocol>(_ clock: S) -> Int? {
        let hm = clock.split(separator: ":")
        guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
            (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 24 * 60
        else { return nil }
        return h * 60 + m
    }

    public static func clock(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    public func contains(_ minute: Int) -> Bool { start <= minute && minute < end }
    public var description: String { "\(Self.clock(start))-\(Self.clock(end))" }
    public static func < (a: DaySpan, b: DaySpan) -> Bool { (a.start, a.end) < (b.start, b.end) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let span = DaySpan(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a span like 08:30-12:00: \(text)"))
        }
        self = span
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// When a hall is open. Each weekday (1 Monday … 7 Sunday) has its own spans, so "5+2" service
/// (weekend hours) and late evenings are simply more spans. The official calendar decides what a
/// date is: on an adjusted working day (调休上班, a Saturday or Sunday worked) the hall keeps
/// Monday's hours; on a statutory holiday it keeps `holidays` (usually none: closed), whatever
/// the weekday; other dates keep their weekday's hours.
public struct OpeningHours: Sendable, Equatable, Codable {
    public var weekdays: [Int: [DaySpan]]
    public var holidays: [DaySpan]

    public init(weekdays: [Int: [DaySpan]], holidays: [DaySpan] = []) {
        self.weekdays = weekdays.mapValues { $0.sorted() }
        self.holidays = holidays.sorted()
    }

    /// What kind of day the calendar says a date is, for the hall.
    public enum DayKind: String, Sendable, Equatable {
        case workday, adjustedWorkday, weekend, holiday
    }

    public static func kind(of date: CalendarDate, calendar: WorkingDayCalendar) throws(WorkingDayCalendar.Problem) -> DayKind {
        if try calendar.isWorkingDay(date).value { return date.isWeekend ? .adjustedWorkday : .workday }
        return calendar.holidayName(date) != nil ? .holiday : .weekend
    }

    /// The spans the hall is open on a date; empty when closed. A date outside the calendar is
    /// an error, never a guess.
    public func spans(on date: CalendarDate, calendar: WorkingDayCalendar) throws(WorkingDayCalendar.Problem) -> [DaySpan] {
        switch try Self.kind(of: date, calendar: calendar) {
        case .workday, .weekend: weekdays[date.weekday] ?? []
        case .adjustedWorkday: weekdays[1] ?? []
        case .holiday: holidays
        }
    }

    /// Spans must not overlap within a day: a problem names the weekday.
    public var problems: [String] {
        var found: [String] = []
        for (day, spans) in weekdays.sorted(by: { $0.key < $1.key }) {
            if !(1...7).contains(day) { found.append("weekday \(day) is not 1…7") }
            for (a, b) in zip(spans, spans.dropFirst()) where b.start < a.end { found.append("weekday \(day): \(a) overlaps \(b)") }
        }
        for (a, b) in zip(holidays, holidays.dropFirst()) where b.start < a.end { found.append("holidays: \(a) overlaps \(b)") }
        return found
    }

    enum CodingKeys: String, CodingKey { case weekdays, holidays }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let named = try c.decode([String: [DaySpan]].self, forKey: .weekdays)
        var weekdays: [Int: [DaySpan]] = [:]
        for (key, spans) in named {
            guard let day = Int(key), (1...7).contains(day) else {
                throw DecodingError.dataCorruptedError(forKey: .weekdays, in: c, debugDescription: "weekday \(key) is not 1…7")
            }
            weekdays[day] = spans
        }
        self.init(weekdays: weekdays, holidays: try c.decodeIfPresent([DaySpan].self, forKey: .holidays) ?? [])
        if let problem = problems.first { throw DecodingError.dataCorruptedError(forKey: .weekdays, in: c, debugDescription: problem) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Dictionary(uniqueKeysWithValues: weekdays.map { (String($0.key), $0.value) }), forKey: .weekdays)
        try c.encode(holidays, forKey: .holidays)
    }
}

/// Appointment slots: equal stretches that fit wholly inside the opening spans (a stretch left
/// at the end of a span, shorter than a slot, is not offered).
public enum AppointmentSlots {
    public static func slots(in spans: [DaySpan], minutes: Int) -> [DaySpan] {
        guard minutes > 0 else { return [] }
        var slots: [DaySpan] = []
        for span in spans.sorted() {
            var start = span.start
            while start + minutes <= span.end {
                slots.append(DaySpan(start: start, end: start + minutes)!)
                start += minutes
            }
        }
        return slots
    }

    /// Why a slot cannot be booked now, or nil. `now` is the date and minute in Asia/Shanghai.
    public enum Refusal: String, Sendable, Equatable {
        /// the slot has begun or passed
        case past
        /// further ahead than bookings open
        case tooFarAhead
        /// the hall is closed that day
        case closedDay
        /// not one of the day's slots
        case notASlot
    }

    public static func refusal(
        date: CalendarDate, start: Int, now: (date: CalendarDate, minute: Int), horizonDays: Int,
        daySpans: [DaySpan], slotMinutes: Int
    ) -> Refusal? {
        if date < now.date || (date == now.date && start <= now.minute) { return .past }
        if date.dayNumber - now.date.dayNumber > horizonDays { return .tooFarAhead }
        if daySpans.isEmpty { return .closedDay }
        if !slots(in: daySpans, minutes: slotMinutes).contains(where: { $0.start == start }) { return .notASlot }
        return nil
    }
}

/// A wall-clock moment in Asia/Shanghai (no daylight saving since 1992: always UTC+8): the date and the
/// minute of the day, the terms halls and slots are stated in.
public struct LocalTime: Sendable, Equatable, Comparable {
    public let date: CalendarDate
    public let minute: Int

    static let offset = 8 * 3600

    public init(date: CalendarDate, minute: Int) {
        self.date = date
        self.minute = minute
    }

    public init(_ instant: Date) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + Self.offset
        let day = Int((Double(seconds) / 86_400).rounded(.down))
        date = CalendarDate(dayNumber: day - Self.epochDayNumber)!
        minute = (seconds - day * 86_400) / 60
    }

    /// The instant this wall-clock minute begins.
    public var instant: Date {
        Date(timeIntervalSince1970: Double((date.dayNumber + Self.epochDayNumber) * 86_400 + minute * 60 - Self.offset))
    }

    public var hour: Int { minute / 60 }

    /// `2026-12-06 10:05`, as pages show an instant.
    public var wallClockText: String { "\(date) \(DaySpan.clock(minute))" }

    /// Day numbers count from some fixed day; this makes 1970-01-01 zero.
    static let epochDayNumber = -CalendarDate(year: 1970, month: 1, day: 1)!.dayNumber

    public static func < (a: LocalTime, b: LocalTime) -> Bool { (a.date, a.minute) < (b.date, b.minute) }
}
