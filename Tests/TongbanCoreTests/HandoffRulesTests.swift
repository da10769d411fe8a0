import Foundation
import Testing

@testable import TongbanCore

@Suite("审管衔接: a handoff's lights by working days")
struct HandoffRulesTests {
    static let calendar = WorkingDayCalendarTests.calendar
    static let walk = WorkingDayCalendarTests.Walk()

    @Test(
        "generated handoffs over the official calendars: yellow after the first limit's working days, red after the second, never back; signed is signed"
    )
    func generatedLights() throws {
        var rng = SplitMix64(seed: 28)
        let first = CalendarDate(iso: "2024-01-01")!
        for _ in 0..<400 {
            let yellowDays = Int.random(in: 1...4, using: &rng)
            let rules = try HandoffRules(yellowDays: yellowDays, redDays: yellowDays + Int.random(in: 1...6, using: &rng))
            let handedOver = first.adding(days: Int.random(in: 0...1_000, using: &rng))!
            let deadlines = try rules.deadlines(handedOver: handedOver, calendar: Self.calendar)
            #expect(deadlines.yellow == Self.walk.add(rules.yellowDays, to: handedOver))
            #expect(deadlines.red == Self.walk.add(rules.redDays, to: handedOver))
            var previous = HandoffRules.Light.waiting
            for offset in 0...30 {
                let today = handedOver.adding(days: offset)!
                let light = HandoffRules.light(yellowOn: deadlines.yellow, redOn: deadlines.red, signed: false, today: today)
                let passed = Self.walk.between(handedOver, today)
                let expected: HandoffRules.Light = passed >= rules.redDays ? .red : passed >= rules.yellowDays ? .yellow : .waiting
                #expect(light == expected, "\(handedOver) +\(offset): \(passed) working days")
                let order: [HandoffRules.Light] = [.waiting, .yellow, .red]
                #expect(order.firstIndex(of: light)! >= order.firstIndex(of: previous)!)
                previous = light
                #expect(HandoffRules.light(yellowOn: deadlines.yellow, redOn: deadlines.red, signed: true, today: today) == .signed)
            }
        }
    }

    @Test("limits that cannot work are refused: none, red not after yellow, beyond 60 working days")
    func invalidLimits() {
        for (yellow, red) in [(0, 3), (3, 3), (4, 2), (1, 61), (-1, 2)] {
            #expect(throws: HandoffRules.Problem.self) { try HandoffRules(yellowDays: yellow, redDays: red) }
        }
        #expect(HandoffRules.standard.yellowDays == 1 && HandoffRules.standard.redDays == 3)
    }

    @Test("a handoff made before the National Day holiday turns yellow on the first working day after it")
    func overTheHoliday() throws {
        // 2025-09-30 (Tuesday) → 10-01..10-08 off; 10-09 is the first working day after
        let deadlines = try HandoffRules.standard.deadlines(handedOver: CalendarDate(iso: "2025-09-30")!, calendar: Self.calendar)
        #expect(deadlines.yellow.description == "2025-10-09")
        #expect(deadlines.red.description == "2025-10-11")
    }
}
