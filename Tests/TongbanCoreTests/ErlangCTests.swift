import Foundation
import Testing
@testable import TongbanCore

/// Erlang C against the textbook example and against the closed formula.
@Suite("Erlang C")
struct ErlangCTests {
    /// The standard worked example of the call-centre literature (e.g. Call Centre Helper's
    /// "Erlang C formula — made simple"): 100 calls in half an hour, 3-minute handling time
    /// (10 Erlangs), target 80 % answered within 20 seconds. Published: 11 agents 68.21 % wait,
    /// 12 → 44.94 %, 13 → 28.53 % (service level 79.56 %), 14 → 17.41 % (88.84 %), 15 → 10.20 %;
    /// 14 agents are needed, with an average wait of 7.8 seconds.
    @Test("the published worked example: probability of waiting, service level, average wait, agents needed")
    func published() {
        let published: [(Int, Double, Double)] = [
            (11, 0.6821, 0.3896), (12, 0.4494, 0.6402), (13, 0.2853, 0.7956), (14, 0.1741, 0.8884), (15, 0.1020, 0.9415),
        ]
        for (n, wait, level) in published {
            let model = ErlangC(arrivalsPerHour: 200, serviceMinutes: 3, windows: n)
            #expect(abs(model.load - 10) < 1e-12)
            #expect(abs(model.probabilityOfWaiting - wait) < 0.00005, "\(n) windows: \(model.probabilityOfWaiting)")
            #expect(abs(model.serviceLevel(within: 20.0 / 60) - level) < 0.00005, "\(n) windows: \(model.serviceLevel(within: 20.0 / 60))")
        }
        #expect(abs(ErlangC(arrivalsPerHour: 200, serviceMinutes: 3, windows: 14).averageWaitMinutes * 60 - 7.8) < 0.05)
        #expect(ErlangC.windowsNeeded(arrivalsPerHour: 200, serviceMinutes: 3, target: 0.8, within: 20.0 / 60) == 14)
    }

    /// The closed formula with factorials, for loads small enough to compute it directly.
    static func direct(_ n: Int, _ a: Double) -> Double {
        var sum = 0.0
        var term = 1.0
        for k in 0..<n {
            if k > 0 { term *= a / Double(k) }
            sum += term
        }
        let last = term * a / Double(n) * Double(n) / (Double(n) - a)
        return last / (sum + last)
    }

    @Test(
        "2,000 random halls: the recursion equals the closed formula; more windows never wait longer; the recommendation is the fewest that meet the target"
    )
    func properties() {
        var rng = SplitMix64(seed: 70)
        for _ in 0..<2_000 {
            let arrivals = Double.random(in: 0.5...120, using: &rng)
            let service = Double.random(in: 2...45, using: &rng)
            let load = arrivals * service / 60
            let n = Int(load) + Int.random(in: 1...8, using: &rng)
            let model = ErlangC(arrivalsPerHour: arrivals, serviceMinutes: service, windows: n)
            if n <= 60 { #expect(abs(model.probabilityOfWaiting - Self.direct(n, load)) < 1e-9) }
            #expect((0...1).contains(model.probabilityOfWaiting))
            let more = ErlangC(arrivalsPerHour: arrivals, serviceMinutes: service, windows: n + 1)
            #expect(more.probabilityOfWaiting <= model.probabilityOfWaiting && more.averageWaitMinutes <= model.averageWaitMinutes)
            #expect(more.serviceLevel(within: 15) >= model.serviceLevel(within: 15))
            let target = Double.random(in: 0.5...0.99, using: &rng)
            if let needed = ErlangC.windowsNeeded(arrivalsPerHour: arrivals, serviceMinutes: service, target: target, within: 15) {
                #expect(ErlangC(arrivalsPerHour: arrivals, serviceMinutes: service, windows: needed).serviceLevel(within: 15) >= target)
                if Double(needed - 1) > load {
                    #expect(
                        ErlangC(arrivalsPerHour: arrivals, serviceMinutes: service, windows: needed - 1).serviceLevel(within: 15) < target)
                }
            }
        }
        // too few windows for the load: it never clears
        #expect(!ErlangC(arrivalsPerHour: 60, serviceMinutes: 10, windows: 10).isStable)
        #expect(ErlangC(arrivalsPerHour: 60, serviceMinutes: 10, windows: 10).serviceLevel(within: 15) == 0)
        #expect(ErlangC.windowsNeeded(arrivalsPerHour: 0, serviceMinutes: 10, target: 0.9, within: 15) == 0)
    }
}
