import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 好差评 on the pages: the rating form of a concluded application or a served window visit
/// (the rating, its follow-up and the one revision once given), and the follow-up desk of the
/// answerable department and the supervisors.
package struct RatingPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("applications", ":id", "rating", use: applicationRating)
        routes.post("applications", ":id", "rating", use: rateApplication)
        routes.get("hall-tickets", ":id", "rating", use: visitRating)
        routes.post("hall-tickets", ":id", "rating", use: rateVisit)
        routes.post("ratings", ":id", "revise", use: revise)
        routes.get("follow-ups", use: followUps)
        routes.post("follow-ups", ":id", "actions", use: act)
    }

    package struct Choice: Encodable {
        package let value: String
        package let label: String
    }
    package struct ReasonGroup: Encodable {
        package let title: String
        package let reasons: [Choice]
    }

    package struct RatingContext: Encodable {
        package let page: PageContext
        package let subject: String
        package let action: String
        package let levels: [Choice]
        package let groups: [ReasonGroup]
        package let given: RatingAPI.RatingDTO?
        package let givenLevel: String?
        package let givenReasons: String?
        package let followUpState: String?
        package let mayRevise: Bool
        package let reviseAction: String?
        package let error: String?
        package let fieldErrors: [String: String]
    }

    package static func levels(_ req: Request) -> [Choice] {
        RatingLevel.allCases.reversed().map { Choice(value: String($0.rawValue), label: req.t("rating.level.\($0.rawValue)")) }
    }

    package static func groups(_ req: Request) -> [ReasonGroup] {
        [(RatingLevel.good, "rating.group.good"), (.fair, "rating.group.fair"), (.poor, "rating.group.bad")].map { level, title in
            ReasonGroup(title: req.t(title), reasons: level.reasons.map { Choice(value: $0, label: req.t("rating.reason.\($0)")) })
        }
    }

    package func render(_ req: Request, subject: String, action: String, occasion: RatingOccasion, failure: (any Error)?) async throws
        -> Response
    {
        let shown = try FormFailure(failure, req)
        let desk = RatingDesk(context: req.context)
        let given = try await desk.given(on: occasion)
        let rating = given?.rating
        let followUp = given?.followUp
        let dto = try given.map { try RatingAPI.RatingDTO($0, today: desk.context.today) }
        let mine = rating.map { $0.raterID != nil && $0.raterID == req.currentAccount?.id } ?? false
        let context = RatingContext(
            page: req.pageContext(
                title: req.t("rating.title"), notice: (try? req.query.get(String.self, at: "done")).map { req.t("rating.done.\($0)") }),
            subject: subject, action: action, levels: Self.levels(req), groups: Self.groups(req), given: dto,
            givenLevel: rating.map { req.t("rating.level.\($0.level)") },
            givenReasons: rating.map { $0.reasonCodes.map { req.t("rating.reason.\($0)") }.joined(separator: "、") },
            followUpState: followUp.map { req.t("followUp.state.\($0.state.rawValue)") },
            mayRevise: mine && RatingRules.mayRevise(revisions: rating?.revisions ?? 1, followUp: followUp?.state),
            reviseAction: try rating.map { "/ratings/\(try $0.requireID())/revise" }, error: shown.summary, fieldErrors: shown.fields)
        let response = try await req.view.render("rating", context).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }

    package struct RatingForm: Decodable {
        package var level: String?
        package var reasons: [String]?
        package var comment: String?
        package var body: RatingDesk.RatingBody {
            RatingDesk.RatingBody(level: level.flatMap { Int($0) } ?? 0, reasons: reasons ?? [], comment: comment)
        }
    }

    package func applicationRating(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.path)") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let subject = try await RatingDesk(context: req.context).applicationSubject(id)
        return try await render(req, subject: subject.name, action: "/applications/\(id)/rating", occasion: subject.occasion, failure: nil)
    }

    package func rateApplication(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.path)") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let desk = RatingDesk(context: req.context)
        let subject = try await desk.applicationSubject(id)
        do {
            _ = try await desk.rate(subject, try req.content.decode(RatingForm.self).body)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await render(
                req, subject: subject.name, action: "/applications/\(id)/rating", occasion: subject.occasion, failure: error)
        }
        return req.redirect(to: "/applications/\(id)/rating?done=rated")
    }

    package func visitRating(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("ticket") }
        let subject = try await RatingDesk(context: req.context).visitSubject(id)
        return try await render(req, subject: subject.name, action: "/hall-tickets/\(id)/rating", occasion: subject.occasion, failure: nil)
    }

    package func rateVisit(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("ticket") }
        let desk = RatingDesk(context: req.context)
        let subject = try await desk.visitSubject(id)
        do {
            _ = try await desk.rate(subject, try req.content.decode(RatingForm.self).body)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await render(
                req, subject: subject.name, action: "/hall-tickets/\(id)/rating", occasion: subject.occasion, failure: error)
        }
        return req.redirect(to: "/hall-tickets/\(id)/rating?done=rated")
    }

    package func revise(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("rating") }
        let rating = try await RatingDesk(context: req.context).revise(id, try req.content.decode(RatingForm.self).body).rating
        let back =
            rating.occasion == "application" ? "/applications/\(rating.subjectID)/rating" : "/hall-tickets/\(rating.subjectID)/rating"
        return req.redirect(to: back + "?done=revised")
    }

    package struct FollowUpLine: Encodable {
        package let id: UUID
        package let subject: String
        package let level: String
        package let reasons: String
        package let comment: String?
        package let department: String
        package let state: String
        package let dueOn: String
        package let overdue: Bool
        package let notes: [String]
        package let actions: [Choice]
        package let hasActions: Bool
        package let needsDue: Bool
        package let version: Int
    }

    package struct FollowUpsContext: Encodable {
        package let page: PageContext
        package let lines: [FollowUpLine]
        package let hasLines: Bool
        package let error: String?
    }

    package func followUps(req: Request) async throws -> Response { try await renderFollowUps(req, failure: nil) }

    package func renderFollowUps(_ req: Request, failure: (any Error)?) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/follow-ups") }
        let shown = try FormFailure(failure, req)
        let desk = FollowUpDesk(context: req.context)
        let rows = try await desk.list().map { try RatingAPI.FollowUpDTO($0, today: desk.context.today) }
        let supervises = desk.supervises
        let lines = rows.map { f in
            // supervisors decide appeals; the department does the rest
            let actions = f.allowed.filter { supervises ? $0.bySupervisor : !$0.bySupervisor }
            let notes = [
                f.callNote.map { "\(req.t("followUp.callNote"))：\($0)" }, f.resolution.map { "\(req.t("followUp.resolution"))：\($0)" },
                f.ledgerDue.map { "\(req.t("label.due"))：\($0)" }, f.appealReason.map { "\(req.t("followUp.appealReason"))：\($0)" },
                f.appealDecision.map { "\(req.t("followUp.appealDecision"))：\($0)" },
            ].compactMap { $0 }
            return FollowUpLine(
                id: f.id, subject: f.subjectName ?? "", level: f.level.map { req.t("rating.level.\($0)") } ?? "",
                reasons: (f.reasons ?? []).map { req.t("rating.reason.\($0)") }.joined(separator: "、"), comment: f.comment,
                department: f.department, state: req.t("followUp.state.\(f.state.rawValue)"), dueOn: f.dueOn,
                overdue: f.overdue || f.escalated,
                notes: notes, actions: actions.map { Choice(value: $0.rawValue, label: req.t("followUp.action.\($0.rawValue)")) },
                hasActions: !actions.isEmpty,
                needsDue: actions.contains(.schedule), version: f.version)
        }
        let response = try await req.view.render(
            "follow-ups",
            FollowUpsContext(
                page: req.pageContext(title: req.t("followUp.title")), lines: lines,
                hasLines: !lines.isEmpty, error: shown.summary)
        ).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }

    package func act(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/follow-ups") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("followUp") }
        struct Form: Decodable {
            var action: String?
            var note: String?
            var due: String?
            var version: String?
        }
        let form = try req.content.decode(Form.self)
        do {
            let body = FollowUpDesk.ActionBody(
                action: form.action, note: form.note, due: form.due?.isEmpty == true ? nil : form.due,
                version: form.version.flatMap { Int($0) })
            _ = try await FollowUpDesk(context: req.context).act(id, body)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await renderFollowUps(req, failure: error)
        }
        return req.redirect(to: "/follow-ups")
    }
}
