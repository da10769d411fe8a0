import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// The versioning of catalog entries: drafts are written, published (superseding the version
/// before), and retired. Each change and its audit entry share one transaction, and each change
/// that the public sees moves the catalog revision on.
enum CatalogStore {
    static func published(_ kind: CatalogEntry.Kind, code: String, on db: any Database) async throws -> CatalogEntry? {
        try await CatalogEntry.query(on: db).filter(\.$kind == kind).filter(\.$code == code).filter(\.$status == .published).first()
    }

    /// One version, or the one the public reads now (the published one, else the newest retired
    /// or superseded one so that old links still explain themselves). Drafts only when asked.
    static func entry(_ kind: CatalogEntry.Kind, code: String, version: Int?, includeDraft: Bool = false,
                      on db: any Database) async throws -> CatalogEntry? {
        let query = CatalogEntry.query(on: db).filter(\.$kind == kind).filter(\.$code == code)
        if let version { query.filter(\.$version == version) }
        if !includeDraft { query.filter(\.$status != .draft) }
        let candidates = try await query.sort(\.$version, .descending).all()
        return candidates.first { $0.status == .published } ?? candidates.first
    }

    static func versions(_ kind: CatalogEntry.Kind, code: String, on db: any Database) async throws -> [CatalogEntry] {
        try await CatalogEntry.query(on: db).filter(\.$kind == kind).filter(\.$code == code).sort(\.$version, .descending).all()
    }

    static func draft(_ kind: CatalogEntry.Kind, code: String, on db: any Database) async throws -> CatalogEntry? {
        try await CatalogEntry.query(on: db).filter(\.$kind == kind).filter(\.$code == code).filter(\.$status == .draft).first()
    }

    /// Published items by code, for bundles.
    static func publishedItems(codes: [String], on db: any Database) async throws -> [String: ServiceItem] {
        guard !codes.isEmpty else { return [:] }
        let rows = try await CatalogEntry.query(on: db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$code ~~ codes).all()
        var items: [String: ServiceItem] = [:]
        for row in rows { items[row.code] = try row.item() }
        return items
    }

    /// Writes the draft of an item: the existing draft is replaced, else a new version after the
    /// newest is begun. Only the rules of the description itself are checked here; publishing
    /// checks the rest.
    static func saveDraft(_ item: ServiceItem, on req: Request) async throws -> CatalogEntry {
        try checkRules(item)
        return try await saveDraft(.item, code: item.code, on: req) { version, by in try CatalogEntry(item: item, version: version, status: .draft, by: by) }
            update: { try $0.fill(item) }
    }

    static func saveDraft(_ bundle: ServiceBundle, on req: Request) async throws -> CatalogEntry {
        return try await saveDraft(.bundle, code: bundle.code, on: req) { version, by in try CatalogEntry(bundle: bundle, version: version, by: by) }
            update: { try $0.fill(bundle) }
    }

    private static func saveDraft(_ kind: CatalogEntry.Kind, code: String, on req: Request,
                                  make: @escaping @Sendable (Int, String) throws -> CatalogEntry,
                                  update: @escaping @Sendable (CatalogEntry) throws -> Void) async throws -> CatalogEntry {
        let by = req.currentAccount?.displayName ?? "system"
        do {
            return try await req.db.write { tx in
                let entry: CatalogEntry
                if let draft = try await draft(kind, code: code, on: tx) {
                    try update(draft)
                    draft.editedBy = by
                    try await draft.save(on: tx)
                    entry = draft
                } else {
                    let newest = try await CatalogEntry.query(on: tx).filter(\.$kind == kind).filter(\.$code == code).max(\.$version) ?? 0
                    entry = try make(newest + 1, by)
                    try await entry.create(on: tx)
                }
                try await AuditLog.append(req.auditEvent("catalog.\(kind.rawValue).draft", resource: "\(kind.rawValue):\(code)",
                                                         details: "version \(entry.version)"), on: tx, now: req.now)
                return entry
            }
        } catch where error.isConstraintViolation {
            throw TongbanError.conflict("catalog.concurrentEdit")
        }
    }

