import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// A hall's figures over a period — per hour of the day and category: arrivals, waits, service,
/// no-shows, windows open — and the Erlang C staffing advice beside the windows actually open.
package struct HallFigures {
    package let context: UseCaseContext
    package let parts: HallParts

    package struct Report: Content {
        package let hall: String
        package let from: String
        package let to: String
        package let target: StaffingTarget
        package let figures: [HourFigures]
        package let advice: [StaffingAdvice]
        package let totals: [HourTotal]
        /// Simulated tickets of a demo database among those counted (0 on a real hall).
        package let sampleTickets: Int
        /// "含演示数据 …" when any are counted, in the reader's language (set by the adapter); absent otherwise.
        package var demoData: String?
    }

    /// The longest period one report covers.
    package static let maxDays = 93

    package static func period(from rawFrom: String?, to rawTo: String?, today: CalendarDate) throws -> (CalendarDate, CalendarDate) {
        var problems = FieldErrors()
        let to = rawTo.map { CalendarDate(iso: $0) } ?? today
        let from = rawFrom.map { CalendarDate(iso: $0) } ?? to.flatMap { $0.adding(days: -6) }
        if to == nil { problems.add("to", "field.invalidDate") }
        if from == nil { problems.add("from", "field.invalidDate") }
        guard problems.isEmpty, let from, let to else { throw TongbanError.invalid(problems) }
        if from > to { throw TongbanError.invalid(field: "from", "hall.periodReversed") }
        if to.dayNumber - from.dayNumber >= maxDays { throw TongbanError.invalid(field: "from", "hall.periodTooLong") }
        return (from, to)
    }

    package static func target(share rawShare: String?, within rawWithin: String?) throws -> StaffingTarget {
        guard rawShare != nil || rawWithin != nil else { return .standard }
        var problems = FieldErrors()
        let share = rawShare.map { Double($0).map { $0 > 1 ? $0 / 100 : $0 } } ?? StaffingTarget.standard.share
        let within = rawWithin.map { Double($0) } ?? StaffingTarget.standard.withinMinutes
        if share == nil { problems.add("share", "hall.badTarget") }
        if within == nil { problems.add("within", "hall.badTarget") }
        guard problems.isEmpty, let share, let within, let target = StaffingTarget(share: share, withinMinutes: within) else {
            if problems.isEmpty { problems.add("share", "hall.badTarget") }
            throw TongbanError.invalid(problems)
        }
        return target
    }

    /// `english`: the hall's name in English.
    package func report(_ hall: Hall, from: CalendarDate, to: CalendarDate, target: StaffingTarget, english: Bool) async throws -> Report {
        let hallID = try hall.requireID()
        let now = context.now
        // only the columns the figures need: a week is thousands of rows
        struct Row: Decodable {
            let category: String
            let status: String
            let queued_at: Date
            let first_called_at: Date?
            let called_at: Date?
            let finished_at: Date?
            let sample: Bool
        }
        let tickets = try await parts.readDB.sql.raw(
            """
            SELECT category, status, queued_at, first_called_at, called_at, finished_at, sample FROM hall_tickets
            WHERE hall_id = \(bind: hallID) AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            """
        ).all(decoding: Row.self)
        let outcomes = tickets.map { t -> TicketOutcome in
            let local = LocalTime(t.queued_at)
            let ending: TicketOutcome.Ending =
                switch HallTicket.Status(rawValue: t.status) ?? .waiting {
                case .waiting: .waiting
                case .called: .called
                case .served: .served
                case .noShow: .noShow
                case .cancelled: .cancelled
                }
            return TicketOutcome(
                date: local.date, hour: local.hour, category: t.category,
                waitMinutes: t.first_called_at.map { $0.timeIntervalSince(t.queued_at) / 60 },
                serviceMinutes: ending == .served ? t.finished_at.flatMap { f in t.called_at.map { f.timeIntervalSince($0) / 60 } } : nil,
                ending: ending)
        }
        let start = LocalTime(date: from, minute: 0).instant
        let end = LocalTime(date: to.adding(days: 1)!, minute: 0).instant
        let sessions = try await WindowSession.query(on: context.db).filter(\.$hallID == hallID).filter(\.$openedAt < end).all()
            .filter { ($0.closedAt ?? now) > start }
        let rows = try await HallWindow.query(on: context.db).filter(\.$hallID == hallID).all()
        let windows = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.requireID(), $0) })
        var hours: [WindowHour] = []
        for s in sessions {
            let categories = windows[s.windowID]?.categories ?? []
            hours += Self.windowHours(from: max(s.openedAt, start), until: min(s.closedAt ?? now, end), categories: categories)
        }
        let samples = tickets.count(where: \.sample)
        let figures = HallStatistics.figures(tickets: outcomes, windows: hours, categories: hall.categories.map(\.code))
        let advice = StaffingPlan.advise(figures, target: target, defaultServiceMinutes: hall.defaultServiceMinutes)
        return Report(
            hall: english ? hall.nameEn : hall.name, from: from.description, to: to.description, target: target,
            figures: figures, advice: advice,
            totals: StaffingPlan.totals(advice, figures: figures, windows: hours, target: target),
            sampleTickets: samples, demoData: nil)
    }

    /// A window's open time cut at each local hour.
    package static func windowHours(from: Date, until: Date, categories: Set<String>) -> [WindowHour] {
        var pieces: [WindowHour] = []
        var at = from
        while at < until {
            let local = LocalTime(at)
            let hourEnd = LocalTime(date: local.date, minute: local.hour * 60).instant.addingTimeInterval(3600)
            let pieceEnd = min(hourEnd, until)
            pieces.append(
                WindowHour(date: local.date, hour: local.hour, categories: categories, minutesOpen: pieceEnd.timeIntervalSince(at) / 60))
            at = pieceEnd
        }
        return pieces
    }
}
