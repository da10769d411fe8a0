import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// The API side of reuse and of the data subject's view: which materials of an application
/// were satisfied by licences (with their data for those allowed to read it), and, for a person
/// or an enterprise, every consent they gave and every read of their data.
package struct SharingAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.get("applications", ":id", "licenses", use: applicationLicenses)
        api.get("me", "data-access", use: dataAccess)
        api.post("me", "consents", ":id", "withdraw", use: withdraw)
    }

    /// The holder withdraws a consent (撤回授权): from now on the department no longer reads the
    /// licence or data for that case. What was read before stays in the record.
    package func withdraw(req: Request) async throws -> AccessDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("consent") }
        let desk = DataAccessDesk(context: req.context)
        try await desk.withdraw(id)
        return try await desk.access()
    }

    package func applicationLicenses(req: Request) async throws -> [SharedMaterials.Entry] {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let loaded = try await ApplicationDesk(context: req.context).load(id)
        let reuses = try await SharedMaterials.reuses(of: id, on: req.db)
        return try await req.sharedMaterials.view(loaded.application, cases: loaded.cases, tasks: loaded.tasks, reuses: reuses)
    }

    package struct AccessDTO: Content {
        package struct Consent: Content {
            package let id: UUID
            package let applicationID: UUID
            package let material: String
            package let via: String
            package let source: String
            package let sourceName: String
            package let department: String
            package let purpose: String
            package let givenAt: Date
            package let expiresAt: Date
        }
        package struct Read: Content {
            package let at: Date
            package let reader: String
            package let source: String
            package let sourceName: String
            package let fields: [String]
            package let purpose: String
            package let basis: String
            /// The audit entry recording the read (reads from before the log have none).
            package let auditEntry: String?
            /// Its place in the log; nil while it waits for the sequencer.
            package let logSequence: Int64?
        }
        package let consents: [Consent]
        package let reads: [Read]
    }

    package func dataAccess(req: Request) async throws -> AccessDTO {
        try await DataAccessDesk(context: req.context).access()
    }
}
