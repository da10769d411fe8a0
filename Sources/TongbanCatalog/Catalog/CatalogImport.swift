import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Writes whole files of items (and the demo bundles) as published versions, in one
/// transaction: an unchanged item is left alone, a changed one gets a new version superseding the
/// old, a new one starts at version 1. Any problem — in a row, against a draft being edited, or
/// against the basic item's standard fields — rejects the whole file with every line named.
package enum CatalogImport {
    package struct Summary: Sendable, Equatable {
        package var read = 0
        package var added = 0
        package var changed = 0
        package var unchanged = 0

        package init(read: Int = 0, added: Int = 0, changed: Int = 0, unchanged: Int = 0) {
            self.read = read
            self.added = added
            self.changed = changed
            self.unchanged = unchanged
        }
    }

    package struct Existing: Decodable {
        package let code: String
        package let version: Int
        package let status: String
        package let digest: String
        package let document: String?
    }

    package static func importFile(text: String, csv: Bool, by: String, at now: Date, on db: any Database) async throws -> Summary {
        switch ItemFiles.read(text, csv: csv) {
        case let .failure(rejection): throw rejection
        case let .success(rows): return try await write(rows, by: by, at: now, on: db)
        }
    }

    package static func write(_ rows: [ItemFiles.Row], by: String, at now: Date, on db: any Database) async throws -> Summary {
        return try await db.write { tx in
            var summary = Summary(read: rows.count)
            // What exists now: the newest version, the published digest, and any draft, per code.
            let existing = try await tx.sql.select().columns("code", "version", "status", "digest")
                .from(CatalogEntry.schema).where("entry_type", .equal, CatalogEntry.Kind.item.rawValue)
                .all(decoding: Existing.self)
            var newest: [String: Int] = [:]
            var publishedDigest: [String: String] = [:]
            var drafts = Set<String>()
            for row in existing {
                newest[row.code] = max(newest[row.code] ?? 0, row.version)
                if row.status == CatalogEntry.Status.published.rawValue { publishedDigest[row.code] = row.digest }
                if row.status == CatalogEntry.Status.draft.rawValue { drafts.insert(row.code) }
            }
            var problems: [ItemFiles.RowProblem] = []
            // Basic items come from this file or from what is published.
            var basics: [String: ServiceItem] = [:]
            for row in rows where !row.item.isImplementation { basics[row.item.code] = row.item }
            // Only codes published now can be basic items here; asking for the others would
            // scan the table once per chunk.
            let wanted = Set(rows.filter(\.item.isImplementation).map(\.item.basicCode.value)).subtracting(basics.keys)
                .filter { publishedDigest[$0] != nil }
            for chunk in Array(wanted).chunked(500) {
                let published = try await CatalogEntry.query(on: tx).filter(\.$kind == .item).filter(\.$status == .published)
                    .filter(\.$code ~~ chunk).all()
                for entry in published { basics[entry.code] = try entry.item() }
            }
            var inserts: [CatalogEntry] = []
            var superseded: [String] = []
            for row in rows {
                let item = row.item
                for error in ItemRules.problems(item).errors { problems.append(.init(line: row.line, field: error.field, key: error.key)) }
                if drafts.contains(item.code) {
                    problems.append(.init(line: row.line, field: "code", key: "import.draftOpen"))
                    continue
                }
                if item.isImplementation, let basic = basics[item.basicCode.value] {
                    for field in StandardFields.changes(basic: basic, implementation: item) {
                        problems.append(.init(line: row.line, field: field, key: "catalog.standardFieldChanged"))
                    }
                }
                let entry = try CatalogEntry(item: item, version: (newest[item.code] ?? 0) + 1, status: .published, by: by)
                if let digest = publishedDigest[item.code] {
                    if digest == entry.digest {
                        summary.unchanged += 1
                        continue
                    }
                    superseded.append(item.code)
                    summary.changed += 1
                } else {
                    summary.added += 1
                }
                inserts.append(entry)
            }
            if !problems.isEmpty { throw ItemFiles.Rejection(problems: problems) }
            try await insertPublished(inserts, superseding: superseded, by: by, at: now, on: tx)
            try await AuditLog.append(
                AuditEvent(
                    actorID: nil, actorLabel: by, action: "catalog.import", resource: "catalog",
                    details: "\(summary.read) read, \(summary.added) added, \(summary.changed) changed, \(summary.unchanged) unchanged"),
                on: tx, now: now)
            return summary
        }
    }

    /// Plain multi-row INSERTs: importing 100,000 items through models would spend most of its
    /// time in model bookkeeping.
    package static func insertPublished(
        _ entries: [CatalogEntry], superseding codes: [String], by: String, at now: Date,
        on tx: any Database
    ) async throws {
        guard !entries.isEmpty else { return }
        let kind = entries[0].kind.rawValue
        for chunk in codes.chunked(500) {
            try await tx.sql.update(CatalogEntry.schema).set("status", to: CatalogEntry.Status.superseded.rawValue)
                .where("entry_type", .equal, kind).where("status", .equal, CatalogEntry.Status.published.rawValue)
                .where(SQLColumn("code"), .in, SQLBind.group(Array(chunk))).run()
        }
        let columns = [
            "id", "entry_type", "code", "version", "status", "name", "region_code", "basic_code", "kind", "department_code",
            "department_name", "level", "online", "promised_days", "visits", "search_text", "document", "digest",
            "edited_by", "updated_at", "published_by", "published_at",
        ]
        for chunk in entries.chunked(400) {
            var insert = tx.sql.insert(into: CatalogEntry.schema).columns(columns)
            for e in chunk {
                insert = insert.values(
                    SQLBind(UUID()), SQLBind(e.kind.rawValue), SQLBind(e.code), SQLBind(e.version), SQLBind(e.status.rawValue),
                    SQLBind(e.name), SQLBind(e.regionCode), SQLBind(e.basicCode), SQLBind(e.itemKind), SQLBind(e.departmentCode),
                    SQLBind(e.departmentName), SQLBind(e.level), SQLBind(e.online), SQLBind(e.promisedDays), SQLBind(e.visits),
                    SQLBind(e.searchText), SQLBind(e.document), SQLBind(e.digest), SQLBind(by), SQLBind(now),
                    SQLBind(by), SQLBind(now))
            }
            try await insert.run()
        }
        try await CatalogRevision.bump(on: tx)
    }

    /// Publishes bundles whose items are all published and which compose without conflict.
    package static func publishBundles(_ bundles: [ServiceBundle], by: String, at now: Date, on db: any Database) async throws {
        try await db.write { tx in
            var fresh: [CatalogEntry] = []
            for bundle in bundles {
                let problems = try await CatalogStore.bundleProblems(bundle, on: tx)
                guard problems.isEmpty else {
                    throw TongbanError(
                        status: .unprocessableEntity, code: "catalog.cannotPublish",
                        fields: problems.map { FieldError(field: "\(bundle.code): \($0.subject)", key: $0.messageKey) })
                }
                let current = try await CatalogStore.published(.bundle, code: bundle.code, on: tx)
                let entry = try CatalogEntry(bundle: bundle, version: (current?.version ?? 0) + 1, by: by)
                entry.status = .published
                guard let current else {
                    fresh.append(entry)
                    continue
                }
                if current.digest != entry.digest {
                    try await insertPublished([entry], superseding: [bundle.code], by: by, at: now, on: tx)
                }
            }
            try await insertPublished(fresh, superseding: [], by: by, at: now, on: tx)
        }
    }
}
