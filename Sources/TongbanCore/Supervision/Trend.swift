import Foundation

/// A dashboard's trend: its period cut into days (up to a month), weeks from Monday (up to half
/// a year) or calendar months, every bucket present even when nothing happened in it.
public enum TrendStep: String, Sendable, CaseIterable {
    case day, week, month

    public static func fitting(from: CalendarDate, to: CalendarDate) -> TrendStep {
        let days = to.dayNumber - from.dayNumber + 1
        return days <= 31 ? .day : days <= 183 ? .week : .month
    }

    /// The first day of the bucket a date falls in.
    public func start(of date: CalendarDate) -> CalendarDate {
        switch self {
        case .day: date
        case .week: date.adding(days: 1 - date.weekday)!
        case .month: CalendarDate(year: date.year, month: date.month, day: 1)!
        }
    }

    /// The buckets of a period, in order, by their first day (the first may start before `from`).
    public func buckets(from: CalendarDate, to: CalendarDate) -> [CalendarDate] {
        guard from <= to else { return [] }
        var starts: [CalendarDate] = []
        var current = start(of: from)
        while current <= to {
            starts.append(current)
            current =
                switch self {
                case .day: current.adding(days: 1)!
                case .week: current.adding(days: 7)!
                case .month:
                    current.month == 12
                        ? CalendarDate(year: current.year + 1, month: 1, day: 1)!
                        : CalendarDate(year: current.year, month: current.month + 1, day: 1)!
                }
        }
        return starts
    }

    /// Daily totals summed into the period's buckets; days outside the period are left out.
    public func series(_ daily: [(day: CalendarDate, totals: SupervisionTotals)], from: CalendarDate, to: CalendarDate)
        -> [(start: CalendarDate, totals: SupervisionTotals)]
    {
        var sums: [CalendarDate: SupervisionTotals] = [:]
        for (day, totals) in daily where from <= day && day <= to { sums[start(of: day), default: SupervisionTotals()] += totals }
        return buckets(from: from, to: to).map { ($0, sums[$0] ?? SupervisionTotals()) }
    }
}
