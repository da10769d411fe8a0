import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// 数据共享: the catalog of resources, departments' requests for grants and the owners'
/// decisions, client systems' keys, and the lookup those systems make under a grant — every
/// read audited with its purpose, every refusal logged, fields above the client's clearance
/// masked.
struct DataSharingAPI {
    func register(_ api: any RoutesBuilder) {
        api.get("data", "resources", use: resources)
        api.get("data", "grants", use: grants)
        api.post("data", "grants", use: requestGrant)
        api.post("data", "grants", ":id", "decision", use: decide)
        api.post("data", "grants", ":id", "revoke", use: revoke)
        api.post("data", "clients", use: createClient)
        api.post("data", "lookup", use: lookup)
    }

    func resources(req: Request) async throws -> Response {
        try await req.application.dataResources.values.sorted { $0.code < $1.code }.map(ResourceDTO.init).encodeResponse(for: req)
    }

    struct ResourceDTO: Content {
        let resource: DataResource
        init(_ resource: DataResource) { self.resource = resource }
        func encode(to encoder: any Encoder) throws { try resource.encode(to: encoder) }
        init(from decoder: any Decoder) throws { resource = try DataResource(from: decoder) }
    }

    // MARK: grants

    struct GrantDTO: Content {
        let id: UUID
        let resource: String
        let resourceName: String
        let requester: String
        let owner: String
        let fields: [String]
        let purpose: String
        let legalBasis: String
        let days: Int
        let status: String
        let reason: String?
        let lastDay: String?
        let version: Int

        init(_ g: SharingGrant, resources: [String: DataResource]) {
            id = g.id!; resource = g.resourceCode; resourceName = resources[g.resourceCode]?.name ?? g.resourceCode
            requester = g.requesterName; owner = g.ownerName; fields = g.fieldKeys; purpose = g.purpose; legalBasis = g.legalBasis
            days = g.days; status = g.status.rawValue; reason = g.decisionReason; lastDay = g.lastDay; version = g.version
        }
    }

    struct GrantRequest: Content {
        var resource: String?
        var fields: [String]?
        var purpose: String?
        var legalBasis: String?
        var days: Int?
    }

    /// The codes of the data resources a department owns: by its credit code, never its name.
    static func owned(by department: Department, _ app: Application) -> [String] {
        app.dataResources.values.filter { $0.owner.code == department.creditCode }.map(\.code)
    }

    /// Refuses anyone but a data administrator of the department that owns the resource.
    static func authorizeOwner(of resource: DataResource, grant: SharingGrant, on req: Request) async throws {
        let owner = try await Department.query(on: req.db).filter(\.$creditCode == resource.owner.code).first()?.id
        do {
            try req.authorize(.handle, .sharingGrant(ownerDepartmentID: owner, requesterID: grant.requesterID))
        } catch {
            throw TongbanError.denied(.roleMissing)
        }
    }

    /// The staff member's department, which asks or owns, if the policy lets them do `action`
    /// in its data sharing.
    static func department(_ req: Request, for action: Action = .view) async throws -> (Account, Department) {
        let account = try req.requireAccount()
        try req.authorize(action, .dataSharing(departmentID: account.$department.id))
        guard let id = account.$department.id, let department = try await Department.find(id, on: req.db) else {
            throw TongbanError.denied(.roleMissing)
        }
        return (account, department)
    }

    func grants(req: Request) async throws -> [GrantDTO] {
        let (_, department) = try await Self.department(req)
        let departmentID = try department.requireID()
        let rows = try await SharingGrant.query(on: req.db).group(.or) {
            $0.filter(\.$requesterID == departmentID).filter(\.$resourceCode ~~ DataSharingAPI.owned(by: department, req.application))
        }.sort(\.$createdAt, .descending).limit(500).all()
        return rows.map { GrantDTO($0, resources: req.application.dataResources) }
    }

    /// A department asks for fields of another department's resource: a reviewer or data
    /// administrator of the asking department.
    func requestGrant(req: Request) async throws -> Response {
        let (account, department) = try await Self.department(req, for: .create)
        let body = try req.content.decode(GrantRequest.self)
        let grant = try await Self.makeRequest(body, by: account, of: department, on: req)
        return try await GrantDTO(grant, resources: req.application.dataResources).encodeResponse(status: .created, for: req)
    }

