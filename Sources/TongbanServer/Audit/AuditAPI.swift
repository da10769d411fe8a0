import Fluent
import TongbanCatalog
import TongbanCore
import TongbanOpenAPI
import TongbanPlatform
import Vapor

/// `/api/v1/audit`: the trail for system admins and supervisors, and a chain check.
struct AuditAPI {
    struct EntryDTO: Content {
        let sequence: Int64
        let at: Date
        let actorID: String?
        let actorLabel: String
        let action: String
        let resource: String
        let purpose: String?
        let requestID: String?
        let details: String?
        let hash: String
    }

    struct VerifyResult: Content {
        let ok: Bool
        let entries: Int?
        let brokenAt: Int64?
        let reason: String?
    }

    func register(_ api: any RoutesBuilder) {
        api.get("audit", use: list)
        api.get("audit", "verify", use: verify)
    }

    func list(req: Request) async throws -> [EntryDTO] {
        try req.authorize(.view, .auditLog)
        let limit = try req.integerQuery("limit", in: 1...200, default: 50) ?? 50
        let before = try req.integerQuery("before", in: 1...OpenAPIDocument.maxSafeInteger, default: nil).map(Int64.init)
        let entries = try await AuditLog.recent(on: req.db, limit: limit, before: before)
        return entries.map {
            EntryDTO(
                sequence: $0.id ?? 0, at: Date(timeIntervalSince1970: Double($0.atMillis) / 1000), actorID: $0.actorID,
                actorLabel: $0.actorLabel, action: $0.action, resource: $0.resource, purpose: $0.purpose,
                requestID: $0.requestID, details: $0.details, hash: $0.hash)
        }
    }

    func verify(req: Request) async throws -> VerifyResult {
        try req.authorize(.verify, .auditLog)
        switch try await AuditLog.verify(on: req.db) {
        case let .ok(entries): return VerifyResult(ok: true, entries: entries, brokenAt: nil, reason: nil)
        case let .broken(sequence, reason): return VerifyResult(ok: false, entries: nil, brokenAt: sequence, reason: reason.rawValue)
        }
    }
}
