import Testing
@testable import TongbanCore

@Suite("Bundle progress and its critical path")
struct BundleProgressTests {
    static let calendar = WorkingDayCalendarTests.calendar

    /// Steps whose prerequisites point only at earlier ones, none started.
    static func randomSteps(_ rng: inout SplitMix64) -> [BundleProgress.Step] {
        var steps: [BundleProgress.Step] = []
        for i in 0..<Int.random(in: 1...8, using: &rng) {
            let after = (0..<i).filter { _ in Int.random(in: 0..<3, using: &rng) == 0 }.map { "c\($0)" }
            steps.append(
                BundleProgress.Step(
                    id: "c\(i)", name: "事项\(i)", days: Int.random(in: 0...20, using: &rng), after: after,
                    state: .submitted))
        }
        return steps
    }

    @Test("3,000 generated bundles on the day they are submitted: the expected end is the promised end, along a real chain")
    func onSubmission() throws {
        var rng = SplitMix64(seed: 31)
        for _ in 0..<3_000 {
            let steps = Self.randomSteps(&rng)
            let today = CalendarDate(dayNumber: Int.random(in: 20_000...20_600, using: &rng))!
            let progress = BundleProgress.of(steps, submittedOn: today, today: today, calendar: Self.calendar)
            #expect(progress.expectedEndOfAll == progress.promisedEnd && !progress.late)
            // the path is a chain: each step waits for the one before, and its days are the promised days
            let byID = Dictionary(uniqueKeysWithValues: steps.map { ($0.id, $0) })
            for (a, b) in zip(progress.criticalPath, progress.criticalPath.dropFirst()) { #expect(byID[b]!.after.contains(a)) }
            #expect(progress.criticalPath.map { byID[$0]!.days }.reduce(0, +) == progress.promisedDays)
            #expect(byID[progress.criticalPath.first!]!.after.isEmpty)
            // no chain promises more than the path's
            #expect(steps.allSatisfy { progress.expectedEnd[$0.id]! <= progress.expectedEndOfAll! })
        }
    }

    @Test("a prerequisite decided late moves its dependents and the whole past the promised end; a stopped case drops out")
    func lateAndStopped() throws {
        let monday = CalendarDate(iso: "2026-11-02")!
        var steps = [
            BundleProgress.Step(id: "yyzz", name: "营业执照", days: 3, after: [], state: .underReview, acceptedOn: monday),
            BundleProgress.Step(id: "food", name: "食品经营许可", days: 10, after: ["yyzz"], state: .waiting, acceptedOn: monday),
            BundleProgress.Step(id: "sign", name: "店招审批", days: 5, after: [], state: .underReview, acceptedOn: monday),
        ]
        steps[0].dueOn = CalendarDate(iso: "2026-11-05")
        steps[2].dueOn = CalendarDate(iso: "2026-11-09")
        let onTime = BundleProgress.of(steps, submittedOn: monday, today: monday, calendar: Self.calendar)
        #expect(onTime.promisedDays == 13 && onTime.promisedEnd == CalendarDate(iso: "2026-11-19"))
        #expect(onTime.expectedEnd["food"] == CalendarDate(iso: "2026-11-19") && onTime.criticalPath == ["yyzz", "food"] && !onTime.late)
        // the licence came two working days late: the food licence starts from then
        steps[0].state = .decided
        steps[0].decidedOn = CalendarDate(iso: "2026-11-09")
        let late = BundleProgress.of(steps, submittedOn: monday, today: CalendarDate(iso: "2026-11-09")!, calendar: Self.calendar)
        #expect(late.expectedEnd["food"] == CalendarDate(iso: "2026-11-23") && late.late)
        steps[1].state = .stopped
        steps[0].decidedOn = CalendarDate(iso: "2026-11-04")
        let stopped = BundleProgress.of(steps, submittedOn: monday, today: CalendarDate(iso: "2026-11-04")!, calendar: Self.calendar)
        #expect(stopped.expectedEnd["food"] == nil && stopped.criticalPath == ["sign"] && !stopped.late)
    }
}
