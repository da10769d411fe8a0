import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// The versioning of catalog entries: drafts are written, published (superseding the version
/// before), and retired. Each change and its audit entry share one transaction, and each change
/// that the public sees moves the catalog revision on.
package enum CatalogStore {
    package static func published(_ kind: CatalogEntry.Kind, code: String, on db: any Database) async throws -> CatalogEntry? {
        try await CatalogEntry.query(on: db).filter(\.$kind == kind).filter(\.$code == code).filter(\.$status == .published).first()
    }

    /// One version, or the one the public reads now (the published one, else the newest retired
    /// or superseded one so that old links still explain themselves). Drafts only when asked.
    package static func entry(
        _ kind: CatalogEntry.Kind, code: String, version: Int?, includeDraft: Bool = false,
        on db: any Database
    ) async throws -> CatalogEntry? {
        let query = CatalogEntry.query(on: db).filter(\.$kind == kind).filter(\.$code == code)
        if let version { query.filter(\.$version == version) }
        if !includeDraft { query.filter(\.$status != .draft) }
        let candidates = try await query.sort(\.$version, .descending).all()
        return candidates.first { $0.status == .published } ?? candidates.first
    }

    package static func versions(_ kind: CatalogEntry.Kind, code: String, on db: any Database) async throws -> [CatalogEntry] {
        try await CatalogEntry.query(on: db).filter(\.$kind == kind).filter(\.$code == code).sort(\.$version, .descending).all()
    }

    package static func draft(_ kind: CatalogEntry.Kind, code: String, on db: any Database) async throws -> CatalogEntry? {
        try await CatalogEntry.query(on: db).filter(\.$kind == kind).filter(\.$code == code).filter(\.$status == .draft).first()
    }

    /// Published items by code, for bundles.
    package static func publishedItems(codes: [String], on db: any Database) async throws -> [String: ServiceItem] {
        guard !codes.isEmpty else { return [:] }
        let rows = try await CatalogEntry.query(on: db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$code ~~ codes).all()
        var items: [String: ServiceItem] = [:]
        for row in rows { items[row.code] = try row.item() }
        return items
    }

    package static func checkRules(_ item: ServiceItem) throws {
        let problems = ItemRules.problems(item)
        if !problems.isEmpty { throw TongbanError.invalid(problems) }
    }

    /// Why an item cannot be published: its own rules, and for an implementation whose basic
    /// item is in the catalog, each standard field it changes.
    package static func publishProblems(_ item: ServiceItem, on db: any Database) async throws -> FieldErrors {
        var problems = ItemRules.problems(item)
        if item.isImplementation, let basic = try await published(.item, code: item.basicCode.value, on: db) {
            for field in StandardFields.changes(basic: try basic.item(), implementation: item) {
                problems.add(field, "catalog.standardFieldChanged")
            }
        }
        // 审管衔接: a handoff must reach a department that exists to sign for it
        if let supervising = item.supervisingDepartment,
            try await Department.query(on: db).filter(\.$creditCode == supervising.code).count() == 0
        {
            problems.add("supervisingDepartment", "catalog.unknownSupervisingDepartment")
        }
        return problems
    }

    package static func bundleProblems(_ bundle: ServiceBundle, on db: any Database) async throws -> [BundleProblem] {
        let items = try await publishedItems(codes: bundle.members.map(\.itemCode), on: db)
        return BundleComposer.problems(bundle, items: items)
    }
}
