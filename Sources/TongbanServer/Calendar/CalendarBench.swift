import Foundation
import TongbanCore
import TongbanPlatform

/// `tongban bench calendar`: the deadline-arithmetic budget (1,000,000 `add working days` in
/// under a second), in process, over random start dates 2007–2026 and 0–60 working days; also
/// counting between dates and whole case-clock readings with pauses. Prints figures.
enum CalendarBench {
    static func run(_ calendar: WorkingDayCalendar, say: (String) -> Void) throws {
        var rng = SystemRandomNumberGenerator()
        let first = CalendarDate(iso: "2007-01-01")!.dayNumber
        let last = CalendarDate(iso: "2026-11-30")!.dayNumber
        let n = 1_000_000
        let starts = (0..<n).map { _ in CalendarDate(dayNumber: Int.random(in: first...last, using: &rng))! }
        let days = (0..<n).map { _ in Int.random(in: 0...60, using: &rng) }
        for round in 1...3 {
            var checksum = 0
            let clock = ContinuousClock.now
            for i in 0..<n { checksum &+= try calendar.adding(workingDays: days[i], to: starts[i]).value.dayNumber }
            let elapsed = ContinuousClock.now - clock
            say(
                String(
                    format: "add working days ×1,000,000 (round %d): %.0f ms, %.0f ns each (checksum %d)",
                    round, ms(elapsed), ms(elapsed) * 1e6 / Double(n), checksum % 1000))
        }
        var checksum = 0
        var clock = ContinuousClock.now
        for i in 0..<n { checksum &+= try calendar.workingDays(after: starts[i], through: starts[i].adding(days: days[i] * 2)!).value }
        say(String(format: "working days between ×1,000,000: %.0f ms (checksum %d)", ms(ContinuousClock.now - clock), checksum % 1000))
        let readings = 100_000
        clock = ContinuousClock.now
        for i in 0..<readings {
            let pause = CaseClock.Pause(from: starts[i].adding(days: 3)!, until: starts[i].adding(days: 3 + days[i] % 10)!)
            let reading = try CaseClock(start: starts[i], limit: days[i], pauses: [pause]).reading(
                on: starts[i].adding(days: 20)!, calendar: calendar)
            checksum &+= reading.used
        }
        say(String(format: "case clock readings (one pause) ×100,000: %.0f ms", ms(ContinuousClock.now - clock)))
    }

    static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
