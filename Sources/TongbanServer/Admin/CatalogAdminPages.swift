import Fluent
import Foundation
import TongbanCatalog
import TongbanCore
import TongbanPlatform
import Vapor

/// 事项管理: catalog administrators write drafts of items and bundles (the whole description as
/// JSON, checked by the same rules as the API), see the draft beside the published version field
/// by field, preview the guide, publish and retire. Only entries of their own region.
struct CatalogAdminPages {
    func register(_ routes: any RoutesBuilder) {
        routes.get("admin", "catalog", use: list)
        routes.get("admin", "catalog", ":kind", ":code", use: edit)
        routes.get("admin", "catalog", ":kind", ":code", "preview", use: preview)
        routes.post("admin", "catalog", ":kind", use: save)
        routes.post("admin", "catalog", ":kind", ":code", "publish", use: publish)
        routes.post("admin", "catalog", ":kind", ":code", "retire", use: retire)
    }

    struct Row: Encodable {
        let kind: String
        let code: String
        let name: String
        let version: Int
        let status: String
        let editedBy: String?
    }
    struct ListContext: Encodable {
        let page: PageContext
        let drafts: [Row]
        let hasDrafts: Bool
        let published: [Row]
        let query: String
        let region: String
    }

    /// The signed-in catalog administrator, or a redirect to sign in.
    func administrator(_ req: Request) throws -> Actor? {
        guard let account = req.currentAccount else { return nil }
        let actor = try account.actor
        guard let region = actor.regionCode else { throw TongbanError.denied(.roleMissing) }
        try req.authorize(.edit, .catalogEntry(regionCode: region))
        return actor
    }

    func list(req: Request) async throws -> Response {
        guard let actor = try administrator(req), let region = actor.regionCode else { return req.redirect(to: "/login") }
        let inRegion = { (query: QueryBuilder<CatalogEntry>) in query.filter(\.$regionCode, .custom("LIKE"), region.significantPrefix + "%")
        }
        let row = { (e: CatalogEntry) in
            Row(
                kind: e.kind == .item ? "items" : "bundles", code: e.code, name: e.name, version: e.version,
                status: req.t("status.\(e.status.rawValue)"), editedBy: e.editedBy)
        }
        let drafts = try await inRegion(CatalogEntry.query(on: req.db).filter(\.$status == .draft)).sort(\.$updatedAt, .descending).all()
        let query = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
        let index = try await req.application.catalogIndex.index(on: req.db)
        let hits = index.search(String(query.prefix(50)), filter: SearchFilter(region: region), limit: 50).hits
        let bundles = try await inRegion(CatalogEntry.query(on: req.db).filter(\.$kind == .bundle).filter(\.$status == .published)).all()
        let matchingBundles = bundles.filter { query.isEmpty || $0.name.contains(query) || $0.code.contains(query.uppercased()) }
        let published =
            hits.map {
                Row(kind: "items", code: $0.code, name: $0.name, version: $0.version, status: req.t("status.published"), editedBy: nil)
            } + matchingBundles.map(row)
        let names = try await CatalogPages.regionNames([region.value], on: req.db)
        return try await req.view.render(
            "admin-catalog",
            ListContext(
                page: req.pageContext(title: req.t("admin.catalog.title")),
                drafts: drafts.map(row), hasDrafts: !drafts.isEmpty, published: published, query: query,
                region: names[region.value] ?? region.value)
        ).encodeResponse(for: req)
    }

    struct Change: Encodable {
        let field: String
        let before: String
        let after: String
    }
    struct EditContext: Encodable {
        let page: PageContext
        let kind: String
        let code: String
        let document: String
        let draftVersion: Int?
        let publishedVersion: Int?
        let changes: [Change]
        let hasChanges: Bool
        let problems: [String]
        let hasProblems: Bool
        let summary: String?
    }

