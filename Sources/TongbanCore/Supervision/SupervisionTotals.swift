import Foundation

/// One case (one item of an application) as supervision counts it. Cases are counted in the
/// period their application was submitted in; their outcome is what has happened so far.
public struct CaseFacts: Sendable, Equatable {
    public var submittedOn: CalendarDate
    /// The first case of its application: counting these counts applications.
    public var firstOfApplication: Bool
    public var online: Bool
    /// The level of the region the item is handled in (就近办: town or village).
    public var regionLevel: RegionLevel
    public var state: CaseState
    public var decidedOn: CalendarDate?
    public var dueOn: CalendarDate?
    /// Working days the case's clock ran until the decision (0 for an instant decision).
    public var daysUsed: Int?
    public var promisedDays: Int
    /// In-person visits the application took (跑动次数), recorded by clerks.
    public var visits: Int
    /// Materials an e-licence or shared data stood in for (免提交).
    public var materialsSaved: Int
    /// A demo database's sample case (演示数据), not an applicant's: figures that count it say so.
    public var sample = false

    public init(
        submittedOn: CalendarDate, firstOfApplication: Bool = true, online: Bool, regionLevel: RegionLevel, state: CaseState,
        decidedOn: CalendarDate? = nil, dueOn: CalendarDate? = nil, daysUsed: Int? = nil, promisedDays: Int, visits: Int,
        materialsSaved: Int = 0
    ) {
        self.submittedOn = submittedOn
        self.firstOfApplication = firstOfApplication
        self.online = online
        self.regionLevel = regionLevel
        self.state = state
        self.decidedOn = decidedOn
        self.dueOn = dueOn
        self.daysUsed = daysUsed
        self.promisedDays = promisedDays
        self.visits = visits
        self.materialsSaved = materialsSaved
    }

    /// Decided (approved or denied), whatever followed: delivered, concluded, or a commitment
    /// approval revoked later.
    public static let decidedStates: Set<CaseState> = [.decided, .delivered, .concluded, .revoked]
    public var isDecided: Bool { Self.decidedStates.contains(state) && decidedOn != nil }
}

/// One rating as supervision counts it (in the period it was given).
public struct RatingFacts: Sendable, Equatable {
    public var level: RatingLevel
    /// False once a supervisor upheld the department's appeal against it.
    public var counts: Bool
    public var followUp: FollowUpState?

    public init(level: RatingLevel, counts: Bool = true, followUp: FollowUpState? = nil) {
        self.level = level
        self.counts = counts
        self.followUp = followUp
    }
}

/// The counters every supervision figure is made of. Totals add up over days, regions,
/// departments and items, so a period's figures are the sum of its days' rollups; the rates
/// are computed only at the end, from the summed counters, never averaged.
public struct SupervisionTotals: Sendable, Equatable, Codable {
    public var cases = 0
    public var applications = 0
    public var online = 0
    public var near = 0
    public var decided = 0
    /// 马上办: decided on the day the application was submitted (instant decisions included).
    public var immediate = 0
    public var onTime = 0
    public var daysUsed = 0
    public var daysPromised = 0
    /// 一次办: decided with at most one visit.
    public var oneVisit = 0
    /// 零跑腿: decided with no visit at all.
    public var zeroVisit = 0
    public var saved = 0
    public var refused = 0
    public var withdrawn = 0
    /// Ratings that count, per level (非常不满意 … 非常满意).
    public var veryPoor = 0, poor = 0, fair = 0, good = 0, veryGood = 0
    public var bad = 0
    /// Bad ratings whose follow-up has ended (fixed, explained).
    public var badFollowedUp = 0
    public var complaints = 0
    public var complaintsAnswered = 0
    public var complaintsOnTime = 0
    /// Sample cases (演示数据) among `cases`: every figure made with them says so, with this count.
    public var samples = 0

    public init() {}

