import Foundation
import Testing
@testable import TongbanCore

/// Opening hours on the official calendar, appointment slots, the calling order and the hall's
/// figures: generated cases against plain restatements, and hand-computed fixtures.
@Suite("Hall rules")
struct HallRulesTests {
    static let calendar = WorkingDayCalendarTests.calendar
    static let hours = OpeningHours(weekdays: [
        1: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!], 2: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!],
        3: [DaySpan("08:30-12:00")!, DaySpan("13:30-20:00")!], 4: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!],
        5: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!], 6: [DaySpan("09:00-12:00")!], 7: [DaySpan("09:00-12:00")!],
    ])

    @Test("spans read and print as HH:MM-HH:MM; malformed ones are refused")
    func spans() {
        var rng = SplitMix64(seed: 71)
        for _ in 0..<2_000 {
            let a = Int.random(in: 0..<1440, using: &rng)
            let b = Int.random(in: 1...1440, using: &rng)
            let text = "\(DaySpan.clock(a))-\(DaySpan.clock(b))"
            let span = DaySpan(text)
            #expect((span != nil) == (a < b), "\(text)")
            if let span { #expect(span.description == text && span.start == a && span.end == b) }
        }
        for bad in [
            "", "08:30", "8:30-12:00", "08:30-12:60", "12:00-08:30", "08:30-08:30", "24:30-25:00", "08:30-12:00-13:00", "ab:cd-12:00",
        ] {
            #expect(DaySpan(bad) == nil, "\(bad)")
        }
    }

    /// The notices themselves are the oracle: a date a notice names as off is a holiday, one it
    /// names as worked is a working day with Monday's hours, any other date keeps its weekday's.
    @Test("opening hours follow the official notices of 2020–2027, every date")
    func openingHoursFollowTheNotices() throws {
        var named: [CalendarDate: Bool] = [:]
        for year in 2020...2027 {
            let url = WorkingDayCalendarTests.folder.appendingPathComponent("\(year).json")
            let notice = try JSONDecoder().decode(HolidayNotice.self, from: Data(contentsOf: url))
            for day in notice.days { named[CalendarDate(iso: day.date)!] = day.isOffDay }
        }
        var date = CalendarDate(year: 2020, month: 1, day: 1)!
        var checked = 0
        var holidays = 0
        var adjusted = 0
        while date.year <= 2027 {
            let spans = try Self.hours.spans(on: date, calendar: Self.calendar)
            switch named[date] {
            case true?:
                #expect(spans.isEmpty, "\(date) is a holiday")
                holidays += 1
            case false?:
                #expect(spans == Self.hours.weekdays[1], "\(date) is worked with Monday's hours")
                adjusted += 1
            case nil: #expect(spans == (Self.hours.weekdays[date.weekday] ?? []), "\(date)")
            }
            checked += 1
            date = date.adding(days: 1)!
        }
        #expect(checked == 2922 && holidays > 100 && adjusted > 30)
        // 5+2: an ordinary Saturday is open in the morning; National Day is closed even on a Saturday
        #expect(try Self.hours.spans(on: CalendarDate(iso: "2026-11-28")!, calendar: Self.calendar) == [DaySpan("09:00-12:00")!])
        #expect(try Self.hours.spans(on: CalendarDate(iso: "2026-10-03")!, calendar: Self.calendar).isEmpty)
        // a date no calendar covers is an error, not a guess
        #expect(throws: WorkingDayCalendar.Problem.self) {
            try Self.hours.spans(on: CalendarDate(iso: "1999-05-01")!, calendar: Self.calendar)
        }
    }

    @Test("overlapping spans and weekdays outside 1…7 are refused when hours are read")
    func badHours() {
        let decoder = JSONDecoder()
        for bad in [
            #"{"weekdays":{"1":["08:00-12:00","11:00-13:00"]}}"#, #"{"weekdays":{"8":["08:00-12:00"]}}"#,
            #"{"weekdays":{"1":["08:00-07:00"]}}"#, #"{"weekdays":{"1":["8-12"]}}"#,
        ] {
            #expect(throws: DecodingError.self) { try decoder.decode(OpeningHours.self, from: Data(bad.utf8)) }
        }
        let good = try? decoder.decode(OpeningHours.self, from: Data(#"{"weekdays":{"1":["13:00-17:00","08:00-12:00"]}}"#.utf8))
        #expect(good?.weekdays[1] == [DaySpan("08:00-12:00")!, DaySpan("13:00-17:00")!])
    }

    @Test("slots fit wholly inside the spans, do not overlap, and none more would fit")
    func slots() {
        var rng = SplitMix64(seed: 72)
        for _ in 0..<3_000 {
            var spans: [DaySpan] = []
            var at = Int.random(in: 0..<600, using: &rng)
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                let end = at + Int.random(in: 1...300, using: &rng)
                guard end <= 1440, let span = DaySpan(start: at, end: end) else { break }
                spans.append(span)
                at = end + Int.random(in: 0...120, using: &rng)
            }
            let minutes = [5, 15, 20, 30, 45, 60, 90].randomElement(using: &rng)!
            let slots = AppointmentSlots.slots(in: spans.shuffled(using: &rng), minutes: minutes)
            for slot in slots {
                #expect(slot.end - slot.start == minutes)
                #expect(spans.contains { $0.start <= slot.start && slot.end <= $0.end })
            }
            for (a, b) in zip(slots, slots.dropFirst()) { #expect(a.end <= b.start) }
            for span in spans {
                let inside = slots.filter { span.start <= $0.start && $0.end <= span.end }
                #expect(inside.count == (span.end - span.start) / minutes)
                #expect(inside.first.map { $0.start == span.start } ?? true)
            }
        }
    }

    @Test("a slot is refused when past, too far ahead, on a closed day, or not a slot")
    func slotRefusals() {
        let day = CalendarDate(iso: "2026-11-24")!  // a Tuesday
        let spans = Self.hours.weekdays[2]!
        func refusal(_ date: String, _ start: Int, now: Int = 600) -> AppointmentSlots.Refusal? {
            AppointmentSlots.refusal(
                date: CalendarDate(iso: date)!, start: start, now: (day, now), horizonDays: 14,
                daySpans: CalendarDate(iso: date)! == CalendarDate(iso: "2026-11-29")! ? [] : spans, slotMinutes: 30)
        }
        #expect(refusal("2026-11-24", 630) == nil)
        #expect(refusal("2026-11-24", 600) == .past)
        #expect(refusal("2026-11-24", 540) == .past)
        #expect(refusal("2026-11-23", 900) == .past)
        #expect(refusal("2026-12-08", 510) == nil)
        #expect(refusal("2026-12-09", 510) == .tooFarAhead)
        #expect(refusal("2026-11-29", 600) == .closedDay)
        #expect(refusal("2026-11-25", 525) == .notASlot)
        #expect(refusal("2026-11-25", 690) == nil)  // 11:30–12:00, the morning's last slot
        #expect(refusal("2026-11-25", 705) == .notASlot)  // would run past noon
    }

    static func randomTickets(_ rng: inout SplitMix64, count: Int, now: Date) -> [WaitingTicket] {
        let categories = ["A", "B", "C", "D"]
        var numbers: [String: Int] = [:]
        return (0..<count).map { _ in
            let category = categories.randomElement(using: &rng)!
            numbers[category, default: 0] += 1
            let queued = now.addingTimeInterval(-Double(Int.random(in: 0...7200, using: &rng) / 60 * 60))
            let slot: Date? =
                Int.random(in: 0..<4, using: &rng) == 0 ? now.addingTimeInterval(Double(Int.random(in: -4...4, using: &rng)) * 1800) : nil
            return WaitingTicket(id: UUID(), category: category, queuedAt: queued, number: numbers[category]!, slotStart: slot)
        }
    }

    @Test("calling order: due appointments first by slot, then arrival order; each window calls the first it serves")
    func callingOrder() {
        var rng = SplitMix64(seed: 73)
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        for _ in 0..<500 {
            let waiting = Self.randomTickets(&rng, count: Int.random(in: 0...40, using: &rng), now: now)
            let ordered = TicketQueue.ordered(waiting, now: now)
            let due = ordered.prefix { $0.slotStart.map { $0 <= now } ?? false }
            #expect(due.count == waiting.count { $0.slotStart.map { $0 <= now } ?? false })
            for (a, b) in zip(due, due.dropFirst()) { #expect(a.slotStart! <= b.slotStart!) }
            let rest = ordered.dropFirst(due.count)
            for (a, b) in zip(rest, rest.dropFirst()) { #expect(a.queuedAt <= b.queuedAt) }
            // a window calls the first ticket of its categories; the people ahead are those before it
            let serving = Set(["A", "B", "C", "D"].filter { _ in Bool.random(using: &rng) })
            #expect(
                TicketQueue.next(waiting.shuffled(using: &rng), serving: serving, now: now)
                    == ordered.first { serving.contains($0.category) })
            for ticket in waiting.prefix(5) {
                let sameCategory = ordered.filter { $0.category == ticket.category }
                #expect(TicketQueue.ahead(of: ticket, in: waiting, now: now) == sameCategory.firstIndex(of: ticket)!)
            }
        }
    }

    @Test("windows calling in turn call every ticket exactly once, none skipped")
    func drainingTheQueue() {
        var rng = SplitMix64(seed: 74)
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        for _ in 0..<200 {
            var waiting = Self.randomTickets(&rng, count: Int.random(in: 1...60, using: &rng), now: now)
            let all = Set(waiting.map(\.id))
            let windows: [Set<String>] = [["A", "B", "C", "D"], ["B"], ["C", "D"]]
            var called: [UUID] = []
            var idle = 0
            var turn = Int.random(in: 0..<3, using: &rng)
            while idle < windows.count {  // stops once every window in turn finds nothing
                turn += 1
                guard let next = TicketQueue.next(waiting, serving: windows[turn % windows.count], now: now) else {
                    idle += 1
                    continue
                }
                idle = 0
                called.append(next.id)
                waiting.removeAll { $0.id == next.id }
            }
            #expect(waiting.isEmpty)
            #expect(Set(called) == all && called.count == all.count)
        }
    }

    @Test("estimated wait: the people ahead shared among the open windows")
    func estimate() {
        #expect(TicketQueue.estimatedWaitMinutes(ahead: 0, openWindows: 1, serviceMinutes: 10) == 10)
        #expect(TicketQueue.estimatedWaitMinutes(ahead: 5, openWindows: 2, serviceMinutes: 8) == 24)
        #expect(TicketQueue.estimatedWaitMinutes(ahead: 2, openWindows: 3, serviceMinutes: 7.5) == 8)
        #expect(TicketQueue.estimatedWaitMinutes(ahead: 3, openWindows: 0, serviceMinutes: 10) == nil)
    }

    @Test("ticket labels and category letters")
    func labels() {
        #expect(HallCategory.label(code: "B", number: 7) == "B007")
        #expect(HallCategory.label(code: "A", number: 999) == "A999")
        #expect(HallCategory.label(code: "A", number: 1024) == "A1024")
        for code in ["A", "Z"] { #expect(HallCategory.isValidCode(code)) }
        for code in ["", "a", "AB", "1", "是"] { #expect(!HallCategory.isValidCode(code)) }
        let categories = [
            HallCategory(code: "A", name: "综合", nameEn: "General", departments: []),
            HallCategory(code: "B", name: "商事登记", nameEn: "Business", departments: ["X"]),
        ]
        #expect(HallCategory.serving(department: "X", in: categories)?.code == "B")
        #expect(HallCategory.serving(department: "Y", in: categories)?.code == "A")
        #expect(HallCategory.serving(department: "Y", in: Array(categories.dropFirst())) == nil)
    }

    @Test("figures per hour and category against a hand-computed fixture")
    func figuresFixture() throws {
        let d1 = CalendarDate(iso: "2026-11-23")!
        let d2 = CalendarDate(iso: "2026-11-24")!
        func t(_ d: CalendarDate, _ h: Int, _ c: String, _ w: Double?, _ s: Double?, _ e: TicketOutcome.Ending) -> TicketOutcome {
            TicketOutcome(date: d, hour: h, category: c, waitMinutes: w, serviceMinutes: s, ending: e)
        }
        let tickets = [
            t(d1, 9, "A", 4, 10, .served), t(d1, 9, "A", 10, 6, .served), t(d1, 9, "A", 22, nil, .noShow),
            t(d2, 9, "A", 1, 8, .served), t(d2, 9, "B", 0, 20, .served), t(d2, 10, "A", nil, nil, .waiting),
        ]
        let windows = [
            WindowHour(date: d1, hour: 9, categories: ["A", "B"], minutesOpen: 60),
            WindowHour(date: d2, hour: 9, categories: ["A"], minutesOpen: 30),
            WindowHour(date: d2, hour: 9, categories: ["B"], minutesOpen: 60),
        ]
        let rows = HallStatistics.figures(tickets: tickets, windows: windows, categories: ["A", "B"])
        let a9 = try #require(rows.first { $0.hour == 9 && $0.category == "A" })
        #expect(a9.days == 2 && a9.arrivals == 4 && a9.arrivalsPerHour == 2)
        #expect(a9.meanWaitMinutes == 37.0 / 4 && a9.p90WaitMinutes == 22 && a9.meanServiceMinutes == 8)
        #expect(a9.served == 3 && a9.noShows == 1 && a9.windowsOpen == 0.75)
        let b9 = try #require(rows.first { $0.hour == 9 && $0.category == "B" })
        #expect(b9.arrivals == 1 && b9.arrivalsPerHour == 0.5 && b9.windowsOpen == 1 && b9.p90WaitMinutes == 0)
        let a10 = try #require(rows.first { $0.hour == 10 && $0.category == "A" })
        #expect(a10.days == 1 && a10.arrivals == 1 && a10.meanWaitMinutes == nil && a10.windowsOpen == 0)
        #expect(rows.count == 4)
        #expect(HallStatistics.percentile([3, 1, 2, 5, 4, 10, 9, 8, 7, 6], 0.9) == 9)
        #expect(HallStatistics.percentile([5], 0.9) == 5 && HallStatistics.percentile([], 0.9) == nil)
    }

    @Test("staffing advice: the fewest windows meeting the target, and one fewer would not")
    func staffing() {
        var rng = SplitMix64(seed: 75)
        let target = StaffingTarget.standard
        for _ in 0..<400 {
            let rate = Double(Int.random(in: 0...120, using: &rng))
            let service = Double(Int.random(in: 2...30, using: &rng))
            let figure = HourFigures(
                hour: 10, category: "A", days: 5, arrivals: Int(rate) * 5, arrivalsPerHour: rate, meanWaitMinutes: nil,
                p90WaitMinutes: nil, meanServiceMinutes: service, served: 5, noShows: 0, windowsOpen: 3)
            let advice = StaffingPlan.advise([figure], target: target, defaultServiceMinutes: 10)[0]
            guard let n = advice.recommended else {
                Issue.record("no recommendation for \(rate)/h × \(service) min")
                continue
            }
            if rate == 0 {
                #expect(n == 0)
                continue
            }
            #expect(ErlangC(arrivalsPerHour: rate, serviceMinutes: service, windows: n).serviceLevel(within: 15) >= 0.9)
            if n > 1 { #expect(ErlangC(arrivalsPerHour: rate, serviceMinutes: service, windows: n - 1).serviceLevel(within: 15) < 0.9) }
            #expect(advice.isUnderstaffed == (3 < n) && advice.isOverstaffed == (3 >= n + 1))
        }
        // no service time recorded in the hour: the category's over the period, then the default
        let noService = HourFigures(
            hour: 8, category: "B", days: 1, arrivals: 6, arrivalsPerHour: 6, meanWaitMinutes: nil, p90WaitMinutes: nil,
            meanServiceMinutes: nil, served: 0, noShows: 0, windowsOpen: 0)
        let withService = HourFigures(
            hour: 9, category: "B", days: 1, arrivals: 4, arrivalsPerHour: 4, meanWaitMinutes: 3, p90WaitMinutes: 5,
            meanServiceMinutes: 12, served: 4, noShows: 0, windowsOpen: 1)
        #expect(StaffingPlan.advise([noService, withService], target: target, defaultServiceMinutes: 10)[0].serviceMinutes == 12)
        #expect(StaffingPlan.advise([noService], target: target, defaultServiceMinutes: 10)[0].serviceMinutes == 10)
        // 6 an hour at 10 minutes is one Erlang: two windows leave 90 % waiting under 15 minutes
        #expect(StaffingPlan.advise([noService], target: target, defaultServiceMinutes: 10)[0].recommended == 2)
        #expect(StaffingTarget(share: 1, withinMinutes: 15) == nil && StaffingTarget(share: 0.8, withinMinutes: -1) == nil)
    }
}

@Suite("Hall local time")
struct LocalTimeTests {
    @Test("instants and Shanghai wall-clock minutes convert both ways, against Foundation's calendar")
    func roundTrip() {
        var rng = SplitMix64(seed: 76)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CalendarDate.shanghai
        for _ in 0..<5_000 {
            let instant = Date(timeIntervalSince1970: Double(Int.random(in: 700_000_000...2_000_000_000, using: &rng)))  // 1992 on: China kept daylight saving time 1986–1991
            let local = LocalTime(instant)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
            #expect(local.date == CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!))
            #expect(local.minute == parts.hour! * 60 + parts.minute!)
            #expect(abs(local.instant.timeIntervalSince(instant)) < 60 && local.instant <= instant)
        }
        #expect(LocalTime(date: CalendarDate(iso: "2026-11-24")!, minute: 600).instant == Date(timeIntervalSince1970: 1_795_485_600))
    }
}

@Suite("Hall staffing totals")
struct HallTotalsTests {
    @Test("pooling every category needs no more windows than dedicating windows to each, and windows count once")
    func pooledAgainstDedicated() {
        var rng = SplitMix64(seed: 77)
        let d = CalendarDate(iso: "2026-11-24")!
        for _ in 0..<300 {
            var figures: [HourFigures] = []
            for category in ["A", "B", "C"] {
                let rate = Double(Int.random(in: 0...40, using: &rng))
                figures.append(
                    HourFigures(
                        hour: 10, category: category, days: 2, arrivals: Int(rate) * 2, arrivalsPerHour: rate, meanWaitMinutes: nil,
                        p90WaitMinutes: nil, meanServiceMinutes: Double(Int.random(in: 3...20, using: &rng)), served: 1, noShows: 0,
                        windowsOpen: 2))
            }
            let advice = StaffingPlan.advise(figures, target: .standard, defaultServiceMinutes: 10)
            let windows = [
                WindowHour(date: d, hour: 10, categories: ["A", "B", "C"], minutesOpen: 60),
                WindowHour(date: d.adding(days: 1)!, hour: 10, categories: ["A", "B", "C"], minutesOpen: 60),
                WindowHour(date: d, hour: 10, categories: ["B"], minutesOpen: 30),
            ]
            let total = StaffingPlan.totals(advice, figures: figures, windows: windows, target: .standard)[0]
            #expect(total.windowsOpen == 1.25)  // (60 + 60 + 30) / 60 / 2 days: the shared window counts once
            #expect(abs(total.arrivalsPerHour - figures.reduce(0) { $0 + $1.arrivalsPerHour }) < 1e-9)
            if let pooled = total.pooled, let dedicated = total.dedicated {
                #expect(pooled <= dedicated)
            } else {
                Issue.record("no advice")
            }
        }
    }
}
