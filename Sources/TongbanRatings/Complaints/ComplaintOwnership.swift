import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 首问负责 for enquiries (民呼我应): the staff member who takes a complaint, question or
/// suggestion (or answers it first) owns it; they may hand it to a colleague who can answer it,
/// and own it until that one acknowledges (`Ownership`).
package struct ComplaintOwnership {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    /// The enquiry as an owned subject, for the acting account (404 if they may not see it).
    package func subject(_ id: UUID) async throws -> (ComplaintRecord, Ownership.Subject) {
        let record = try await ComplaintDesk(context: context).find(id)
        let subject = Ownership.Subject(
            kind: .complaint, id: id, label: record.title, regionCode: record.regionCode, ownerID: record.ownerID,
            resource: try record.resource)
        return (record, subject)
    }

    /// 受理: a staff member of the answering department takes an open enquiry nobody owns.
    package func take(_ id: UUID) async throws {
        let me = try context.requireAccount()
        let (record, _) = try await subject(id)
        try context.authorize(.handle, try record.resource)
        guard ComplaintRules.mayAnswer(record.state) else { throw TongbanError.conflict("complaint.alreadyAnswered") }
        let now = context.now
        let audit = context.auditEvent("complaint.taken", resource: "complaint:\(id.uuidString)")
        try await context.db.write { tx in
            guard try await Ownership.claimIfUnowned(.complaint, id, by: me, at: now, on: tx) else {
                throw TongbanError.conflict("owner.alreadyOwned")
            }
            try await AuditLog.append(audit, on: tx, now: now)
        }
    }

    package func offer(_ id: UUID, to username: String?, note: String?) async throws -> OwnerHandoff {
        let (_, subject) = try await subject(id)
        return try await Ownership(context: context).offer(subject, to: username, note: note)
    }
}

/// Taking an enquiry and offering it on, from its page.
struct ComplaintOwnerPages {
    func register(_ routes: any RoutesBuilder) {
        routes.post("complaints", ":id", "take", use: take)
        routes.post("complaints", ":id", "owner", use: offer)
    }

    func take(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let id = try ComplaintAPI.id(req)
        do {
            try await ComplaintOwnership(context: req.context).take(id)
        } catch let error as TongbanError where error.status == .conflict {
            return try await ComplaintPages().show(req, id: id, failure: error)
        }
        return req.redirect(to: "/complaints/\(id)?done=taken#owner")
    }

    func offer(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let id = try ComplaintAPI.id(req)
        let form = try req.content.decode(OwnerHandoffPages.OfferForm.self)
        do {
            _ = try await ComplaintOwnership(context: req.context).offer(id, to: form.to, note: form.note)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await ComplaintPages().show(req, id: id, failure: error)
        }
        return req.redirect(to: "/complaints/\(id)#owner")
    }
}
