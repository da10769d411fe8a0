import Testing
@testable import TongbanCore

@Suite("Case state machine")
struct CaseMachineTests {
    static let calendar = WorkingDayCalendarTests.calendar

    static func randomAction(_ kind: CaseActionKind, _ rng: inout SplitMix64, today: CalendarDate) -> CaseAction {
        let blank = Int.random(in: 0..<8, using: &rng) == 0
        let text = blank ? " " : "《行政许可法》第三十二条"
        switch kind {
        case .submit: return .submit
        case .passPrereview: return .passPrereview
        case .returnForCorrection: return .returnForCorrection(reasons: blank ? [] : ["身份证复印件不清晰"])
        case .accept: return .accept
        case .acceptTolerantly:
            let owed = Array(["a", "b", "c"].shuffled(using: &rng).prefix(Int.random(in: 0...2, using: &rng)))
            return .acceptTolerantly(owed: owed, due: today.adding(days: Int.random(in: -1...10, using: &rng))!)
        case .approveOnCommitment: return .approveOnCommitment(verifyBy: today.adding(days: Int.random(in: -1...60, using: &rng))!)
        case .approveInstantly: return .approveInstantly(trace: blank ? [] : ["age ≥ 18: passed"])
        case .requestCorrection: return .requestCorrection(materials: blank ? [] : ["营业执照"])
        case .supplyCorrection: return .supplyCorrection
        case .refuse: return .refuse(reason: text, legalBasis: text)
        case .supplyOwed: return .supplyOwed
        case .suspendForOwed: return .suspendForOwed
        case .startProcedure:
            return .startProcedure(ProcedureKind.allCases.randomElement(using: &rng)!, pausesClock: Bool.random(using: &rng))
        case .finishProcedure: return .finishProcedure
        case .decide: return .decide(approved: Bool.random(using: &rng), reasons: text, legalBasis: text)
        case .deliver:
            let method = DeliveryMethod.allCases.randomElement(using: &rng)!
            return .deliver(method, trackingNumber: blank ? nil : "SF1234567890")
        case .conclude: return .conclude
        case .withdraw: return .withdraw
        case .passVerification: return .passVerification
        case .failVerification: return .failVerification(reason: text)
        case .prerequisitesMet: return .prerequisitesMet
        case .reopenDelivery: return .reopenDelivery
        case .stopForPrerequisite: return .stopForPrerequisite(reason: blank ? " " : "前置事项「营业执照」不予准予")
        }
    }

    /// Whether the clock stands still in a record's state.
    static func isPaused(_ r: CaseRecord) -> Bool {
        [.suspended, .waiting].contains(r.state) || (r.state == .inProcedure && r.procedurePauses)
    }

    /// The state the table sends an applied action to: an acceptance waits while a prerequisite is open.
    static func expectedState(_ rule: CaseMachine.Rule, from state: CaseState, _ context: CaseMachine.Context) -> CaseState {
        if [.accept, .acceptTolerantly].contains(rule.action) && context.openPrerequisites > 0 { return .waiting }
        return rule.to ?? state
    }

