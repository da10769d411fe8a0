import Foundation

/// 审管衔接: an approval handed to the department that supervises it counts as received only
/// when that department signs for it. Unsigned after `yellowDays` working days it turns yellow;
/// after `redDays` red, and goes to the supervisors.
public struct HandoffRules: Sendable, Equatable {
    public enum Problem: Error, Sendable, Equatable {
        case invalid
    }

    public enum Light: String, Codable, Sendable, CaseIterable {
        case waiting
        case yellow
        case red
        case signed
    }

    public let yellowDays: Int
    public let redDays: Int

    public static let standard = try! HandoffRules(yellowDays: 1, redDays: 3)

    public init(yellowDays: Int, redDays: Int) throws(Problem) {
        guard yellowDays >= 1, redDays > yellowDays, redDays <= 60 else { throw .invalid }
        self.yellowDays = yellowDays
        self.redDays = redDays
    }

    /// The days a handoff made on `day` turns yellow and red if still unsigned.
    public func deadlines(handedOver day: CalendarDate, calendar: WorkingDayCalendar) throws(WorkingDayCalendar.Problem) -> (
        yellow: CalendarDate, red: CalendarDate
    ) {
        (try calendar.adding(workingDays: yellowDays, to: day).value, try calendar.adding(workingDays: redDays, to: day).value)
    }

    /// Its light today: signed whatever the day; otherwise by the deadlines reached.
    public static func light(yellowOn: CalendarDate, redOn: CalendarDate, signed: Bool, today: CalendarDate) -> Light {
        if signed { return .signed }
        if today >= redOn { return .red }
        if today >= yellowOn { return .yellow }
        return .waiting
    }
}
