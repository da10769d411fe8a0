import Foundation

/// One year's State Council notice on public holidays, in the holiday-cn format:
/// `{"year":2026,"papers":[…],"days":[{"name":"春节","date":"2026-02-15","isOffDay":true},…]}`.
/// `isOffDay: true` is a holiday; `false` is an adjusted working day (调休上班) on a weekend.
public struct HolidayNotice: Codable, Sendable, Equatable {
    public struct Day: Codable, Sendable, Equatable {
        public var name: String
        public var date: String
        public var isOffDay: Bool
    }

    public var year: Int
    public var papers: [String]
    public var days: [Day]

    /// A file with no days (the next year before its notice is out) publishes nothing.
    public var isPublished: Bool { !days.isEmpty }
}

/// The official working-day calendar (工作日): Monday to Friday, except public holidays, plus
/// the weekend days the notices make working days.
///
/// Dates are known only where a notice covers them: the years with a published notice, except
/// the last week of December when the next year's notice is not out (a notice may move
/// 29–31 December, as the 2007, 2008, 2012, 2019 and 2023 notices did). Outside that, the
/// calendar counts Monday to Friday and says so in every answer (`Reckoning.assumed`): a
/// deadline in a year without a notice is an estimate, never silently passed off as official.
///
/// Counting is by prefix sums over a table of days, so adding working days is a binary search
/// and counting them between two dates is a subtraction.
public struct WorkingDayCalendar: Sendable {
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// The date lies outside the calendar's table (before the first notice or far ahead).
        case outOfRange(String, supported: ClosedRange<CalendarDate>)
        case negativeDays(Int)
        case badNotice(year: Int, reason: String)