    static func kind(_ req: Request) throws -> CatalogEntry.Kind {
        switch req.parameters.get("kind") {
        case "items": .item
        case "bundles": .bundle
        default: throw TongbanError.notFound("page")
        }
    }

    static let pretty: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func prettyDocument(_ entry: CatalogEntry) throws -> String {
        String(decoding: try entry.kind == .item ? pretty.encode(try entry.item()) : pretty.encode(try entry.bundle()), as: UTF8.self)
    }

    /// Top-level fields whose values differ, each shown briefly.
    static func changes(from published: String?, to draft: String) -> [Change] {
        func object(_ text: String?) -> [String: Any] {
            guard let data = text?.data(using: .utf8), let value = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                return [:]
            }
            return value
        }
        func brief(_ value: Any?) -> String {
            guard let value, !(value is NSNull) else { return "—" }
            guard
                let data = try? JSONSerialization.data(
                    withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
            else { return "\(value)" }
            let text = String(decoding: data, as: UTF8.self)
            return text.count > 400 ? String(text.prefix(400)) + "…" : text
        }
        let before = object(published)
        let after = object(draft)
        return Set(before.keys).union(after.keys).sorted().compactMap { key in
            let a = before[key].map { NSDictionary(dictionary: ["v": $0]) }
            let b = after[key].map { NSDictionary(dictionary: ["v": $0]) }
            return a == b ? nil : Change(field: key, before: brief(before[key]), after: brief(after[key]))
        }
    }

    func edit(req: Request) async throws -> Response {
        guard try administrator(req) != nil else { return req.redirect(to: "/login") }
        return try await render(req, kind: try Self.kind(req), code: try req.parameters.require("code"), submitted: nil, failure: nil)
    }

    func render(_ req: Request, kind: CatalogEntry.Kind, code: String, submitted: String?, failure: (any Error)?, status: HTTPStatus = .ok)
        async throws -> Response
    {
        let draft = try await CatalogStore.draft(kind, code: code, on: req.db)
        let published = try await CatalogStore.published(kind, code: code, on: req.db)
        if let entry = draft ?? published { try req.authorize(.edit, .catalogEntry(regionCode: try RegionCode(entry.regionCode))) }
        let document = try submitted ?? (draft ?? published).map(Self.prettyDocument) ?? Self.skeleton(kind, code: code)
        let shown = try FormFailure(failure, req)
        let changes = draft == nil ? [] : Self.changes(from: published?.document, to: draft!.document)
        let problems = shown.fields.sorted { $0.key < $1.key }.map { "\($0.key)：\($0.value)" }
        let context = EditContext(
            page: req.pageContext(
                title: req.t("admin.catalog.edit") + " · " + code,
                notice: req.query[String.self, at: "done"].map { req.t("admin.catalog.done.\($0)") }),
            kind: kind == .item ? "items" : "bundles", code: code, document: document, draftVersion: draft?.version,
            publishedVersion: published?.version, changes: changes, hasChanges: !changes.isEmpty,
            problems: problems, hasProblems: !problems.isEmpty, summary: shown.summary)
        let response = try await req.view.render("admin-catalog-edit", context).encodeResponse(for: req)
        response.status = failure == nil ? status : (shown.status == .ok ? .unprocessableEntity : shown.status)
        return response
    }

    /// A starting point for a new item: the structure with placeholders the rules will reject
    /// until they are filled in.
    static func skeleton(_ kind: CatalogEntry.Kind, code: String) throws -> String {
        switch kind {
        case .item:
            return
                "{\n  \"basicCode\": \"\(code)\",\n  \"name\": \"\",\n  \"kind\": \"01\",\n  \"department\": {\"name\": \"\", \"code\": \"\"},\n  \"regionCode\": \"\",\n  \"level\": \"county\",\n  \"statutoryDays\": 20,\n  \"promisedDays\": 5,\n  \"channels\": [\"online\", \"window\"],\n  \"materials\": [],\n  \"form\": []\n}"
        case .bundle:
            return
                "{\n  \"code\": \"\(code)\",\n  \"name\": \"\",\n  \"category\": \"other\",\n  \"summary\": \"\",\n  \"leadDepartment\": {\"name\": \"\", \"code\": \"\"},\n  \"regionCode\": \"\",\n  \"members\": []\n}"
        }
    }

