/// The state machine of a case (办件), as one table. Every action on a case goes through
/// `CaseMachine.apply`, which either returns the case's next record or refuses, naming the
/// current state and the actions allowed in it; a refused action changes nothing.
///
/// | from                                  | action              | to                 | by                 | requires / effect                                          |
/// |---------------------------------------|---------------------|--------------------|--------------------|------------------------------------------------------------|
/// | draft, returned                       | submit              | submitted          | applicant, clerk   | clerk: 帮办, the applicant present                          |
/// | submitted                             | passPrereview       | prereviewed        | clerk              |                                                            |
/// | submitted                             | returnForCorrection | returned           | clerk              | reasons listed                                             |
/// | submitted                             | approveInstantly    | decided            | system             | 秒批: all rules passed; trace kept; approved; ‡             |
/// | prereviewed                           | accept              | underReview        | clerk              | the clock starts (acceptance date not counted); waiting †  |
/// | prereviewed                           | acceptTolerantly    | underReview        | clerk              | 容缺: owed materials listed, due date after acceptance; †   |
/// | prereviewed                           | approveOnCommitment | decided            | clerk              | 告知承诺: item allows it; applicant signed; approved; ‡     |
/// | waiting                               | prerequisitesMet    | underReview        | system             | every prerequisite approved; the clock starts counting     |
/// | waiting                               | supplyOwed          | (unchanged)        | applicant, clerk   | owed list cleared                                          |
/// | prereviewed                           | requestCorrection   | awaitingCorrection | clerk              | 补正: materials listed                                      |
/// | prereviewed, awaitingCorrection       | refuse              | refused            | clerk              | reason and legal basis                                     |
/// | awaitingCorrection                    | supplyCorrection    | prereviewed        | applicant, clerk   |                                                            |
/// | underReview                           | startProcedure      | inProcedure        | reviewer           | pauses the clock when the item's step says so              |
/// | inProcedure                           | finishProcedure     | underReview        | reviewer           | the pause (if any) ends                                    |
/// | underReview                           | suspendForOwed      | suspended          | system             | owed materials past due; the clock pauses                  |
/// | underReview, suspended                | supplyOwed          | underReview        | applicant, clerk   | owed list cleared; a suspension's pause ends               |
/// | underReview                           | decide              | decided            | reviewer           | nothing owed, no review task open; reasons and legal basis |
/// | decided                               | deliver             | delivered          | clerk, system      | post needs a tracking number                               |
/// | delivered                             | conclude            | concluded          | clerk, system      |                                                            |
/// | delivered                             | reopenDelivery      | decided            | system             | the posted result came back; delivery forgotten            |
/// | decided, delivered, concluded         | passVerification    | (unchanged)        | reviewer           | a commitment verification is pending                       |
/// | decided, delivered, concluded         | failVerification    | revoked            | reviewer           | a commitment verification is pending; approval revoked     |
/// | submitted … suspended (not decided)   | withdraw            | withdrawn          | applicant          | before a decision                                          |
/// | submitted … suspended (not decided)   | stopForPrerequisite | stopped            | system             | a prerequisite failed; the reason names it                 |
///
/// † Accepted while an item the case depends on (in the same bundle) is undecided, the case
/// goes to `waiting` instead, its clock standing still from the day of acceptance.
/// ‡ Refused while a prerequisite is undecided (`case.prerequisiteOpen`).
public enum CaseMachine {
    public struct Rule: Sendable {
        public let from: Set<CaseState>
        public let action: CaseActionKind
        /// nil: the state does not change.
        public let to: CaseState?
        public let by: Set<CaseActor>
    }

    static let beforeDecision: Set<CaseState> = [
        .submitted, .returned, .prereviewed, .awaitingCorrection, .waiting, .underReview, .inProcedure, .suspended,
    ]
    static let afterDecision: Set<CaseState> = [.decided, .delivered, .concluded]

