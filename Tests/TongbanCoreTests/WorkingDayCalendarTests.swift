import Foundation
import Testing
@testable import TongbanCore

/// The calendar against a day-by-day walk over the same notices, and against dates read off the
/// State Council notices by hand.
@Suite("Working-day calendar")
struct WorkingDayCalendarTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/TongbanPlatform/Resources/Holidays")
    static let calendar = try! WorkingDayCalendar.load(folder: folder)

    /// The slow, obvious reading of the notices: each date's override, else Monday to Friday.
    struct Walk {
        var overrides: [CalendarDate: Bool] = [:]
        init() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: WorkingDayCalendarTests.folder.path)) ?? []
            for file in files where file.hasSuffix(".json") {
                let notice = try! JSONDecoder().decode(
                    HolidayNotice.self, from: Data(contentsOf: WorkingDayCalendarTests.folder.appendingPathComponent(file)))
                for day in notice.days { overrides[CalendarDate(iso: day.date)!] = !day.isOffDay }
            }
        }
        func isWorking(_ d: CalendarDate) -> Bool { overrides[d] ?? !d.isWeekend }
        func add(_ n: Int, to start: CalendarDate) -> CalendarDate {
            var d = start
            var left = n
            while left > 0 {
                d = d.adding(days: 1)!
                if isWorking(d) { left -= 1 }
            }
            return d
        }
        func between(_ a: CalendarDate, _ b: CalendarDate) -> Int {
            var d = a
            var count = 0
            while d < b {
                d = d.adding(days: 1)!
                if isWorking(d) { count += 1 }
            }
            return count
        }
    }
    static let walk = Walk()

    static func randomDate(_ rng: inout SplitMix64, from: CalendarDate, to: CalendarDate) -> CalendarDate {
        CalendarDate(dayNumber: Int.random(in: from.dayNumber...to.dayNumber, using: &rng))!
    }

    @Test("day numbers and weekdays agree with Foundation's Gregorian calendar over 200 years")
    func dayNumbers() {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = TimeZone(identifier: "UTC")!
        let epoch = CalendarDate(year: 1970, month: 1, day: 1)!
        #expect(epoch.dayNumber == 0 && epoch.weekday == 4)
        var d = CalendarDate(year: 1900, month: 1, day: 1)!
        while d.year < 2100 {
            let instant = Date(timeIntervalSince1970: Double(d.dayNumber) * 86_400)
            let c = gregorian.dateComponents([.year, .month, .day, .weekday], from: instant)
            #expect(c.year == d.year && c.month == d.month && c.day == d.day)
            #expect((c.weekday! + 5) % 7 + 1 == d.weekday)
            #expect(CalendarDate(dayNumber: d.dayNumber) == d)
            d = d.adding(days: 1)!
        }
    }

    @Test("dates read off the notices: long holidays, weekend working days, year ends")
    func handChecked() throws {
        let c = Self.calendar
        func add(_ n: Int, _ iso: String) throws -> String { try c.adding(workingDays: n, to: CalendarDate(iso: iso)!).value.description }
        func between(_ a: String, _ b: String) throws -> Int {
            try c.workingDays(after: CalendarDate(iso: a)!, through: CalendarDate(iso: b)!).value
        }
        // National Day and Mid-Autumn 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked.
        #expect(try add(1, "2025-09-30") == "2025-10-09")
        #expect(try between("2025-09-26", "2025-09-28") == 1)
        #expect(try c.isWorkingDay(CalendarDate(iso: "2025-10-11")!).value)
        // Spring Festival 2026: Saturday 14 February worked, 15–23 February off, Saturday 28 February worked.
        #expect(try add(1, "2026-02-13") == "2026-02-14")
        #expect(try add(5, "2026-02-12") == "2026-02-26")
        #expect(try !c.isWorkingDay(CalendarDate(iso: "2026-02-23")!).value)
        #expect(c.holidayName(CalendarDate(iso: "2026-02-17")!) == "春节")
        // 2024 National Day: 3 working days after Friday 27 September is 8 October (29 September worked).
        #expect(try add(3, "2024-09-27") == "2024-10-08")
        // A plain week: 3 working days after a Friday is the Wednesday; zero days is the date itself.
        #expect(try add(3, "2026-11-20") == "2026-11-25")
        #expect(try add(0, "2026-11-22") == "2026-11-22")
        #expect(try between("2026-11-20", "2026-11-20") == 0)
        #expect(try between("2026-11-25", "2026-11-20") == -3)
        // The 2007 notice moved 30 and 31 December 2006; the 2008 notice moved 29–31 December 2007.
        #expect(try c.isWorkingDay(CalendarDate(iso: "2007-12-29")!).value)
        #expect(try !c.isWorkingDay(CalendarDate(iso: "2007-12-31")!).value)
        #expect(try between("2026-01-01", "2026-12-24") == 243)
    }

    @Test("5,000 generated additions and counts agree with a day-by-day walk, both ways")
    func generated() throws {
        var rng = SplitMix64(seed: 2026)
        let first = CalendarDate(iso: "2007-01-01")!
        let last = CalendarDate(iso: "2026-09-30")!
        for _ in 0..<5_000 {
            let start = Self.randomDate(&rng, from: first, to: last)
            let n = Int.random(in: 0...60, using: &rng)
            let added = try Self.calendar.adding(workingDays: n, to: start)
            #expect(added.value == Self.walk.add(n, to: start), "\(n) after \(start)")
            #expect(added.isOfficial)
            let other = Self.randomDate(&rng, from: first, to: last)
            #expect(
                try Self.calendar.workingDays(after: start, through: other).value
                    == (other >= start ? Self.walk.between(start, other) : -Self.walk.between(other, start)))
            // adding then counting back is the identity, and the result is always a working day
            #expect(try Self.calendar.workingDays(after: start, through: added.value).value == n)
            if n > 0 { #expect(Self.walk.isWorking(added.value)) }
        }
    }

    @Test("dates no notice covers are counted by weekends and flagged, from 25 December of the last notice's year")
    func unknownYears() throws {
        let c = Self.calendar
        #expect(c.officialThrough == CalendarDate(iso: "2026-12-24"))
        let crossing = try c.adding(workingDays: 10, to: CalendarDate(iso: "2026-12-20")!)
        #expect(crossing.value == CalendarDate(iso: "2027-01-01"))  // a Friday: certainly a holiday once 2027 is published
        #expect(!crossing.isOfficial)
        #expect(crossing.assumed == CalendarDate(iso: "2026-12-25")!...CalendarDate(iso: "2027-01-01")!)
        let inside = try c.adding(workingDays: 3, to: CalendarDate(iso: "2026-12-18")!)
        #expect(inside.value == CalendarDate(iso: "2026-12-23") && inside.isOfficial)
        let count = try c.workingDays(after: CalendarDate(iso: "2027-03-01")!, through: CalendarDate(iso: "2027-03-31")!)
        #expect(count.value == 22 && !count.isOfficial)
        #expect(try !c.isWorkingDay(CalendarDate(iso: "2027-01-02")!).isOfficial)
        #expect(throws: WorkingDayCalendar.Problem.self) { try c.adding(workingDays: 1, to: CalendarDate(iso: "2006-06-01")!) }
        #expect(throws: WorkingDayCalendar.Problem.self) { try c.adding(workingDays: 1, to: CalendarDate(iso: "2040-01-01")!) }
        #expect(throws: WorkingDayCalendar.Problem.self) { try c.adding(workingDays: 100_000, to: CalendarDate(iso: "2026-01-01")!) }
        #expect(throws: WorkingDayCalendar.Problem.negativeDays(-1)) { try c.adding(workingDays: -1, to: CalendarDate(iso: "2026-01-05")!) }
    }

    @Test("a notice that contradicts itself or another is refused")
    func badNotices() {
        let holiday = HolidayNotice.Day(name: "元旦", date: "2030-01-01", isOffDay: true)
        let working = HolidayNotice.Day(name: "元旦", date: "2030-01-01", isOffDay: false)
        #expect(throws: WorkingDayCalendar.Problem.self) {
            try WorkingDayCalendar(notices: [HolidayNotice(year: 2030, papers: [], days: [holiday, working])])
        }
        #expect(throws: WorkingDayCalendar.Problem.self) {
            try WorkingDayCalendar(notices: [HolidayNotice(year: 2031, papers: [], days: [holiday])])
        }
        #expect(throws: WorkingDayCalendar.Problem.self) {
            try WorkingDayCalendar(notices: [HolidayNotice(year: 2030, papers: [], days: [])])
        }
    }
}

