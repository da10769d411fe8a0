import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `/api/v1/catalog`: searching and reading what is published (anyone), evaluating bundles,
/// and the catalog administrators' drafts, publication and retirement.
package struct CatalogAPI {
    package init() {}

    package struct PublishBody: Content { var version: Int? }
    package struct AnswersBody: Content { var answers: [String: String]? }

    package func register(_ api: any RoutesBuilder) {
        let catalog = api.grouped("catalog")
        catalog.get("items", use: searchItems)
        catalog.get("items", ":code", use: item)
        catalog.get("items", ":code", "versions", use: itemVersions)
        catalog.get("items", ":code", "places", use: places)
        catalog.get("items", ":code", "draft", use: itemDraft)
        catalog.put("items", ":code", "draft", use: saveItemDraft)
        catalog.post("items", ":code", "publish", use: publishItem)
        catalog.post("items", ":code", "retire", use: retireItem)
        catalog.get("bundles", use: bundles)
        catalog.get("bundles", ":code", use: bundle)
        catalog.post("bundles", ":code", "evaluate", use: evaluateBundle)
        catalog.put("bundles", ":code", "draft", use: saveBundleDraft)
        catalog.post("bundles", ":code", "publish", use: publishBundle)
        catalog.post("bundles", ":code", "retire", use: retireBundle)
    }

    package func searchItems(req: Request) async throws -> ItemPageDTO {
        let filter = try req.searchFilter()
        let page = try req.integerQuery("page", in: 1...10_000, default: 1)!
        let per = try req.integerQuery("per", in: 1...100, default: 20)!
        let query = req.query[String.self, at: "q"] ?? ""
        guard query.count <= 50 else { throw TongbanError.invalid(field: "q", "field.tooLong") }
        let index = try await req.application.catalogIndex.index(on: req.db)
        let results = index.search(query, filter: filter, offset: (page - 1) * per, limit: per)
        return ItemPageDTO(total: results.total, page: page, per: per, items: results.hits.map(ItemSummaryDTO.init))
    }

    package func item(req: Request) async throws -> EntryDTO {
        let code = try req.parameters.require("code")
        let version = try req.integerQuery("version", in: 1...1_000_000, default: nil)
        guard let entry = try await CatalogStore.entry(.item, code: code, version: version, on: req.db) else {
            throw TongbanError.notFound("item")
        }
        return try EntryDTO(entry)
    }

    /// 就近办: the halls that take the item in, nearest first to `?near=` (a region code).
    package func places(req: Request) async throws -> ItemPlaces.Answer {
        let code = try req.parameters.require("code")
        let near = req.query[String.self, at: "near"]
        guard (near?.count ?? 0) <= 12 else { throw TongbanError.invalid(field: "near", "region.invalidCode") }
        let limit = try req.integerQuery("limit", in: ItemPlaces.limits, default: 20)!
        return try await ItemPlaces(db: req.db, areas: req.application.hallAreas).places(code: code, near: near, limit: limit)
    }

    package func itemVersions(req: Request) async throws -> [VersionDTO] {
        let code = try req.parameters.require("code")
        let versions = try await CatalogStore.versions(.item, code: code, on: req.db).filter { $0.status != .draft }
        guard !versions.isEmpty else { throw TongbanError.notFound("item") }
        return versions.map(VersionDTO.init)
    }

    package func itemDraft(req: Request) async throws -> EntryDTO {
        _ = try req.requireAccount()
        let code = try req.parameters.require("code")
        guard let draft = try await CatalogStore.draft(.item, code: code, on: req.db) else { throw TongbanError.notFound("draft") }
        try req.authorize(.edit, .catalogEntry(regionCode: try RegionCode(draft.regionCode)))
        return try EntryDTO(draft)
    }

    package func saveItemDraft(req: Request) async throws -> Response {
        _ = try req.requireAccount()
        let code = try req.parameters.require("code")
        let item = try req.decodeDocument(ServiceItem.self)
        try req.authorize(.edit, .catalogEntry(regionCode: item.regionCode))
        guard item.code == code.uppercased() else { throw TongbanError.invalid(field: "implementationCode", "catalog.codeMismatch") }
        let entry = try await req.catalogDesk.saveDraft(item)
        return try await EntryDTO(entry).encodeResponse(status: entry.version == 1 ? .created : .ok, for: req)
    }

    package func publishItem(req: Request) async throws -> EntryDTO {
        try await publish(.item, req: req)
    }

    package func retireItem(req: Request) async throws -> HTTPStatus {
        try await retire(.item, req: req)
    }

    package func bundles(req: Request) async throws -> [BundleSummaryDTO] {
        let rows = try await CatalogEntry.query(on: req.db).filter(\.$kind == .bundle).filter(\.$status == .published).sort(\.$code).all()
        var result: [BundleSummaryDTO] = []
        for row in rows {
            let bundle = try row.bundle()
            result.append(
                BundleSummaryDTO(
                    code: row.code, name: row.name, category: bundle.category.rawValue,
                    categoryName: bundle.category.chineseName, leadDepartment: bundle.leadDepartment.name,
                    regionCode: row.regionCode, version: row.version))
        }
        return result
    }

    package func bundle(req: Request) async throws -> EntryDTO {
        let code = try req.parameters.require("code")
        let version = try req.integerQuery("version", in: 1...1_000_000, default: nil)
        guard let entry = try await CatalogStore.entry(.bundle, code: code, version: version, on: req.db) else {
            throw TongbanError.notFound("bundle")
        }
        return try EntryDTO(entry)
    }

    package func evaluateBundle(req: Request) async throws -> EvaluationDTO {
        let code = try req.parameters.require("code")
        let body = try req.content.decode(AnswersBody.self)
        guard let entry = try await CatalogStore.published(.bundle, code: code, on: req.db) else { throw TongbanError.notFound("bundle") }
        return try await Self.evaluate(try entry.bundle(), answers: body.answers ?? [:], on: req.db)
    }

    package static func evaluate(_ bundle: ServiceBundle, answers: [String: String], on db: any Database) async throws -> EvaluationDTO {
        let items = try await CatalogStore.publishedItems(codes: bundle.members.map(\.itemCode), on: db)
        do {
            return EvaluationDTO(bundle: bundle.code, try BundleComposer.evaluate(bundle, answers: answers, items: items))
        } catch {
            let field =
                switch error {
                case let .missingAnswer(key), let .unknownQuestion(key): "answers.\(key)"
                case let .unknownOption(question, _): "answers.\(question)"
                default: error.subject
                }
            throw TongbanError(
                status: .unprocessableEntity, code: "validation.failed", fields: [FieldError(field: field, key: error.messageKey)])
        }
    }

    package func saveBundleDraft(req: Request) async throws -> Response {
        _ = try req.requireAccount()
        let code = try req.parameters.require("code")
        let bundle = try req.decodeDocument(ServiceBundle.self)
        try req.authorize(.edit, .catalogEntry(regionCode: bundle.regionCode))
        guard bundle.code == code else { throw TongbanError.invalid(field: "code", "catalog.codeMismatch") }
        let entry = try await req.catalogDesk.saveDraft(bundle)
        return try await EntryDTO(entry).encodeResponse(status: entry.version == 1 ? .created : .ok, for: req)
    }

    package func publishBundle(req: Request) async throws -> EntryDTO {
        try await publish(.bundle, req: req)
    }

    package func retireBundle(req: Request) async throws -> HTTPStatus {
        try await retire(.bundle, req: req)
    }

    private func publish(_ kind: CatalogEntry.Kind, req: Request) async throws -> EntryDTO {
        let code = try req.parameters.require("code")
        let body = try req.content.decode(PublishBody.self)
        return try EntryDTO(try await req.catalogDesk.publish(kind, code: code, version: body.version))
    }

    private func retire(_ kind: CatalogEntry.Kind, req: Request) async throws -> HTTPStatus {
        let code = try req.parameters.require("code")
        try await req.catalogDesk.retire(kind, code: code)
        return .noContent
    }
}