    static func checkInvariants(_ r: CaseRecord) {
        switch r.state {
        case .waiting, .underReview, .inProcedure, .suspended:
            #expect(r.acceptedOn != nil && r.decision == nil)
        case .stopped:
            #expect(r.decision == nil && r.stop.map { !$0.reason.isBlank } == true)
        case .decided, .delivered, .concluded, .revoked:
            #expect(r.decision != nil && r.acceptedOn != nil)
            if r.decision?.route == .reviewed { #expect(r.owed.isEmpty) }
            if r.decision?.route != .reviewed { #expect(r.decision?.approved == true) }
            // approved on a commitment only with an intact signed text
            if r.decision?.route == .commitment { #expect(r.commitment?.isIntact == true) }
        case .refused:
            #expect(r.refusal.map { !$0.reason.isBlank && !$0.legalBasis.isBlank } == true && r.acceptedOn == nil)
        case .draft, .submitted, .returned, .prereviewed, .awaitingCorrection:
            #expect(r.acceptedOn == nil && r.decision == nil)
        case .withdrawn:
            #expect(r.decision == nil && r.withdrawnOn != nil)
        }
        if [.delivered, .concluded].contains(r.state) { #expect(r.delivery != nil) }
        if r.delivery?.method == .post { #expect(r.delivery?.trackingNumber?.isBlank == false) }
        if r.state == .revoked { if case .failed = r.verification {} else { Issue.record("revoked without a failed verification") } }
        if r.state == .awaitingCorrection { #expect(!r.correction.isEmpty) }
        // exactly one open pause while the clock stands still, none otherwise
        let open = r.pauses.filter { $0.until == nil }.count
        #expect(open == (isPaused(r) ? 1 : 0), "\(r.state) pauses \(r.pauses)")
    }

    @Test(
        "5,000 random action sequences: each action is applied by the table or refused, invariants hold, the clock never counts paused days"
    )
    func randomSequences() throws {
        var rng = SplitMix64(seed: 4)
        var applied: [CaseActionKind: Int] = [:]
        var refusedCount = 0
        var signing = SplitMix64(seed: 5)  // its own stream: the action sequences stay as they were
        var waiting = SplitMix64(seed: 6)  // likewise: whether a bundle's prerequisite is still open
        for _ in 0..<5_000 {
            var record = CaseRecord(limit: Int.random(in: 0...20, using: &rng))
            // most applicants signed the commitment; a few signed texts were altered since
            if Int.random(in: 0..<10, using: &signing) > 0 {
                record.commitment = SignedCommitment(
                    text: "告知承诺书", signedBy: "张晓明", signedOn: CalendarDate(iso: "2016-01-01")!, inPerson: false)
                if Int.random(in: 0..<10, using: &signing) == 0 { record.commitment?.text += "（改）" }
            }
            var today = CalendarDate(
                dayNumber: Int.random(
                    in: CalendarDate(iso: "2016-01-01")!.dayNumber...CalendarDate(iso: "2025-06-30")!.dayNumber, using: &rng))!
            // (day, running at the end of that day): the clock's truth, kept beside the machine
            var timeline: [(CalendarDate, Bool)] = []
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                today = today.adding(days: Int.random(in: 0...4, using: &rng))!
                // owed materials are sometimes left past their due date and the watch suspends the case
                let overdue = record.owedDue != nil && record.state == .underReview && Int.random(in: 0..<3, using: &waiting) == 0
                if overdue, let due = record.owedDue { today = max(today, due.adding(days: 1)!) }
                // mostly an action the table has for this state (so deep states are reached), else anything
                let rule =
                    overdue
                    ? CaseMachine.rules.first { $0.action == .suspendForOwed }
                    : Int.random(in: 0..<10, using: &rng) < 7
                        ? CaseMachine.rules.filter { $0.from.contains(record.state) }.randomElement(using: &rng) : nil
                let action = Self.randomAction(rule?.action ?? CaseActionKind.allCases.randomElement(using: &rng)!, &rng, today: today)
                let actor =
                    rule.map { $0.by.sorted { $0.rawValue < $1.rawValue }.randomElement(using: &rng)! } ?? CaseActor.allCases.randomElement(
                        using: &rng)!
                let context = CaseMachine.Context(
                    actor: actor, today: today,
                    openReviewTasks: Int.random(in: 0..<3, using: &rng) == 0 ? 1 : 0,
                    commitmentAllowed: Bool.random(using: &rng), tolerableMaterials: ["a", "b"],
                    openPrerequisites: Int.random(in: 0..<6, using: &waiting) == 0 ? 1 : 0)
                let outcome: Result<CaseRecord, CaseMachine.Refusal>
                do throws(CaseMachine.Refusal) { outcome = .success(try CaseMachine.apply(action, to: record, context)) } catch {
                    outcome = .failure(error)
                }
                switch outcome {
                case let .success(next):
                    let rule = try #require(CaseMachine.rules.first { $0.action == action.kind && $0.from.contains(record.state) })
                    #expect(rule.by.contains(context.actor))
                    #expect(next.state == Self.expectedState(rule, from: record.state, context))
                    applied[action.kind, default: 0] += 1
                    record = next
                case let .failure(error):
                    refusedCount += 1
                    #expect(error.state == record.state && error.action == action.kind)
                    #expect(error.allowed == CaseMachine.allowed(in: record.state, by: context.actor))
                    let inTable = CaseMachine.rules.contains { $0.action == action.kind && $0.from.contains(record.state) }
                    #expect(
                        error.reason
                            == (inTable
                                ? (CaseMachine.rules.first { $0.action == action.kind && $0.from.contains(record.state) }!.by.contains(
                                    context.actor) ? .condition : .notYourAction) : .wrongState))
                }
                Self.checkInvariants(record)
                timeline.append((today, record.state.isAccepted && !Self.isPaused(record)))
                // while the clock runs or stands, its count is the working days after acceptance whose previous day ended running
                if record.state.isAccepted, let clock = record.clock, let accepted = record.acceptedOn {
                    let reading = try clock.reading(on: today, calendar: Self.calendar)
                    var used = 0
                    var day = accepted
                    while day < today {
                        let previous = day
                        day = day.adding(days: 1)!
                        let running = timeline.last { $0.0 <= previous }?.1 ?? false
                        if running, try Self.calendar.isWorkingDay(day).value { used += 1 }
                    }
                    #expect(reading.used == used, "\(record.pauses) accepted \(accepted) today \(today)")
                    #expect(reading.isPaused == Self.isPaused(record))
                }
            }
        }
        // the generator reaches every action, and refusals are common enough to matter
        #expect(
            Set(applied.keys) == Set(CaseActionKind.allCases), "never applied: \(Set(CaseActionKind.allCases).subtracting(applied.keys))")
        #expect(refusedCount > 10_000 && applied.values.allSatisfy { $0 >= 10 }, "\(applied.sorted { $0.value < $1.value })")
    }

    @Test("the table: every state reachable from a draft, final states allow nothing, each action has one rule per state")
    func table() {
        var reached: Set<CaseState> = [.draft]
        var frontier: [CaseState] = [.draft]
        while let state = frontier.popLast() {
            for rule in CaseMachine.rules where rule.from.contains(state) {
                for open in [0, 1] {
                    let to = Self.expectedState(
                        rule, from: state, .init(actor: .system, today: CalendarDate(iso: "2026-11-02")!, openPrerequisites: open))
                    if reached.insert(to).inserted { frontier.append(to) }
                }
            }
        }
        #expect(reached == Set(CaseState.allCases))
        for state in CaseState.allCases {
            for kind in CaseActionKind.allCases {
                #expect(CaseMachine.rules.filter { $0.action == kind && $0.from.contains(state) }.count <= 1, "\(state) \(kind)")
            }
            if state.isFinal { #expect(CaseActor.allCases.allSatisfy { CaseMachine.allowed(in: state, by: $0).isEmpty }) }
        }
        #expect(
            CaseMachine.allowed(in: .prereviewed, by: .clerk) == [
                .accept, .acceptTolerantly, .approveOnCommitment, .requestCorrection, .refuse,
            ])
        #expect(CaseMachine.allowed(in: .underReview, by: .applicant) == [.supplyOwed, .withdraw])
    }

    @Test(
        "the special paths: tolerant acceptance suspends when overdue, commitment approval can be revoked, instant approval keeps its trace"
    )
    func specialPaths() throws {
        let monday = CalendarDate(iso: "2026-11-02")!
        func ctx(_ actor: CaseActor, _ day: CalendarDate, open: Int = 0, commitment: Bool = false) -> CaseMachine.Context {
            .init(actor: actor, today: day, openReviewTasks: open, commitmentAllowed: commitment, tolerableMaterials: ["lease"])
        }
        var r = CaseRecord(limit: 10)
        r = try CaseMachine.apply(.submit, to: r, ctx(.applicant, monday))
        r = try CaseMachine.apply(.passPrereview, to: r, ctx(.clerk, monday))
        #expect(throws: CaseMachine.Refusal.self) {
            try CaseMachine.apply(.acceptTolerantly(owed: ["idCard"], due: monday.adding(days: 5)!), to: r, ctx(.clerk, monday))
        }
        r = try CaseMachine.apply(.acceptTolerantly(owed: ["lease"], due: monday.adding(days: 4)!), to: r, ctx(.clerk, monday))
        // not yet overdue; a decision waits for what is owed
        #expect(throws: CaseMachine.Refusal.self) { try CaseMachine.apply(.suspendForOwed, to: r, ctx(.system, monday.adding(days: 4)!)) }
        #expect(throws: CaseMachine.Refusal.self) {
            try CaseMachine.apply(.decide(approved: true, reasons: "符合条件", legalBasis: "第三十四条"), to: r, ctx(.reviewer, monday))
        }
        r = try CaseMachine.apply(.suspendForOwed, to: r, ctx(.system, monday.adding(days: 5)!))  // Saturday: suspended
        #expect(r.state == .suspended)
        r = try CaseMachine.apply(.supplyOwed, to: r, ctx(.applicant, monday.adding(days: 9)!))  // the next Wednesday
        let reading = try #require(r.clock).reading(on: monday.adding(days: 9)!, calendar: Self.calendar)
        #expect(reading.used == 4 && reading.pausedDays == 3 && reading.dueDate == CalendarDate(iso: "2026-11-19"))
        #expect(throws: CaseMachine.Refusal.self) {
            try CaseMachine.apply(.decide(approved: true, reasons: "符合条件", legalBasis: "第三十四条"), to: r, ctx(.reviewer, monday, open: 1))
        }
        r = try CaseMachine.apply(
            .decide(approved: true, reasons: "符合条件", legalBasis: "第三十四条"), to: r, ctx(.reviewer, monday.adding(days: 10)!))
        #expect(r.state == .decided && r.decision?.route == .reviewed)

        var c = CaseRecord(limit: 5)
        c = try CaseMachine.apply(.submit, to: c, ctx(.clerk, monday))
        c = try CaseMachine.apply(.passPrereview, to: c, ctx(.clerk, monday))
        #expect(throws: CaseMachine.Refusal.self) {
            try CaseMachine.apply(.approveOnCommitment(verifyBy: monday.adding(days: 30)!), to: c, ctx(.clerk, monday))
        }
        // allowed by the item, but nobody signed: refused, naming the missing signature
        #expect(throws: CaseMachine.Refusal.self) {
            try CaseMachine.apply(.approveOnCommitment(verifyBy: monday.adding(days: 30)!), to: c, ctx(.clerk, monday, commitment: true))
        }
        c.commitment = SignedCommitment(text: "告知承诺书……", signedBy: "张晓明", signedOn: monday, inPerson: true)
        #expect(c.commitment?.isIntact == true && c.commitment?.sha256.count == 64)
        c = try CaseMachine.apply(.approveOnCommitment(verifyBy: monday.adding(days: 30)!), to: c, ctx(.clerk, monday, commitment: true))
        #expect(c.state == .decided && c.verification == .pending(due: monday.adding(days: 30)!))
        c = try CaseMachine.apply(.deliver(.electronic, trackingNumber: nil), to: c, ctx(.system, monday))
        c = try CaseMachine.apply(.failVerification(reason: "现场核查：经营场所与承诺不符"), to: c, ctx(.reviewer, monday.adding(days: 20)!))
        #expect(c.state == .revoked)

        var i = CaseRecord(limit: 0)
        i = try CaseMachine.apply(.submit, to: i, ctx(.applicant, monday))
        #expect(throws: CaseMachine.Refusal.self) { try CaseMachine.apply(.approveInstantly(trace: ["x"]), to: i, ctx(.clerk, monday)) }
        i = try CaseMachine.apply(.approveInstantly(trace: ["年满18周岁：通过", "户籍在本区：通过"]), to: i, ctx(.system, monday))
        #expect(i.state == .decided && i.decision?.trace.count == 2 && i.decision?.route == .instant)

        do throws(CaseMachine.Refusal) {
            _ = try CaseMachine.apply(.accept, to: i, ctx(.clerk, monday))
            Issue.record("accepting a decided case")
        } catch {
            #expect(error.reason == .wrongState && error.state == .decided && error.allowed == [.deliver])
        }
    }

    @Test("a dependent case in a bundle waits with its clock still until its prerequisite is approved, or is stopped with the reason")
    func waitingForPrerequisite() throws {
        let monday = CalendarDate(iso: "2026-11-02")!
        func ctx(_ actor: CaseActor, _ day: CalendarDate, open: Int) -> CaseMachine.Context {
            .init(actor: actor, today: day, openPrerequisites: open)
        }
        var r = CaseRecord(limit: 10)
        r = try CaseMachine.apply(.submit, to: r, ctx(.applicant, monday, open: 1))
        r = try CaseMachine.apply(.passPrereview, to: r, ctx(.clerk, monday, open: 1))
        #expect(throws: CaseMachine.Refusal.self) {
            try CaseMachine.apply(.approveOnCommitment(verifyBy: monday.adding(days: 30)!), to: r, ctx(.clerk, monday, open: 1))
        }
        r = try CaseMachine.apply(.accept, to: r, ctx(.clerk, monday, open: 1))
        #expect(r.state == .waiting && r.acceptedOn == monday)
        // nine days later (two weekends) nothing has been counted
        let later = monday.adding(days: 9)!
        #expect(try #require(r.clock).reading(on: later, calendar: Self.calendar).used == 0)
        #expect(try #require(r.clock).reading(on: later, calendar: Self.calendar).isPaused)
        #expect(throws: CaseMachine.Refusal.self) {
            try CaseMachine.apply(.decide(approved: true, reasons: "符合条件", legalBasis: "第三十四条"), to: r, ctx(.reviewer, later, open: 0))
        }
        do throws(CaseMachine.Refusal) {
            _ = try CaseMachine.apply(.prerequisitesMet, to: r, ctx(.system, later, open: 1))
            Issue.record("started while a prerequisite is open")
        } catch {
            #expect(error.reason == .condition && error.condition == "case.prerequisiteOpen")
        }
        #expect(throws: CaseMachine.Refusal.self) { try CaseMachine.apply(.prerequisitesMet, to: r, ctx(.clerk, later, open: 0)) }
        var started = try CaseMachine.apply(.prerequisitesMet, to: r, ctx(.system, later, open: 0))
        #expect(started.state == .underReview)
        // counting starts the day after the prerequisite's approval: ten working days from Wednesday 11 November
        let reading = try #require(started.clock).reading(on: later.adding(days: 2)!, calendar: Self.calendar)
        #expect(reading.used == 2 && reading.dueDate == CalendarDate(iso: "2026-11-25") && !reading.isPaused)
        started = try CaseMachine.apply(
            .decide(approved: true, reasons: "符合条件", legalBasis: "第三十四条"), to: started, ctx(.reviewer, later, open: 0))
        #expect(started.state == .decided)

        let stopped = try CaseMachine.apply(.stopForPrerequisite(reason: "营业执照不予准予：名称不符合规定"), to: r, ctx(.system, later, open: 1))
        #expect(stopped.state == .stopped && stopped.stop?.reason == "营业执照不予准予：名称不符合规定" && stopped.pauses.last?.until == later)
        #expect(CaseActor.allCases.allSatisfy { CaseMachine.allowed(in: .stopped, by: $0).isEmpty })
        // the applicant may not stop a case; the platform may stop one not yet accepted
        #expect(throws: CaseMachine.Refusal.self) {
            try CaseMachine.apply(.stopForPrerequisite(reason: "x"), to: r, ctx(.applicant, later, open: 1))
        }
        var early = CaseRecord(limit: 5)
        early = try CaseMachine.apply(.submit, to: early, ctx(.applicant, monday, open: 1))
        early = try CaseMachine.apply(.stopForPrerequisite(reason: "前置事项已撤回"), to: early, ctx(.system, monday, open: 1))
        #expect(early.state == .stopped && early.acceptedOn == nil)
    }
}
