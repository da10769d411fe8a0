import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 数据共享 for staff, without JavaScript: the catalog of resources (each with a request form for
/// its fields), the department's requests and grants, the requests awaiting the owner's data
/// administrator, and the department's client systems (a new key shown once).
package struct DataSharingPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("data", use: page)
        routes.post("data", "grants", use: request)
        routes.post("data", "grants", ":id", "decision", use: decide)
        routes.post("data", "grants", ":id", "revoke", use: revoke)
        routes.post("data", "clients", use: createClient)
        routes.post("data", "clients", ":id", "revoke", use: revokeClient)
    }

    package struct FieldView: Encodable {
        package let key: String
        package let label: String
        package let sensitivity: String
        package let level: String
    }
    package struct ResourceView: Encodable {
        package let code: String
        package let name: String
        package let owner: String
        package let sharing: String
        package let shareable: Bool
        package let consent: String
        package let frequency: String
        package let legalBasis: String
        package let fields: [FieldView]
        package let mayAsk: Bool
    }
    package struct GrantView: Encodable {
        package let id: String
        package let resource: String
        package let requester: String
        package let fields: String
        package let purpose: String
        package let legalBasis: String
        package let days: Int
        package let status: String
        package let statusLabel: String
        package let lastDay: String?
        package let reason: String?
        package let version: Int
    }
    package struct ClientView: Encodable {
        package let id: UUID
        package let name: String
        package let prefix: String
        package let clearance: String
        package let rate: Int
        package let revoked: Bool
        package let expires: String?
    }
    package struct Context: Encodable {
        package let page: PageContext
        package let department: String
        package let resources: [ResourceView]
        package let mayRequest: Bool
        package let requested: [GrantView]
        package let hasRequested: Bool
        package let pending: [GrantView]
        package let hasPending: Bool
        package let granted: [GrantView]
        package let hasGranted: Bool
        package let isDataAdmin: Bool
        package let clients: [ClientView]
        package let hasClients: Bool
        package let newKey: String?
        package let summary: String?
    }

    package func page(req: Request) async throws -> Response {
        try await render(req, failure: nil, newKey: nil)
    }

    package func render(_ req: Request, failure: (any Error)?, newKey: String?) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/data") }
        let catalog = req.application.dataResources
        let desk = SharingGrantDesk(context: req.context, resources: catalog)
        let (department, grants) = try await desk.grants(limit: 200)
        let shown = try FormFailure(failure, req)
        let english = req.language == .en
        let resources = catalog.values.sorted { $0.code < $1.code }
        let views = resources.map { r in
            ResourceView(
                code: r.code, name: english ? r.nameEn : r.name, owner: r.owner.name, sharing: req.t("sharing.class.\(r.sharing.rawValue)"),
                shareable: r.sharing != .notShared, consent: req.t(r.consentRequired ? "sharing.consentYes" : "sharing.consentNo"),
                frequency: req.t("sharing.frequency.\(r.updateFrequency)"), legalBasis: r.legalBasis,
                fields: r.fields.map {
                    FieldView(
                        key: $0.key, label: english ? $0.labelEn : $0.label, sensitivity: $0.sensitivity.rawValue,
                        level: req.t("sensitivity.\($0.sensitivity.rawValue)"))
                },
                mayAsk: r.sharing != .notShared && r.owner.code != department.creditCode)
        }
        let departmentID = try department.requireID()
        func view(_ g: SharingGrant) -> GrantView {
            let resource = catalog[g.resourceCode]
            let labels = g.fieldKeys.map { key in resource?.field(key).map { english ? $0.labelEn : $0.label } ?? key }
            return GrantView(
                id: g.id!.uuidString, resource: resource.map { english ? $0.nameEn : $0.name } ?? g.resourceCode,
                requester: g.requesterName,
                fields: labels.joined(separator: "、"), purpose: g.purpose, legalBasis: g.legalBasis, days: g.days,
                status: g.status.rawValue,
                statusLabel: req.t("grantStatus.\(g.status.rawValue)"), lastDay: g.lastDay, reason: g.decisionReason, version: g.version)
        }
        let requested = grants.filter { $0.requesterID == departmentID }.map(view)
        let isDataAdmin = req.allows(.edit, .dataSharing(departmentID: departmentID))
        // the grants on resources this department owns (by its credit code, not its name)
        let owned = grants.filter { catalog[$0.resourceCode]?.owner.code == department.creditCode }
        let pending = isDataAdmin ? owned.filter { $0.status == .pending }.map(view) : []
        let granted = isDataAdmin ? owned.filter { $0.status == .approved }.map(view) : []
        let clients =
            isDataAdmin
            ? try await desk.clients(of: department).map {
                ClientView(
                    id: try $0.requireID(), name: $0.name, prefix: "tbk_\($0.keyPrefix)_…",
                    clearance: req.t("sensitivity.\($0.clearance.rawValue)"), rate: $0.ratePerMinute, revoked: $0.revokedAt != nil,
                    expires: $0.expiresAt.map { CalendarDate.beijingTime($0, format: "yyyy-MM-dd") })
            } : []
        let context = Context(
            page: req.pageContext(title: req.t("sharing.title")), department: department.name, resources: views,
            mayRequest: true, requested: requested, hasRequested: !requested.isEmpty, pending: pending, hasPending: !pending.isEmpty,
            granted: granted, hasGranted: !granted.isEmpty,
            isDataAdmin: isDataAdmin, clients: clients, hasClients: !clients.isEmpty, newKey: newKey,
            summary: shown.summary.map { s in
                ([s] + shown.fields.values.sorted()).joined(separator: " ")
            })
        let response = try await req.view.render("data-sharing", context).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }

    package struct RequestForm: Decodable {
        package var resource: String?
        package var fields: [String]?
        package var purpose: String?
        package var legalBasis: String?
        package var days: String?
    }

    package func request(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let desk = SharingGrantDesk(context: req.context, resources: req.application.dataResources)
        let form = try req.content.decode(RequestForm.self)
        let body = DataSharingAPI.GrantRequest(
            resource: form.resource, fields: form.fields ?? [], purpose: form.purpose,
            legalBasis: form.legalBasis,
            days: form.days.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        do {
            _ = try await desk.request(body)
        } catch let error as TongbanError where error.status == .unprocessableEntity {
            return try await render(req, failure: error, newKey: nil)
        }
        return req.redirect(to: "/data?done=requested#requested")
    }

    package struct DecisionForm: Decodable {
        package var decision: String?
        package var clearance: String?
        package var reason: String?
        package var version: String?
    }

    package func decide(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("grant") }
        let form = try req.content.decode(DecisionForm.self)
        do {
            let body = DataSharingAPI.DecisionBody(
                approve: form.decision.map { $0 == "approve" }, reason: form.reason,
                version: form.version.flatMap { Int($0) }, clearance: form.decision == "approve" ? form.clearance : nil)
            _ = try await SharingGrantDesk(context: req.context, resources: req.application.dataResources).decide(id, body)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await render(req, failure: error, newKey: nil)
        }
        return req.redirect(to: "/data?done=decided#pending")
    }

    package struct RevokeForm: Decodable { var reason: String? }

    package func revoke(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("grant") }
        do {
            let reason = try req.content.decode(RevokeForm.self).reason
            _ = try await SharingGrantDesk(context: req.context, resources: req.application.dataResources).revoke(id, reason: reason)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await render(req, failure: error, newKey: nil)
        }
        return req.redirect(to: "/data?done=revoked#granted")
    }

    package struct ClientForm: Decodable {
        package var name: String?
        package var clearance: String?
        package var ratePerMinute: String?
        package var validDays: String?
    }

    package func revokeClient(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("client") }
        do {
            let revoked = try await SharingGrantDesk(context: req.context, resources: req.application.dataResources).revokeClient(id)
            req.application.sharingClients.forget(prefix: revoked.keyPrefix)
        } catch let error as TongbanError where error.status == .conflict {
            return try await render(req, failure: error, newKey: nil)
        }
        return req.redirect(to: "/data?done=clientRevoked#clients")
    }

    package func createClient(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let desk = SharingGrantDesk(context: req.context, resources: req.application.dataResources)
        let form = try req.content.decode(ClientForm.self)
        let body = DataSharingAPI.ClientRequest(
            name: form.name, clearance: form.clearance,
            ratePerMinute: form.ratePerMinute.flatMap { Int($0) }, validDays: form.validDays.flatMap { Int($0) })
        do {
            let created = try await desk.createClient(body)
            // the key is shown on this answer only; a reload does not show it again
            let response = try await render(req, failure: nil, newKey: created.key)
            response.headers.cacheControl = .init(noStore: true)
            return response
        } catch let error as TongbanError where error.status == .unprocessableEntity {
            return try await render(req, failure: error, newKey: nil)
        }
    }
}
