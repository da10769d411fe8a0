import Fluent
import SQLKit
import Foundation
import TongbanCore
import Vapor

/// The API side of reuse and of the data subject's view: which materials of an application
/// were satisfied by licences (with their data for those allowed to read it), and, for a person
/// or an enterprise, every consent they gave and every read of their data.
struct SharingAPI {
    func register(_ api: any RoutesBuilder) {
        api.get("applications", ":id", "licenses", use: applicationLicenses)
        api.get("me", "data-access", use: dataAccess)
        api.post("me", "consents", ":id", "withdraw", use: withdraw)
    }

    /// The holder withdraws a consent (撤回授权): from now on the department no longer reads the
    /// licence or data for that case. What was read before stays in the record.
    func withdraw(req: Request) async throws -> AccessDTO {
        let account = try req.requireAccount()
        try req.authorize(.view, .holderRecords(holderID: try account.requireID()))
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("consent") }
        try await Self.withdraw(id, holderID: try account.requireID(), on: req)
        return try await Self.access(of: try account.requireID(), on: req.db)
    }

    static func withdraw(_ id: UUID, holderID: UUID, on req: Request) async throws {
        guard let consent = try await MaterialReuse.find(id, on: req.db), consent.holderID == holderID, consent.consented else {
            throw TongbanError.notFound("consent")
        }
        let now = req.now
        guard consent.expiresAt > now else { throw TongbanError.conflict("access.alreadyEnded") }
        let audit = req.auditEvent("consent.withdrawn", resource: "consent:\(id.uuidString)",
                                   details: "\(consent.sourceName) \(consent.sourceRef) for \(consent.departmentName)")
        try await req.db.write { tx in
            let changed = try await tx.sql.raw("""
                UPDATE material_reuses SET expires_at = \(bind: now) WHERE id = \(bind: id) AND holder_id = \(bind: holderID) AND expires_at > \(bind: now) RETURNING id
                """).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("access.alreadyEnded") }
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
    }

    func applicationLicenses(req: Request) async throws -> [SharedMaterials.Entry] {
        _ = try req.requireAccount()
        guard let id = req.parameters.get("id", as: UUID.self), let application = try await ApplicationRecord.find(id, on: req.db) else {
            throw TongbanError.notFound("application")
        }
        let cases = try await CaseRow.query(on: req.db).filter(\.$applicationID == id).all()
        let tasks = try await ReviewTask.query(on: req.db).filter(\.$applicationID == id).all()
        try ApplicationAPI.checkVisible(application, cases: cases, tasks: tasks, on: req)
        return try await SharedMaterials.view(req, application: application, cases: cases, tasks: tasks,
                                             reuses: try await SharedMaterials.reuses(of: id, on: req.db))
    }

    struct AccessDTO: Content {
        struct Consent: Content {
            let id: UUID
            let applicationID: UUID
            let material: String
            let via: String
            let source: String
            let sourceName: String
            let department: String
            let purpose: String
            let givenAt: Date
            let expiresAt: Date
        }
        struct Read: Content {
            let at: Date
            let reader: String
            let source: String
            let sourceName: String
            let fields: [String]
            let purpose: String
            let basis: String
        }
        let consents: [Consent]
        let reads: [Read]
    }

    func dataAccess(req: Request) async throws -> AccessDTO {
        let account = try req.requireAccount()
        try req.authorize(.view, .holderRecords(holderID: try account.requireID()))
        return try await Self.access(of: try account.requireID(), on: req.db)
    }

    static func access(of subjectID: UUID, on db: any Database) async throws -> AccessDTO {
        let consents = try await MaterialReuse.query(on: db).filter(\.$holderID == subjectID).filter(\.$consented == true)
            .sort(\.$createdAt, .descending).limit(500).all()
        let reads = try await DataReads.of(subjectID: subjectID, on: db)
        return AccessDTO(
            consents: consents.map { .init(id: $0.id!, applicationID: $0.applicationID, material: $0.materialName, via: $0.via.rawValue, source: $0.sourceRef,
                                           sourceName: $0.sourceName, department: $0.departmentName, purpose: $0.purpose,
                                           givenAt: $0.createdAt, expiresAt: $0.expiresAt) },
            reads: reads.map { .init(at: $0.at, reader: $0.readerLabel, source: $0.source, sourceName: $0.sourceName,
                                     fields: $0.fields.split(separator: ",").map(String.init), purpose: $0.purpose, basis: $0.basis) })
    }
}
