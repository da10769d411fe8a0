/// Where a case (one item of an application) stands.
public enum CaseState: String, Codable, Sendable, CaseIterable {
    /// Being filled in; nobody but the applicant sees it.
    case draft
    /// Sent; waiting for prereview (预审).
    case submitted
    /// Prereview sent it back to the applicant to put right and send again.
    case returned
    /// Prereview passed; waiting for acceptance at the window (受理).
    case prereviewed
    /// 补正: the clerk listed missing or wrong materials; nothing runs until they come.
    case awaitingCorrection
    /// 不予受理, with reason and legal basis. Final.
    case refused
    /// Accepted in a bundle while an item it depends on is undecided (营业执照 before 食品经营许可):
    /// the clock stands still, and the review opens when the prerequisite is approved.
    case waiting
    /// Accepted; the review tasks run (in parallel where the item says) and the clock counts.
    case underReview
    /// An inspection, hearing or expert review is under way (pausing the clock if the item says so).
    case inProcedure
    /// Accepted tolerantly, and the owed materials are overdue: the clock stops until they come.
    case suspended
    /// Approved or denied, with reasons and legal basis.
    case decided
    /// The result is handed over (window, post with tracking number, electronically).
    case delivered
    /// Closed. Final (except that a commitment approval may still fail verification).
    case concluded
    /// The applicant withdrew before a decision. Final.
    case withdrawn
    /// A commitment approval failed its verification. Final.
    case revoked
    /// Ended by the platform because an item it depends on was refused, denied or withdrawn. Final.
    case stopped

    public var isFinal: Bool { [.refused, .withdrawn, .revoked, .stopped].contains(self) }
    /// The states in which the case's time limit runs or stands (before acceptance it has not started).
    public var isAccepted: Bool { [.waiting, .underReview, .inProcedure, .suspended].contains(self) }
}

/// Who acts on a case.
public enum CaseActor: String, Codable, Sendable, CaseIterable {
    case applicant
    /// A window clerk (综合窗口), also entering applications on an applicant's behalf (帮办).
    case clerk
    /// A reviewer of a department the case's tasks belong to.
    case reviewer
    /// The platform itself: instant approval, owed-material deadlines, automatic delivery.
    case system
}

public enum ProcedureKind: String, Codable, Sendable, CaseIterable {
    case inspection, hearing, expertReview
}

public enum DecisionRoute: String, Codable, Sendable {
    /// Decided by reviewers after review.
    case reviewed
    /// 告知承诺: approved on the applicant's signed commitment, verified afterwards.
    case commitment
    /// 秒批: every published rule passed; no human step.
    case instant
}

/// An action on a case, with what it must carry.
public enum CaseAction: Sendable, Equatable {
    case submit
    case passPrereview
    case returnForCorrection(reasons: [String])
    case accept
    /// 容缺受理: accepted with these tolerable materials owed by `due`.
    case acceptTolerantly(owed: [String], due: CalendarDate)
    /// 告知承诺: approved at once; the commitment is verified by `verifyBy`.
    case approveOnCommitment(verifyBy: CalendarDate)
    /// 秒批: the rules' trace (each rule and its outcome) is kept with the decision.
    case approveInstantly(trace: [String])
    case requestCorrection(materials: [String])
    case supplyCorrection
    case refuse(reason: String, legalBasis: String)
    case supplyOwed
    case suspendForOwed
    case startProcedure(ProcedureKind, pausesClock: Bool)
    case finishProcedure
    case decide(approved: Bool, reasons: String, legalBasis: String)
    case deliver(DeliveryMethod, trackingNumber: String?)
    case conclude
    case withdraw
    case passVerification
    case failVerification(reason: String)
    /// Every item the case depends on is approved: its review opens and its clock starts.
    case prerequisitesMet
    /// An item the case depends on was refused, denied or withdrawn: the case ends with why.
    case stopForPrerequisite(reason: String)
    /// The posted result came back undelivered: delivering it is open again.
    case reopenDelivery

    public var kind: CaseActionKind {
        switch self {
        case .submit: .submit
        case .passPrereview: .passPrereview
        case .returnForCorrection: .returnForCorrection
        case .accept: .accept
        case .acceptTolerantly: .acceptTolerantly
        case .approveOnCommitment: .approveOnCommitment
        case .approveInstantly: .approveInstantly
        case .requestCorrection: .requestCorrection
        case .supplyCorrection: .supplyCorrection
        case .refuse: .refuse
        case .supplyOwed: .supplyOwed
        case .suspendForOwed: .suspendForOwed
        case .startProcedure: .startProcedure
        case .finishProcedure: .finishProcedure
        case .decide: .decide
        case .deliver: .deliver
        case .conclude: .conclude
        case .withdraw: .withdraw
        case .passVerification: .passVerification
        case .failVerification: .failVerification
        case .prerequisitesMet: .prerequisitesMet
        case .stopForPrerequisite: .stopForPrerequisite
        case .reopenDelivery: .reopenDelivery
        }
    }
}

public enum CaseActionKind: String, Codable, Sendable, CaseIterable {
    case submit, passPrereview, returnForCorrection, accept, acceptTolerantly, approveOnCommitment, approveInstantly
    case requestCorrection, supplyCorrection, refuse, supplyOwed, suspendForOwed, startProcedure, finishProcedure
    case decide, deliver, conclude, withdraw, passVerification, failVerification, prerequisitesMet, stopForPrerequisite
    case reopenDelivery
}
