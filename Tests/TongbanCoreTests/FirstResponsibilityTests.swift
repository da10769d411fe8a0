import Testing
@testable import TongbanCore

/// 首问负责's rules over every combination of who owns, who acts, who receives and what waits.
@Suite("first responsibility")
struct FirstResponsibilityTests {
    static let staff = ["a", "b", "c"]

    @Test("an offer is refused exactly when the actor is not the owner, offers to themselves, to one who cannot work it, or one waits")
    func offers() {
        for owner in Self.staff.map(Optional.some) + [nil] {
            for actor in Self.staff {
                for recipient in Self.staff {
                    for mayWork in [true, false] {
                        for waiting in [true, false] {
                            let refusal = FirstResponsibility.checkOffer(
                                owner: owner, actor: actor, recipient: recipient, recipientMayWork: mayWork, offerWaiting: waiting)
                            let allowed = owner == actor && recipient != actor && mayWork && !waiting
                            #expect((refusal == nil) == allowed)
                            // the first reason a person would need to hear
                            if owner != actor { #expect(refusal == .notOwner) }
                        }
                    }
                }
            }
        }
    }

    @Test("only the recipient answers, and only an offer still waiting")
    func answers() {
        for recipient in Self.staff {
            for actor in Self.staff {
                for waiting in [true, false] {
                    let refusal = FirstResponsibility.checkAnswer(recipient: recipient, actor: actor, waiting: waiting)
                    #expect((refusal == nil) == (recipient == actor && waiting))
                }
            }
        }
    }

    @Test("the first staff member to act keeps the case; later ones do not take it")
    func firstKeeps() {
        var owner: String? = nil
        for actor in ["b", "a", "c", "b"] { owner = FirstResponsibility.owner(after: owner, actedBy: actor) }
        #expect(owner == "b")
    }

    @Test("an offer is answered by the next working day: over a weekend and the National Day holiday")
    func answerDay() throws {
        let calendar = WorkingDayCalendarTests.calendar
        #expect(
            try FirstResponsibility.answerDue(offeredOn: CalendarDate(iso: "2026-11-24")!, calendar: calendar).description == "2026-11-25")
        #expect(
            try FirstResponsibility.answerDue(offeredOn: CalendarDate(iso: "2026-11-27")!, calendar: calendar).description == "2026-11-30")
        #expect(
            try FirstResponsibility.answerDue(offeredOn: CalendarDate(iso: "2026-09-30")!, calendar: calendar).description == "2026-10-08")
    }
}
