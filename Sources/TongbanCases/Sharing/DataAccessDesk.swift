import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// 数据使用记录, the use cases of the data subject: a person or an enterprise sees every consent
/// they gave and every read of their data, and withdraws a consent (撤回授权): from then on the
/// department no longer reads the licence or data for that case; what was read stays recorded.
package struct DataAccessDesk {
    package let context: UseCaseContext

    /// The acting holder's id, once the policy lets them see their own records.
    private func holder() throws -> UUID {
        let holderID = try context.requireAccount().requireID()
        try context.authorize(.view, .holderRecords(holderID: holderID))
        return holderID
    }

    /// The consents the holder gave and the reads of their data, newest first.
    package func access() async throws -> SharingAPI.AccessDTO {
        let holderID = try holder()
        let consents = try await MaterialReuse.query(on: context.db)
            .filter(\.$holderID == holderID)
            .filter(\.$consented == true)
            .sort(\.$createdAt, .descending)
            .limit(500)
            .all()
        let reads = try await DataReads.of(subjectID: holderID, keys: context.keys, on: context.db)
        let sequences = try await AuditLog.places(ofKeys: reads.compactMap(\.auditKey), on: context.db)
        return SharingAPI.AccessDTO(
            consents: try consents.map { c in
                SharingAPI.AccessDTO.Consent(
                    id: try c.requireID(), applicationID: c.applicationID, material: c.materialName,
                    via: c.via.rawValue, source: c.sourceRef, sourceName: c.sourceName,
                    department: c.departmentName, purpose: c.purpose, givenAt: c.createdAt,
                    expiresAt: c.expiresAt)
            },
            reads: reads.map { r in
                SharingAPI.AccessDTO.Read(
                    at: r.at, reader: r.readerLabel, source: r.source, sourceName: r.sourceName,
                    fields: r.fields.split(separator: ",").map(String.init), purpose: r.purpose,
                    basis: r.basis, auditEntry: r.auditKey, logSequence: r.auditKey.flatMap { sequences[$0] })
            })
    }

    /// Withdraws one of the holder's consents still in force; another's reads as absent.
    package func withdraw(_ id: UUID) async throws {
        let holderID = try holder()
        guard let consent = try await MaterialReuse.find(id, on: context.db), consent.holderID == holderID, consent.consented else {
            throw TongbanError.notFound("consent")
        }
        let now = context.now
        guard consent.expiresAt > now else { throw TongbanError.conflict("access.alreadyEnded") }
        let audit = context.auditEvent(
            "consent.withdrawn", resource: "consent:\(id.uuidString)",
            details: "\(consent.sourceName) \(consent.sourceRef) for \(consent.departmentName)")
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE material_reuses SET expires_at = \(bind: now)
                WHERE id = \(bind: id) AND holder_id = \(bind: holderID) AND expires_at > \(bind: now) RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("access.alreadyEnded") }
            try await AuditLog.append(audit, on: tx, now: now)
        }
    }
}