@Suite("Case clock")
struct CaseClockTests {
    static let calendar = WorkingDayCalendarTests.calendar

    @Test("the clock never counts paused days: 3,000 generated cases against a day-by-day count")
    func pausesAreNotCounted() throws {
        var rng = SplitMix64(seed: 77)
        let walk = WorkingDayCalendarTests.walk
        for _ in 0..<3_000 {
            let start = WorkingDayCalendarTests.randomDate(
                &rng, from: CalendarDate(iso: "2015-01-01")!, to: CalendarDate(iso: "2026-06-30")!)
            let limit = Int.random(in: 0...30, using: &rng)
            var pauses: [CaseClock.Pause] = []
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let from = start.adding(days: Int.random(in: 0...40, using: &rng))!
                let open = Bool.random(using: &rng) && pauses.allSatisfy { $0.until != nil }
                pauses.append(CaseClock.Pause(from: from, until: open ? nil : from.adding(days: Int.random(in: 0...15, using: &rng))!))
            }
            let today = start.adding(days: Int.random(in: 0...70, using: &rng))!
            let clock = CaseClock(start: start, limit: limit, pauses: pauses)
            let reading = try clock.reading(on: today, calendar: Self.calendar)
            // a day counts when it is a working day after the start, up to today, in no pause (from, until]
            func paused(_ d: CalendarDate, until horizon: CalendarDate) -> Bool {
                pauses.contains { p in p.from < d && d <= (p.until ?? max(horizon, p.from)) }
            }
            var used = 0
            var d = start
            while d < today {
                d = d.adding(days: 1)!
                if walk.isWorking(d) && !paused(d, until: today) { used += 1 }
            }
            #expect(reading.used == used, "\(clock) on \(today)")
            #expect(reading.left == limit - used)
            // the due date is the day the limit-th counted working day falls on
            var counted = 0
            d = start
            while counted < limit {
                d = d.adding(days: 1)!
                if walk.isWorking(d) && !paused(d, until: today) { counted += 1 }
            }
            #expect(reading.dueDate == d, "\(clock) on \(today)")
            var yellow = 0
            var y = start
            while yellow < CaseClock.yellowThreshold(limit: limit, warnAt: 0.8) {
                y = y.adding(days: 1)!
                if walk.isWorking(y) && !paused(y, until: today) { yellow += 1 }
            }
            #expect(reading.yellowDate == y, "\(clock) on \(today)")
            #expect(
                reading.warning
                    == (today > d
                        ? .red : Double(used) >= 0.8 * Double(limit) && (limit > 0 || used > 0) ? .yellow : CaseClock.Warning.none))
        }
    }

    @Test("warnings: none, yellow at 80 % used, red after the due date; configurable threshold")
    func warnings() throws {
        let start = CalendarDate(iso: "2026-11-02")!  // a Monday
        let clock = CaseClock(start: start, limit: 10)
        func warning(_ iso: String, _ at: Double = 0.8) throws -> CaseClock.Warning {
            try clock.reading(on: CalendarDate(iso: iso)!, calendar: Self.calendar, warnAt: at).warning
        }
        #expect(try clock.reading(on: CalendarDate(iso: "2026-11-02")!, calendar: Self.calendar).dueDate == CalendarDate(iso: "2026-11-16"))
        #expect(try warning("2026-11-11") == .none)  // 7 used
        #expect(try warning("2026-11-12") == .yellow)  // 8 used
        #expect(try warning("2026-11-16") == .yellow)  // due today
        #expect(try warning("2026-11-17") == .red)
        #expect(try warning("2026-11-05", 0.3) == .yellow)
        let paused = CaseClock(start: start, limit: 10, pauses: [.init(from: CalendarDate(iso: "2026-11-04")!, until: nil)])
        let reading = try paused.reading(on: CalendarDate(iso: "2026-11-20")!, calendar: Self.calendar)
        #expect(reading.isPaused && reading.used == 2 && reading.warning == .none)
    }
}
