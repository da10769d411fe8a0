import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The public guide pages (办事指南): the catalog home with search and browsing, each item's
/// guide and printable one-time notice, and each bundle with its questionnaire. No login needed.
package struct CatalogPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("catalog", use: home)
        routes.get("catalog", "items", ":code", use: guide)
        routes.get("catalog", "items", ":code", "notice", use: notice)
        routes.get("catalog", "bundles", ":code", use: bundle)
    }

    package struct Group: Encodable {
        package let title: String
        package let links: [PageLink]
    }

    package struct HomeContext: Encodable {
        package let page: PageContext
        package let query: String
        package let searched: Bool
        package let total: Int
        package let summary: String
        package let results: [ItemLine]
        package let kinds: [SelectOption]
        package let regions: [SelectOption]
        package let onlineOnly: Bool
        package let previous: String?
        package let next: String?
        package let eventGroups: [Group]
        package let departmentGroups: [Group]
        package let kindLinks: [PageLink]
        package let error: String?
    }

    package static func href(_ path: String, _ parameters: [(String, String?)]) -> String {
        let pairs = parameters.compactMap { key, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return key + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    package func home(req: Request) async throws -> View {
        let query = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
        var problem: String? = nil
        var filter = SearchFilter()
        do { filter = try req.searchFilter() } catch { problem = req.t("catalog.badFilter") }
        if query.count > 50 { problem = req.t("field.tooLong", ["field": req.t("catalog.searchLabel")]) }
        let error = problem
        let page = max(1, min(10_000, req.query[Int.self, at: "page"] ?? 1))
        let per = 20
        let index = try await req.application.catalogIndex.index(on: req.db)
        let searched = error == nil && (!query.isEmpty || filter != SearchFilter())
        let results =
            searched ? index.search(query, filter: filter, offset: (page - 1) * per, limit: per) : SearchResults(total: 0, hits: [])
        let raw = { (name: String) in req.query[String.self, at: name] }
        let link = { (p: Int) in
            Self.href(
                "/catalog",
                [
                    ("q", query), ("kind", raw("kind")), ("region", raw("region")), ("department", raw("department")),
                    ("level", raw("level")), ("online", raw("online")), ("page", p > 1 ? String(p) : nil),
                ])
        }
        let overview = try await req.application.catalogIndex.overview(on: req.db)
        let regionCodes = overview.regionsWithParents.filter { $0.level <= .county }.sorted()
        let allRegionNames = try await Self.regionNames(Set(regionCodes.map(\.value)), on: req.db)
        let departments = overview.itemsByProvinceAndDepartment
        let provinceNames = try await Self.regionNames(Set(departments.keys), on: req.db)
        let departmentGroups = departments.keys.sorted().map { province in
            Group(
                title: provinceNames[province] ?? province,
                links: departments[province]!.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
                    PageLink(href: Self.href("/catalog", [("department", $0.key)]), label: $0.key, detail: String($0.value))
                })
        }
        let context = HomeContext(
            page: req.pageContext(title: query.isEmpty ? req.t("catalog.title") : "\(query) · \(req.t("catalog.title"))"),
            query: query, searched: searched, total: results.total,
            summary: req.t("catalog.resultCount", ["count": String(results.total)]),
            results: results.hits.map { ItemLine($0, req: req) },
            kinds: [SelectOption(value: "", label: req.t("catalog.allKinds"), selected: filter.kind == nil)]
                + ItemKind.allCases.map { SelectOption(value: $0.rawValue, label: $0.chineseName, selected: filter.kind == $0) },
            regions: [SelectOption(value: "", label: req.t("catalog.allRegions"), selected: filter.region == nil)]
                + regionCodes.map {
                    SelectOption(
                        value: $0.value,
                        label: String(repeating: "　", count: $0.level == .province ? 0 : $0.level == .city ? 1 : 2)
                            + (allRegionNames[$0.value] ?? $0.value),
                        selected: filter.region == $0)
                },
            onlineOnly: filter.onlineOnly,
            previous: searched && page > 1 ? link(page - 1) : nil,
            next: searched && page * per < results.total ? link(page + 1) : nil,
            eventGroups: try await Self.bundleGroups(req),
            departmentGroups: departmentGroups,
            kindLinks: ItemKind.allCases.compactMap { kind in
                let count = overview.itemsByKind[kind] ?? 0
                return count == 0
                    ? nil : PageLink(href: Self.href("/catalog", [("kind", kind.rawValue)]), label: kind.chineseName, detail: String(count))
            },
            error: error)
        return try await req.view.render("catalog", context)
    }

    package static func regionNames(_ codes: Set<String>, on db: any Database) async throws -> [String: String] {
        guard !codes.isEmpty else { return [:] }
        let regions = try await Region.query(on: db).filter(\.$id ~~ Array(codes)).all()
        return Dictionary(uniqueKeysWithValues: regions.compactMap { r in r.id.map { ($0, r.name) } })
    }

    /// The published bundles as life events and business events.
    package static func bundleGroups(_ req: Request) async throws -> [Group] {
        let rows = try await CatalogEntry.query(on: req.db).filter(\.$kind == .bundle).filter(\.$status == .published).sort(\.$code).all()
        let bundles = try rows.map { try $0.bundle() }
        return [(false, "catalog.lifeEvents"), (true, "catalog.businessEvents")].map { business, title in
            Group(
                title: req.t(title),
                links: bundles.filter { $0.category.isBusinessEvent == business }.map {
                    PageLink(href: "/catalog/bundles/\($0.code)", label: $0.name, detail: $0.category.chineseName)
                })
        }
    }

    package struct GuideContext: Encodable {
        package let page: PageContext
        package let item: ItemGuideView
        /// "N applications so far took X visits on average", or nil before the first.
        package var actualVisits: String? = nil
        /// 就近办: the halls that take the item in, nearest first to the reader (nil: online only).
        package var places: [ItemPlaces.Place]? = nil
        package var placesShown: Bool { places != nil }
        package var placesEmpty: Bool { places?.isEmpty ?? false }

        package init(page: PageContext, item: ItemGuideView, actualVisits: String? = nil, places: [ItemPlaces.Place]? = nil) {
            self.page = page
            self.item = item
            self.actualVisits = actualVisits
            self.places = places
        }

        private enum CodingKeys: String, CodingKey { case page, item, actualVisits, places, placesShown, placesEmpty }

        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(page, forKey: .page)
            try c.encode(item, forKey: .item)
            try c.encodeIfPresent(actualVisits, forKey: .actualVisits)
            try c.encode(places ?? [], forKey: .places)
            try c.encode(placesShown, forKey: .placesShown)
            try c.encode(placesEmpty, forKey: .placesEmpty)
        }
    }

    package func guideView(_ req: Request) async throws -> ItemGuideView {
        let code = try req.parameters.require("code")
        let version = req.query[Int.self, at: "version"]
        guard let entry = try await CatalogStore.entry(.item, code: code, version: version, on: req.db) else {
            throw TongbanError.notFound("item")
        }
        let item = try entry.item()
        let versions = try await CatalogStore.versions(.item, code: entry.code, on: req.db)
        let names = try await Self.regionNames([item.regionCode.value], on: req.db)
        return ItemGuideView(
            item: item, entry: entry, versions: versions, regionName: names[item.regionCode.value] ?? item.regionCode.value, req: req)
    }

    package func guide(req: Request) async throws -> View {
        let view = try await guideView(req)
        let actual = try await ActualVisits.of(itemCode: view.code, on: req.db)
        let saved = try await MaterialsSaved.of(itemCode: view.code, on: req.db)
        let summary =
            actual.applications == 0
            ? nil
            : req.t("guide.actualVisits", ["count": String(actual.applications), "average": String(format: "%.2f", actual.average)])
                + (saved.materials == 0
                    ? ""
                    : "；" + req.t("guide.materialsSaved", ["count": String(saved.applications), "materials": String(saved.materials)]))
        var page = req.pageContext(title: view.name)
        page.demoData = DemoNotice.text(max(actual.samples, saved.samples), .applications, req)
        // nearest first to the signed-in reader's region, else to the item's
        let reader = req.currentAccount?.regionCode
        let places = try? await ItemPlaces(db: req.db, areas: req.application.hallAreas).places(code: view.code, near: reader, limit: 10)
        return try await req.view.render(
            "guide",
            GuideContext(page: page, item: view, actualVisits: summary, places: places.flatMap { $0.inPerson ? $0.places : nil }))
    }

    package struct NoticeContext: Encodable {
        package let page: PageContext
        package let item: ItemGuideView
        package let printedOn: String
    }

    package func notice(req: Request) async throws -> View {
        let view = try await guideView(req)
        return try await req.view.render(
            "notice",
            NoticeContext(
                page: req.pageContext(title: req.t("notice.title") + " · " + view.name), item: view,
                printedOn: req.application.today.description))
    }
}
