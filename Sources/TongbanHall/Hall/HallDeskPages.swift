import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The clerk's calling desk (open a window, call the next, end the call) and the hall's figures
/// with the staffing advice, for its clerks and supervisors.
package struct HallDeskPages {
    package func register(_ routes: any RoutesBuilder) {
        routes.get("halls", ":hall", "desk", use: desk)
        routes.post("halls", ":hall", "desk", use: act)
        routes.get("halls", ":hall", "statistics", use: statistics)
    }

    package struct WindowOption: Encodable {
        package let id: UUID
        package let label: String
        package let taken: Bool
    }
    package struct CategoryOption: Encodable {
        package let code: String
        package let name: String
    }

    package struct DeskContext: Encodable {
        package let page: PageContext
        package let id: UUID
        package let hallName: String
        package let windows: [WindowOption]
        package let window: String?
        package let windowID: UUID?
        package let current: HallAPI.TicketDTO?
        /// 帮办: the applications made for the ticket being served.
        package let ticketApplications: [PageLink]
        package let transferTo: [CategoryOption]
        package let queues: [HallQueue.Board.Queue]
        package let error: String?
    }

    package func desk(req: Request) async throws -> Response { try await render(req, failure: nil) }

    package func render(_ req: Request, failure: (any Error)?, notice: String? = nil) async throws -> Response {
        let hall = try await req.pathHall()
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/halls/\(hall.id!)/desk") }
        let clerk = try req.hallCalling.clerk(for: hall)
        let shown = try FormFailure(failure, req)
        let english = req.language == .en
        let session = try await HallCalling.session(of: clerk, at: hall, on: req.db)
        let windows = try await req.application.hallDirectory.windows(of: hall.requireID(), on: req.db)
        let taken = Set(try await HallQueue.openWindows(hall: hall.requireID(), on: req.db).map(\.id))
        let mine = session.flatMap { s in windows.first { $0.id == s.windowID } }
        var current: HallAPI.TicketDTO?
        var ticketApplications: [PageLink] = []
        if let mine, let ticket = try await HallCalling.current(at: mine, on: req.db) {
            current = try await HallAPI.ticketDTO(ticket, hall: hall, req: req)
            ticketApplications = try await ApplicationRecord.query(on: req.db).filter(\.$hallTicketID == ticket.requireID())
                .sort(\.$createdAt).all().map {
                    PageLink(href: "/applications/\($0.id!)", label: $0.number ?? req.t("application.draftLabel"), detail: $0.targetName)
                }
        }
        let board = try await req.hallQueue.board(hall, english: english)
        let response = try await req.view.render(
            "hall-desk",
            DeskContext(
                page: req.pageContext(title: req.t("hall.desk"), notice: notice), id: hall.id!, hallName: board.hall,
                windows: windows.map {
                    WindowOption(
                        id: $0.id!, label: "\($0.name)（\($0.categories.sorted().joined(separator: " "))）", taken: taken.contains($0.id))
                },
                window: mine?.name, windowID: mine?.id, current: current, ticketApplications: ticketApplications,
                transferTo: hall.categories.filter { $0.code != current?.category }.map {
                    CategoryOption(code: $0.code, name: english ? $0.nameEn : $0.name)
                },
                queues: board.queues, error: shown.summary)
        ).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }

    package struct ActionForm: Decodable {
        package var action: String?
        package var window: UUID?
        package var ticket: UUID?
        package var category: String?
    }

    package func act(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/halls/\(hall.id!)/desk") }
        let calling = req.hallCalling
        let clerk = try calling.clerk(for: hall)
        let form = try req.content.decode(ActionForm.self)
        func window(_ id: UUID?) async throws -> HallWindow {
            guard let id else { throw TongbanError.invalid(field: "window", "field.required") }
            return try await calling.window(id, of: hall)
        }
        do {
            switch form.action {
            case "open":
                _ = try await calling.open(try await window(form.window), of: hall, by: clerk)
            case "close":
                try await calling.close(try await window(form.window), by: clerk)
            case "call":
                if try await calling.callNext(at: try await window(form.window), of: hall, by: clerk) == nil {
                    return try await render(req, failure: nil, notice: req.t("hall.queueEmpty"))
                }
            case "served", "noShow", "transfer":
                guard let ticket = form.ticket else { throw TongbanError.notFound("ticket") }
                _ = try await calling.finish(ticket, ending: form.action, transferTo: form.category, by: clerk)
            default: throw TongbanError.invalid(field: "action", "field.unknownValue")
            }
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await render(req, failure: error)
        }
        return req.redirect(to: "/halls/\(hall.id!)/desk")
    }

    package struct FigureRow: Encodable {
        package let hour: String
        package let category: String
        package let arrivals: String
        package let meanWait: String
        package let p90Wait: String
        package let service: String
        package let noShows: Int
        package let windowsOpen: String
        package let recommended: String
        package let state: String
    }

    package struct TotalRow: Encodable {
        package let hour: String
        package let arrivals: String
        package let windowsOpen: String
        package let pooled: String
        package let dedicated: String
        package let state: String
    }

    package struct StatisticsContext: Encodable {
        package let page: PageContext
        package let id: UUID
        package let hallName: String
        package let from: String
        package let to: String
        package let share: String
        package let within: String
        package let rows: [FigureRow]
        package let totals: [TotalRow]
        package let hasRows: Bool
        package let understaffed: Int
        package let chart: String
        package let error: String?
    }

    package func statistics(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/halls/\(hall.id!)/statistics") }
        guard let region = hall.region else { throw TongbanError.notFound("hall") }
        try req.authorize(.supervise, .hall(regionCode: region))
        let raw = (
            from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"),
            share: try? req.query.get(String.self, at: "share"), within: try? req.query.get(String.self, at: "within")
        )
        var failure: (any Error)?
        var report: HallFigures.Report?
        do {
            let (from, to) = try HallFigures.period(
                from: raw.from?.nonEmpty, to: raw.to?.nonEmpty, today: LocalTime(req.application.clock.now()).date)
            let target = try HallFigures.target(share: raw.share?.nonEmpty, within: raw.within?.nonEmpty)
            let figures = HallFigures(context: req.context, parts: req.hallParts)
            var made = try await figures.report(hall, from: from, to: to, target: target, english: req.language == .en)
            made.demoData = DemoNotice.text(made.sampleTickets, .tickets, req)
            report = made
        } catch let error as TongbanError where error.status == .unprocessableEntity { failure = error }
        let shown = try FormFailure(failure, req)
        let names = Dictionary(uniqueKeysWithValues: hall.categories.map { ($0.code, req.language == .en ? $0.nameEn : $0.name) })
        func minutes(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "—" }
        let rows = (report?.advice ?? []).enumerated().compactMap { i, a -> FigureRow? in
            let f = report!.figures[i]
            guard f.arrivals > 0 || f.windowsOpen > 0 else { return nil }
            return FigureRow(
                hour: String(format: "%02d:00", f.hour), category: "\(f.category) \(names[f.category] ?? "")",
                arrivals: String(format: "%.1f", f.arrivalsPerHour), meanWait: minutes(f.meanWaitMinutes),
                p90Wait: minutes(f.p90WaitMinutes),
                service: minutes(a.serviceMinutes), noShows: f.noShows, windowsOpen: String(format: "%.1f", f.windowsOpen),
                recommended: a.recommended.map(String.init) ?? "—", state: a.isUnderstaffed ? "under" : a.isOverstaffed ? "over" : "ok")
        }
        let totals = (report?.totals ?? []).filter { $0.arrivalsPerHour > 0 || $0.windowsOpen > 0 }.map { t in
            TotalRow(
                hour: String(format: "%02d:00", t.hour), arrivals: String(format: "%.1f", t.arrivalsPerHour),
                windowsOpen: String(format: "%.1f", t.windowsOpen),
                pooled: t.pooled.map(String.init) ?? "—", dedicated: t.dedicated.map(String.init) ?? "—",
                state: t.pooled.map { t.windowsOpen + 1e-9 < Double($0) ? "under" : t.windowsOpen >= Double($0) + 1 ? "over" : "ok" }
                    ?? "under")
        }
        let target = report?.target ?? .standard
        var page = req.pageContext(title: req.t("hall.statistics"))
        page.demoData = report?.demoData
        let response = try await req.view.render(
            "hall-statistics",
            StatisticsContext(
                page: page, id: hall.id!, hallName: req.language == .en ? hall.nameEn : hall.name,
                from: report?.from ?? raw.from ?? "", to: report?.to ?? raw.to ?? "", share: String(format: "%.0f", target.share * 100),
                within: String(format: "%.0f", target.withinMinutes), rows: rows, totals: totals, hasRows: !rows.isEmpty,
                understaffed: totals.count { $0.state == "under" },
                chart: report.map { HallChart.svg($0, title: req.t("hall.chartTitle")) } ?? "", error: shown.summary)
        ).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }
}

