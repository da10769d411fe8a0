import Crypto
import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Adding a material to an application, the use case of its applicant and of the region's
/// clerks: a material one of its items asks for, while a case is still open to materials, of a
/// kind taken (checked by its first bytes) and not too large; the file is kept durably (in the
/// database, `MaterialContents`) before the row that acknowledges it is committed with its
/// timeline and audit entries.
package struct MaterialDesk {
    package let context: UseCaseContext
    /// Decoded items, by code and version.
    package let caches: ApplicationCaches

    package init(context: UseCaseContext, caches: ApplicationCaches) {
        self.context = context
        self.caches = caches
    }

    /// The application, if the acting account may add material `key` to it now.
    package func checkUpload(applicationID id: UUID, key: String) async throws -> ApplicationRecord {
        _ = try context.requireAccount()
        let db = context.db
        guard let application = try await ApplicationRecord.find(id, on: db) else {
            throw TongbanError.notFound("application")
        }
        let resource = try application.resource()
        guard context.allows(.view, resource) else { throw TongbanError.notFound("application") }
        let own = context.allows(.view, .holderRecords(holderID: application.applicantID))
        if !own { try context.authorize(.handle, resource) }
        let cases = try await CaseRow.query(on: db).filter(\.$applicationID == id).all()
        var materialKeys: Set<String> = []
        for row in cases {
            guard let entry = try await CatalogStore.entry(.item, code: row.itemCode, version: row.itemVersion, on: db) else { continue }
            materialKeys.formUnion(try caches.item(entry).materials.map(\.key))
        }
        guard materialKeys.contains(key) else { throw TongbanError.invalid(field: "key", "material.unknownKey") }
        guard cases.contains(where: { MaterialStore.acceptingStates.contains($0.state) }) else {
            throw TongbanError.conflict("material.closed", ["state": cases.first?.state.rawValue ?? "-"])
        }
        return application
    }

    /// Checks the file, keeps it, then writes its row, a timeline entry and the audit entry in
    /// one transaction.
    package func store(
        _ buffer: ByteBuffer, contentType: HTTPMediaType?, filename: String, key: String,
        application: ApplicationRecord
    ) async throws -> MaterialStore.MaterialDTO {
        switch MaterialStore.problem(bytes: buffer, contentType: contentType) {
        case "material.tooLarge"?:
            throw TongbanError(status: .payloadTooLarge, code: "material.tooLarge")
        case "material.forbiddenType"?:
            throw TongbanError(status: .unsupportedMediaType, code: "material.forbiddenType")
        case let other?:
            throw TongbanError.invalid(field: "file", other)
        case nil:
            break
        }
        guard let contentType else { throw TongbanError(status: .unsupportedMediaType, code: "material.forbiddenType") }
        let bytes = Array(buffer.readableBytesView)
        let id = try application.requireID()
        // asked before the file is kept (a full application keeps nothing more), and again in the
        // write with the application's lock held (uploads sent together are counted one by one)
        try await Self.checkRoom(for: bytes.count, in: id, on: context.db)
        let sha = try await MaterialContents.keep(bytes, on: context.db)
        let now = context.now
        let material = StoredMaterial()
        let materialID = UUID()
        material.id = materialID
        material.applicationID = id
        material.materialKey = key
        material.filename = filename
        material.contentType = "\(contentType.type)/\(contentType.subType)"
        material.size = bytes.count
        material.sha256 = sha
        material.uploadedAt = now
        let audit = context.auditEvent(
            "material.upload", resource: "application:\(application.number ?? id.uuidString)",
            details: "\(key) \(sha.prefix(12)) \(bytes.count) B")
        let entry = CaseEvent(
            applicationID: id, caseID: nil, at: now, actor: audit.actorLabel, action: "material.upload",
            from: nil, to: nil, detail: "\(key)：\(filename)")
        try await context.db.write { tx in
            try await tx.lockUntilCommit("quota:\(id)")
            try await Self.checkRoom(for: bytes.count, in: id, on: tx)
            try await material.create(on: tx)
            try await entry.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return MaterialStore.MaterialDTO(
            id: materialID, key: key, filename: filename, contentType: material.contentType,
            size: bytes.count, sha256: sha)
    }
}

extension MaterialDesk {
    /// Refuses a file that would take the application past its quota of files or bytes.
    static func checkRoom(for size: Int, in applicationID: UUID, on db: any Database) async throws {
        let kept = try await StoredMaterial.query(on: db).filter(\.$applicationID == applicationID).all(\.$size)
        if kept.count >= Quotas.materialsPerApplication || kept.reduce(0, +) + size > Quotas.bytesPerApplication {
            throw TongbanError(
                status: .payloadTooLarge, code: "quota.materials",
                arguments: ["files": String(Quotas.materialsPerApplication), "megabytes": String(Quotas.bytesPerApplication >> 20)])
        }
    }
}
