import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// The catalog administrator's use cases: writing the draft of an item or a bundle (the
/// existing draft replaced, else a new version after the newest begun), publishing a draft (the
/// version published before superseded; of two publications at once, one wins) and retiring
/// the published version. Each change and its audit entry share one transaction; each change
/// the public sees moves the catalog revision on, and this process's search index is rebuilt.
package struct CatalogDesk {
    package let context: UseCaseContext
    /// This process's search index of the published catalog.
    package let index: CatalogIndexHolder

    /// Only the description's own rules are checked here; publishing checks the rest.
    package func saveDraft(_ item: ServiceItem) async throws -> CatalogEntry {
        _ = try context.requireAccount()
        try context.authorize(.edit, .catalogEntry(regionCode: item.regionCode))
        try CatalogStore.checkRules(item)
        return try await saveDraft(.item, code: item.code, region: item.regionCode) { version, by in
            try CatalogEntry(item: item, version: version, status: .draft, by: by)
        } update: {
            try $0.fill(item)
        }
    }

    /// Only the bundle's own rules are checked here; publishing checks those about its items.
    package func saveDraft(_ bundle: ServiceBundle) async throws -> CatalogEntry {
        _ = try context.requireAccount()
        try context.authorize(.edit, .catalogEntry(regionCode: bundle.regionCode))
        let problems = BundleComposer.descriptionProblems(bundle)
        if !problems.isEmpty {
            throw TongbanError(
                status: .unprocessableEntity, code: "validation.failed",
                fields: problems.map { FieldError(field: $0.subject, key: $0.messageKey) })
        }
        return try await saveDraft(.bundle, code: bundle.code, region: bundle.regionCode) { version, by in
            try CatalogEntry(bundle: bundle, version: version, by: by)
        } update: {
            try $0.fill(bundle)
        }
    }

    /// An entry belongs to the region that made it: a new draft of an existing code is authorised
    /// on the region of the entry it replaces (not on what the document says), and may not move it.
    private func saveDraft(
        _ kind: CatalogEntry.Kind, code: String, region: RegionCode,
        make: @escaping @Sendable (Int, String) throws -> CatalogEntry,
        update: @escaping @Sendable (CatalogEntry) throws -> Void
    ) async throws -> CatalogEntry {
        let by = context.account?.displayName ?? "system"
        let now = context.now
        let context = self.context
        do {
            return try await context.db.write { tx in
                if let existing = try await CatalogEntry.query(on: tx).filter(\.$kind == kind).filter(\.$code == code)
                    .sort(\.$version, .descending).first(),
                    let owner = try? RegionCode(existing.regionCode)
                {
                    try context.authorize(.edit, .catalogEntry(regionCode: owner))
                    guard owner == region else { throw TongbanError.invalid(field: "regionCode", "catalog.regionChange") }
                }
                let entry: CatalogEntry
                if let draft = try await CatalogStore.draft(kind, code: code, on: tx) {
                    try update(draft)
                    draft.editedBy = by
                    try await draft.save(on: tx)
                    entry = draft
                } else {
                    let newest = try await CatalogEntry.query(on: tx).filter(\.$kind == kind).filter(\.$code == code).max(\.$version) ?? 0
                    entry = try make(newest + 1, by)
                    try await entry.create(on: tx)
                }
                let audit = context.auditEvent(
                    "catalog.\(kind.rawValue).draft", resource: "\(kind.rawValue):\(code)",
                    details: "version \(entry.version)")
                try await AuditLog.append(audit, on: tx, now: now)
                return entry
            }
        } catch  where error.isConstraintViolation {
            throw TongbanError.conflict("catalog.concurrentEdit")
        }
    }

    /// Publishes the draft `version` of `code`, if the acting administrator may publish in its
    /// region and it passes every rule (an implementation: no standard field changed; a bundle:
    /// every member published).
    package func publish(_ kind: CatalogEntry.Kind, code: String, version: Int?) async throws -> CatalogEntry {
        _ = try context.requireAccount()
        let db = context.db
        guard let draft = try await CatalogStore.draft(kind, code: code, on: db) else { throw TongbanError.notFound("draft") }
        try context.authorize(.publish, .catalogEntry(regionCode: try RegionCode(draft.regionCode)))
        guard let version else { throw TongbanError.invalid(field: "version", "field.required") }
        guard draft.version == version else { throw TongbanError.conflict("catalog.noSuchDraft", ["version": String(version)]) }
        try await checkPublishable(kind, draft)
        let by = context.account?.displayName ?? "system"
        let now = context.now
        let audit = context.auditEvent(
            "catalog.\(kind.rawValue).publish", resource: "\(kind.rawValue):\(code)",
            details: "version \(version)")
        try await db.write { tx in
            try await CatalogEntry.query(on: tx)
                .filter(\.$kind == kind)
                .filter(\.$code == code)
                .filter(\.$status == .published)
                .set(\.$status, to: .superseded)
                .update()
            let rows = try await tx.sql.update(CatalogEntry.schema)
                .set("status", to: CatalogEntry.Status.published.rawValue)
                .set("published_by", to: by)
                .set("published_at", to: now)
                .where("entry_type", .equal, kind.rawValue)
                .where("code", .equal, code)
                .where("version", .equal, version)
                .where("status", .equal, CatalogEntry.Status.draft.rawValue)
                .returning("id")
                .all()
            guard rows.count == 1 else { throw TongbanError.conflict("catalog.noSuchDraft", ["version": String(version)]) }
            try await CatalogRevision.bump(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        index.invalidate()
        guard let published = try await CatalogStore.entry(kind, code: code, version: version, on: db) else {
            throw TongbanError.notFound(kind.rawValue)
        }
        return published
    }

    private func checkPublishable(_ kind: CatalogEntry.Kind, _ draft: CatalogEntry) async throws {
        switch kind {
        case .item:
            let problems = try await CatalogStore.publishProblems(try draft.item(), on: context.db)
            if !problems.isEmpty {
                throw TongbanError(status: .unprocessableEntity, code: "catalog.cannotPublish", fields: problems.errors)
            }
        case .bundle:
            let problems = try await CatalogStore.bundleProblems(try draft.bundle(), on: context.db)
            if !problems.isEmpty {
                throw TongbanError(
                    status: .unprocessableEntity, code: "catalog.cannotPublish",
                    fields: problems.map { FieldError(field: $0.subject, key: $0.messageKey) })
            }
        }
    }

    /// Retires the published version of `code`, if the acting administrator may in its region.
    package func retire(_ kind: CatalogEntry.Kind, code: String) async throws {
        _ = try context.requireAccount()
        guard let entry = try await CatalogStore.published(kind, code: code, on: context.db) else {
            throw TongbanError.notFound(kind.rawValue)
        }
        try context.authorize(.retire, .catalogEntry(regionCode: try RegionCode(entry.regionCode)))
        let now = context.now
        let audit = context.auditEvent("catalog.\(kind.rawValue).retire", resource: "\(kind.rawValue):\(code)")
        try await context.db.write { tx in
            let rows = try await tx.sql.update(CatalogEntry.schema)
                .set("status", to: CatalogEntry.Status.retired.rawValue)
                .where("entry_type", .equal, kind.rawValue)
                .where("code", .equal, code)
                .where("status", .equal, CatalogEntry.Status.published.rawValue)
                .returning("id")
                .all()
            guard rows.count == 1 else { throw TongbanError.conflict("catalog.notPublished") }
            try await CatalogRevision.bump(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        index.invalidate()
    }
}
