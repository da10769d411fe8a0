import Testing
@testable import TongbanCore

@Suite("Application status follows its cases")
struct ApplicationStatusTests {
    /// The rule as the guide explains it to applicants, phrased case by case rather than by sets:
    /// finished only when no case can still move; in progress as soon as any case has got past
    /// the window; a draft while nothing has been sent.
    static func expected(_ states: [CaseState]) -> ApplicationStatus {
        var sent = false
        var open = false
        var pastWindow = false
        for state in states {
            switch state {
            case .draft:
                open = true
            case .submitted, .returned, .prereviewed, .awaitingCorrection:
                sent = true
                open = true
            case .waiting, .underReview, .inProcedure, .suspended, .decided, .delivered:
                sent = true
                open = true
                pastWindow = true
            case .concluded:
                sent = true
                pastWindow = true
            case .refused, .withdrawn, .revoked, .stopped:
                sent = true
            }
        }
        if !sent { return .draft }
        if !open { return .closed }
        return pastWindow ? .inProgress : .submitted
    }

    @Test("20,000 generated applications of 1 to 6 cases")
    func generated() {
        var rng = SplitMix64(seed: 0x5EED_57A7)
        var seen: Set<ApplicationStatus> = []
        for _ in 0..<20_000 {
            let count = Int.random(in: 1...6, using: &rng)
            // draw from a few states at a time, so uniform applications (all draft, all ended) occur often
            let palette = (0..<Int.random(in: 1...3, using: &rng)).map { _ in CaseState.allCases.randomElement(using: &rng)! }
            let states = (0..<count).map { _ in palette.randomElement(using: &rng)! }
            let status = ApplicationStatus(cases: states)
            #expect(status == Self.expected(states), "\(states)")
            seen.insert(status)
        }
        #expect(seen == Set(ApplicationStatus.allCases))
    }

    @Test("the cases a submission leaves: instant approval is in progress, a refused one closes")
    func examples() {
        #expect(ApplicationStatus(cases: [CaseState.draft, .draft]) == .draft)
        #expect(ApplicationStatus(cases: [CaseState.submitted]) == .submitted)
        #expect(ApplicationStatus(cases: [CaseState.decided, .submitted]) == .inProgress)
        #expect(ApplicationStatus(cases: [CaseState.concluded, .withdrawn]) == .closed)
        #expect(ApplicationStatus(cases: [CaseState.concluded, .prereviewed]) == .inProgress)
        #expect(ApplicationStatus(cases: [CaseState.refused, .prereviewed]) == .submitted)
    }
}
