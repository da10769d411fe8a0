import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The lead department's page (`/lead`): its bundles in progress, a card each.
package struct LeadDeskPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("lead", use: list)
    }

    struct CaseLine: Encodable {
        let name: String
        let department: String
        let state: String
        let dueOn: String
        let expectedEnd: String
        let warning: String
        let critical: Bool
    }

    struct Card: Encodable {
        let href: String?
        let number: String
        let title: String
        let applicant: String
        let submittedOn: String
        let summary: String
        let late: Bool
        let cases: [CaseLine]
    }

    struct Context: Encodable {
        let page: PageContext
        let cards: [Card]
        let hasCards: Bool
    }

    func list(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/lead") }
        let entries = try await LeadDesk(context: req.context).inProgress()
        let cards = try entries.map { entry in
            let application = entry.application
            let critical = Set(entry.progress.criticalPath)
            let lines = try entry.cases.map { row in
                let id = try row.requireID().uuidString
                return CaseLine(
                    name: row.itemName, department: row.departmentName, state: req.t("caseState.\(row.state.rawValue)"),
                    dueOn: row.dueOn ?? "—", expectedEnd: entry.progress.expectedEnd[id]?.description ?? "—",
                    warning: row.clockRunning ? row.warning.rawValue : "none", critical: critical.contains(id))
            }
            let summary = req.progressSummary(entry.progress)
            return Card(
                href: entry.mayOpen ? "/applications/\(try application.requireID())" : nil, number: application.number ?? "—",
                title: application.targetName, applicant: application.applicantName, submittedOn: application.submittedOn ?? "—",
                summary: summary, late: entry.progress.late, cases: lines)
        }
        return try await req.view.render(
            "lead", Context(page: req.pageContext(title: req.t("lead.title")), cards: cards, hasCards: !cards.isEmpty)
        ).encodeResponse(for: req)
    }
}
