import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 民呼我应 on the pages: the list (mine, my department's, or my region's), the form to send one
/// (about an item, a department or one of my applications), and one message with its answer
/// form (the department) or its rating form (the sender).
package struct ComplaintPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("complaints", use: list)
        routes.get("complaints", "new", use: form)
        routes.post("complaints", use: send)
        routes.get("complaints", ":id", use: show)
        routes.post("complaints", ":id", "answer", use: answer)
        routes.post("complaints", ":id", "rating", use: rate)
        ComplaintOwnerPages().register(routes)
    }

    package struct Option: Encodable {
        package let value: String
        package let label: String
        package let selected: Bool
    }
    package struct Line: Encodable {
        package let href: String
        package let title: String
        package let kind: String
        package let department: String
        package let state: String
        package let dueOn: String
        package let overdue: Bool
        package let escalated: Bool
    }

    package struct ListContext: Encodable {
        package let page: PageContext
        package let lines: [Line]
        package let hasLines: Bool
        package let maySend: Bool
    }

    package func list(req: Request) async throws -> Response {
        guard let account = req.currentAccount else { return req.redirect(to: "/login?back=/complaints") }
        let context = req.context
        let lines = try await ComplaintDesk(context: context).list().map { r in
            Line(
                href: "/complaints/\(try r.requireID())", title: r.title, kind: req.t("complaint.kind.\(r.kind.rawValue)"),
                department: r.departmentName, state: req.t("complaint.state.\(r.state.rawValue)"), dueOn: r.dueOn,
                overdue: r.isOverdue(on: context.today), escalated: r.escalated)
        }
        let page = ListContext(
            page: req.pageContext(title: req.t("complaint.title")), lines: lines, hasLines: !lines.isEmpty,
            maySend: context.ownRecords.map { context.allows(.create, $0) } ?? false)
        return try await req.view.render("complaints", page).encodeResponse(for: req)
    }

    package struct FormContext: Encodable {
        package let page: PageContext
        package let kinds: [Option]
        package let subjects: [Option]
        package let departments: [Option]
        package let applications: [Option]
        package let item: String
        package let title: String
        package let body: String
        package let error: String?
        package let fieldErrors: [String: String]
    }

    package struct SendForm: Decodable {
        package var kind: String?
        package var subject: String?
        package var department: String?
        package var item: String?
        package var application: String?
        package var title: String?
        package var body: String?

        package var target: String? {
            switch subject {
            case "department": department
            case "application": application
            default: item
            }
        }
    }

    package func form(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.string)") }
        var preset = SendForm()
        preset.item = try? req.query.get(String.self, at: "item")
        preset.application = try? req.query.get(String.self, at: "application")
        preset.subject = preset.application != nil ? "application" : preset.item != nil ? "item" : "department"
        return try await render(req, preset, failure: nil)
    }

    private func render(_ req: Request, _ f: SendForm, failure: (any Error)?) async throws -> Response {
        let shown = try FormFailure(failure, req)
        let account = try req.requireAccount()
        let departments = try await Department.query(on: req.db).sort(\.$name).all()
        let own = req.ownRecords.map { req.allows(.view, $0) } ?? false
        let applications =
            !own
            ? []
            : try await ApplicationRecord.query(on: req.db).filter(\.$applicantID == (try account.requireID()))
                .filter(\.$status != .draft).sort(\.$createdAt, .descending).limit(50).all()
        let context = FormContext(
            page: req.pageContext(title: req.t("complaint.new")),
            kinds: ComplaintKind.allCases.map {
                Option(value: $0.rawValue, label: req.t("complaint.kind.\($0.rawValue)"), selected: $0.rawValue == (f.kind ?? "complaint"))
            },
            subjects: ComplaintSubject.allCases.map {
                Option(value: $0.rawValue, label: req.t("complaint.subject.\($0.rawValue)"), selected: $0.rawValue == f.subject)
            },
            departments: departments.map { Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id!.uuidString == f.department) },
            applications: applications.map {
                Option(
                    value: $0.id!.uuidString, label: "\($0.number ?? "—") · \($0.targetName)", selected: $0.id!.uuidString == f.application)
            },
            item: f.item ?? "", title: f.title ?? "", body: f.body ?? "", error: shown.summary,
            fieldErrors: shown.fields.reduce(into: [:]) { $0[$1.key == "target" ? (f.subject ?? "item") : $1.key] = $1.value })
        let response = try await req.view.render("complaint-new", context).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }

    package func send(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/complaints/new") }
        let f = try req.content.decode(SendForm.self)
        do {
            let body = ComplaintDesk.SendBody(kind: f.kind, subject: f.subject, target: f.target, title: f.title, body: f.body)
            let record = try await ComplaintDesk(context: req.context).send(body)
            return req.redirect(to: "/complaints/\(try record.requireID())?done=sent")
        } catch let error as TongbanError where error.status == .unprocessableEntity {
            return try await render(req, f, failure: error)
        }
    }

    package struct ShowContext: Encodable {
        package let page: PageContext
        package let c: ComplaintDTO
        package let kind: String
        package let state: String
        package let ratingLabel: String?
        package let mayAnswer: Bool
        package let mayRate: Bool
        package let levels: [RatingPages.Choice]
        package let error: String?
        package let fieldErrors: [String: String]
        /// 首问负责: who answers for it, taking it and handing it on (staff).
        package let ownership: OwnerHandoffPages.Section?
    }

    func show(_ req: Request, id: UUID, failure: (any Error)?) async throws -> Response {
        let record = try await ComplaintDesk(context: req.context).find(id)
        let account = try req.requireAccount()
        let shown = try FormFailure(failure, req)
        let notice = (try? req.query.get(String.self, at: "done")).map { req.t("complaint.done.\($0)") }
        let context = ShowContext(
            page: req.pageContext(title: record.title, notice: notice), c: try ComplaintDTO(record, today: req.context.today),
            kind: req.t("complaint.kind.\(record.kind.rawValue)"), state: req.t("complaint.state.\(record.state.rawValue)"),
            ratingLabel: record.rating.map { req.t("rating.level.\($0)") },
            mayAnswer: try ComplaintRules.mayAnswer(record.state) && req.allows(.handle, record.resource),
            mayRate: ComplaintRules.mayRate(record.state) && record.senderID == account.id, levels: RatingPages.levels(req),
            error: shown.summary, fieldErrors: shown.fields,
            ownership: req.allows(.handle, try record.resource)
                ? try await OwnerHandoffPages.section(
                    req, subjectID: id, ownerID: record.ownerID, ownerName: record.ownerName, offerAction: "/complaints/\(id)/owner",
                    takeAction: ComplaintRules.mayAnswer(record.state) ? "/complaints/\(id)/take" : nil) : nil)
        let response = try await req.view.render("complaint", context).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }

    package func show(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.path)") }
        return try await show(req, id: try ComplaintAPI.id(req), failure: nil)
    }

    package func answer(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.path)") }
        let id = try ComplaintAPI.id(req)
        struct Form: Decodable {
            var answer: String?
            var version: String?
        }
        let f = try req.content.decode(Form.self)
        do {
            let body = ComplaintDesk.AnswerBody(answer: f.answer, version: f.version.flatMap { Int($0) })
            _ = try await ComplaintDesk(context: req.context).answer(id, body)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await show(req, id: id, failure: error)
        }
        return req.redirect(to: "/complaints/\(id)?done=answered")
    }

    package func rate(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.path)") }
        let id = try ComplaintAPI.id(req)
        struct Form: Decodable {
            var level: String?
            var comment: String?
        }
        let f = try req.content.decode(Form.self)
        do {
            let body = ComplaintDesk.RateBody(level: f.level.flatMap { Int($0) }, comment: f.comment)
            _ = try await ComplaintDesk(context: req.context).rate(id, body)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await show(req, id: id, failure: error)
        }
        return req.redirect(to: "/complaints/\(id)?done=rated")
    }
}
