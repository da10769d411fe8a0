import Foundation
import Testing
@testable import TongbanCore

/// The supervision arithmetic: what each case and rating adds, rates from summed counters, the
/// trend's buckets, and the CSV the figures are exported as.
@Suite("supervision figures")
struct SupervisionTotalsTests {
    let monday = CalendarDate(year: 2026, month: 11, day: 16)!

    func facts(
        _ state: CaseState, submitted: CalendarDate? = nil, decided: Int? = nil, due: Int? = 5, visits: Int = 0, online: Bool = true,
        level: RegionLevel = .county, used: Int? = nil, saved: Int = 0
    ) -> CaseFacts {
        let s = submitted ?? monday
        return CaseFacts(
            submittedOn: s, online: online, regionLevel: level, state: state, decidedOn: decided.flatMap { s.adding(days: $0) },
            dueOn: due.flatMap { s.adding(days: $0) }, daysUsed: used ?? decided, promisedDays: 5, visits: visits, materialsSaved: saved)
    }

    @Test("a hand-computed fixture: 一次办 counts one visit and not two, 马上办 the same day, on time up to the due date")
    func fixture() {
        let cases = [
            facts(.concluded, decided: 0, due: nil, visits: 0, online: true, level: .town, used: 0, saved: 2),  // instant, online, near, zero visits
            facts(.delivered, decided: 3, visits: 1, online: false),  // on time, one visit
            facts(.decided, decided: 7, visits: 2, online: false),  // late, two visits: not 一次办
            facts(.underReview, visits: 1, level: .village),  // not decided yet
            facts(.refused, visits: 1, online: false),
            facts(.withdrawn),
            facts(.revoked, decided: 5, visits: 0, used: 5),  // decided (then revoked), on the due day
        ]
        let t = cases.map(SupervisionTotals.of).reduce(SupervisionTotals(), +)
        #expect(t.cases == 7 && t.applications == 7 && t.decided == 4 && t.refused == 1 && t.withdrawn == 1)
        #expect(t.onlineRate == Rate(4, of: 7))
        #expect(t.nearRate == Rate(2, of: 7))
        #expect(t.immediateRate == Rate(1, of: 4))
        #expect(t.onTimeRate == Rate(3, of: 4))
        #expect(t.oneVisitRate == Rate(3, of: 4))
        #expect(t.zeroVisitRate == Rate(2, of: 4))
        #expect(t.daysUsed == 15 && t.daysPromised == 20 && t.averageDaysUsed == 3.75 && t.averageDaysPromised == 5)
        #expect(t.saved == 2)
        #expect(
            t.onTimeRate.percent == "75.0%" && SupervisionTotals().onTimeRate.percent == "—" && SupervisionTotals().onTimeRate.value == nil)
        // ratings: an upheld appeal takes the rating out; a bad one followed up (fixed or explained) counts as followed up
        let ratings = [
            RatingFacts(level: .veryGood), RatingFacts(level: .good), RatingFacts(level: .fair),
            RatingFacts(level: .poor, followUp: .fixed),
            RatingFacts(level: .veryPoor, followUp: .open), RatingFacts(level: .veryPoor, counts: false, followUp: .void),
            RatingFacts(level: .poor, followUp: .explained),
        ]
        let r = ratings.map(SupervisionTotals.of).reduce(SupervisionTotals(), +)
        #expect(r.ratings == 6 && r.satisfactionRate == Rate(3, of: 6) && r.badRate == Rate(3, of: 6) && r.followUpRate == Rate(2, of: 3))
    }

    @Test("5,000 random cases: the sums are the direct counts, in any order and any grouping")
    func generated() {
        var rng = SplitMix64(seed: 6)
        var all: [CaseFacts] = []
        for _ in 0..<5_000 {
            let state = CaseState.allCases.randomElement(using: &rng)!
            let decidedState = CaseFacts.decidedStates.contains(state)
            let decided = decidedState ? Int.random(in: 0...12, using: &rng) : nil
            all.append(
                facts(
                    state, submitted: monday.adding(days: Int.random(in: -60...0, using: &rng)), decided: decided,
                    due: Bool.random(using: &rng) ? nil : Int.random(in: 0...10, using: &rng), visits: Int.random(in: 0...3, using: &rng),
                    online: Bool.random(using: &rng), level: RegionLevel.allCases.randomElement(using: &rng)!,
                    used: decided.map { _ in Int.random(in: 0...10, using: &rng) }, saved: Int.random(in: 0...2, using: &rng)))
        }
        let total = all.map(SupervisionTotals.of).reduce(SupervisionTotals(), +)
        let decided = all.filter(\.isDecided)
        #expect(total.cases == all.count && total.decided == decided.count)
        #expect(total.oneVisit == decided.count { $0.visits <= 1 } && total.zeroVisit == decided.count { $0.visits == 0 })
        #expect(total.immediate == decided.count { $0.decidedOn! == $0.submittedOn })
        #expect(total.onTime == decided.count { $0.dueOn == nil || $0.decidedOn! <= $0.dueOn! })
        #expect(total.near == all.count { $0.regionLevel == .town || $0.regionLevel == .village })
        #expect(total.daysUsed == decided.reduce(0) { $0 + ($1.daysUsed ?? 0) } && total.saved == all.reduce(0) { $0 + $1.materialsSaved })
        // grouping by day then summing, or summing a shuffled list, gives the same
        var byDay: [CalendarDate: SupervisionTotals] = [:]
        for f in all { byDay[f.submittedOn, default: SupervisionTotals()] += SupervisionTotals.of(f) }
        #expect(byDay.values.reduce(SupervisionTotals(), +) == total)
        #expect(all.shuffled(using: &rng).map(SupervisionTotals.of).reduce(SupervisionTotals(), +) == total)
        // the trend over the period keeps every case in exactly one bucket
        for step in TrendStep.allCases {
            let series = step.series(byDay.map { ($0.key, $0.value) }, from: monday.adding(days: -60)!, to: monday)
            #expect(series.map(\.totals).reduce(SupervisionTotals(), +) == total, "\(step)")
            #expect(zip(series, series.dropFirst()).allSatisfy { $0.start < $1.start })
        }
    }

    @Test("trend steps: days up to a month, weeks from Monday up to half a year, months beyond; every bucket present")
    func steps() {
        let d = { (y: Int, m: Int, day: Int) in CalendarDate(year: y, month: m, day: day)! }
        #expect(TrendStep.fitting(from: d(2026, 11, 1), to: d(2026, 12, 1)) == .day)
        #expect(TrendStep.fitting(from: d(2026, 11, 1), to: d(2026, 12, 2)) == .week)
        #expect(TrendStep.fitting(from: d(2026, 1, 1), to: d(2026, 7, 2)) == .week)
        #expect(TrendStep.fitting(from: d(2026, 1, 1), to: d(2026, 7, 3)) == .month)
        #expect(TrendStep.week.start(of: d(2026, 11, 22)) == d(2026, 11, 16))  // a Sunday belongs to the week from Monday
        #expect(
            TrendStep.week.buckets(from: d(2026, 11, 22), to: d(2026, 12, 7)) == [
                d(2026, 11, 16), d(2026, 11, 23), d(2026, 11, 30), d(2026, 12, 7),
            ])
        #expect(
            TrendStep.month.buckets(from: d(2025, 11, 30), to: d(2026, 2, 1)) == [
                d(2025, 11, 1), d(2025, 12, 1), d(2026, 1, 1), d(2026, 2, 1),
            ])
        #expect(TrendStep.day.buckets(from: d(2026, 2, 27), to: d(2026, 3, 1)).count == 3)
        var rng = SplitMix64(seed: 9)
        for _ in 0..<500 {
            let from = d(2024, 1, 1).adding(days: Int.random(in: 0...900, using: &rng))!
            let to = from.adding(days: Int.random(in: 0...800, using: &rng))!
            let step = TrendStep.fitting(from: from, to: to)
            let buckets = step.buckets(from: from, to: to)
            #expect(buckets.first! <= from && buckets.last! <= to)
            for day in [from, to, from.adding(days: (to.dayNumber - from.dayNumber) / 2)!] {
                #expect(buckets.contains(step.start(of: day)))
            }
        }
    }

    @Test("CSV out and back in: 1,000 random rows survive commas, quotes and line breaks; formulas are defused")
    func csv() throws {
        var rng = SplitMix64(seed: 12)
        let alphabet = Array("ab,\"\n 甲乙丙1.5")
        var rows: [[String]] = []
        for _ in 0..<1_000 {
            rows.append(
                (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                    String((0..<Int.random(in: 1...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
                })
        }
        #expect(try CSV.parse(CSV.format(rows)).map(\.fields) == rows)
        #expect(
            try CSV.parse(CSV.format([["=SUM(A1)", "-12.5", "@x", "+1", "-x"]])).map(\.fields) == [
                ["'=SUM(A1)", "-12.5", "'@x", "+1", "'-x"]
            ])
    }
}
