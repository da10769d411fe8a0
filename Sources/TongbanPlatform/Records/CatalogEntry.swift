import Crypto
import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// One version of a catalog entry (a service item or a bundle). The description itself is the
/// JSON `document`; the columns beside it are what lists, filters and the search index read
/// without decoding it.
///
/// Versions of one code: at most one `draft` (being edited), at most one `published` (what the
/// public sees), older published versions `superseded` and kept readable (applications point at
/// the version they were made under), and `retired` once withdrawn.
package final class CatalogEntry: Model, @unchecked Sendable {
    package static let schema = "catalog_entries"

    package enum Kind: String, Codable, Sendable { case item, bundle }
    package enum Status: String, Codable, Sendable, CaseIterable { case draft, published, superseded, retired }

    @ID(key: .id) package var id: UUID?
    @Field(key: "entry_type") package var kind: Kind
    @Field(key: "code") package var code: String
    @Field(key: "version") package var version: Int
    @Field(key: "status") package var status: Status
    @Field(key: "name") package var name: String
    @Field(key: "region_code") package var regionCode: String
    @OptionalField(key: "basic_code") package var basicCode: String?
    @OptionalField(key: "kind") package var itemKind: String?
    @OptionalField(key: "department_code") package var departmentCode: String?
    @OptionalField(key: "department_name") package var departmentName: String?
    @OptionalField(key: "level") package var level: String?
    @Field(key: "online") package var online: Bool
    @OptionalField(key: "promised_days") package var promisedDays: Int?
    @Field(key: "visits") package var visits: Int
    /// Newline-separated, for the search index.
    @Field(key: "search_text") package var searchText: String
    @Field(key: "document") package var document: String
    /// SHA-256 of the document, so an import can tell an unchanged item without reading it.
    @Field(key: "digest") package var digest: String
    @OptionalField(key: "edited_by") package var editedBy: String?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?
    @OptionalField(key: "published_by") package var publishedBy: String?
    @OptionalField(key: "published_at") package var publishedAt: Date?

    package init() {}

    /// A draft (or imported) version of an item.
    package init(item: ServiceItem, version: Int, status: Status, by: String?) throws {
        kind = .item
        code = item.code
        self.version = version
        self.status = status
        editedBy = by
        try fill(item)
    }

    package init(bundle: ServiceBundle, version: Int, by: String?) throws {
        kind = .bundle
        code = bundle.code
        self.version = version
        status = .draft
        editedBy = by
        try fill(bundle)
    }

    package func fill(_ item: ServiceItem) throws {
        name = item.displayName
        regionCode = item.regionCode.value
        basicCode = item.basicCode.value
        itemKind = item.kind.rawValue
        departmentCode = item.department.code
        departmentName = item.department.name
        level = item.level.rawValue
        online = item.isOnline
        promisedDays = item.promisedDays ?? item.statutoryDays
        visits = item.visits.count
        searchText = Self.searchText(item)
        document = String(decoding: try StoredJSON.encoder.encode(item), as: UTF8.self)
        digest = Self.digest(document)
    }

    package func fill(_ bundle: ServiceBundle) throws {
        name = bundle.name
        regionCode = bundle.regionCode.value
        basicCode = nil
        itemKind = bundle.category.rawValue
        departmentCode = bundle.leadDepartment.code
        departmentName = bundle.leadDepartment.name
        level = bundle.regionCode.level.rawValue
        online = true
        promisedDays = nil
        visits = 0
        searchText = bundle.keywords.joined(separator: " ")
        document = String(decoding: try StoredJSON.encoder.encode(bundle), as: UTF8.self)
        digest = Self.digest(document)
    }

    package static func digest(_ document: String) -> String {
        SHA256.hash(data: Data(document.utf8)).hex
    }

    /// Line 1: sub-item; 2: keywords; 3: material names; the entries of a line separated by tabs
    /// (names never hold control characters).
    package static func searchText(_ item: ServiceItem) -> String {
        [[item.subItemName ?? ""], item.keywords, item.materials.map(\.name)]
            .map {
                $0.map { $0.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ") }.joined(separator: "\t")
            }
            .joined(separator: "\n")
    }

    package func item() throws -> ServiceItem { try JSONDecoder().decode(ServiceItem.self, from: Data(document.utf8)) }
    package func bundle() throws -> ServiceBundle { try JSONDecoder().decode(ServiceBundle.self, from: Data(document.utf8)) }
}

/// A counter every publish, retire and import moves on, so each server process knows when to
/// rebuild its search index.
/// The catalog revision as this process has seen it, read without a query each time: the catalog
/// module's search index keeps it (rechecked at most once a second), and the application names it
/// here for the areas that read published items.
package protocol CatalogRevisionSource: Sendable {
    func revision(on db: any Database) async throws -> Int
}

extension Application {
    private struct CatalogRevisionSourceKey: StorageKey { typealias Value = any CatalogRevisionSource }

    package var catalogRevisionSource: any CatalogRevisionSource {
        get { storage[CatalogRevisionSourceKey.self]! }
        set { storage[CatalogRevisionSourceKey.self] = newValue }
    }
}

package enum CatalogRevision {
    package static let table = "catalog_revision"

    package static func bump(on db: any Database) async throws {
        try await db.sql.update(table).set(SQLIdentifier("revision"), to: SQLRaw("revision + 1")).where("id", .equal, 1).run()
    }

    package static func current(on db: any Database) async throws -> Int {
        struct Row: Decodable { let revision: Int }
        return try await db.sql.select().column("revision").from(table).where("id", .equal, 1).first(decoding: Row.self)?.revision ?? 0
    }
}

package struct CreateCatalogEntry: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(CatalogEntry.schema)
            .id()
            .field("entry_type", .string, .required)
            .field("code", .string, .required)
            .field("version", .int, .required)
            .field("status", .string, .required)
            .field("name", .string, .required)
            .field("region_code", .string, .required)
            .field("basic_code", .string)
            .field("kind", .string)
            .field("department_code", .string)
            .field("department_name", .string)
            .field("level", .string)
            .field("online", .bool, .required)
            .field("promised_days", .int)
            .field("visits", .int, .required)
            .field("search_text", .string, .required)
            .field("document", .string, .required)
            .field("digest", .string, .required)
            .field("edited_by", .string)
            .field("updated_at", .datetime)
            .field("published_by", .string)
            .field("published_at", .datetime)
            .unique(on: "entry_type", "code", "version")
            .create()
        let sql = database.sql
        // At most one draft and one published version of each code, whatever races.
        try await sql.raw("CREATE UNIQUE INDEX catalog_one_draft ON catalog_entries (entry_type, code) WHERE status = 'draft'").run()
        try await sql.raw("CREATE UNIQUE INDEX catalog_one_published ON catalog_entries (entry_type, code) WHERE status = 'published'")
            .run()
        try await sql.raw("CREATE INDEX catalog_by_status ON catalog_entries (entry_type, status)").run()
        try await sql.raw("CREATE INDEX catalog_by_basic ON catalog_entries (basic_code)").run()
        try await sql.create(table: CatalogRevision.table)
            .column("id", type: .int, .primaryKey(autoIncrement: false))
            .column("revision", type: .bigint, .notNull)
            .run()
        try await sql.insert(into: CatalogRevision.table).columns("id", "revision").values(SQLBind(1), SQLBind(0)).run()
    }

    package func revert(on database: Database) async throws {
        try await database.sql.drop(table: CatalogRevision.table).run()
        try await database.schema(CatalogEntry.schema).delete()
    }
}