        public var description: String {
            switch self {
            case let .outOfRange(date, supported): "\(date) is outside the calendar (\(supported.lowerBound) to \(supported.upperBound))"
            case let .negativeDays(n): "the number of working days must not be negative (\(n))"
            case let .badNotice(year, reason): "holiday notice \(year): \(reason)"
            }
        }
    }

    /// An answer, with the dates it relied on that no official notice covers.
    public struct Reckoning<Value: Sendable & Equatable>: Sendable, Equatable {
        public let value: Value
        /// The first and last dates counted by weekends alone, or nil when every date counted is
        /// covered by a notice.
        public let assumed: ClosedRange<CalendarDate>?
        public var isOfficial: Bool { assumed == nil }
    }

    /// Calendar dates from the first day of the first notice to the end of `horizonYears` after
    /// the last one.
    public let supported: ClosedRange<CalendarDate>
    /// The last date covered by a notice.
    public let officialThrough: CalendarDate?
    public let noticeYears: [Int]
    private let firstDay: Int
    /// `workingBefore[i]`: working days among table days `0..<i` (one entry more than days).
    private let workingBefore: [Int32]
    /// `assumedBefore[i]`: days among `0..<i` that no notice covers.
    private let assumedBefore: [Int32]
    private let holidayNames: [Int: String]

    public static let horizonYears = 10
    /// From 25 December a date may still be moved by the next year's notice.
    static let lateDecemberFrom = 25

    public init(notices: [HolidayNotice]) throws(Problem) {
        let published = notices.filter(\.isPublished)
        guard let firstYear = published.map(\.year).min(), let lastYear = published.map(\.year).max() else {
            throw .badNotice(year: 0, reason: "no published notice")
        }
        var overrides: [Int: Bool] = [:]
        var names: [Int: String] = [:]
        for notice in published {
            for day in notice.days {
                guard let date = CalendarDate(iso: day.date) else { throw .badNotice(year: notice.year, reason: "bad date \(day.date)") }
                guard
                    date.year == notice.year
                        || (date.year == notice.year - 1 && date.month == 12 && date.day >= Self.lateDecemberFrom)
                else {
                    throw .badNotice(year: notice.year, reason: "\(day.date) is not in \(notice.year) or the end of \(notice.year - 1)")
                }
                if let earlier = overrides[date.dayNumber], earlier != day.isOffDay {
                    throw .badNotice(year: notice.year, reason: "\(day.date) is both a holiday and a working day")
                }
                overrides[date.dayNumber] = day.isOffDay
                if day.isOffDay { names[date.dayNumber] = day.name }
            }
        }
        let publishedYears = Set(published.map(\.year))
        let first = CalendarDate(year: firstYear, month: 1, day: 1)!
        let last = CalendarDate(year: lastYear + Self.horizonYears, month: 12, day: 31)!
        func isCovered(_ date: CalendarDate) -> Bool {
            publishedYears.contains(date.year)
                && (date.month < 12 || date.day < Self.lateDecemberFrom || publishedYears.contains(date.year + 1))
        }
        let count = last.dayNumber - first.dayNumber + 1
        var working = [Int32](repeating: 0, count: count + 1)
        var assumed = [Int32](repeating: 0, count: count + 1)
        var officialThrough: CalendarDate? = nil
        for i in 0..<count {
            let date = CalendarDate(dayNumber: first.dayNumber + i)!
            let covered = isCovered(date)
            let isWorking = covered ? overrides[date.dayNumber].map { !$0 } ?? !date.isWeekend : !date.isWeekend
            working[i + 1] = working[i] + (isWorking ? 1 : 0)
            assumed[i + 1] = assumed[i] + (covered ? 0 : 1)
            if covered { officialThrough = date }
        }
        supported = first...last
        self.officialThrough = officialThrough
        noticeYears = publishedYears.sorted()
        firstDay = first.dayNumber
        workingBefore = working
        assumedBefore = assumed
        holidayNames = names
    }

    /// Reads every `YYYY.json` notice in a folder.
    public static func load(folder: URL) throws -> WorkingDayCalendar {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.count == 9 && $0.hasSuffix(".json") && Int($0.prefix(4)) != nil }
        let decoder = JSONDecoder()
        let notices = try files.map { try decoder.decode(HolidayNotice.self, from: Data(contentsOf: folder.appendingPathComponent($0))) }
        return try WorkingDayCalendar(notices: notices)
    }

    private func index(_ date: CalendarDate) throws(Problem) -> Int {
        let i = date.dayNumber - firstDay
        guard i >= 0, i < workingBefore.count - 1 else { throw .outOfRange(date.description, supported: supported) }
        return i
    }

    private func day(at index: Int) -> CalendarDate { CalendarDate(dayNumber: firstDay + index)! }

    /// Table days `from...to` not covered by a notice, as a date range.
    private func assumedSpan(from: Int, to: Int) -> ClosedRange<CalendarDate>? {
        guard from <= to, assumedBefore[to + 1] > assumedBefore[from] else { return nil }
        // first: the lowest i ≥ from with assumedBefore[i + 1] > assumedBefore[from]
        var lo = from
        var hi = to
        while lo < hi {
            let mid = (lo + hi) / 2
            if assumedBefore[mid + 1] > assumedBefore[from] { hi = mid } else { lo = mid + 1 }
        }
        let firstAssumed = lo
        // last: the highest i ≤ to with assumedBefore[i] < assumedBefore[to + 1]
        lo = from
        hi = to
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if assumedBefore[mid] < assumedBefore[to + 1] { lo = mid } else { hi = mid - 1 }
        }
        return day(at: firstAssumed)...day(at: lo)
    }

    public func isWorkingDay(_ date: CalendarDate) throws(Problem) -> Reckoning<Bool> {
        let i = try index(date)
        return Reckoning(value: workingBefore[i + 1] > workingBefore[i], assumed: assumedSpan(from: i, to: i))
    }

    /// The name of the holiday a date belongs to (春节, 国庆节…), if a notice makes it one.
    public func holidayName(_ date: CalendarDate) -> String? { holidayNames[date.dayNumber] }

    /// The date `days` working days after `date`, the date itself not counted: 3 working days
    /// after a Friday is the next Wednesday. Zero days is the date itself.
    public func adding(workingDays days: Int, to date: CalendarDate) throws(Problem) -> Reckoning<CalendarDate> {
        guard days >= 0 else { throw .negativeDays(days) }
        let start = try index(date)
        if days == 0 { return Reckoning(value: date, assumed: nil) }
        let target = workingBefore[start + 1] + Int32(clamping: days)
        // The working day that brings the count to `target`: the lowest i with workingBefore[i + 1] ≥ target.
        let lastIndex = workingBefore.count - 2
        var lo = start + 1
        var hi = lastIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            if workingBefore[mid + 1] >= target { hi = mid } else { lo = mid + 1 }
        }
        guard lo <= lastIndex, workingBefore[lo + 1] >= target else {
            throw .outOfRange("\(days) working days after \(date)", supported: supported)
        }
        return Reckoning(value: day(at: lo), assumed: assumedSpan(from: start + 1, to: lo))
    }

    /// Working days after `from` up to and including `to`; negative when `to` is before `from`.
    public func workingDays(after from: CalendarDate, through to: CalendarDate) throws(Problem) -> Reckoning<Int> {
        let a = try index(from)
        let b = try index(to)
        let count = Int(workingBefore[b + 1] - workingBefore[a + 1])
        return Reckoning(value: count, assumed: assumedSpan(from: min(a, b) + 1, to: max(a, b)))
    }
}
