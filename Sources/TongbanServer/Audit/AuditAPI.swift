import Fluent
import TongbanCatalog
import TongbanCore
import TongbanOpenAPI
import TongbanPlatform
import Vapor

/// `/api/v1/audit`: the trail for system admins and supervisors, the log's check, and its proofs
/// (the signed tree head and consistency proofs for anyone; an entry's inclusion for those who
/// may see the entry).
struct AuditAPI {
    struct EntryDTO: Content {
        /// The row's number (for paging with `before`).
        let id: Int64
        let entryKey: String
        /// The place in the log; null until the sequencer has taken the entry (within a second).
        let sequence: Int64?
        let at: Date
        let actorID: String?
        let actorLabel: String
        let action: String
        let resource: String
        let purpose: String?
        let requestID: String?
        let details: String?
        let contentHash: String
    }

    struct VerifyResult: Content {
        let ok: Bool
        let entries: Int64?
        let heads: Int?
        /// Entries committed and not yet in the log.
        let pending: Int
        let brokenAt: Int64?
        let reason: String?
    }

    func register(_ api: any RoutesBuilder) {
        api.get("audit", use: list)
        api.get("audit", "verify", use: verify)
        api.get("audit", "tree-head", use: treeHead)
        api.get("audit", "entries", ":key", "proof", use: inclusion)
        api.get("audit", "consistency", use: consistency)
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
        let places = try await AuditLog.places(ofKeys: entries.map(\.entryKey), on: req.db)
        return entries.map {
            EntryDTO(
                id: $0.id ?? 0, entryKey: $0.entryKey, sequence: places[$0.entryKey],
                at: Date(timeIntervalSince1970: Double($0.atMillis) / 1000),
                actorID: $0.actorID, actorLabel: Self.masked($0.actorLabel), action: $0.action, resource: $0.resource, purpose: $0.purpose,
                requestID: $0.requestID, details: $0.details, contentHash: $0.contentHash)
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
        let pending = try await AuditLog.waitingCount(on: req.db)
        switch try await AuditLog.verify(on: req.db, keys: req.application.keys) {
        case let .ok(entries, heads):
            return VerifyResult(ok: true, entries: entries, heads: heads, pending: pending, brokenAt: nil, reason: nil)
        case let .broken(sequence, reason):
            return VerifyResult(ok: false, entries: nil, heads: nil, pending: pending, brokenAt: sequence, reason: reason.rawValue)
        }
    }

    func treeHead(req: Request) async throws -> AuditLogDesk.TreeHead {
        try await AuditLogDesk(context: req.context).latestHead()
    }

    func inclusion(req: Request) async throws -> AuditLogDesk.Inclusion {
        let key = try req.parameters.require("key")
        let size = try req.integerQuery("treeSize", in: 1...OpenAPIDocument.maxSafeInteger, default: nil).map(Int64.init)
        return try await AuditLogDesk(context: req.context).inclusion(entryKey: key, treeSize: size)
    }

    func consistency(req: Request) async throws -> AuditLogDesk.Consistency {
        let range = 1...OpenAPIDocument.maxSafeInteger
        guard let from = try req.integerQuery("from", in: range, default: nil), let to = try req.integerQuery("to", in: range, default: nil)
        else { throw TongbanError.invalid(field: "from", "field.required") }
        return try await AuditLogDesk(context: req.context).consistency(from: Int64(from), to: Int64(to))
    }
}

extension AuditLogDesk.TreeHead: Content {}
extension AuditLogDesk.Inclusion: Content {}
extension AuditLogDesk.Consistency: Content {}
