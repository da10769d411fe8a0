import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Printable notices of an application: 受理通知书, 补正通知书, 不予受理通知书 and the decision,
/// each with the application number and dates, for the applicant and the staff who may see it.
package struct ApplicationNotices {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("applications", ":id", "notices", ":kind", use: notice)
    }

    package struct Row: Encodable {
        package let label: String
        package let value: String
    }

    package struct Section: Encodable {
        package let heading: String
        package let rows: [Row]
    }

    package struct Context: Encodable {
        package let page: PageContext
        package let title: String
        package let number: String
        package let applicant: String
        package let sections: [Section]
        package let closing: String
        package let issued: String
    }

    package func notice(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.path)") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let kind = try req.parameters.require("kind")
        guard ["acceptance", "correction", "refusal", "decision"].contains(kind) else { throw TongbanError.notFound("notice") }
        let desk = ApplicationDesk(context: req.context)
        let loaded = try await desk.load(id)
        let application = loaded.application
        let dto = try desk.dto(loaded)
        var sections: [Section] = []
        for c in dto.cases {
            let r = c.record
            var rows = [Row(label: req.t("notice.department"), value: c.department)]
            switch kind {
            case "acceptance":
                guard let accepted = r.acceptedOn else { continue }
                rows += [
                    Row(label: req.t("notice.acceptedOn"), value: accepted.description),
                    Row(label: req.t("notice.limit"), value: req.t("notice.workingDays", ["count": String(r.limit)])),
                    Row(label: req.t("notice.dueOn"), value: c.dueOn ?? "—"),
                ]
                if !r.owed.isEmpty {
                    rows.append(
                        Row(label: req.t("label.owed"), value: "\(r.owed.joined(separator: "、"))（\(r.owedDue?.description ?? "—")）"))
                }
            case "correction":
                guard !r.correction.isEmpty else { continue }
                rows.append(Row(label: req.t("label.materials"), value: r.correction.joined(separator: "、")))
            case "refusal":
                guard let refusal = r.refusal else { continue }
                rows += [
                    Row(label: req.t("notice.date"), value: refusal.on.description),
                    Row(label: req.t("label.reason"), value: refusal.reason),
                    Row(label: req.t("label.legalBasis"), value: refusal.legalBasis),
                ]
            default:
                guard let decision = r.decision else { continue }
                rows += [
                    Row(label: req.t("notice.date"), value: decision.on.description),
                    Row(label: req.t("notice.outcome"), value: req.t(decision.approved ? "decision.approve" : "decision.deny")),
                ]
                if !decision.reasons.isEmpty { rows.append(Row(label: req.t("label.reason"), value: decision.reasons)) }
                if !decision.legalBasis.isEmpty { rows.append(Row(label: req.t("label.legalBasis"), value: decision.legalBasis)) }
            }
            sections.append(Section(heading: c.itemName, rows: rows))
        }
        guard !sections.isEmpty else { throw TongbanError.notFound("notice") }
        let context = Context(
            page: req.pageContext(title: req.t("notice.\(kind)")), title: req.t("notice.\(kind)"),
            number: dto.number ?? "—", applicant: dto.applicantName, sections: sections,
            closing: req.t("notice.closing.\(kind)"), issued: req.application.today.description)
        return try await req.view.render("application-notice", context).encodeResponse(for: req)
    }
}