    // key paths are immutable values; the array is never written after it is made
    nonisolated(unsafe) public static let counterKeys: [WritableKeyPath<SupervisionTotals, Int>] = [
        \.cases, \.applications, \.online, \.near, \.decided, \.immediate, \.onTime, \.daysUsed, \.daysPromised, \.oneVisit, \.zeroVisit,
        \.saved, \.refused, \.withdrawn, \.veryPoor, \.poor, \.fair, \.good, \.veryGood, \.bad, \.badFollowedUp,
        \.complaints, \.complaintsAnswered, \.complaintsOnTime, \.samples,
    ]

    public static func + (a: SupervisionTotals, b: SupervisionTotals) -> SupervisionTotals {
        var sum = a
        for key in counterKeys { sum[keyPath: key] += b[keyPath: key] }
        return sum
    }

    public static func += (a: inout SupervisionTotals, b: SupervisionTotals) { a = a + b }

    /// What one case adds.
    public static func of(_ c: CaseFacts) -> SupervisionTotals {
        var t = SupervisionTotals()
        t.cases = 1
        t.applications = c.firstOfApplication ? 1 : 0
        t.online = c.online ? 1 : 0
        t.near = c.regionLevel >= .town ? 1 : 0
        t.refused = c.state == .refused ? 1 : 0
        t.withdrawn = c.state == .withdrawn ? 1 : 0
        t.saved = c.materialsSaved
        t.samples = c.sample ? 1 : 0
        if c.isDecided, let decidedOn = c.decidedOn {
            t.decided = 1
            t.immediate = decidedOn <= c.submittedOn ? 1 : 0
            t.onTime = c.dueOn.map { decidedOn <= $0 } ?? true ? 1 : 0
            t.daysUsed = c.daysUsed ?? 0
            t.daysPromised = c.promisedDays
            t.oneVisit = c.visits <= 1 ? 1 : 0
            t.zeroVisit = c.visits == 0 ? 1 : 0
        }
        return t
    }

    /// What one rating adds: nothing once an appeal against it was upheld.
    public static func of(_ r: RatingFacts) -> SupervisionTotals {
        var t = SupervisionTotals()
        guard r.counts else { return t }
        switch r.level {
        case .veryPoor: t.veryPoor = 1
        case .poor: t.poor = 1
        case .fair: t.fair = 1
        case .good: t.good = 1
        case .veryGood: t.veryGood = 1
        }
        if r.level.isBad {
            t.bad = 1
            t.badFollowedUp = r.followUp.map { $0 == .fixed || $0 == .explained } ?? false ? 1 : 0
        }
        return t
    }

    public var ratings: Int { veryPoor + poor + fair + good + veryGood }

    // The rates, each with what it is a share of.
    public var onlineRate: Rate { Rate(online, of: cases) }
    public var nearRate: Rate { Rate(near, of: cases) }
    public var immediateRate: Rate { Rate(immediate, of: decided) }
    public var onTimeRate: Rate { Rate(onTime, of: decided) }
    public var oneVisitRate: Rate { Rate(oneVisit, of: decided) }
    public var zeroVisitRate: Rate { Rate(zeroVisit, of: decided) }
    /// 满意率: 非常满意, 满意 and 基本满意 among the ratings that count.
    public var satisfactionRate: Rate { Rate(veryGood + good + fair, of: ratings) }
    public var badRate: Rate { Rate(bad, of: ratings) }
    public var followUpRate: Rate { Rate(badFollowedUp, of: bad) }
    public var complaintsOnTimeRate: Rate { Rate(complaintsOnTime, of: complaints) }
    /// Working days used and promised per decided case.
    public var averageDaysUsed: Double? { decided == 0 ? nil : Double(daysUsed) / Double(decided) }
    public var averageDaysPromised: Double? { decided == 0 ? nil : Double(daysPromised) / Double(decided) }
}

/// A share: part of a whole, undefined (not zero) when the whole is empty.
public struct Rate: Sendable, Equatable, Codable {
    public let part: Int
    public let whole: Int

    public init(_ part: Int, of whole: Int) {
        self.part = part
        self.whole = whole
    }

    public var value: Double? { whole == 0 ? nil : Double(part) / Double(whole) }

    /// "93.4%" (one decimal), or "—" with nothing to count.
    public var percent: String {
        guard let value else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }
}
