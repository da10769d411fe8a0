import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Everything a dashboard shows for one scope, read from the rollup: the totals, the trend, the
/// departments ranked and the items; the same for supervisors, the API, the CSV and the public.
package struct SupervisionReport: Sendable {
    package let scope: SupervisionScope
    package let step: TrendStep
    package let totals: SupervisionTotals
    package let trend: [(start: CalendarDate, totals: SupervisionTotals)]
    package let departments: [SupervisionQuery.Group]
    package let items: [SupervisionQuery.Group]
    package let asOf: Date?

    /// Longest period a dashboard covers (three years of daily rows).
    package static let maxDays = 1_100

    package static func make(_ scope: SupervisionScope, on db: any Database) async throws -> SupervisionReport {
        async let totals = SupervisionQuery.totals(scope, on: db)
        let step = TrendStep.fitting(from: scope.from, to: scope.to)
        async let daily = SupervisionQuery.daily(scope, monthly: step == .month, on: db)
        async let departments = SupervisionQuery.byDepartment(scope, on: db)
        async let items = SupervisionQuery.byItem(scope, on: db)
        async let asOf = SupervisionRollup.lastRefresh(on: db)
        // ranked: on time first, then the most cases; departments with nothing decided last
        let ranked = try await departments.sorted {
            ($0.totals.onTimeRate.value ?? -1, $0.totals.cases, $1.name) > ($1.totals.onTimeRate.value ?? -1, $1.totals.cases, $0.name)
        }
        return SupervisionReport(
            scope: scope, step: step, totals: try await totals,
            trend: step.series(try await daily, from: scope.from, to: scope.to), departments: ranked,
            items: try await items.sorted { ($0.totals.cases, $1.key) > ($1.totals.cases, $0.key) }, asOf: try await asOf)
    }

    /// What a reader asks for, as the query string says it.
    package struct Asked: Decodable, Sendable {
        package var from: String?
        package var to: String?
        package var region: String?
        package var department: String?
        package var item: String?
    }

    /// The scope asked for: `from`, `to` (default: the 90 days to today), `region`,
    /// `department`, `item`. Every problem is named at once.
    package static func scope(_ q: Asked, today: CalendarDate, defaultRegion: RegionCode?) throws -> SupervisionScope {
        var problems = FieldErrors()
        let to = q.to?.nonEmpty.map { CalendarDate(iso: $0) } ?? today
        let from = q.from?.nonEmpty.map { CalendarDate(iso: $0) } ?? to?.adding(days: -89)
        if to == nil { problems.add("to", "field.invalidDate") }
        if from == nil { problems.add("from", "field.invalidDate") }
        var region = defaultRegion
        if let raw = q.region?.nonEmpty {
            do { region = try RegionCode(raw) } catch { problems.add("region", error.rawValue) }
        }
        var department: UUID? = nil
        if let raw = q.department?.nonEmpty {
            if let id = UUID(uuidString: raw) { department = id } else { problems.add("department", "supervision.unknownDepartment") }
        }
        let item = q.item?.nonEmpty
        if let item, item.count > 100 { problems.add("item", "supervision.unknownItem") }
        guard problems.isEmpty, let from, let to else { throw TongbanError.invalid(problems) }
        if from > to { throw TongbanError.invalid(field: "from", "supervision.periodReversed") }
        if to.dayNumber - from.dayNumber >= maxDays { throw TongbanError.invalid(field: "from", "supervision.periodTooLong") }
        return SupervisionScope(from: from, to: to, region: region, departmentID: department, itemCode: item)
    }
}

/// The figures as JSON: rates with their parts and wholes, never a bare percentage.
package struct SupervisionFiguresDTO: Content {
    package struct Figures: Content {
        package let cases: Int
        package let applications: Int
        package let decided: Int
        package let refused: Int
        package let withdrawn: Int
        package let online: Rate
        package let immediate: Rate
        package let near: Rate
        package let oneVisit: Rate
        package let zeroVisit: Rate
        package let onTime: Rate
        package let averageDaysUsed: Double?
        package let averageDaysPromised: Double?
        package let materialsSaved: Int
        package let ratings: [String: Int]
        package let satisfaction: Rate
        package let badFollowedUp: Rate
        package let complaintsOnTime: Rate
        /// Sample cases of a demo database among `cases` (0 on a database never seeded with them).
        package let sampleCases: Int

        package init(_ t: SupervisionTotals) {
            cases = t.cases
            applications = t.applications
            decided = t.decided
            refused = t.refused
            withdrawn = t.withdrawn
            online = t.onlineRate
            immediate = t.immediateRate
            near = t.nearRate
            oneVisit = t.oneVisitRate
            zeroVisit = t.zeroVisitRate
            onTime = t.onTimeRate
            averageDaysUsed = t.averageDaysUsed
            averageDaysPromised = t.averageDaysPromised
            materialsSaved = t.saved
            ratings = ["veryGood": t.veryGood, "good": t.good, "fair": t.fair, "poor": t.poor, "veryPoor": t.veryPoor]
            satisfaction = t.satisfactionRate
            badFollowedUp = t.followUpRate
            complaintsOnTime = t.complaintsOnTimeRate
            sampleCases = t.samples
        }
    }
    package struct Point: Content {
        package let start: String
        package let figures: Figures
    }
    package struct Line: Content {
        package let key: String
        package let name: String
        package let figures: Figures
    }

    package let from: String
    package let to: String
    package let region: String?
    package let department: String?
    package let item: String?
    package let step: String
    package let asOf: Date?
    package let totals: Figures
    package let trend: [Point]
    package let departments: [Line]
    package let items: [Line]
    /// "含演示数据 …" when the figures count sample cases; absent otherwise.
    package let demoData: String?

    package init(_ r: SupervisionReport, demoData: String?) {
        self.demoData = demoData
        from = r.scope.from.description
        to = r.scope.to.description
        region = r.scope.region?.value
        department = r.scope.departmentID?.uuidString
        item = r.scope.itemCode
        step = r.step.rawValue
        asOf = r.asOf
        totals = Figures(r.totals)
        trend = r.trend.map { Point(start: $0.start.description, figures: Figures($0.totals)) }
        departments = r.departments.map { Line(key: $0.key, name: $0.name, figures: Figures($0.totals)) }
        items = r.items.map { Line(key: $0.key, name: $0.name, figures: Figures($0.totals)) }
    }
}