    /// The table above, as data: tests and the API read it, nothing else decides transitions.
    public static let rules: [Rule] = [
        Rule(from: [.draft, .returned], action: .submit, to: .submitted, by: [.applicant, .clerk]),
        Rule(from: [.submitted], action: .passPrereview, to: .prereviewed, by: [.clerk]),
        Rule(from: [.submitted], action: .returnForCorrection, to: .returned, by: [.clerk]),
        Rule(from: [.submitted], action: .approveInstantly, to: .decided, by: [.system]),
        Rule(from: [.prereviewed], action: .accept, to: .underReview, by: [.clerk]),
        Rule(from: [.prereviewed], action: .acceptTolerantly, to: .underReview, by: [.clerk]),
        Rule(from: [.prereviewed], action: .approveOnCommitment, to: .decided, by: [.clerk]),
        Rule(from: [.prereviewed], action: .requestCorrection, to: .awaitingCorrection, by: [.clerk]),
        Rule(from: [.prereviewed, .awaitingCorrection], action: .refuse, to: .refused, by: [.clerk]),
        Rule(from: [.awaitingCorrection], action: .supplyCorrection, to: .prereviewed, by: [.applicant, .clerk]),
        Rule(from: [.underReview], action: .startProcedure, to: .inProcedure, by: [.reviewer]),
        Rule(from: [.inProcedure], action: .finishProcedure, to: .underReview, by: [.reviewer]),
        Rule(from: [.underReview], action: .suspendForOwed, to: .suspended, by: [.system]),
        Rule(from: [.underReview, .suspended], action: .supplyOwed, to: .underReview, by: [.applicant, .clerk]),
        Rule(from: [.waiting], action: .supplyOwed, to: nil, by: [.applicant, .clerk]),
        Rule(from: [.waiting], action: .prerequisitesMet, to: .underReview, by: [.system]),
        Rule(from: [.underReview], action: .decide, to: .decided, by: [.reviewer]),
        Rule(from: [.decided], action: .deliver, to: .delivered, by: [.clerk, .system]),
        Rule(from: [.delivered], action: .conclude, to: .concluded, by: [.clerk, .system]),
        Rule(from: [.delivered], action: .reopenDelivery, to: .decided, by: [.system]),
        Rule(from: afterDecision, action: .passVerification, to: nil, by: [.reviewer]),
        Rule(from: afterDecision, action: .failVerification, to: .revoked, by: [.reviewer]),
        Rule(from: beforeDecision, action: .withdraw, to: .withdrawn, by: [.applicant]),
        Rule(from: beforeDecision, action: .stopForPrerequisite, to: .stopped, by: [.system]),
    ]

    /// What the machine needs to know beyond the case itself.
    public struct Context: Sendable {
        public var actor: CaseActor
        public var today: CalendarDate
        /// Review tasks of the case not yet completed (a decision waits for all of them).
        public var openReviewTasks: Int
        /// The item's rules: whether it allows 告知承诺, which materials are tolerable.
        public var commitmentAllowed: Bool
        public var tolerableMaterials: Set<String>
        /// Items of the same bundle this case depends on that are not yet approved.
        public var openPrerequisites: Int

        public init(
            actor: CaseActor, today: CalendarDate, openReviewTasks: Int = 0, commitmentAllowed: Bool = false,
            tolerableMaterials: Set<String> = [], openPrerequisites: Int = 0
        ) {
            self.actor = actor
            self.today = today
            self.openReviewTasks = openReviewTasks
            self.commitmentAllowed = commitmentAllowed
            self.tolerableMaterials = tolerableMaterials
            self.openPrerequisites = openPrerequisites
        }
    }

    public struct Refusal: Error, Sendable, Equatable {
        public enum Reason: String, Sendable, Equatable {
            /// The action is not allowed in the current state (HTTP 409).
            case wrongState = "case.wrongState"
            /// This kind of actor may not take the action (HTTP 403).
            case notYourAction = "case.notYourAction"
            /// Allowed here, but a condition is not met (HTTP 409 or 422 by the condition).
            case condition = "case.condition"
        }
        public let reason: Reason
        /// For `.condition`: which one, as a message key (`case.owedOutstanding`…).
        public let condition: String?
        public let state: CaseState
        public let action: CaseActionKind
        /// What the actor may do in the current state.
        public let allowed: [CaseActionKind]
    }

    /// The actions an actor may try in a state (conditions aside).
    public static func allowed(in state: CaseState, by actor: CaseActor) -> [CaseActionKind] {
        CaseActionKind.allCases.filter { kind in rules.contains { $0.action == kind && $0.from.contains(state) && $0.by.contains(actor) } }
    }

