import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `/supervision/audit`: the audit log of the supervisor's region, newest first, under the
/// log's signed tree head; and `/audit/entries/{key}/proof`: an entry's inclusion proof as a
/// page (for the data subject, from their data-use record, and for the region's supervisors),
/// with its JSON to check elsewhere.
struct AuditPages {
    func register(_ routes: any RoutesBuilder) {
        routes.get("supervision", "audit", use: trail)
        routes.get("audit", "entries", ":key", "proof", use: proof)
    }

    struct HeadView: Encodable {
        let size: String
        let root: String
        let at: String
        let keyID: String
    }

    struct Row: Encodable {
        let at: String
        let actor: String
        let action: String
        let resource: String
        /// "第 12 条" once placed; nil while waiting for the sequencer.
        let place: String?
        let proofHref: String?
    }

    struct TrailPage: Encodable {
        let page: PageContext
        let head: HeadView?
        let rows: [Row]
        let olderHref: String?
    }

    static func headView(_ head: AuditLogDesk.TreeHead) -> HeadView {
        HeadView(
            size: head.treeSize.formatted(.number.grouping(.automatic)), root: head.rootHash, at: CalendarDate.beijingTime(head.timestamp),
            keyID: head.keyID)
    }

    func trail(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/supervision/audit") }
        try req.authorize(.view, .auditLog)
        let before = try req.integerQuery("before", in: 1...Int(Int64.max / 2), default: nil).map(Int64.init)
        let region = try req.requireAccount().actor.regionCode
        let entries = try await AuditLog.recent(
            on: req.db, keys: req.application.keys, limit: 50, before: before, regionPrefix: region?.significantPrefix)
        let head = try? await AuditLogDesk(context: req.context).latestHead()
        let places = try await AuditLog.places(ofKeys: entries.map(\.entryKey), on: req.db)
        let rows = entries.map { entry in
            Row(
                at: CalendarDate.beijingTime(Date(timeIntervalSince1970: Double(entry.atMillis) / 1000)),
                actor: AuditAPI.masked(entry.actorLabel), action: entry.action, resource: entry.resource,
                place: places[entry.entryKey].map { req.t("audit.place", ["sequence": String($0)]) },
                proofHref: places[entry.entryKey] == nil ? nil : "/audit/entries/\(entry.entryKey)/proof")
        }
        let older = entries.count == 50 ? entries.last?.id.map { "/supervision/audit?before=\($0)" } : nil
        return try await req.view.render(
            "audit",
            TrailPage(
                page: req.pageContext(title: req.t("audit.title")), head: head.map(Self.headView), rows: rows,
                olderHref: older)
        ).encodeResponse(for: req)
    }

    struct ProofPage: Encodable {
        let page: PageContext
        let sequence: String
        let at: String
        let actor: String
        let action: String
        let resource: String
        let purpose: String?
        let details: String?
        let canonical: String?
        let contentHash: String
        let leafHash: String
        let path: [String]
        let head: HeadView
        let signature: String
        let checkpoint: String
        let jsonHref: String
    }

    func proof(req: Request) async throws -> Response {
        let key = try req.parameters.require("key")
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/audit/entries/\(key)/proof") }
        let (stored, proof) = try await AuditLogDesk(context: req.context).entryAndInclusion(entryKey: key, treeSize: nil)
        if req.query[String.self, at: "format"] == "json" {
            let response = try await proof.encodeResponse(for: req)
            response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"audit-proof-\(proof.sequence).json\"")
            return response
        }
        // a supervisor sees the entry as the trail shows it (names masked) and the hashes
        let entry = stored.opened(req.application.keys)
        let content = proof.content
        return try await req.view.render(
            "audit-proof",
            ProofPage(
                page: req.pageContext(title: req.t("audit.proofTitle")), sequence: String(proof.sequence),
                at: CalendarDate.beijingTime(Date(timeIntervalSince1970: Double(entry.atMillis) / 1000)),
                actor: content?.actorLabel ?? AuditAPI.masked(entry.actorLabel), action: entry.action, resource: entry.resource,
                purpose: content?.purpose, details: content?.details, canonical: proof.canonical, contentHash: proof.contentHash,
                leafHash: proof.leafHash, path: proof.path,
                head: Self.headView(proof.treeHead), signature: proof.treeHead.signature, checkpoint: proof.treeHead.checkpoint,
                jsonHref: "/audit/entries/\(key)/proof?format=json")
        ).encodeResponse(for: req)
    }
}
