import Foundation
import Testing

@testable import TongbanCore

@Suite("delivery rules: states, outcomes, retries")
struct DeliveryRulesTests {
    @Test("every pair of states: only the moves of the delivery's life are allowed; delivered is final")
    func transitions() {
        let allowed: Set<String> = [
            "pending→delivering", "retrying→delivering", "delivering→delivered", "delivering→retrying", "delivering→dead",
            "delivering→pending", "dead→pending",
        ]
        for from in DeliveryState.allCases {
            for to in DeliveryState.allCases {
                #expect(from.canMove(to: to) == allowed.contains("\(from.rawValue)→\(to.rawValue)"), "\(from) → \(to)")
            }
        }
        #expect(DeliveryState.allCases.allSatisfy { !DeliveryState.delivered.canMove(to: $0) })
    }

    @Test("generated lives of a delivery: following the rules, an attempt always comes between two outcomes")
    func generatedLives() {
        var rng = SplitMix64(seed: 41)
        for _ in 0..<500 {
            var state = DeliveryState.pending
            var attempts = 0
            var outcomes = 0
            for _ in 0..<40 {
                let next = DeliveryState.allCases.filter { state.canMove(to: $0) }
                guard let chosen = next.randomElement(using: &rng) else { break }
                if chosen == .delivering { attempts += 1 }
                if [.delivered, .retrying, .dead].contains(chosen) { outcomes += 1 }
                #expect(outcomes <= attempts)
                state = chosen
            }
            #expect(state != .delivered || DeliveryState.allCases.filter { state.canMove(to: $0) }.isEmpty)
        }
    }

    @Test("answers: 2xx delivered, 410 gone, redirects and everything else tried again, no answer tried again")
    func outcomes() {
        for status in [200, 201, 202, 204, 299] { #expect(DeliveryOutcome.of(status: status) == .delivered) }
        #expect(DeliveryOutcome.of(status: 410) == .gone)
        for status in [100, 301, 302, 307, 308, 400, 401, 404, 408, 409, 429, 500, 502, 503, 504] {
            guard case .failed(let reason) = DeliveryOutcome.of(status: status) else {
                Issue.record("\(status) is not a failure")
                continue
            }
            #expect(reason.contains(String(status)))
            if (300...399).contains(status) { #expect(reason.contains("redirect")) }
        }
        #expect(DeliveryOutcome.of(status: nil, error: "connection refused") == .failed(reason: "connection refused"))
        #expect(DeliveryOutcome.of(status: nil) == .failed(reason: "no answer"))
    }

    @Test("the standard policy: 5 s doubling to an hour, 30 attempts over about 21 hours, dead after the thirtieth failure")
    func standardPolicy() {
        let policy = RetryPolicy.standard
        #expect((1...8).map { policy.nominalDelay(afterFailures: $0) } == [5, 10, 20, 40, 80, 160, 320, 640])
        #expect(policy.nominalDelay(afterFailures: 11) == 3_600)
        var rng = SplitMix64(seed: 1)
        #expect(policy.delay(afterFailures: 29, using: &rng) != nil)
        #expect(policy.delay(afterFailures: 30, using: &rng) == nil)
        let total = (1...29).map { policy.nominalDelay(afterFailures: $0) }.reduce(0, +)
        #expect((20 * 3_600...23 * 3_600).contains(total))
    }

    @Test(
        "generated policies: each wait within its jitter of the nominal one and never past the maximum; nominal waits never shrink; dead exactly after the last attempt"
    )
    func generatedPolicies() throws {
        var rng = SplitMix64(seed: 53)
        for _ in 0..<300 {
            let first = Double.random(in: 0.1...60, using: &rng)
            let policy = try RetryPolicy(
                firstDelay: first, factor: Double.random(in: 1...4, using: &rng),
                maximumDelay: first * Double.random(in: 1...500, using: &rng), attempts: Int.random(in: 1...30, using: &rng),
                jitter: Double.random(in: 0..<0.9, using: &rng))
            var previous = 0.0
            for failures in 1...policy.attempts {
                let nominal = policy.nominalDelay(afterFailures: failures)
                #expect(nominal >= previous && nominal <= policy.maximumDelay)
                previous = nominal
                let wait = policy.delay(afterFailures: failures, using: &rng)
                if failures == policy.attempts {
                    #expect(wait == nil)
                    continue
                }
                let value = try #require(wait)
                #expect(value >= nominal * (1 - policy.jitter) - 1e-9)
                #expect(value <= min(policy.maximumDelay, nominal * (1 + policy.jitter)) + 1e-9)
                let asked = Double.random(in: 0...(2 * policy.maximumDelay), using: &rng)
                let withRetryAfter = try #require(policy.delay(afterFailures: failures, retryAfter: asked, using: &rng))
                #expect(withRetryAfter <= policy.maximumDelay + 1e-9)
                #expect(withRetryAfter >= min(asked, policy.maximumDelay) - 1e-9)
            }
        }
    }

    @Test("a policy that cannot work is refused, naming what is wrong")
    func invalidPolicies() {
        let bad: [(TimeInterval, Double, TimeInterval, Int, Double, String)] = [
            (0, 2, 10, 5, 0.1, "firstDelay"), (-1, 2, 10, 5, 0.1, "firstDelay"), (.infinity, 2, 10, 5, 0.1, "firstDelay"),
            (1, 0.5, 10, 5, 0.1, "factor"), (1, 11, 10, 5, 0.1, "factor"), (10, 2, 5, 5, 0.1, "maximumDelay"),
            (1, 2, 8 * 86_400, 5, 0.1, "maximumDelay"), (1, 2, 10, 0, 0.1, "attempts"), (1, 2, 10, 101, 0.1, "attempts"),
            (1, 2, 10, 5, -0.1, "jitter"), (1, 2, 10, 5, 1, "jitter"),
        ]
        for (first, factor, maximum, attempts, jitter, field) in bad {
            #expect(throws: RetryPolicy.Problem.invalid(field)) {
                try RetryPolicy(firstDelay: first, factor: factor, maximumDelay: maximum, attempts: attempts, jitter: jitter)
            }
        }
    }
}