    public static func apply(_ action: CaseAction, to record: CaseRecord, _ context: Context) throws(Refusal) -> CaseRecord {
        let state = record.state
        func refuse(_ reason: Refusal.Reason, _ condition: String? = nil) -> Refusal {
            Refusal(reason: reason, condition: condition, state: state, action: action.kind, allowed: allowed(in: state, by: context.actor))
        }
        let candidates = rules.filter { $0.action == action.kind && $0.from.contains(state) }
        guard let rule = candidates.first else { throw refuse(.wrongState) }
        guard rule.by.contains(context.actor) else { throw refuse(.notYourAction) }
        var next = record
        let today = context.today
        if let to = rule.to { next.state = to }
        switch action {
        case .submit:
            next.returnReasons = []
            next.submittedOn = today
        case .passPrereview:
            break
        case let .returnForCorrection(reasons):
            guard !reasons.isEmpty else { throw refuse(.condition, "case.reasonsRequired") }
            next.returnReasons = reasons
        case .accept:
            next.acceptedOn = today
            next.waitIfPrerequisitesOpen(context)
        case let .acceptTolerantly(owed, due):
            guard !owed.isEmpty else { throw refuse(.condition, "case.owedRequired") }
            guard owed.allSatisfy(context.tolerableMaterials.contains) else { throw refuse(.condition, "case.notTolerable") }
            guard due > today else { throw refuse(.condition, "case.owedDueInPast") }
            next.acceptedOn = today
            next.owed = owed
            next.owedDue = due
            next.waitIfPrerequisitesOpen(context)
        case let .approveOnCommitment(verifyBy):
            guard context.openPrerequisites == 0 else { throw refuse(.condition, "case.prerequisiteOpen") }
            guard context.commitmentAllowed else { throw refuse(.condition, "case.commitmentNotAllowed") }
            guard record.commitment?.isIntact == true else { throw refuse(.condition, "case.commitmentNotSigned") }
            guard verifyBy > today else { throw refuse(.condition, "case.verificationDueInPast") }
            next.acceptedOn = today
            next.decision = CaseRecord.Decision(approved: true, route: .commitment, on: today, reasons: "", legalBasis: "")
            next.verification = .pending(due: verifyBy)
        case let .approveInstantly(trace):
            guard context.openPrerequisites == 0 else { throw refuse(.condition, "case.prerequisiteOpen") }
            guard !trace.isEmpty else { throw refuse(.condition, "case.traceRequired") }
            next.acceptedOn = today
            next.decision = CaseRecord.Decision(approved: true, route: .instant, on: today, reasons: "", legalBasis: "", trace: trace)
        case let .requestCorrection(materials):
            guard !materials.isEmpty else { throw refuse(.condition, "case.materialsRequired") }
            next.correction = materials
        case .supplyCorrection:
            next.correction = []
        case let .refuse(reason, legalBasis):
            guard !reason.isBlank, !legalBasis.isBlank else { throw refuse(.condition, "case.reasonAndBasisRequired") }
            next.refusal = CaseRecord.Refusal(reason: reason, legalBasis: legalBasis, on: today)
        case .supplyOwed:
            guard !record.owed.isEmpty else { throw refuse(.condition, "case.nothingOwed") }
            next.owed = []
            next.owedDue = nil
            if state == .suspended { next.endPause(on: today) }
        case .suspendForOwed:
            guard let due = record.owedDue, !record.owed.isEmpty, today > due else { throw refuse(.condition, "case.owedNotOverdue") }
            next.pauses.append(CaseClock.Pause(from: today))
        case let .startProcedure(kind, pausesClock):
            next.procedure = kind
            if pausesClock { next.pauses.append(CaseClock.Pause(from: today)) }
            next.procedurePauses = pausesClock
        case .finishProcedure:
            if record.procedurePauses { next.endPause(on: today) }
            next.procedure = nil
            next.procedurePauses = false
        case let .decide(approved, reasons, legalBasis):
            guard record.owed.isEmpty else { throw refuse(.condition, "case.owedOutstanding") }
            guard context.openReviewTasks == 0 else { throw refuse(.condition, "case.reviewTasksOpen") }
            guard !reasons.isBlank, !legalBasis.isBlank else { throw refuse(.condition, "case.reasonAndBasisRequired") }
            next.decision = CaseRecord.Decision(approved: approved, route: .reviewed, on: today, reasons: reasons, legalBasis: legalBasis)
        case let .deliver(method, trackingNumber):
            if method == .post, trackingNumber?.isBlank ?? true { throw refuse(.condition, "case.trackingNumberRequired") }
            next.delivery = CaseRecord.Delivery(method: method, trackingNumber: method == .post ? trackingNumber : nil, on: today)
        case .conclude:
            next.concludedOn = today
        case .withdraw:
            if let open = record.pauses.last, open.until == nil { next.endPause(on: today) }
            next.withdrawnOn = today
        case .passVerification:
            guard case .pending = record.verification else { throw refuse(.condition, "case.noVerificationPending") }
            next.verification = .passed(on: today)
        case let .failVerification(reason):
            guard case .pending = record.verification else { throw refuse(.condition, "case.noVerificationPending") }
            guard !reason.isBlank else { throw refuse(.condition, "case.reasonsRequired") }
            next.verification = .failed(on: today, reason: reason)
        case .reopenDelivery:
            next.delivery = nil
        case .prerequisitesMet:
            guard context.openPrerequisites == 0 else { throw refuse(.condition, "case.prerequisiteOpen") }
            next.endPause(on: today)
        case let .stopForPrerequisite(reason):
            guard !reason.isBlank else { throw refuse(.condition, "case.reasonsRequired") }
            next.endPause(on: today)
            next.stop = CaseRecord.Stop(reason: reason, on: today)
        }
        return next
    }
}

