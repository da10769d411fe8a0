import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 首问负责 for applications: the clerk who takes one in, or the first staff member to act on one
/// made online, owns it (`Ownership` does the rest).
package struct CaseOwnership {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    /// In the transaction of a staff member's action on the application, as it was read for the
    /// action: one that had an owner then keeps it, with no write (the conditional update covers
    /// an owner claimed since).
    package static func claimIfUnowned(_ application: ApplicationRecord, by staff: Account?, at now: Date, on tx: any Database)
        async throws
    {
        guard application.ownerID == nil else { return }
        try await Ownership.claimIfUnowned(.application, try application.requireID(), by: staff, at: now, on: tx)
    }

    /// The application as an owned subject, for the acting account (404 if they may not see it).
    package func subject(_ applicationID: UUID?) async throws -> Ownership.Subject {
        guard let applicationID else { throw TongbanError.notFound("application") }
        let loaded = try await ApplicationDesk(context: context).load(applicationID)
        let application = loaded.application
        return Ownership.Subject(
            kind: .application, id: applicationID, label: "\(application.number ?? "-") \(application.targetName)",
            regionCode: application.takenIn ?? application.regionCode, ownerID: application.ownerID,
            resource: try ApplicationDesk.resource(application, cases: loaded.cases, tasks: loaded.tasks))
    }

    package func offer(applicationID: UUID?, to username: String?, note: String?) async throws -> OwnerHandoff {
        try await Ownership(context: context).offer(try await subject(applicationID), to: username, note: note)
    }
}

/// The owner's offer from the application page.
package struct CaseOwnerPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.post("applications", ":id", "owner", use: offer)
    }

    package func offer(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let id = req.parameters.get("id", as: UUID.self)
        let form = try req.content.decode(OwnerHandoffPages.OfferForm.self)
        do {
            _ = try await CaseOwnership(context: req.context).offer(applicationID: id, to: form.to, note: form.note)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            let response = try await ApplicationPages().renderDetail(req, failure: try OwnerHandoffPages.message(error, req))
            response.status = error.status
            return response
        }
        return req.redirect(to: "/applications/\(id?.uuidString ?? "")#owner")
    }
}