extension Request {
    package var catalogDesk: CatalogDesk { CatalogDesk(context: context, index: application.catalogIndex) }

    /// The search filters of the query string; a value that is not one of the allowed ones is a
    /// 422 naming the parameter.
    package func searchFilter() throws -> SearchFilter {
        var filter = SearchFilter()
        if let raw = query[String.self, at: "kind"], !raw.isEmpty {
            guard let kind = ItemKind(codeOrName: raw) else { throw TongbanError.invalid(field: "kind", "field.unknownValue") }
            filter.kind = kind
        }
        if let raw = query[String.self, at: "level"], !raw.isEmpty {
            guard let level = RegionLevel(rawValue: raw) else { throw TongbanError.invalid(field: "level", "field.unknownValue") }
            filter.level = level
        }
        if let raw = query[String.self, at: "region"], !raw.isEmpty {
            guard let region = try? RegionCode(raw) else { throw TongbanError.invalid(field: "region", "region.invalidCode") }
            filter.region = region
        }
        if let raw = query[String.self, at: "department"], !raw.isEmpty {
            guard raw.count <= 100 else { throw TongbanError.invalid(field: "department", "field.tooLong") }
            filter.departmentCode = raw.uppercased()
        }
        if let raw = query[String.self, at: "online"], !raw.isEmpty {
            guard ["true", "false", "1", "0", "on"].contains(raw) else { throw TongbanError.invalid(field: "online", "field.unknownValue") }
            filter.onlineOnly = ["true", "1", "on"].contains(raw)
        }
        return filter
    }
}