    static func checkRules(_ item: ServiceItem) throws {
        let problems = ItemRules.problems(item)
        if !problems.isEmpty { throw TongbanError.invalid(problems) }
    }

    /// Why an item cannot be published: its own rules, and for an implementation whose basic
    /// item is in the catalog, each standard field it changes.
    static func publishProblems(_ item: ServiceItem, on db: any Database) async throws -> FieldErrors {
        var problems = ItemRules.problems(item)
        if item.isImplementation, let basic = try await published(.item, code: item.basicCode.value, on: db) {
            for field in StandardFields.changes(basic: try basic.item(), implementation: item) {
                problems.add(field, "catalog.standardFieldChanged")
            }
        }
        return problems
    }

    static func bundleProblems(_ bundle: ServiceBundle, on db: any Database) async throws -> [BundleProblem] {
        let items = try await publishedItems(codes: bundle.members.map(\.itemCode), on: db)
        return BundleComposer.problems(bundle, items: items)
    }

    /// Publishes the draft `version`: the version published before becomes superseded. Exactly
    /// one of two concurrent publications wins.
    static func publish(_ kind: CatalogEntry.Kind, code: String, version: Int, on req: Request) async throws -> CatalogEntry {
        guard let draft = try await draft(kind, code: code, on: req.db), draft.version == version else {
            throw TongbanError.conflict("catalog.noSuchDraft", ["version": String(version)])
        }
        switch kind {
        case .item:
            let problems = try await publishProblems(try draft.item(), on: req.db)
            if !problems.isEmpty { throw TongbanError(status: .unprocessableEntity, code: "catalog.cannotPublish", fields: problems.errors) }
        case .bundle:
            let problems = try await bundleProblems(try draft.bundle(), on: req.db)
            if !problems.isEmpty {
                throw TongbanError(status: .unprocessableEntity, code: "catalog.cannotPublish",
                                   fields: problems.map { FieldError(field: $0.subject, key: $0.messageKey) })
            }
        }
        let by = req.currentAccount?.displayName ?? "system"
        let now = req.now
        let published = try await req.db.write { tx -> Bool in
            try await CatalogEntry.query(on: tx).filter(\.$kind == kind).filter(\.$code == code).filter(\.$status == .published)
                .set(\.$status, to: .superseded).update()
            let rows = try await tx.sql.update(CatalogEntry.schema)
                .set("status", to: CatalogEntry.Status.published.rawValue).set("published_by", to: by).set("published_at", to: now)
                .where("entry_type", .equal, kind.rawValue).where("code", .equal, code).where("version", .equal, version)
                .where("status", .equal, CatalogEntry.Status.draft.rawValue)
                .returning("id").all()
            guard rows.count == 1 else { throw TongbanError.conflict("catalog.noSuchDraft", ["version": String(version)]) }
            try await CatalogRevision.bump(on: tx)
            try await AuditLog.append(req.auditEvent("catalog.\(kind.rawValue).publish", resource: "\(kind.rawValue):\(code)",
                                                     details: "version \(version)"), on: tx, now: req.now)
            return true
        }
        precondition(published)
        req.application.catalogIndex.invalidate()
        return try await entry(kind, code: code, version: version, on: req.db)!
    }

    static func retire(_ kind: CatalogEntry.Kind, code: String, on req: Request) async throws {
        try await req.db.write { tx in
            let rows = try await tx.sql.update(CatalogEntry.schema).set("status", to: CatalogEntry.Status.retired.rawValue)
                .where("entry_type", .equal, kind.rawValue).where("code", .equal, code)
                .where("status", .equal, CatalogEntry.Status.published.rawValue).returning("id").all()
            guard rows.count == 1 else { throw TongbanError.conflict("catalog.notPublished") }
            try await CatalogRevision.bump(on: tx)
            try await AuditLog.append(req.auditEvent("catalog.\(kind.rawValue).retire", resource: "\(kind.rawValue):\(code)"), on: tx, now: req.now)
        }
        req.application.catalogIndex.invalidate()
    }
}
