import Fluent
import Foundation
import TongbanCatalog
import TongbanCore
import TongbanIdentity
import TongbanPlatform
import Vapor

/// 帮办 on the pages: the window clerk finds the person in front of them by their identity card
/// (with the purpose, audited), registers them on the spot when they have no account, then
/// picks an item their window takes in and applies on the person's behalf (`/apply?for=`). Where
/// identity, catalog and applying meet, so it lives with the application that wires them.
struct WalkInPages {
    func register(_ routes: any RoutesBuilder) {
        routes.get("desk", "walk-in", use: form)
        routes.post("desk", "walk-in", use: find)
        routes.post("desk", "walk-in", "register", use: register)
        routes.get("desk", "walk-in", "items", use: items)
    }

    struct Person: Encodable {
        let id: UUID
        let name: String
        let identityNumber: String
        let level: String
    }

    struct Context: Encodable {
        let page: PageContext
        let values: [String: String]
        let errors: [String: String]
        let summary: String?
        /// Found, or just registered: who is served, and the search for what to apply for.
        let person: Person?
        /// Looked up and not registered: the registration form, the number filled in.
        let notFound: Bool
        let registered: Bool
    }

    struct ItemsContext: Encodable {
        let page: PageContext
        let applicant: UUID
        let query: String
        let searched: Bool
        let summary: String
        let results: [ItemLine]
        let area: String
    }

    private func desk(_ req: Request) -> WalkInDesk { WalkInDesk(context: req.context, passwords: req.application.passwords) }

    private func render(
        _ req: Request, values: [String: String] = [:], person: Account? = nil, notFound: Bool = false, registered: Bool = false,
        failure: (any Error)? = nil
    ) async throws -> Response {
        let shown = try FormFailure(failure, req)
        let shownPerson = try person.map { account in
            Person(
                id: try account.requireID(), name: account.displayName,
                identityNumber: account.identityNumber(req.application.keys).map(Masking.identityNumber) ?? "—",
                level: req.t("account.assurance.\(account.assurance.rawValue)"))
        }
        let context = Context(
            page: req.pageContext(title: req.t("walkIn.title")), values: values, errors: shown.fields, summary: shown.summary,
            person: shownPerson, notFound: notFound, registered: registered)
        return shown.apply(to: try await req.view.render("desk-walk-in", context).encodeResponse(status: shown.status, for: req))
    }

    func form(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/desk/walk-in") }
        try desk(req).authorize()
        return try await render(req)
    }

    func find(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/desk/walk-in") }
        let lookup = try req.content.decode(WalkInDesk.Lookup.self)
        let values = ["identityNumber": lookup.identityNumber ?? "", "purpose": lookup.purpose ?? ""]
        do {
            let found = try await desk(req).find(lookup)
            var shown = values
            shown["identityNumber"] = found.identityNumber.value
            return try await render(req, values: shown, person: found.account, notFound: found.account == nil)
        } catch let error as TongbanError where error.status == .unprocessableEntity {
            return try await render(req, values: values, failure: error)
        } catch let errors as FieldErrors {
            return try await render(req, values: values, failure: errors)
        }
    }

    func register(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/desk/walk-in") }
        let input = try req.content.decode(WalkInDesk.Registration.self)
        let values = [
            "identityNumber": input.identityNumber ?? "", "purpose": input.purpose ?? "", "name": input.name ?? "",
            "mobile": input.mobile ?? "",
        ]
        do {
            let account = try await desk(req).register(input)
            return try await render(req, values: values, person: account, registered: true)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await render(req, values: values, notFound: true, failure: error)
        } catch let errors as FieldErrors {
            return try await render(req, values: values, notFound: true, failure: errors)
        }
    }

    /// The items the clerk's window may take in (收受分离: its region's, those above and inside
    /// it) matching the search, each to apply for on the walk-in's behalf.
    func items(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/desk/walk-in") }
        try desk(req).authorize()
        guard let applicant = req.query[UUID.self, at: "for"] else { return req.redirect(to: "/desk/walk-in") }
        guard let region = req.currentActor?.regionCode else { throw TongbanError.denied(.outsideJurisdiction) }
        let query = String((req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces).prefix(50))
        let index = try await req.application.catalogIndex.index(on: req.db)
        let results =
            query.isEmpty
            ? SearchResults(total: 0, hits: []) : index.search(query, filter: SearchFilter(offeredIn: region), offset: 0, limit: 30)
        let regionName = try await Region.find(region.value, on: req.db)?.name ?? region.value
        let context = ItemsContext(
            page: req.pageContext(title: req.t("walkIn.itemsTitle")), applicant: applicant, query: query, searched: !query.isEmpty,
            summary: req.t("catalog.resultCount", ["count": String(results.total)]), results: results.hits.map { ItemLine($0, req: req) },
            area: req.t("walkIn.itemsArea", ["region": regionName]))
        return try await req.view.render("desk-walk-in-items", context).encodeResponse(for: req)
    }
}
