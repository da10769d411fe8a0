import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 电子监察 warnings board: every open case with a yellow or red warning, every follow-up of a bad
/// rating and every complaint past its deadline, every 审管衔接 handoff not signed for in time
/// (with whether it was escalated), counted per
/// department and listed reddest and soonest due first. Supervisors see their region; other staff
/// their own department.
package enum WarningBoard {
    package struct Count: Content {
        package let department: String
        package var yellow: Int
        package var red: Int
        package var followUps: Int
        package var complaints: Int
        /// 审管衔接 handoffs not signed for in time.
        package var handoffs: Int
        /// 首问负责 handoffs not acknowledged in time (counted for the recipient's department).
        package var ownerHandoffs: Int

        static func empty(_ department: String) -> Count {
            Count(department: department, yellow: 0, red: 0, followUps: 0, complaints: 0, handoffs: 0, ownerHandoffs: 0)
        }
    }
    package struct CaseLine: Content {
        package let applicationID: UUID
        package let number: String?
        package let item: String
        package let department: String
        package let warning: String
        package let dueOn: String?
        package let state: String
    }
    package struct LateLine: Content {
        package let id: UUID
        package let kind: String
        package let title: String
        package let department: String
        package let dueOn: String
        package let escalated: Bool
    }
    package struct Board: Content {
        package let counts: [Count]
        package let cases: [CaseLine]
        package let late: [LateLine]
        package let totalYellow: Int
        package let totalRed: Int
    }

    /// Lines listed per section; the counts cover everything.
    package static let listLimit = 200

    package struct Scope {
        package let region: RegionCode
        package let departmentID: UUID?

        package init(region: RegionCode, departmentID: UUID?) {
            self.region = region
            self.departmentID = departmentID
        }
    }

    package static func board(_ scope: Scope, today: CalendarDate, on db: any Database) async throws -> Board {
        let prefix = scope.region.significantPrefix + "%"
        // literal conditions, so the planner sees they imply the partial indexes' own
        var caseFilter: SQLQueryString = "clock_running AND warning <> 'none' AND region_code LIKE \(bind: prefix)"
        if let department = scope.departmentID { caseFilter = caseFilter + " AND department_id = \(bind: department)" }
        func lateFilter(_ table: String) -> SQLQueryString {
            var filter: SQLQueryString =
                "\(unsafeRaw: table).region_code LIKE \(bind: prefix) AND \(unsafeRaw: table).due_on < \(bind: today.description)"
            if let department = scope.departmentID { filter = filter + " AND \(unsafeRaw: table).department_id = \(bind: department)" }
            return filter
        }

        struct Grouped: Decodable {
            let department_name: String
            let warning: String
            let n: Int
        }
        let grouped = try await db.sql.raw(
            """
            SELECT department_name, warning, COUNT(*) AS n FROM cases WHERE \(caseFilter) GROUP BY department_name, warning
            """
        ).all(decoding: Grouped.self)
        struct Row: Decodable {
            let application_id: UUID
            let number: String?
            let item_name: String
            let department_name: String
            let warning: String
            let due_on: String?
            let state: String
        }
        // red ones first, soonest due; yellow ones after if there is room
        var rows: [Row] = []
        for colour in ["red", "yellow"] where rows.count < listLimit {
            rows += try await db.sql.raw(
                """
                SELECT c.application_id, a.number, c.item_name, c.department_name, c.warning, c.due_on, c.state
                FROM (SELECT application_id, item_name, department_name, warning, due_on, state FROM cases
                      WHERE \(caseFilter) AND warning = \(unsafeRaw: "'\(colour)'") ORDER BY due_on LIMIT \(unsafeRaw: String(listLimit - rows.count))) c
                JOIN applications a ON a.id = c.application_id ORDER BY c.due_on
                """
            ).all(decoding: Row.self)
        }
        struct Late: Decodable {
            let id: UUID
            let title: String
            let department_name: String
            let due_on: String
            let escalated: Bool
        }
        let followUps = try await db.sql.raw(
            """
            SELECT f.id, r.subject_name AS title, f.department_name, f.due_on, f.escalated FROM rating_follow_ups f JOIN ratings r ON r.id = f.rating_id
            WHERE f.state IN ('open', 'calledBack', 'scheduled') AND \(lateFilter("f")) ORDER BY f.due_on LIMIT \(unsafeRaw: String(listLimit))
            """
        ).all(decoding: Late.self)
        let complaints = try await db.sql.raw(
            """
            SELECT id, title, department_name, due_on, escalated FROM complaints k
            WHERE state = 'open' AND \(lateFilter("k")) ORDER BY due_on LIMIT \(unsafeRaw: String(listLimit))
            """
        ).all(decoding: Late.self)
        // literal, so the planner sees it implies the partial index's own condition
        var handoffFilter: SQLQueryString =
            "signed_at IS NULL AND yellow_on <= \(bind: today.description) AND region_code LIKE \(bind: prefix)"
        if let department = scope.departmentID { handoffFilter = handoffFilter + " AND supervising_department_id = \(bind: department)" }
        let handoffs = try await db.sql.raw(
            """
            SELECT id, item_name || ' ' || application_number AS title, supervising_department_name AS department_name,
              yellow_on AS due_on, escalated
            FROM supervision_handoffs WHERE \(handoffFilter) ORDER BY yellow_on LIMIT \(unsafeRaw: String(listLimit))
            """
        ).all(decoding: Late.self)
        // 首问负责: offers past their answer day, in the region where the application is worked
        var ownerFilter: SQLQueryString =
            "state = 'offered' AND due_on < \(bind: today.description) AND region_code LIKE \(bind: prefix)"
        if let department = scope.departmentID { ownerFilter = ownerFilter + " AND to_department_id = \(bind: department)" }
        struct LateOwner: Decodable {
            let id: UUID
            let subject_kind: String
            let title: String
            let department_name: String
            let due_on: String
        }
        let ownerHandoffs = try await db.sql.raw(
            """
            SELECT subject_id AS id, subject_kind, subject_label || ' → ' || to_name AS title, to_department_name AS department_name, due_on
            FROM owner_handoffs WHERE \(ownerFilter) ORDER BY due_on LIMIT \(unsafeRaw: String(listLimit))
            """
        ).all(decoding: LateOwner.self)

        var counts: [String: Count] = [:]
        for g in grouped {
            var count =
                counts[g.department_name]
                ?? Count.empty(g.department_name)
            if g.warning == "red" { count.red += g.n } else { count.yellow += g.n }
            counts[g.department_name] = count
        }
        for f in followUps {
            counts[
                f.department_name,
                default: Count.empty(f.department_name)
            ]
            .followUps += 1
        }
        for c in complaints {
            counts[
                c.department_name,
                default: Count.empty(c.department_name)
            ]
            .complaints += 1
        }
        for h in handoffs {
            counts[
                h.department_name,
                default: Count.empty(h.department_name)
            ]
            .handoffs += 1
        }
        for o in ownerHandoffs {
            counts[o.department_name, default: Count.empty(o.department_name)].ownerHandoffs += 1
        }
        let late =
            followUps.map {
                LateLine(
                    id: $0.id, kind: "followUp", title: $0.title, department: $0.department_name, dueOn: $0.due_on, escalated: $0.escalated)
            }
            + complaints.map {
                LateLine(
                    id: $0.id, kind: "complaint", title: $0.title, department: $0.department_name, dueOn: $0.due_on, escalated: $0.escalated
                )
            }
            + handoffs.map {
                LateLine(
                    id: $0.id, kind: "handoff", title: $0.title, department: $0.department_name, dueOn: $0.due_on, escalated: $0.escalated)
            }
            + ownerHandoffs.map {
                LateLine(
                    id: $0.id, kind: $0.subject_kind == OwnerHandoff.Kind.complaint.rawValue ? "enquiryHandoff" : "ownerHandoff",
                    title: $0.title, department: $0.department_name, dueOn: $0.due_on, escalated: false)
            }
        return Board(
            counts: counts.values.sorted {
                ($0.red, $0.yellow, $0.followUps + $0.complaints + $0.handoffs + $0.ownerHandoffs, $1.department) > (
                    $1.red, $1.yellow, $1.followUps + $1.complaints + $1.handoffs + $1.ownerHandoffs, $0.department
                )
            },
            cases: rows.map {
                CaseLine(
                    applicationID: $0.application_id, number: $0.number, item: $0.item_name, department: $0.department_name,
                    warning: $0.warning, dueOn: $0.due_on, state: $0.state)
            },
            late: late.sorted { $0.dueOn < $1.dueOn }, totalYellow: grouped.filter { $0.warning == "yellow" }.reduce(0) { $0 + $1.n },
            totalRed: grouped.filter { $0.warning == "red" }.reduce(0) { $0 + $1.n })
    }
}

