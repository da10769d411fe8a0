import Fluent
import Foundation
import TongbanCore
import Vapor

/// 首问负责 on the pages: the owner's section of an application's or an enquiry's page (offer,
/// acknowledge or decline, withdraw), and the staff member's list of offers waiting.
package struct OwnerHandoffPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.post("owner-handoffs", ":handoffID", ":verb", use: answer)
        routes.get("owner-handoffs", use: list)
    }

    /// What a subject's page shows of its owner (the shared `owner-section` template).
    package struct Section: Encodable {
        package let owner: String
        package let waiting: String?
        package let handoffID: UUID?
        /// Where the owner's offer is posted.
        package let offerAction: String
        /// The viewer owns it and no offer waits: they may offer it on.
        package let mayOffer: Bool
        package let mayAnswer: Bool
        package let mayWithdraw: Bool
        /// An enquiry nobody owns yet: the viewer may take it (受理).
        package let takeAction: String?
    }

    /// The section for a staff viewer; nil for anyone else (an applicant sees the owner's name).
    package static func section(
        _ req: Request, subjectID: UUID, ownerID: UUID?, ownerName: String?, offerAction: String, takeAction: String? = nil
    ) async throws -> Section? {
        guard let me = req.currentAccount, me.kind == .staff else { return nil }
        let waiting = try await Ownership.waiting(on: subjectID, db: req.db)
        let mine = ownerID != nil && ownerID == me.id
        return Section(
            owner: ownerName ?? req.t("owner.none"),
            waiting: waiting.map {
                req.t("owner.waiting", ["from": $0.fromName, "to": $0.toName, "due": $0.dueOn, "note": $0.note ?? ""])
            },
            handoffID: waiting?.id, offerAction: offerAction, mayOffer: mine && waiting == nil, mayAnswer: waiting?.toID == me.id,
            mayWithdraw: waiting?.fromID == me.id, takeAction: ownerID == nil ? takeAction : nil)
    }

    package struct OfferForm: Decodable {
        package var to: String?
        package var note: String?
    }

    /// A refused offer in the user's words: who cannot take it, and why.
    package static func message(_ error: TongbanError, _ req: Request) throws -> String? {
        try FormFailure(error, req).summary
    }

    package struct AnswerForm: Decodable {
        package var note: String?
    }

    package func answer(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let form = try req.content.decode(AnswerForm.self)
        let handoff = try await Ownership(context: req.context).answer(
            handoffID: req.parameters.get("handoffID", as: UUID.self), verb: req.parameters.get("verb") ?? "",
            note: form.note?.isEmpty == true ? nil : form.note)
        return req.redirect(to: handoff.subjectKind.href(handoff.subjectID))
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
        let waiting = try await Ownership(context: req.context).waiting()
        func line(_ offer: Ownership.Offer, who: String) -> Line {
            Line(
                href: offer.handoff.subjectKind.href(offer.handoff.subjectID), label: offer.handoff.subjectLabel, who: who,
                note: offer.handoff.note, due: offer.handoff.dueOn, overdue: offer.overdue)
        }
        let context = ListContext(
            page: req.pageContext(title: req.t("owner.listTitle")),
            toMe: waiting.toMe.map { line($0, who: req.t("owner.from", ["name": $0.handoff.fromName])) },
            byMe: waiting.byMe.map { line($0, who: req.t("owner.to.name", ["name": $0.handoff.toName])) })
        return try await req.view.render("owner-handoffs", context).encodeResponse(for: req)
    }
}
