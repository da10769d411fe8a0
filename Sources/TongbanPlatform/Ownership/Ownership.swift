import Fluent
import Foundation
import SQLKit
import TongbanCore

/// 首问负责 on the platform: the first staff member who takes an application or an enquiry in
/// hand (takes it in at a window, is the first to act on it, or takes the enquiry) owns it and is
/// named on it; they may offer it to another staff member who can work it, and stay its owner
/// until that one acknowledges. Offers not answered within a working day are on the warnings
/// board. The features say what the subject is and who may work it (`Subject`).
package struct Ownership {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    /// What is owned, as its feature loads it for the acting account.
    package struct Subject: Sendable {
        package let kind: OwnerHandoff.Kind
        package let id: UUID
        package let label: String
        package let regionCode: String
        package let ownerID: UUID?
        /// The subject as the policy sees it: who may work it (handle or review).
        package let resource: Resource

        package init(kind: OwnerHandoff.Kind, id: UUID, label: String, regionCode: String, ownerID: UUID?, resource: Resource) {
            self.kind = kind
            self.id = id
            self.label = label
            self.regionCode = regionCode
            self.ownerID = ownerID
            self.resource = resource
        }
    }

    /// An offer with what the pages show of it.
    package struct Offer: Sendable {
        package let handoff: OwnerHandoff
        package let overdue: Bool
    }

    /// In a transaction that acts on the subject: the acting staff member becomes its owner if it
    /// has none (an application's timeline says so). Applicants and the platform own nothing.
    /// Whether they became its owner.
    @discardableResult
    package static func claimIfUnowned(_ kind: OwnerHandoff.Kind, _ subjectID: UUID, by staff: Account?, at now: Date, on tx: any Database)
        async throws -> Bool
    {
        guard let staff, staff.kind == .staff else { return false }
        let id = try staff.requireID()
        let claimed = try await tx.sql.raw(
            """
            UPDATE \(ident: kind.table) SET owner_id = \(bind: id), owner_name = \(bind: staff.displayName)
            WHERE id = \(bind: subjectID) AND owner_id IS NULL RETURNING id
            """
        ).all()
        guard !claimed.isEmpty else { return false }
        try await Self.timeline(
            kind, subjectID, at: now, actor: staff.auditLabel, action: "owner.claimed", detail: staff.displayName, on: tx)
        return true
    }

    /// An application's timeline entry (an enquiry's page shows its owner and the audit log the rest).
    private static func timeline(
        _ kind: OwnerHandoff.Kind, _ subjectID: UUID, at now: Date, actor: String, action: String, detail: String, on tx: any Database
    ) async throws {
        guard kind == .application else { return }
        try await CaseEvent(
            applicationID: subjectID, caseID: nil, at: now, actor: actor, action: action, from: nil, to: nil, detail: detail
        ).create(on: tx)
    }

    /// Whether `actor` may work the subject (an application: take it in and deliver it, or review it).
    private static func mayWork(_ actor: Actor?, _ resource: Resource) -> Bool {
        Policy.decide(actor, .handle, resource).isAllowed || Policy.decide(actor, .review, resource).isAllowed
    }

    /// The owner offers the subject to the staff member whose user name is `username`.
    package func offer(_ subject: Subject, to username: String?, note rawNote: String?) async throws -> OwnerHandoff {
        let me = try context.requireAccount()
        let resource = subject.resource
        guard Self.mayWork(context.actor, resource) else { throw TongbanError.denied(.roleMissing) }
        var errors = FieldErrors()
        let name = errors.text("to", username, maxLength: 100)
        let note = errors.text("note", rawNote, maxLength: FirstResponsibility.noteLength, required: false)
        try errors.throwIfAny()
        guard let name else { throw errors }
        let recipient = try await Account.query(on: context.db).filter(\.$loginKey == Account.loginKey(staffUsername: name))
            .filter(\.$status == .active).first()
        guard let recipient else { throw Self.refusedRecipient("owner.unknownStaff") }
        let id = subject.id
        let waiting = try await OwnerHandoff.query(on: context.db).filter(\.$subjectID == id).filter(\.$state == .offered).count() > 0
        if let refusal = FirstResponsibility.checkOffer(
            owner: subject.ownerID?.uuidString, actor: try me.requireID().uuidString, recipient: try recipient.requireID().uuidString,
            recipientMayWork: Self.mayWork(try? recipient.actor, resource), offerWaiting: waiting)
        {
            throw Self.error(refusal)
        }
        let now = context.now
        let handoff = OwnerHandoff()
        handoff.id = UUID.timeOrdered(at: now)
        handoff.subjectKind = subject.kind
        handoff.subjectID = id
        handoff.subjectLabel = subject.label
        handoff.regionCode = subject.regionCode
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
            "owner.offered", resource: "\(subject.kind.rawValue):\(id)",
            details: "to \(recipient.auditLabel)" + (note.map { ": \($0)" } ?? ""))
        do {
            try await context.db.write { tx in
                try await handoff.create(on: tx)
                try await Self.timeline(
                    subject.kind, id, at: now, actor: me.auditLabel, action: "owner.offered",
                    detail: [recipient.displayName, note].compactMap { $0 }.joined(separator: "："), on: tx)
                try await AuditLog.append(audit, on: tx, now: now)
            }
        } catch  where error.isConstraintViolation {
            // another offer went in at the same moment
            throw Self.error(.offerWaiting)
        }
        return handoff
    }

    /// The recipient acknowledges (and owns the subject from now) or declines (the owner
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
            "owner.\(state.rawValue)", resource: "\(handoff.subjectKind.rawValue):\(handoff.subjectID)", details: note)
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
                    """
                    UPDATE \(ident: handoff.subjectKind.table) SET owner_id = \(bind: handoff.toID), owner_name = \(bind: handoff.toName)
                    WHERE id = \(bind: handoff.subjectID)
                    """
                ).run()
            }
            try await Self.timeline(
                handoff.subjectKind, handoff.subjectID, at: now, actor: me.auditLabel, action: "owner.\(state.rawValue)",
                detail: [state == .withdrawn ? handoff.toName : handoff.fromName, note].compactMap { $0 }.joined(separator: "："), on: tx)
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

    /// The offer waiting on a subject, if any.
    package static func waiting(on subjectID: UUID, db: any Database) async throws -> OwnerHandoff? {
        try await OwnerHandoff.query(on: db).filter(\.$subjectID == subjectID).filter(\.$state == .offered).first()
    }

    /// A recipient refused: the reason is the message and the field's.
    static func refusedRecipient(_ key: String) -> TongbanError {
        TongbanError(status: .unprocessableEntity, code: key, fields: [FieldError(field: "to", key: key)])
    }

    static func error(_ refusal: FirstResponsibility.Refusal) -> TongbanError {
        switch refusal {
        case .notOwner, .notRecipient: TongbanError(status: .forbidden, code: refusal.rawValue)
        case .toSelf, .recipientCannotWork: refusedRecipient(refusal.rawValue)
        case .offerWaiting, .notWaiting: TongbanError.conflict(refusal.rawValue)
        }
    }
}
