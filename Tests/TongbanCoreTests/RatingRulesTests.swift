import Foundation
import Testing
@testable import TongbanCore

/// 好差评 rules and the follow-up machine: every level × reason set generated, every state ×
/// action pair against the table, deadlines on the official calendar.
@Suite("Rating rules")
struct RatingRulesTests {
    static let allReasons = Array(Set(RatingLevel.allCases.flatMap(\.reasons))).sorted() + ["made-up"]

    @Test("reasons come from the level's list, bad ratings give at least one, 'other' alone needs a comment")
    func reasons() {
        var rng = SplitMix64(seed: 81)
        for _ in 0..<5_000 {
            let level = RatingLevel(rawValue: Int.random(in: 0...6, using: &rng))
            let reasons = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.allReasons.randomElement(using: &rng)! }
            let comment: String? = [nil, "", "  ", "等了两个小时", String(repeating: "长", count: 501)].randomElement(using: &rng)!
            let found = Set(RatingRules.problems(level: level, reasons: reasons, comment: comment).errors.map(\.key))
            guard let level else {
                #expect(found == ["rating.badLevel"])
                continue
            }
            var expected: Set<String> = []
            if !reasons.allSatisfy(level.reasons.contains) { expected.insert("rating.badReason") }
            if Set(reasons).count < reasons.count { expected.insert("rating.duplicateReason") }
            if level.isBad && reasons.isEmpty { expected.insert("rating.reasonRequired") }
            if (comment ?? "").count > 500 { expected.insert("field.tooLong") }
            if level.isBad && reasons == ["other"] && (comment ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                expected.insert("rating.explainOther")
            }
            #expect(found == expected, "\(level) \(reasons) \(String(describing: comment?.prefix(5)))")
        }
        #expect(RatingLevel.allCases.filter(\.isBad) == [.veryPoor, .poor])
    }

    static let table: [FollowUpState: [FollowUpAction: FollowUpState]] = [
        .open: [.callBack: .calledBack, .appeal: .appealed],
        .calledBack: [.fix: .fixed, .schedule: .scheduled, .explain: .explained, .appeal: .appealed],
        .scheduled: [.fix: .fixed, .explain: .explained, .appeal: .appealed],
        .appealed: [.upholdAppeal: .void, .rejectAppeal: .calledBack],
        .fixed: [:], .explained: [:], .void: [:],
    ]

    @Test("every state × action against the table; a refusal names what is allowed")
    func machine() {
        for state in FollowUpState.allCases {
            for action in FollowUpAction.allCases {
                let expected = Self.table[state]![action]
                do {
                    let to = try FollowUpMachine.next(state, action, beforeAppeal: .calledBack)
                    #expect(to == expected, "\(state) \(action)")
                } catch let refusal {
                    #expect(expected == nil, "\(state) \(action)")
                    #expect(refusal == .notAllowed(from: state, allowed: FollowUpAction.allCases.filter { Self.table[state]![$0] != nil }))
                }
            }
            #expect(state.isEnded == Self.table[state]!.isEmpty)
        }
    }

    @Test("random walks end fixed, explained or void, and a revision is allowed once, only then")
    func walks() {
        var rng = SplitMix64(seed: 82)
        for _ in 0..<2_000 {
            var state = FollowUpState.open
            var before: FollowUpState? = nil
            var steps = 0
            while !state.isEnded && steps < 50 {
                #expect(!RatingRules.mayRevise(revisions: 0, followUp: state))
                let action = FollowUpMachine.allowed(from: state).randomElement(using: &rng)!
                if action == .appeal { before = state }
                state = try! FollowUpMachine.next(state, action, beforeAppeal: before)
                steps += 1
            }
            #expect(state.isEnded)
            #expect(RatingRules.mayRevise(revisions: 0, followUp: state) && !RatingRules.mayRevise(revisions: 1, followUp: state))
        }
        #expect(!RatingRules.mayRevise(revisions: 0, followUp: nil))
    }

    @Test("follow-up deadlines are working days on the official calendar; overdue the day after, unless ended or under appeal")
    func deadlines() throws {
        let calendar = WorkingDayCalendarTests.calendar
        // a bad rating on Friday 25 September 2026: the National Day holiday (1–8 October) is not counted
        let d = try FollowUpDeadline(openedOn: CalendarDate(iso: "2026-09-25")!, days: 5, calendar: calendar)
        #expect(d.dueOn == (try calendar.adding(workingDays: 5, to: CalendarDate(iso: "2026-09-25")!).value))
        #expect(d.dueOn > CalendarDate(iso: "2026-10-01")!)
        #expect(!d.isOverdue(on: d.dueOn, state: .open) && d.isOverdue(on: d.dueOn.adding(days: 1)!, state: .calledBack))
        #expect(!d.isOverdue(on: d.dueOn.adding(days: 1)!, state: .fixed) && !d.isOverdue(on: d.dueOn.adding(days: 1)!, state: .appealed))
        var rng = SplitMix64(seed: 83)
        for _ in 0..<500 {
            let start = CalendarDate(dayNumber: CalendarDate(iso: "2020-01-01")!.dayNumber + Int.random(in: 0...2500, using: &rng))!
            let days = Int.random(in: 1...20, using: &rng)
            let due = try FollowUpDeadline(openedOn: start, days: days, calendar: calendar).dueOn
            #expect(try calendar.workingDays(after: start, through: due).value == days)
            #expect(try calendar.isWorkingDay(due).value)
        }
    }
}