    static func makeRequest(_ body: GrantRequest, by account: Account, of department: Department, on req: Request) async throws -> SharingGrant {
        var problems = FieldErrors()
        let resource = body.resource.flatMap { req.application.dataResources[$0] }
        if resource == nil { problems.add("resource", body.resource == nil ? "field.required" : "sharing.unknownResource") }
        let fields = Array(Set(body.fields ?? [])).sorted()
        if let resource {
            for problem in GrantScope.requestProblems(resource, fields: fields).errors { problems.add(problem) }
            if resource.owner.code == department.creditCode { problems.add("resource", "sharing.ownResource") }
        }
        let purpose = problems.text("purpose", body.purpose, maxLength: 300)
        let basis = problems.text("legalBasis", body.legalBasis, maxLength: 300)
        if !(1...1096).contains(body.days ?? 0) { problems.add("days", "sharing.badDays") }
        guard problems.isEmpty, let resource, let purpose, let basis, let days = body.days else { throw TongbanError.invalid(problems) }
        let grant = SharingGrant()
        grant.id = UUID()
        grant.resourceCode = resource.code
        grant.requesterID = try department.requireID()
        grant.requesterName = department.name
        grant.ownerName = resource.owner.name
        grant.fields = fields.joined(separator: ",")
        grant.purpose = purpose
        grant.legalBasis = basis
        grant.days = days
        grant.status = .pending
        grant.requestedBy = try account.requireID()
        grant.version = 1
        grant.createdAt = req.now
        let audit = req.auditEvent("sharing.grantRequested", resource: "grant:\(grant.id!.uuidString)", purpose: purpose,
                                   details: "\(resource.code) [\(grant.fields)] for \(days) days by \(department.name)")
        try await req.db.write { tx in
            try await grant.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return grant
    }

    struct DecisionBody: Content { var approve: Bool?; var reason: String?; var version: Int? }

    /// The owner's data administrator approves or refuses a pending request; one decision wins.
    func decide(req: Request) async throws -> GrantDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("grant") }
        return GrantDTO(try await Self.decide(id, try req.content.decode(DecisionBody.self), on: req), resources: req.application.dataResources)
    }

    static func decide(_ id: UUID, _ body: DecisionBody, on req: Request) async throws -> SharingGrant {
        let (account, _) = try await department(req)
        guard let grant = try await SharingGrant.find(id, on: req.db) else { throw TongbanError.notFound("grant") }
        guard let resource = req.application.dataResources[grant.resourceCode] else { throw TongbanError.denied(.roleMissing) }
        try await authorizeOwner(of: resource, grant: grant, on: req)
        var problems = FieldErrors()
        guard let approve = body.approve else { throw TongbanError.invalid(field: "approve", "field.required") }
        let reason = problems.text("reason", body.reason, maxLength: 300, required: !approve)
        if !problems.isEmpty { throw TongbanError.invalid(problems) }
        guard grant.status == .pending else { throw TongbanError.conflict("sharing.alreadyDecided", ["status": grant.status.rawValue]) }
        let today = req.application.today
        let lastDay = approve ? today.adding(days: grant.days - 1)?.description : nil
        let now = req.now
        let status: SharingGrant.Status = approve ? .approved : .refused
        let audit = req.auditEvent(approve ? "sharing.grantApproved" : "sharing.grantRefused", resource: "grant:\(id.uuidString)", purpose: grant.purpose,
                                   details: "\(grant.resourceCode) [\(grant.fields)] for \(grant.requesterName)\(lastDay.map { " until \($0)" } ?? "")\(reason.map { ": \($0)" } ?? "")")
        try await req.db.write { tx in
            // only a still-pending row at the version read changes: a concurrent decision makes this one a 409
            let changed = try await tx.sql.raw("""
                UPDATE sharing_grants SET status = \(bind: status.rawValue), decided_by = \(bind: account.id), decision_reason = \(bind: reason),
                  last_day = \(bind: lastDay), decided_at = \(bind: now), version = version + 1
                WHERE id = \(bind: id) AND status = 'pending' AND version = \(bind: body.version ?? grant.version) RETURNING id
                """).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("sharing.alreadyDecided", ["status": "?"]) }
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        grant.status = status; grant.decisionReason = reason; grant.lastDay = lastDay; grant.decidedAt = now; grant.version += 1
        return grant
    }

    struct RevokeBody: Content { var reason: String? }

    /// The owner's data administrator ends an approved grant early: the next read under it is
    /// refused.
    func revoke(req: Request) async throws -> GrantDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("grant") }
        return GrantDTO(try await Self.revoke(id, reason: try req.content.decode(RevokeBody.self).reason, on: req), resources: req.application.dataResources)
    }

    static func revoke(_ id: UUID, reason raw: String?, on req: Request) async throws -> SharingGrant {
        let (account, _) = try await department(req)
        guard let grant = try await SharingGrant.find(id, on: req.db) else { throw TongbanError.notFound("grant") }
        guard let resource = req.application.dataResources[grant.resourceCode] else { throw TongbanError.denied(.roleMissing) }
        try await authorizeOwner(of: resource, grant: grant, on: req)
        var problems = FieldErrors()
        let reason = problems.text("reason", raw, maxLength: 300)
        guard let reason else { throw TongbanError.invalid(problems) }
        let audit = req.auditEvent("sharing.grantRevoked", resource: "grant:\(id.uuidString)", purpose: grant.purpose,
                                   details: "\(grant.resourceCode) for \(grant.requesterName): \(reason)")
        try await req.db.write { tx in
            let changed = try await tx.sql.raw("""
                UPDATE sharing_grants SET status = 'revoked', decision_reason = \(bind: reason), version = version + 1
                WHERE id = \(bind: id) AND status = 'approved' RETURNING id
                """).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("sharing.alreadyDecided", ["status": grant.status.rawValue]) }
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        grant.status = .revoked; grant.decisionReason = reason; grant.version += 1
        return grant
    }

    // MARK: client systems

    struct ClientRequest: Content { var name: String?; var clearance: String?; var ratePerMinute: Int? = nil }
    struct ClientCreated: Content { let id: UUID; let name: String; let department: String; let clearance: String; let ratePerMinute: Int; let key: String }

    /// A data administrator registers one of their department's systems; the key is shown once.
    func createClient(req: Request) async throws -> Response {
        let (account, department) = try await Self.department(req, for: .edit)
        let body = try req.content.decode(ClientRequest.self)
        let created = try await Self.createClient(body, by: account, of: department, on: req)
        return try await created.encodeResponse(status: .created, for: req)
    }

    static func createClient(_ body: ClientRequest, by account: Account, of department: Department, on req: Request) async throws -> ClientCreated {
        var problems = FieldErrors()
        let name = problems.text("name", body.name, maxLength: 100)
        let clearance = body.clearance.flatMap(Sensitivity.init(rawValue:))
        if clearance == nil { problems.add("clearance", body.clearance == nil ? "field.required" : "sharing.badClearance") }
        let rate = body.ratePerMinute ?? 6000
        if !(1...600_000).contains(rate) { problems.add("ratePerMinute", "sharing.badRate") }
        guard problems.isEmpty, let name, let clearance else { throw TongbanError.invalid(problems) }
        let (key, prefix, hash) = SharingClients.newKey()
        let client = APIClient()
        client.id = UUID()
        client.departmentID = try department.requireID()
        client.departmentName = department.name
        client.name = name
        client.keyPrefix = prefix
        client.keyHash = hash
        client.clearance = clearance
        client.ratePerMinute = rate
        client.createdBy = try account.requireID()
        client.createdAt = req.now
        let audit = req.auditEvent("sharing.clientCreated", resource: "client:\(client.id!.uuidString)",
                                   details: "\(name) of \(department.name), clearance \(clearance.rawValue), \(rate)/min, key tbk_\(prefix)_…")
        try await req.db.write { tx in
            try await client.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return ClientCreated(id: client.id!, name: name, department: department.name, clearance: clearance.rawValue, ratePerMinute: rate, key: key)
    }

    // MARK: lookup

    struct LookupBody: Content { var resource: String?; var subject: String?; var fields: [String]? = nil; var purpose: String? }
    struct LookupResult: Content {
        let resource: String
        let subject: String
        let fields: [String: String]
        /// Fields shown masked: above the client's clearance.
        let masked: [String]
        let grant: UUID?
        let readAt: Date
    }

    func lookup(req: Request) async throws -> LookupResult {
        try await SharedLookup.run(req)
    }
}