/// An inline SVG made on the server: per hour, the distinct windows open (bars) against the
/// windows the whole hall needs with every category pooled (line).
package enum HallChart {
    package static func svg(_ report: HallFigures.Report, title: String) -> String {
        var open: [Int: Double] = [:]
        var needed: [Int: Int] = [:]
        for t in report.totals {
            open[t.hour] = t.windowsOpen
            needed[t.hour] = t.pooled ?? 0
        }
        let hours = open.keys.sorted()
        guard !hours.isEmpty else { return "" }
        let top = max(1, (hours.map { max(open[$0]!, Double(needed[$0]!)) }.max() ?? 1).rounded(.up))
        let width = 40 * hours.count + 40
        let height = 180
        func y(_ v: Double) -> Int { 150 - Int(v / top * 130) }
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" class=\"chart\"><title>\(title)</title>"
        ]
        parts.append("<line x1=\"30\" y1=\"150\" x2=\"\(width)\" y2=\"150\" stroke=\"#888\"/>")
        parts.append(
            "<text x=\"2\" y=\"\(y(top) + 4)\" font-size=\"10\">\(Int(top))</text><text x=\"2\" y=\"154\" font-size=\"10\">0</text>")
        var points: [String] = []
        for (i, h) in hours.enumerated() {
            let x = 40 + i * 40
            parts.append(
                "<rect x=\"\(x)\" y=\"\(y(open[h]!))\" width=\"24\" height=\"\(150 - y(open[h]!))\" fill=\"#5b8def\"><title>\(h):00 \(String(format: "%.1f", open[h]!))</title></rect>"
            )
            parts.append("<text x=\"\(x + 2)\" y=\"166\" font-size=\"10\">\(h)</text>")
            points.append("\(x + 12),\(y(Double(needed[h]!)))")
        }
        parts.append("<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"/>")
        parts.append("</svg>")
        return parts.joined()
    }
}
