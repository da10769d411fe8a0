import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// One answer of the calendar, as the API and the command line give it.
struct CalendarAnswerDTO: Content {
    var from: String
    var days: Int?
    var to: String?
    var date: String?
    var workingDays: Int?
    /// False when some date counted is not covered by an official holiday notice (weekends only).
    var official: Bool
    var assumedFrom: String?
    var assumedThrough: String?

    init<V>(from: CalendarDate, days: Int? = nil, to: CalendarDate? = nil, _ reckoning: WorkingDayCalendar.Reckoning<V>) {
        self.from = from.description
        self.days = days
        self.to = to?.description
        if let date = reckoning.value as? CalendarDate { self.date = date.description }
        if let count = reckoning.value as? Int { workingDays = count }
        official = reckoning.isOfficial
        assumedFrom = reckoning.assumed?.lowerBound.description
        assumedThrough = reckoning.assumed?.upperBound.description
    }
}

/// `/api/v1/calendar`: working-day arithmetic on the official calendar, for staff tools and
/// other departments' systems. The same as `tongban calendar`.
struct CalendarAPI {
    func register(_ api: any RoutesBuilder) {
        let calendar = api.grouped("calendar")
        calendar.get("add", use: add)
        calendar.get("between", use: between)
    }

    func add(req: Request) async throws -> CalendarAnswerDTO {
        let from = try req.dateQuery("from")
        guard let days = try req.integerQuery("days", in: 0...2_000, default: nil) else {
            throw TongbanError.invalid(field: "days", "field.required")
        }
        let calendar = req.application.workingDays
        do { return CalendarAnswerDTO(from: from, days: days, try calendar.adding(workingDays: days, to: from)) } catch {
            throw calendar.outOfRange
        }
    }

    func between(req: Request) async throws -> CalendarAnswerDTO {
        let from = try req.dateQuery("from")
        let to = try req.dateQuery("to")
        let calendar = req.application.workingDays
        do { return CalendarAnswerDTO(from: from, to: to, try calendar.workingDays(after: from, through: to)) } catch {
            throw calendar.outOfRange
        }
    }
}

extension WorkingDayCalendar {
    /// A date outside the calendar's table is the caller's input problem (422), not ours.
    var outOfRange: TongbanError {
        TongbanError(
            status: .unprocessableEntity, code: "calendar.outOfRange",
            arguments: ["first": supported.lowerBound.description, "last": supported.upperBound.description])
    }
}

extension Request {
    func dateQuery(_ name: String) throws -> CalendarDate {
        guard let raw = query[String.self, at: name] else { throw TongbanError.invalid(field: name, "field.required") }
        guard let date = CalendarDate(iso: raw) else { throw TongbanError.invalid(field: name, "field.invalidDate") }
        return date
    }
}
