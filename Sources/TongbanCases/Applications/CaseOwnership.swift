import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// 首问负责 on the platform: the first staff member who takes an application in hand (takes it in
/// at a window, or is the first to act on it) owns it and is named on it; they may offer it to
/// another staff member who can work it, and stay its owner until that one acknowledges. Offers
/// not answered within a working day are on the warnings board.
package struct CaseOwnership {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    /// An offer with what the pages show of it.
    package struct Offer: Sendable {
        package let handoff: OwnerHandoff
        package let overdue: Bool
    }

    /// In a transaction that acts on the application: the acting staff member becomes its owner
    /// if it has none, with a timeline entry. Applicants and the platform own nothing.
    package static func claimIfUnowned(_ applicationID: UUID, by staff: Account?, at now: Date, on tx: any Database) async throws {
        guard let staff, staff.kind == .staff else { return }
        let id = try staff.requireID()
        let claimed = try await tx.sql.raw(
            """
            UPDATE applications SET owner_id = \(bind: id), owner_name = \(bind: staff.displayName)
            WHERE id = \(bind: applicationID) AND owner_id IS NULL RETURNING id
            """
        ).all()
        guard !claimed.isEmpty else { return }
        try await CaseEvent(
            applicationID: applicationID, caseID: nil, at: now, actor: staff.auditLabel, action: "owner.claimed", from: nil, to: nil,
            detail: staff.displayName
        ).create(on: tx)
    }

    private func loaded(_ applicationID: UUID?) async throws -> (ApplicationRecord, Resource) {
        guard let applicationID else { throw TongbanError.notFound("application") }
        let loaded = try await ApplicationDesk(context: context).load(applicationID)
        let resource = try ApplicationDesk.resource(loaded.application, cases: loaded.cases, tasks: loaded.tasks)
        return (loaded.application, resource)
    }

    /// Whether `actor` may work the application (take it in and deliver it, or review it).
    private static func mayWork(_ actor: Actor?, _ resource: Resource) -> Bool {
        Policy.decide(actor, .handle, resource).isAllowed || Policy.decide(actor, .review, resource).isAllowed
    }

    /// The owner offers the application to the staff member whose user name is `username`.
    package func offer(applicationID: UUID?, to username: String?, note rawNote: String?) async throws -> OwnerHandoff {
        let me = try context.requireAccount()
        let (application, resource) = try await loaded(applicationID)
        guard Self.mayWork(context.actor, resource) else { throw TongbanError.denied(.roleMissing) }
        var errors = FieldErrors()
        let name = errors.text("to", username, maxLength: 100)
        let note = errors.text("note", rawNote, maxLength: FirstResponsibility.noteLength, required: false)
        try errors.throwIfAny()
        guard let name else { throw errors }
        let recipient = try await Account.query(on: context.db).filter(\.$loginKey == Account.loginKey(staffUsername: name))
            .filter(\.$status == .active).first()
        guard let recipient else { throw TongbanError.invalid(field: "to", "owner.unknownStaff") }
        let id = try application.requireID()
        let waiting = try await OwnerHandoff.query(on: context.db).filter(\.$applicationID == id).filter(\.$state == .offered).count() > 0
        if let refusal = FirstResponsibility.checkOffer(
            owner: application.ownerID?.uuidString, actor: try me.requireID().uuidString, recipient: try recipient.requireID().uuidString,
            recipientMayWork: Self.mayWork(try? recipient.actor, resource), offerWaiting: waiting)
        {
            throw Self.error(refusal)
        }
        let now = context.now
        let handoff = OwnerHandoff()
        handoff.id = UUID.timeOrdered(at: now)
        handoff.applicationID = id
        handoff.applicationLabel = "\(application.number ?? "-") \(application.targetName)"
        handoff.regionCode = application.takenIn ?? application.regionCode
        handoff.fromID = try me.requireID()
        handoff.fromName = me.displayName
        handoff.toID = try recipient.requireID()
        handoff.toName = recipient.displayName
        handoff.toDepartmentID = recipient.$department.id
        handoff.toDepartmentName = try await recipient.$department.get(on: context.db)?.name ?? "—"
        handoff.note = note
        handoff.state = .offered
        handoff.offeredAt = now
        handoff.dueOn = try FirstResponsibility.answerDue(offeredOn: context.today, calendar: context.calendar).description
        let audit = context.auditEvent(
            "owner.offered", resource: "application:\(application.number ?? id.uuidString)",
            details: "to \(recipient.auditLabel)" + (note.map { ": \($0)" } ?? ""))
        do {
            try await context.db.write { tx in
                try await handoff.create(on: tx)
                try await CaseEvent(
                    applicationID: id, caseID: nil, at: now, actor: me.auditLabel, action: "owner.offered", from: nil, to: nil,
                    detail: [recipient.displayName, note].compactMap { $0 }.joined(separator: "：")
                ).create(on: tx)
                try await AuditLog.append(audit, on: tx, now: now)
            }
        } catch  where error.isConstraintViolation {
            // another offer went in at the same moment
            throw Self.error(.offerWaiting)
        }
        return handoff
    }

    /// The recipient acknowledges (and owns the application from now) or declines (the owner
    /// keeps it); the owner may withdraw an offer still waiting.
    package func answer(handoffID: UUID?, verb: String, note rawNote: String?) async throws -> OwnerHandoff {
        let me = try context.requireAccount()
        guard let handoffID, let handoff = try await OwnerHandoff.find(handoffID, on: context.db) else {
            throw TongbanError.notFound("handoff")
        }
        guard let state = ["acknowledge": OwnerHandoff.State.acknowledged, "decline": .declined, "withdraw": .withdrawn][verb] else {
            throw TongbanError.invalid(field: "action", "field.unknownValue")
        }
        var errors = FieldErrors()
        let note = errors.text("note", rawNote, maxLength: FirstResponsibility.noteLength, required: state == .declined)
        try errors.throwIfAny()
        let myID = try me.requireID().uuidString
        let answerer = state == .withdrawn ? handoff.fromID.uuidString : handoff.toID.uuidString
        if let refusal = FirstResponsibility.checkAnswer(recipient: answerer, actor: myID, waiting: handoff.state == .offered) {
            // a stranger learns nothing of it
            if refusal == .notRecipient && myID != handoff.fromID.uuidString && myID != handoff.toID.uuidString {
                throw TongbanError.notFound("handoff")
            }
            throw Self.error(refusal)
        }
        let now = context.now
        let audit = context.auditEvent(
            "owner.\(state.rawValue)", resource: "application:\(handoff.applicationLabel)", details: note)
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE owner_handoffs SET state = \(bind: state.rawValue), answered_at = \(bind: now), answer = \(bind: note)
                WHERE id = \(bind: handoffID) AND state = 'offered' RETURNING id
                """
            ).all()
            guard changed.count == 1 else { throw Self.error(.notWaiting) }
            if state == .acknowledged {
                try await tx.sql.raw(
                    "UPDATE applications SET owner_id = \(bind: handoff.toID), owner_name = \(bind: handoff.toName) WHERE id = \(bind: handoff.applicationID)"
                ).run()
            }
            try await CaseEvent(
                applicationID: handoff.applicationID, caseID: nil, at: now, actor: me.auditLabel, action: "owner.\(state.rawValue)",
                from: nil, to: nil,
                detail: [state == .withdrawn ? handoff.toName : handoff.fromName, note].compactMap { $0 }.joined(separator: "：")
            ).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        handoff.state = state
        return handoff
    }

    /// The offers waiting for the acting staff member's answer, and those they made.
    package func waiting() async throws -> (toMe: [Offer], byMe: [Offer]) {
        let me = try context.requireAccount().requireID()
        let today = context.today.description
        let rows = try await OwnerHandoff.query(on: context.db).filter(\.$state == .offered)
            .group(.or) { $0.filter(\.$toID == me).filter(\.$fromID == me) }.sort(\.$offeredAt).all()
        let offers = rows.map { Offer(handoff: $0, overdue: $0.dueOn < today) }
        return (offers.filter { $0.handoff.toID == me }, offers.filter { $0.handoff.fromID == me })
    }

    /// The offer waiting on an application, if any.
    package static func waiting(on applicationID: UUID, db: any Database) async throws -> OwnerHandoff? {
        try await OwnerHandoff.query(on: db).filter(\.$applicationID == applicationID).filter(\.$state == .offered).first()
    }

    static func error(_ refusal: FirstResponsibility.Refusal) -> TongbanError {
        switch refusal {
        case .notOwner, .notRecipient: TongbanError(status: .forbidden, code: refusal.rawValue)
        case .toSelf, .recipientCannotWork: TongbanError.invalid(field: "to", refusal.rawValue)
        case .offerWaiting, .notWaiting: TongbanError.conflict(refusal.rawValue)
        }
    }
}
