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

    /// The trail of the caller's region: entries by accounts within it (a platform-level account,
    /// one with no region, reads all). People's and enterprises' names are masked: a supervisor
    /// needs to see that a person acted, not who.
    func list(req: Request) async throws -> [EntryDTO] {
        try req.authorize(.view, .auditLog)
        let limit = try req.integerQuery("limit", in: 1...200, default: 50) ?? 50
        let before = try req.integerQuery("before", in: 1...OpenAPIDocument.maxSafeInteger, default: nil).map(Int64.init)
        let region = try req.requireAccount().actor.regionCode
        let entries = try await AuditLog.recent(
            on: req.db, keys: req.application.keys, limit: limit, before: before, regionPrefix: region?.significantPrefix)
        return entries.map {
            EntryDTO(
                sequence: $0.id ?? 0, at: Date(timeIntervalSince1970: Double($0.atMillis) / 1000), actorID: $0.actorID,
                actorLabel: Self.masked($0.actorLabel), action: $0.action, resource: $0.resource, purpose: $0.purpose,
                requestID: $0.requestID, details: $0.details, hash: $0.hash)
        }
    }

    /// `person:张晓明 [L2]` → `person:张** [L2]`; staff and the system as they are.
    static func masked(_ label: String) -> String {
        for kind in ["person:", "enterprise:"] where label.hasPrefix(kind) {
            let rest = label.dropFirst(kind.count)
            let level = rest.range(of: " [L").map { String(rest[$0.lowerBound...]) } ?? ""
            let name = level.isEmpty ? String(rest) : String(rest[..<rest.range(of: " [L")!.lowerBound])
            guard let first = name.first else { return label }
            return kind + String(first) + String(repeating: "*", count: max(1, name.count - 1)) + level
        }
        return label
    }

    func verify(req: Request) async throws -> VerifyResult {
        try req.authorize(.verify, .auditLog)
        switch try await AuditLog.verify(on: req.db, keys: req.application.keys) {
        case let .ok(entries): return VerifyResult(ok: true, entries: entries, brokenAt: nil, reason: nil)
        case let .broken(sequence, reason): return VerifyResult(ok: false, entries: nil, brokenAt: sequence, reason: reason.rawValue)
        }
    }
}