    struct SaveForm: Content { var document: String? }

    func save(req: Request) async throws -> Response {
        guard try administrator(req) != nil else { return req.redirect(to: "/login") }
        let kind = try Self.kind(req)
        let text = try req.content.decode(SaveForm.self).document ?? ""
        let data = Data(text.utf8)
        let code: String
        do {
            switch kind {
            case .item:
                let item = try Request.decodeDocument(ServiceItem.self, from: data, wholeDocumentField: "document")
                code = item.code
                _ = try await req.catalogDesk.saveDraft(item)
            case .bundle:
                let bundle = try Request.decodeDocument(ServiceBundle.self, from: data, wholeDocumentField: "document")
                code = bundle.code
                _ = try await req.catalogDesk.saveDraft(bundle)
            }
        } catch let error as TongbanError where error.status == .unprocessableEntity || error.status == .conflict {
            let code = Self.codeNamed(in: data) ?? req.query[String.self, at: "code"] ?? "-"
            return try await render(req, kind: kind, code: code, submitted: text, failure: error)
        }
        return req.redirect(to: "/admin/catalog/\(kind == .item ? "items" : "bundles")/\(code)?done=saved")
    }

    /// The code a refused document names, so that its page can be shown again with the document.
    static func codeNamed(in data: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        for key in ["implementationCode", "code", "basicCode"] {
            if let code = object[key] as? String { return code }
        }
        return nil
    }

    struct PublishForm: Content { var version: Int? }

    func publish(req: Request) async throws -> Response {
        guard try administrator(req) != nil else { return req.redirect(to: "/login") }
        let kind = try Self.kind(req)
        let code = try req.parameters.require("code")
        let version = try req.content.decode(PublishForm.self).version ?? 0
        do {
            _ = try await req.catalogDesk.publish(kind, code: code, version: version)
        } catch let error as TongbanError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await render(req, kind: kind, code: code, submitted: nil, failure: error)
        }
        return req.redirect(to: "/admin/catalog/\(req.parameters.get("kind")!)/\(code)?done=published")
    }

    func retire(req: Request) async throws -> Response {
        guard try administrator(req) != nil else { return req.redirect(to: "/login") }
        let kind = try Self.kind(req)
        let code = try req.parameters.require("code")
        try await req.catalogDesk.retire(kind, code: code)
        return req.redirect(to: "/admin/catalog/\(req.parameters.get("kind")!)/\(code)?done=retired")
    }

    /// The guide as it will read once the draft is published.
    func preview(req: Request) async throws -> Response {
        guard try administrator(req) != nil else { return req.redirect(to: "/login") }
        let kind = try Self.kind(req)
        let code = try req.parameters.require("code")
        guard kind == .item, let draft = try await CatalogStore.draft(.item, code: code, on: req.db) else {
            throw TongbanError.notFound("draft")
        }
        try req.authorize(.edit, .catalogEntry(regionCode: try RegionCode(draft.regionCode)))
        let item = try draft.item()
        let names = try await CatalogPages.regionNames([item.regionCode.value], on: req.db)
        let view = ItemGuideView(
            item: item, entry: draft, versions: try await CatalogStore.versions(.item, code: code, on: req.db),
            regionName: names[item.regionCode.value] ?? item.regionCode.value, req: req)
        return try await req.view.render(
            "guide", CatalogPages.GuideContext(page: req.pageContext(title: req.t("admin.catalog.preview") + " · " + view.name), item: view)
        )
        .encodeResponse(for: req)
    }
}
