import Foundation

/// 好差评: the five levels of the national rating scheme (国务院办公厅《关于建立政务服务
/// "好差评"制度提高政务服务水平的意见》, 2019), best first.
public enum RatingLevel: Int, Codable, Sendable, CaseIterable, Comparable {
    case veryPoor = 1, poor, fair, good, veryGood

    /// 不满意 and 非常不满意 are 差评: each opens a follow-up.
    public var isBad: Bool { self <= .poor }

    public static func < (a: RatingLevel, b: RatingLevel) -> Bool { a.rawValue < b.rawValue }

    /// The fixed reasons a rater may tick at this level (message keys `rating.reason.<code>`).
    public var reasons: [String] {
        switch self {
        case .veryGood, .good: ["friendly", "fast", "oneVisit", "fewMaterials", "clearGuide", "easyOnline"]
        case .fair: ["longWait", "unclearGuide", "slowSystem", "other"]
        case .poor, .veryPoor:
            ["attitude", "overdue", "repeatedVisits", "extraMaterials", "unclearGuide", "systemFault", "brokenPromise", "other"]
        }
    }
}

/// What is rated: one application once it is concluded (一事一评), or one in-person service at a
/// hall window (一次一评).
public enum RatingOccasion: Sendable, Equatable, Hashable {
    case application(UUID)
    case visit(UUID)

    public var kind: String {
        switch self {
        case .application: "application"
        case .visit: "visit"
        }
    }

    public var subject: UUID {
        switch self {
        case let .application(id), let .visit(id): id
        }
    }
}

/// The rules of one rating: reasons from the level's list (at least one for a bad rating, so
/// the department knows what to fix), a comment of at most 500 characters.
public enum RatingRules {
    public static let commentLimit = 500

    public static func problems(level: RatingLevel?, reasons: [String], comment: String?) -> FieldErrors {
        var problems = FieldErrors()
        guard let level else {
            problems.add("level", "rating.badLevel")
            return problems
        }
        let allowed = Set(level.reasons)
        if reasons.contains(where: { !allowed.contains($0) }) { problems.add("reasons", "rating.badReason") }
        if Set(reasons).count != reasons.count { problems.add("reasons", "rating.duplicateReason") }
        if level.isBad && reasons.isEmpty { problems.add("reasons", "rating.reasonRequired") }
        if let comment, comment.count > commentLimit { problems.add("comment", "field.tooLong") }
        if level.isBad, reasons == ["other"], (comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.add("comment", "rating.explainOther")
        }
        return problems
    }

    /// A rating may be revised once, and only after its follow-up has ended (the department
    /// called back and fixed or explained), so that the revision reflects the follow-up.
    public static func mayRevise(revisions: Int, followUp: FollowUpState?) -> Bool {
        revisions == 0 && followUp?.isEnded == true
    }
}

/// 差评整改: the follow-up a bad rating opens for the responsible department.
///
/// | from       | action      | to         |
/// |------------|-------------|------------|
/// | open       | callBack    | calledBack |
/// | calledBack | fix         | fixed      |
/// | calledBack | schedule    | scheduled  (a ledger entry with its own deadline) |
/// | scheduled  | fix         | fixed      |
/// | calledBack, scheduled | explain | explained (cannot be fixed, with the reason) |
/// | open, calledBack, scheduled | appeal | appealed (the department thinks the rating mistaken or malicious) |
/// | appealed   | upholdAppeal | void (the rating no longer counts) |
/// | appealed   | rejectAppeal | the state before the appeal |
public enum FollowUpState: String, Codable, Sendable, CaseIterable {
    case open, calledBack, scheduled, fixed, explained, appealed, void

    public var isEnded: Bool { [.fixed, .explained, .void].contains(self) }
}

public enum FollowUpAction: String, Codable, Sendable, CaseIterable {
    case callBack, fix, schedule, explain, appeal, upholdAppeal, rejectAppeal

    /// Supervisors decide appeals; the department does the rest.
    public var bySupervisor: Bool { self == .upholdAppeal || self == .rejectAppeal }
}

public enum FollowUpMachine {
    public enum Refusal: Error, Equatable, Sendable {
        case notAllowed(from: FollowUpState, allowed: [FollowUpAction])
    }

    /// The next state, or the refusal naming what is allowed. `beforeAppeal` is where a rejected
    /// appeal returns to.
    public static func next(_ state: FollowUpState, _ action: FollowUpAction, beforeAppeal: FollowUpState? = nil) throws(Refusal)
        -> FollowUpState
    {
        guard let to = transition(state, action, beforeAppeal: beforeAppeal) else {
            throw .notAllowed(from: state, allowed: allowed(from: state))
        }
        return to
    }

    static func transition(_ state: FollowUpState, _ action: FollowUpAction, beforeAppeal: FollowUpState?) -> FollowUpState? {
        switch (state, action) {
        case (.open, .callBack): .calledBack
        case (.calledBack, .fix), (.scheduled, .fix): .fixed
        case (.calledBack, .schedule): .scheduled
        case (.calledBack, .explain), (.scheduled, .explain): .explained
        case (.open, .appeal), (.calledBack, .appeal), (.scheduled, .appeal): .appealed
        case (.appealed, .upholdAppeal): .void
        case (.appealed, .rejectAppeal): beforeAppeal ?? .open
        default: nil
        }
    }

    public static func allowed(from state: FollowUpState) -> [FollowUpAction] {
        FollowUpAction.allCases.filter { transition(state, $0, beforeAppeal: nil) != nil }
    }
}

/// A follow-up's time limit in working days from the day the bad rating came (that day not
/// counted), as the case clocks count; past it, unless ended, it is escalated to supervisors.
public struct FollowUpDeadline: Sendable, Equatable {
    public static let defaultDays = 5

    public let openedOn: CalendarDate
    public let dueOn: CalendarDate

    public init(openedOn: CalendarDate, days: Int, calendar: WorkingDayCalendar) throws(WorkingDayCalendar.Problem) {
        self.openedOn = openedOn
        dueOn = try calendar.adding(workingDays: days, to: openedOn).value
    }

    /// Overdue from the day after the last day.
    public func isOverdue(on today: CalendarDate, state: FollowUpState) -> Bool {
        Self.isOverdue(due: dueOn, on: today, state: state)
    }

    /// The same, for a deadline already stored; an appeal stops the clock.
    public static func isOverdue(due: CalendarDate, on today: CalendarDate, state: FollowUpState) -> Bool {
        !state.isEnded && state != .appealed && today > due
    }
}
