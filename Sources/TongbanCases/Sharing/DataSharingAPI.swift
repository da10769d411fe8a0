import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 数据共享: the catalog of resources, departments' requests for grants and the owners'
/// decisions, client systems' keys, and the lookup those systems make under a grant — every
/// read audited with its purpose, every refusal logged, fields above the client's clearance
/// masked. The grant and client handlers are adapters over `SharingGrantDesk`.
package struct DataSharingAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.get("data", "resources", use: resources)
        api.get("data", "grants", use: grants)
        api.post("data", "grants", use: requestGrant)
        api.post("data", "grants", ":id", "decision", use: decide)
        api.post("data", "grants", ":id", "revoke", use: revoke)
        api.post("data", "clients", use: createClient)
        api.post("data", "clients", ":id", "revoke", use: revokeClient)
        api.post("data", "lookup", use: lookup)
    }

    package func resources(req: Request) async throws -> Response {
        try await req.application.dataResources.values.sorted { $0.code < $1.code }.map(ResourceDTO.init).encodeResponse(for: req)
    }

    package struct ResourceDTO: Content {
        package let resource: DataResource
        package init(_ resource: DataResource) { self.resource = resource }
        package func encode(to encoder: any Encoder) throws { try resource.encode(to: encoder) }
        package init(from decoder: any Decoder) throws { resource = try DataResource(from: decoder) }
    }

    // MARK: grants

    package struct GrantDTO: Content {
        package let id: UUID
        package let resource: String
        package let resourceName: String
        package let requester: String
        package let owner: String
        package let fields: [String]
        package let purpose: String
        package let legalBasis: String
        package let days: Int
        package let status: String
        package let reason: String?
        package let lastDay: String?
        /// Once approved: the highest sensitivity read unmasked under it.
        package let clearance: String?
        package let version: Int

        package init(_ g: SharingGrant, resources: [String: DataResource]) throws {
            id = try g.requireID()
            resource = g.resourceCode
            resourceName = resources[g.resourceCode]?.name ?? g.resourceCode
            requester = g.requesterName
            owner = g.ownerName
            fields = g.fieldKeys
            purpose = g.purpose
            legalBasis = g.legalBasis
            days = g.days
            clearance = g.status == .pending || g.status == .refused ? nil : (g.maxClearance ?? SharingGrant.defaultClearance).rawValue
            status = g.status.rawValue
            reason = g.decisionReason
            lastDay = g.lastDay
            version = g.version
        }
    }

    package struct GrantRequest: Content {
        package var resource: String?
        package var fields: [String]?
        package var purpose: String?
        package var legalBasis: String?
        package var days: Int?

        package init(resource: String? = nil, fields: [String]? = nil, purpose: String? = nil, legalBasis: String? = nil, days: Int? = nil)
        {
            self.resource = resource
            self.fields = fields
            self.purpose = purpose
            self.legalBasis = legalBasis
            self.days = days
        }
    }

    package func grants(req: Request) async throws -> [GrantDTO] {
        let resources = req.application.dataResources
        let (_, rows) = try await SharingGrantDesk(context: req.context, resources: resources).grants()
        return try rows.map { try GrantDTO($0, resources: resources) }
    }

    /// A department asks for fields of another department's resource.
    package func requestGrant(req: Request) async throws -> Response {
        let resources = req.application.dataResources
        let desk = SharingGrantDesk(context: req.context, resources: resources)
        let grant = try await desk.request(try req.content.decode(GrantRequest.self))
        return try await GrantDTO(grant, resources: resources).encodeResponse(status: .created, for: req)
    }

    package struct DecisionBody: Content {
        package var approve: Bool?
        package var reason: String?
        package var version: Int?
        /// On approval: the highest sensitivity read unmasked under the grant (default `sensitive`).
        package var clearance: String? = nil

        package init(approve: Bool? = nil, reason: String? = nil, version: Int? = nil, clearance: String? = nil) {
            self.approve = approve
            self.reason = reason
            self.version = version
            self.clearance = clearance
        }
    }

    /// The owner's data administrator approves or refuses a pending request; one decision wins.
    package func decide(req: Request) async throws -> GrantDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("grant") }
        let resources = req.application.dataResources
        let desk = SharingGrantDesk(context: req.context, resources: resources)
        let grant = try await desk.decide(id, try req.content.decode(DecisionBody.self))
        return try GrantDTO(grant, resources: resources)
    }

    package struct RevokeBody: Content {
        package var reason: String?
    }

    /// The owner's data administrator ends an approved grant early.
    package func revoke(req: Request) async throws -> GrantDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("grant") }
        let resources = req.application.dataResources
        let desk = SharingGrantDesk(context: req.context, resources: resources)
        let grant = try await desk.revoke(id, reason: try req.content.decode(RevokeBody.self).reason)
        return try GrantDTO(grant, resources: resources)
    }

    // MARK: client systems

    package struct ClientRequest: Content {
        package var name: String?
        package var clearance: String?
        package var ratePerMinute: Int? = nil
        /// How long its key works, in days (1 to 730; a year unless said).
        package var validDays: Int? = nil

        package init(name: String? = nil, clearance: String? = nil, ratePerMinute: Int? = nil, validDays: Int? = nil) {
            self.name = name
            self.clearance = clearance
            self.ratePerMinute = ratePerMinute
            self.validDays = validDays
        }
    }

    package struct ClientCreated: Content {
        package let id: UUID
        package let name: String
        package let department: String
        package let clearance: String
        package let ratePerMinute: Int
        package let key: String
        package let expiresAt: Date
    }

    package struct ClientRevoked: Content {
        package let id: UUID
        package let name: String
        package let revokedAt: Date
    }

    /// A data administrator revokes one of their department's systems' keys (a lost laptop, a
    /// retired system): refused from the next request on, in every process within seconds.
    package func revokeClient(req: Request) async throws -> ClientRevoked {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("client") }
        let desk = SharingGrantDesk(context: req.context, resources: req.application.dataResources)
        let revoked = try await desk.revokeClient(id)
        req.application.sharingClients.forget(prefix: revoked.keyPrefix)
        return ClientRevoked(id: id, name: revoked.name, revokedAt: revoked.revokedAt ?? req.now)
    }

    /// A data administrator registers one of their department's systems; the key is shown once.
    package func createClient(req: Request) async throws -> Response {
        let desk = SharingGrantDesk(context: req.context, resources: req.application.dataResources)
        let created = try await desk.createClient(try req.content.decode(ClientRequest.self))
        return try await created.encodeResponse(status: .created, for: req)
    }

    // MARK: lookup

    package struct LookupBody: Content {
        package var resource: String?
        package var subject: String?
        package var fields: [String]? = nil
        package var purpose: String?

        package init(resource: String? = nil, subject: String? = nil, fields: [String]? = nil, purpose: String? = nil) {
            self.resource = resource
            self.subject = subject
            self.fields = fields
            self.purpose = purpose
        }
    }
    package struct LookupResult: Content {
        package let resource: String
        package let subject: String
        package let fields: [String: String]
        /// Fields shown masked: above the client's clearance.
        package let masked: [String]
        package let grant: UUID?
        package let readAt: Date
        /// When the record was true, as its owner loaded it.
        package let asOf: Date
    }

    /// `PUT /api/v1/data/resources/{code}/records`: the owner's client system (its key) loads an
    /// NDJSON batch; registered with the NDJSON routes, not the JSON ones.
    package func loadRecords(req: Request) async throws -> DataLoad.Outcome {
        let lookup = SharedLookup(
            context: req.context, clients: req.application.sharingClients, resources: req.application.dataResources,
            readDB: req.readDB, groupCommit: req.application.groupCommit)
        let bearer = req.headers.bearerAuthorization.map(\.token).flatMap { $0.hasPrefix("tbk_") ? $0 : nil }
        let client = try await lookup.client(key: req.headers.first(name: "X-Api-Key") ?? bearer)
        guard let code = req.parameters.get("code") else { throw TongbanError.notFound("data resource") }
        let bytes = req.body.data.map { Data($0.readableBytesView) } ?? Data()
        return try await DataLoad(context: req.context, resources: req.application.dataResources).load(code, bytes, by: .client(client))
    }

    package func lookup(req: Request) async throws -> LookupResult {
        let lookup = SharedLookup(
            context: req.context, clients: req.application.sharingClients, resources: req.application.dataResources,
            readDB: req.readDB, groupCommit: req.application.groupCommit)
        let bearer = req.headers.bearerAuthorization.map(\.token).flatMap { $0.hasPrefix("tbk_") ? $0 : nil }
        let client = try await lookup.client(key: req.headers.first(name: "X-Api-Key") ?? bearer)
        return try await lookup.lookup(try req.content.decode(LookupBody.self), by: client)
    }
}
