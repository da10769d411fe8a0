import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 首问负责 on the pages: the owner on the application page with the handoff's forms (offer,
/// acknowledge or decline, withdraw), and the staff member's list of offers waiting.
package struct OwnershipPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.post("applications", ":id", "owner", use: offer)
        routes.post("owner-handoffs", ":handoffID", ":verb", use: answer)
        routes.get("owner-handoffs", use: list)
    }

    /// What the application page shows of its owner.
    package struct Section: Encodable {
        package let owner: String
        package let waiting: String?
        package let handoffID: UUID?
        /// The viewer owns it and no offer waits: they may offer it on.
        package let mayOffer: Bool
        package let mayAnswer: Bool
        package let mayWithdraw: Bool
    }

    /// The section for a staff viewer (the applicant sees the owner among the facts).
    package static func section(_ req: Request, application: ApplicationRecord) async throws -> Section? {
        guard let me = req.currentAccount, me.kind == .staff else { return nil }
        let waiting = try await CaseOwnership.waiting(on: try application.requireID(), db: req.db)
        let mine = application.ownerID != nil && application.ownerID == me.id
        return Section(
            owner: application.ownerName ?? req.t("owner.none"),
            waiting: waiting.map {
                req.t("owner.waiting", ["from": $0.fromName, "to": $0.toName, "due": $0.dueOn, "note": $0.note ?? ""])
            },
            handoffID: waiting?.id, mayOffer: mine && waiting == nil, mayAnswer: waiting?.toID == me.id,
            mayWithdraw: waiting?.fromID == me.id)
    }

    package struct OfferForm: Decodable {
        package var to: String?
        package var note: String?
    }

    package func offer(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let id = req.parameters.get("id", as: UUID.self)
        let form = try req.content.decode(OfferForm.self)
        do {
            _ = try await CaseOwnership(context: req.context).offer(applicationID: id, to: form.to, note: form.note)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            // the field's own words (who cannot take it, and why) rather than the form's summary
            let shown = try FormFailure(error, req)
            let response = try await ApplicationPages().renderDetail(req, failure: shown.fields.values.sorted().first ?? shown.summary)
            response.status = error.status
            return response
        }
        return req.redirect(to: "/applications/\(id?.uuidString ?? "")#owner")
    }

    package struct AnswerForm: Decodable {
        package var note: String?
    }

    package func answer(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let form = try req.content.decode(AnswerForm.self)
        let verb = req.parameters.get("verb") ?? ""
        let handoff = try await CaseOwnership(context: req.context).answer(
            handoffID: req.parameters.get("handoffID", as: UUID.self), verb: verb, note: form.note?.isEmpty == true ? nil : form.note)
        return req.redirect(to: "/applications/\(handoff.applicationID)")
    }

    package struct Line: Encodable {
        package let href: String
        package let label: String
        package let who: String
        package let note: String?
        package let due: String
        package let overdue: Bool
    }

    package struct ListContext: Encodable {
        package let page: PageContext
        package let toMe: [Line]
        package let byMe: [Line]
    }

    package func list(req: Request) async throws -> Response {
        guard let me = req.currentAccount else { return req.redirect(to: "/login?back=/owner-handoffs") }
        guard me.kind == .staff else { throw TongbanError.denied(.roleMissing) }
        let waiting = try await CaseOwnership(context: req.context).waiting()
        func line(_ offer: CaseOwnership.Offer, who: String) -> Line {
            Line(
                href: "/applications/\(offer.handoff.applicationID)", label: offer.handoff.applicationLabel, who: who,
                note: offer.handoff.note, due: offer.handoff.dueOn, overdue: offer.overdue)
        }
        let context = ListContext(
            page: req.pageContext(title: req.t("owner.listTitle")),
            toMe: waiting.toMe.map { line($0, who: req.t("owner.from", ["name": $0.handoff.fromName])) },
            byMe: waiting.byMe.map { line($0, who: req.t("owner.to.name", ["name": $0.handoff.toName])) })
        return try await req.view.render("owner-handoffs", context).encodeResponse(for: req)
    }
}