/// The board as a page and as JSON.
package struct WarningBoardPages {

    package init() {}
    package func register(_ routes: any RoutesBuilder) {
        routes.get("warnings", use: page)
    }

    package func registerAPI(_ api: any RoutesBuilder) {
        api.get("supervision", "warnings") { req async throws -> WarningBoard.Board in
            try await SupervisionDesk(context: req.context).warnings()
        }
    }

    package struct CaseView: Encodable {
        package let href: String
        package let number: String
        package let item: String
        package let department: String
        package let warning: String
        package let label: String
        package let dueOn: String
        package let state: String
    }
    package struct LateView: Encodable {
        package let href: String
        package let kind: String
        package let title: String
        package let department: String
        package let dueOn: String
        package let escalated: Bool
    }
    package struct Context: Encodable {
        package let page: PageContext
        package let counts: [WarningBoard.Count]
        package let cases: [CaseView]
        package let late: [LateView]
        package let totalYellow: Int
        package let totalRed: Int
        package let hasAny: Bool
        package let limit: Int
    }

    /// Where a late line is worked: a 首问 handoff on its application's page.
    static func href(_ line: WarningBoard.LateLine) -> String {
        switch line.kind {
        case "complaint": "/complaints/\(line.id)"
        case "handoff": "/handoffs"
        case "ownerHandoff": OwnerHandoff.Kind.application.href(line.id)
        case "enquiryHandoff": OwnerHandoff.Kind.complaint.href(line.id)
        default: "/follow-ups"
        }
    }

    package func page(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/warnings") }
        let board = try await SupervisionDesk(context: req.context).warnings()
        let cases = board.cases.map {
            CaseView(
                href: "/applications/\($0.applicationID)", number: $0.number ?? "—", item: $0.item, department: $0.department,
                warning: $0.warning,
                label: req.t("warning.\($0.warning)"), dueOn: $0.dueOn ?? "—", state: req.t("caseState.\($0.state)"))
        }
        let late = board.late.map {
            LateView(
                href: Self.href($0),
                kind: req.t("warnings.kind.\($0.kind)"),
                title: $0.title,
                department: $0.department, dueOn: $0.dueOn, escalated: $0.escalated)
        }
        return try await req.view.render(
            "warnings",
            Context(
                page: req.pageContext(title: req.t("warnings.title")), counts: board.counts, cases: cases, late: late,
                totalYellow: board.totalYellow, totalRed: board.totalRed, hasAny: !board.counts.isEmpty, limit: WarningBoard.listLimit)
        ).encodeResponse(for: req)
    }
}
