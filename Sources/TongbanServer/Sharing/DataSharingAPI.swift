import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// 数据共享: the catalog of resources, departments' requests for grants and the owners'
/// decisions, client systems' keys, and the lookup those systems make under a grant — every
/// read audited with its purpose, every refusal logged, fields above the client's clearance
/// masked. The grant and client handlers are adapters over `SharingGrantDesk`.
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

        init(_ g: SharingGrant, resources: [String: DataResource]) throws {
            id = try g.requireID()
            resource = g.resourceCode
            resourceName = resources[g.resourceCode]?.name ?? g.resourceCode
            requester = g.requesterName
            owner = g.ownerName
            fields = g.fieldKeys
            purpose = g.purpose
            legalBasis = g.legalBasis
            days = g.days
            status = g.status.rawValue
            reason = g.decisionReason
            lastDay = g.lastDay
            version = g.version
        }
    }

    struct GrantRequest: Content {
        var resource: String?
        var fields: [String]?
        var purpose: String?
        var legalBasis: String?
        var days: Int?
    }

    func grants(req: Request) async throws -> [GrantDTO] {
        let resources = req.application.dataResources
        let (_, rows) = try await SharingGrantDesk(context: req.context, resources: resources).grants()
        return try rows.map { try GrantDTO($0, resources: resources) }
    }

    /// A department asks for fields of another department's resource.
    func requestGrant(req: Request) async throws -> Response {
        let resources = req.application.dataResources
        let desk = SharingGrantDesk(context: req.context, resources: resources)
        let grant = try await desk.request(try req.content.decode(GrantRequest.self))
        return try await GrantDTO(grant, resources: resources).encodeResponse(status: .created, for: req)
    }

    struct DecisionBody: Content {
        var approve: Bool?
        var reason: String?
        var version: Int?
    }

    /// The owner's data administrator approves or refuses a pending request; one decision wins.
    func decide(req: Request) async throws -> GrantDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("grant") }
        let resources = req.application.dataResources
        let desk = SharingGrantDesk(context: req.context, resources: resources)
        let grant = try await desk.decide(id, try req.content.decode(DecisionBody.self))
        return try GrantDTO(grant, resources: resources)
    }

    struct RevokeBody: Content {
        var reason: String?
    }

    /// The owner's data administrator ends an approved grant early.
    func revoke(req: Request) async throws -> GrantDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("grant") }
        let resources = req.application.dataResources
        let desk = SharingGrantDesk(context: req.context, resources: resources)
        let grant = try await desk.revoke(id, reason: try req.content.decode(RevokeBody.self).reason)
        return try GrantDTO(grant, resources: resources)
    }

    // MARK: client systems

    struct ClientRequest: Content {
        var name: String?
        var clearance: String?
        var ratePerMinute: Int? = nil
    }

    struct ClientCreated: Content {
        let id: UUID
        let name: String
        let department: String
        let clearance: String
        let ratePerMinute: Int
        let key: String
    }

    /// A data administrator registers one of their department's systems; the key is shown once.
    func createClient(req: Request) async throws -> Response {
        let desk = SharingGrantDesk(context: req.context, resources: req.application.dataResources)
        let created = try await desk.createClient(try req.content.decode(ClientRequest.self))
        return try await created.encodeResponse(status: .created, for: req)
    }

    // MARK: lookup

    struct LookupBody: Content {
        var resource: String?
        var subject: String?
        var fields: [String]? = nil
        var purpose: String?
    }
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
        let lookup = SharedLookup(
            context: req.context, clients: req.application.sharingClients, resources: req.application.dataResources,
            readDB: req.readDB, groupCommit: req.application.groupCommit)
        let bearer = req.headers.bearerAuthorization.map(\.token).flatMap { $0.hasPrefix("tbk_") ? $0 : nil }
        let client = try await lookup.client(key: req.headers.first(name: "X-Api-Key") ?? bearer)
        return try await lookup.lookup(try req.content.decode(LookupBody.self), by: client)
    }
}
