import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 电子监察 dashboards: supervisors see their region (any department, any item); other staff
/// their own department's figures; everyone, signed in or not, the public transparency page
/// with the same figures per department and item — the rollup holds no personal data, so
/// neither can the page. Each also as CSV and JSON.
package struct SupervisionPages {

    package init() {}
    package func register(_ routes: any RoutesBuilder) {
        routes.get("supervision", use: dashboard)
        routes.get("supervision.csv", use: csv)
        routes.get("transparency", use: transparency)
        routes.get("transparency.csv", use: publicCSV)
    }

    package func registerAPI(_ api: any RoutesBuilder) {
        api.get("supervision", "figures") { req async throws -> SupervisionFiguresDTO in
            let report = try await SupervisionDesk(context: req.context).staffFigures(req.askedFigures)
            return SupervisionFiguresDTO(report, demoData: DemoNotice.text(report.totals.samples, .cases, req))
        }
        api.get("public", "figures") { req async throws -> SupervisionFiguresDTO in
            let report = try await SupervisionDesk(context: req.context).publicFigures(req.askedFigures)
            return SupervisionFiguresDTO(report, demoData: DemoNotice.text(report.totals.samples, .cases, req))
        }
    }

    package struct Tile: Encodable {
        package let label: String
        package let value: String
        package let detail: String
    }
    package struct Bar: Encodable {
        package let label: String
        package let count: Int
        package let percent: String
        package let width: Int
    }
    package struct Line: Encodable {
        package let code: String
        package let name: String
        package let cases: Int
        package let decided: Int
        package let onTime: String
        package let immediate: String
        package let online: String
        package let oneVisit: String
        package let days: String
        package let saved: Int
        package let satisfaction: String
        package let href: String
    }
    package struct Option: Encodable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package struct Context: Encodable {
        package let page: PageContext
        package let action: String
        package let isPublic: Bool
        package let from: String
        package let to: String
        package let item: String
        /// Staff: their region and the regions directly inside it.
        package let regions: [Option]
        package let hasRegions: Bool
        package let departments: [Option]
        package let tiles: [Tile]
        package let chart: String
        package let ratings: [Bar]
        package let hasRatings: Bool
        package let lines: [Line]
        package let items: [Line]
        package let hasData: Bool
        package let csvHref: String
        package let asOf: String
        package let error: String?
        /// What is wrong with each field of the filter, in the user's language.
        package let problems: [String]
    }

    package func dashboard(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/supervision") }
        return try await render(req, isPublic: false)
    }

    package func transparency(req: Request) async throws -> Response { try await render(req, isPublic: true) }

    package func csv(req: Request) async throws -> Response {
        try await csvResponse(req, report: try await SupervisionDesk(context: req.context).staffFigures(req.askedFigures))
    }

    package func publicCSV(req: Request) async throws -> Response {
        try await csvResponse(req, report: try await SupervisionDesk(context: req.context).publicFigures(req.askedFigures))
    }

    private func csvResponse(_ req: Request, report: SupervisionReport) async throws -> Response {
        let response = Response(status: .ok, body: .init(string: SupervisionCSV.make(report, req: req)))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "tongban-figures-\(report.scope.from)-\(report.scope.to).csv")
        return response
    }

    private func render(_ req: Request, isPublic: Bool) async throws -> Response {
        var failure: (any Error)?
        var report: SupervisionReport?
        do {
            let desk = SupervisionDesk(context: req.context)
            report = isPublic ? try await desk.publicFigures(req.askedFigures) : try await desk.staffFigures(req.askedFigures)
        } catch let error as TongbanError where error.status == .unprocessableEntity { failure = error }
        let shown = try FormFailure(failure, req)
        let path = isPublic ? "/transparency" : "/supervision"
        let query = req.url.query.map { "?" + $0 } ?? ""
        let regions = isPublic ? [] : try await regionOptions(req, selected: report?.scope.region)
        var page = req.pageContext(title: req.t(isPublic ? "supervision.publicTitle" : "supervision.title"))
        page.demoData = DemoNotice.text(report?.totals.samples ?? 0, .cases, req)
        let context = Context(
            page: page, action: path, isPublic: isPublic,
            from: report?.scope.from.description ?? "", to: report?.scope.to.description ?? "", item: report?.scope.itemCode ?? "",
            regions: regions, hasRegions: regions.count > 1,
            departments: departmentOptions(report), tiles: report.map { tiles($0.totals, req) } ?? [],
            chart: report.map { SupervisionChart.svg($0.trend, step: $0.step, title: req.t("supervision.chartTitle")) } ?? "",
            ratings: report.map { ratingBars($0.totals, req) } ?? [], hasRatings: (report?.totals.ratings ?? 0) > 0,
            lines: report?.departments.map {
                line($0, req, href: "\(path)?from=\(report!.scope.from)&to=\(report!.scope.to)&department=\($0.key)")
            } ?? [],
            items: report?.items.prefix(30).map {
                line($0, req, href: "\(path)?from=\(report!.scope.from)&to=\(report!.scope.to)&item=\($0.key)")
            } ?? [],
            hasData: (report?.totals.cases ?? 0) + (report?.totals.ratings ?? 0) > 0,
            csvHref: "\(path).csv\(query)",
            asOf: report?.asOf.map { req.t("supervision.asOf", ["time": LocalTime($0).wallClockText]) } ?? req.t("supervision.notYet"),
            error: shown.summary, problems: shown.fields.sorted { $0.key < $1.key }.map(\.value))
        let response = try await req.view.render("supervision", context).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }

    /// The staff member's region and those directly inside it (a district's streets, a city's districts).
    private func regionOptions(_ req: Request, selected: RegionCode?) async throws -> [Option] {
        guard let home = req.currentActor?.regionCode else { return [] }
        let own = try await Region.find(home.value, on: req.db)
        let children = try await Region.query(on: req.db).filter(\.$parentCode == home.value).sort(\.$id).limit(200).all()
        return [Option(value: home.value, label: own?.name ?? home.value, selected: selected == nil || selected == home)]
            + children.map { Option(value: $0.id ?? "", label: "　" + $0.name, selected: selected?.value == $0.id) }
    }

    private func departmentOptions(_ report: SupervisionReport?) -> [Option] {
        guard let report else { return [] }
        let selected = report.scope.departmentID?.uuidString
        return report.departments.filter { !$0.key.isEmpty }.sorted { $0.name < $1.name }
            .map { Option(value: $0.key, label: $0.name, selected: $0.key == selected) }
    }

    private func tiles(_ t: SupervisionTotals, _ req: Request) -> [Tile] {
        func rate(_ key: String, _ r: Rate) -> Tile {
            Tile(
                label: req.t("supervision.\(key)"), value: r.percent,
                detail: req.t("supervision.of", ["part": String(r.part), "whole": String(r.whole)]))
        }
        let days = t.averageDaysUsed.map { String(format: "%.1f", $0) } ?? "—"
        let promised = t.averageDaysPromised.map { String(format: "%.1f", $0) } ?? "—"
        return [
            Tile(
                label: req.t("supervision.cases"), value: String(t.cases),
                detail: req.t("supervision.casesDetail", ["applications": String(t.applications), "decided": String(t.decided)])),
            rate("online", t.onlineRate), rate("immediate", t.immediateRate), rate("near", t.nearRate), rate("oneVisit", t.oneVisitRate),
            rate("zeroVisit", t.zeroVisitRate), rate("onTime", t.onTimeRate),
            Tile(label: req.t("supervision.days"), value: days, detail: req.t("supervision.daysDetail", ["promised": promised])),
            Tile(label: req.t("supervision.saved"), value: String(t.saved), detail: req.t("supervision.savedDetail")),
            rate("satisfaction", t.satisfactionRate), rate("followedUp", t.followUpRate), rate("complaintsOnTime", t.complaintsOnTimeRate),
        ]
    }

    private func ratingBars(_ t: SupervisionTotals, _ req: Request) -> [Bar] {
        let counts: [(RatingLevel, Int)] = [
            (.veryGood, t.veryGood), (.good, t.good), (.fair, t.fair), (.poor, t.poor), (.veryPoor, t.veryPoor),
        ]
        return counts.map { level, count in
            let rate = Rate(count, of: t.ratings)
            return Bar(
                label: req.t("rating.level.\(level.rawValue)"), count: count, percent: rate.percent,
                width: Int(((rate.value ?? 0) * 100).rounded()))
        }
    }

    private func line(_ g: SupervisionQuery.Group, _ req: Request, href: String) -> Line {
        let t = g.totals
        let days =
            t.averageDaysUsed.map { used in "\(String(format: "%.1f", used)) / \(String(format: "%.1f", t.averageDaysPromised ?? 0))" }
            ?? "—"
        return Line(
            code: g.key, name: g.name.isEmpty ? "—" : g.name, cases: t.cases, decided: t.decided, onTime: t.onTimeRate.percent,
            immediate: t.immediateRate.percent, online: t.onlineRate.percent, oneVisit: t.oneVisitRate.percent, days: days,
            saved: t.saved, satisfaction: t.satisfactionRate.percent, href: href)
    }
}