/// The department and item lines as CSV (UTF-8 with a byte-order mark, which spreadsheet
/// programs need to read Chinese correctly).
package enum SupervisionCSV {
    package static func make(_ r: SupervisionReport, req: Request) -> String {
        let header = [
            "level", "code", "name", "cases", "applications", "decided", "online", "immediate", "near", "oneVisit", "zeroVisit",
            "onTime", "averageDaysUsed", "averageDaysPromised", "materialsSaved", "ratings", "satisfaction", "badFollowedUp", "complaints",
            "complaintsOnTime",
            "sampleCases",
        ]
        func line(_ level: String, _ key: String, _ name: String, _ t: SupervisionTotals) -> [String] {
            func share(_ rate: Rate) -> String { rate.value.map { String(format: "%.4f", $0) } ?? "" }
            return [
                level, key, name, String(t.cases), String(t.applications), String(t.decided), share(t.onlineRate), share(t.immediateRate),
                share(t.nearRate), share(t.oneVisitRate), share(t.zeroVisitRate), share(t.onTimeRate),
                t.averageDaysUsed.map { String(format: "%.2f", $0) } ?? "", t.averageDaysPromised.map { String(format: "%.2f", $0) } ?? "",
                String(t.saved), String(t.ratings), share(t.satisfactionRate), share(t.followUpRate), String(t.complaints),
                share(t.complaintsOnTimeRate),
                String(t.samples),
            ]
        }
        // a demo's figures say so at the top, where a spreadsheet shows it first
        var rows = DemoNotice.text(r.totals.samples, .cases, req).map { [["notice", "", $0]] } ?? []
        rows += [header, line("total", r.scope.region?.value ?? "", req.t("supervision.total"), r.totals)]
        rows += r.departments.map { line("department", $0.key, $0.name, $0.totals) }
        rows += r.items.map { line("item", $0.key, $0.name, $0.totals) }
        return "\u{FEFF}" + CSV.format(rows)
    }
}

/// 电子监察, the use cases of reading the figures: anyone reads the public figures of any region;
/// a staff member reads their region's (a supervisor) or their own department's (everyone else,
/// whatever department they ask for).
package struct SupervisionDesk {
    package let context: UseCaseContext

    /// The public figures (`/transparency`): no personal data, open to all.
    package func publicFigures(_ asked: SupervisionReport.Asked) async throws -> SupervisionReport {
        let scope = try SupervisionReport.scope(asked, today: context.today, defaultRegion: nil)
        return try await SupervisionReport.make(scope, on: context.db)
    }

    /// The figures the acting staff member may see.
    package func staffFigures(_ asked: SupervisionReport.Asked) async throws -> SupervisionReport {
        try await SupervisionReport.make(try staffScope(asked), on: context.db)
    }

    /// The scope a staff member may see: a supervisor's region by default, their department's
    /// figures for everyone else (whatever department the query names).
    package func staffScope(_ asked: SupervisionReport.Asked) throws -> SupervisionScope {
        let actor = try context.requireAccount().actor
        guard let home = actor.regionCode else { throw TongbanError.denied(.roleMissing) }
        var scope = try SupervisionReport.scope(asked, today: context.today, defaultRegion: home)
        // whom the policy does not let see every department's figures sees their own department's
        if !context.allows(.supervise, .figures(regionCode: scope.region ?? home, departmentID: nil)) {
            scope.departmentID = actor.departmentID
        }
        try context.authorize(.supervise, .figures(regionCode: scope.region ?? home, departmentID: scope.departmentID))
        return scope
    }

    /// The deadline warnings of the acting staff member's region (or department).
    package func warnings() async throws -> WarningBoard.Board {
        let actor = try context.requireAccount().actor
        guard let region = actor.regionCode else { throw TongbanError.denied(.roleMissing) }
        // the whole region for whom the policy lets see every department's; one's own otherwise
        let whole = context.allows(.supervise, .figures(regionCode: region, departmentID: nil))
        let department = whole ? nil : actor.departmentID
        try context.authorize(.supervise, .figures(regionCode: region, departmentID: department))
        let scope = WarningBoard.Scope(region: region, departmentID: department)
        return try await WarningBoard.board(scope, today: context.today, on: context.db)
    }
}

extension Request {
    /// The figures' scope as the query string asks it (an unreadable query asks for the defaults).
    package var askedFigures: SupervisionReport.Asked {
        (try? query.decode(SupervisionReport.Asked.self)) ?? SupervisionReport.Asked()
    }
}
