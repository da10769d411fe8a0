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
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("consent") }
        let desk = DataAccessDesk(context: req.context)
        try await desk.withdraw(id)
        return try await desk.access()
    }

    func applicationLicenses(req: Request) async throws -> [SharedMaterials.Entry] {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let loaded = try await ApplicationDesk(context: req.context).load(id)
        let reuses = try await SharedMaterials.reuses(of: id, on: req.db)
        return try await req.sharedMaterials.view(loaded.application, cases: loaded.cases, tasks: loaded.tasks, reuses: reuses)
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
        try await DataAccessDesk(context: req.context).access()
    }
}
