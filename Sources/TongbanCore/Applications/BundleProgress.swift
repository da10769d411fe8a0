/// Where a bundle application stands as one piece of work: for each case the day it is expected
/// to end (decided on, due on, or — not yet started — its promised days after the latest of its
/// prerequisites), the chain of cases that decides when the whole ends (the critical path), and
/// that end against the days promised when it was submitted.
public struct BundleProgress: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var id: String
        public var name: String
        /// Promised working days.
        public var days: Int
        /// The cases of the same application it waits for.
        public var after: [String]
        public var state: CaseState
        public var acceptedOn: CalendarDate?
        public var dueOn: CalendarDate?
        public var decidedOn: CalendarDate?

        public init(
            id: String, name: String, days: Int, after: [String], state: CaseState, acceptedOn: CalendarDate? = nil,
            dueOn: CalendarDate? = nil, decidedOn: CalendarDate? = nil
        ) {
            self.id = id
            self.name = name
            self.days = days
            self.after = after
            self.state = state
            self.acceptedOn = acceptedOn
            self.dueOn = dueOn
            self.decidedOn = decidedOn
        }
    }

    /// Each case's expected end, by id; nil for a case that ended without a decision.
    public var expectedEnd: [String: CalendarDate]
    /// The cases whose ends decide the whole's, first to last.
    public var criticalPath: [String]
    /// Promised working days along the longest chain of prerequisites, and the day that makes
    /// counted from submission.
    public var promisedDays: Int
    public var promisedEnd: CalendarDate?
    /// The latest expected end of a case still to be decided or decided.
    public var expectedEndOfAll: CalendarDate?
    /// Whether the whole is expected to end later than promised.
    public var late: Bool { (expectedEndOfAll.flatMap { end in promisedEnd.map { end > $0 } }) ?? false }

    /// `steps` in the application's order; `today` bounds what is still to come.
    public static func of(
        _ steps: [Step], submittedOn: CalendarDate?, today: CalendarDate, calendar: WorkingDayCalendar
    ) -> BundleProgress {
        let byID = Dictionary(steps.map { ($0.id, $0) }) { first, _ in first }
        var ends: [String: CalendarDate?] = [:]
        var visiting: Set<String> = []
        func end(_ id: String) -> CalendarDate? {
            if let known = ends[id] { return known }
            guard let step = byID[id], visiting.insert(id).inserted else { return nil }
            defer { visiting.remove(id) }
            let value: CalendarDate?
            if let decided = step.decidedOn {
                value = decided
            } else if step.state.isFinal {
                value = nil
            } else if let due = step.dueOn {
                value = max(due, today)
            } else {
                let ready = step.after.compactMap(end).max() ?? today
                let start = max(ready, step.acceptedOn ?? today, today)
                value = (try? calendar.adding(workingDays: step.days, to: start))?.value
            }
            ends[id] = value
            return value
        }
        var expected: [String: CalendarDate] = [:]
        for step in steps { if let value = end(step.id) { expected[step.id] = value } }
        // the chain back from the last end, through the latest prerequisite each time
        var path: [String] = []
        if var current = steps.filter({ expected[$0.id] != nil }).max(by: { expected[$0.id]! < expected[$1.id]! })?.id {
            path = [current]
            while let previous = byID[current]?.after.filter({ expected[$0] != nil }).max(by: { expected[$0]! < expected[$1]! }),
                !path.contains(previous)
            {
                path.insert(previous, at: 0)
                current = previous
            }
        }
        let promised = longestChain(steps)
        let promisedEnd = submittedOn.flatMap { (try? calendar.adding(workingDays: promised, to: $0))?.value }
        return BundleProgress(
            expectedEnd: expected, criticalPath: path, promisedDays: promised, promisedEnd: promisedEnd,
            expectedEndOfAll: expected.values.max())
    }

    /// The most promised days along one chain of prerequisites.
    static func longestChain(_ steps: [Step]) -> Int {
        let byID = Dictionary(steps.map { ($0.id, $0) }) { first, _ in first }
        var memo: [String: Int] = [:]
        var visiting: Set<String> = []
        func total(_ id: String) -> Int {
            if let known = memo[id] { return known }
            guard let step = byID[id], visiting.insert(id).inserted else { return 0 }
            defer { visiting.remove(id) }
            let value = step.days + (step.after.map(total).max() ?? 0)
            memo[id] = value
            return value
        }
        return steps.map { total($0.id) }.max() ?? 0
    }
}