extension String {
    var isBlank: Bool { allSatisfy(\.isWhitespace) }
}

/// Everything the state machine keeps about one case.
public struct CaseRecord: Codable, Sendable, Equatable {
    public struct Decision: Codable, Sendable, Equatable {
        public var approved: Bool
        public var route: DecisionRoute
        public var on: CalendarDate
        public var reasons: String
        public var legalBasis: String
        public var trace: [String] = []

        public init(approved: Bool, route: DecisionRoute, on: CalendarDate, reasons: String, legalBasis: String, trace: [String] = []) {
            self.approved = approved
            self.route = route
            self.on = on
            self.reasons = reasons
            self.legalBasis = legalBasis
            self.trace = trace
        }
    }

    public struct Refusal: Codable, Sendable, Equatable {
        public var reason: String
        public var legalBasis: String
        public var on: CalendarDate
    }

    public struct Delivery: Codable, Sendable, Equatable {
        public var method: DeliveryMethod
        public var trackingNumber: String?
        public var on: CalendarDate
    }

    public enum Verification: Codable, Sendable, Equatable {
        case pending(due: CalendarDate)
        case passed(on: CalendarDate)
        case failed(on: CalendarDate, reason: String)
    }

    public var state: CaseState = .draft
    /// The time limit in working days once accepted (the item's promised days).
    public var limit: Int
    public var submittedOn: CalendarDate?
    public var acceptedOn: CalendarDate?
    public var returnReasons: [String] = []
    public var correction: [String] = []
    public var owed: [String] = []
    public var owedDue: CalendarDate?
    public var procedure: ProcedureKind?
    public var procedurePauses = false
    public var pauses: [CaseClock.Pause] = []
    public var decision: Decision?
    public var refusal: Refusal?
    public var delivery: Delivery?
    public var verification: Verification?
    /// 告知承诺书 the applicant signed (required before approving on commitment).
    public var commitment: SignedCommitment?
    /// When a pending commitment verification is due.
    public var verificationDue: CalendarDate? {
        if case let .pending(due)? = verification { return due }
        return nil
    }
    public var concludedOn: CalendarDate?
    public var withdrawnOn: CalendarDate?
    /// Cases of the same application this one depends on (their ids), from the bundle's items.
    public var prerequisites: [String]?
    /// Why the platform ended the case (a prerequisite failed).
    public var stop: Stop?

    public struct Stop: Codable, Sendable, Equatable {
        public var reason: String
        public var on: CalendarDate
        public init(reason: String, on: CalendarDate) {
            self.reason = reason
            self.on = on
        }
    }

    public init(limit: Int) { self.limit = limit }

    /// The case's clock, once accepted.
    public var clock: CaseClock? {
        acceptedOn.map { CaseClock(start: $0, limit: limit, pauses: pauses) }
    }

    /// Accepted while a prerequisite is open: waiting, the clock standing still from today.
    mutating func waitIfPrerequisitesOpen(_ context: CaseMachine.Context) {
        guard context.openPrerequisites > 0 else { return }
        state = .waiting
        pauses.append(CaseClock.Pause(from: context.today))
    }

    mutating func endPause(on day: CalendarDate) {
        guard let last = pauses.indices.last, pauses[last].until == nil else { return }
        pauses[last].until = day
    }
}
