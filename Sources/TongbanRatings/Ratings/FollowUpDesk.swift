import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// A bad rating's follow-up, the use cases: the answerable department works it (call back, fix,
/// put on the ledger, explain, appeal); supervisors of its region decide appeals.
package struct FollowUpDesk {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct ActionBody: Codable, Sendable {
        package var action: String?
        package var note: String?
        package var due: String?
        package var version: Int?
    }

    /// A follow-up with the rating it follows.
    package struct Line {
        package let followUp: FollowUp
        package let rating: RatingRecord?
    }

    /// Whether the acting account decides appeals (a supervisor of a region) rather than working
    /// follow-ups for a department.
    package var supervises: Bool {
        guard let region = context.actor?.regionCode else { return false }
        return context.allows(.supervise, .followUp(regionCode: region, departmentID: nil))
    }

    /// Staff of the answerable department see their department's follow-ups; supervisors those
    /// of their region. The work still to do comes first, soonest due first (up to 500), then
    /// the latest 100 ended; `overdueOnly`: only those past their deadline and not yet done.
    package func list(overdueOnly: Bool = false) async throws -> [Line] {
        let actor = try context.requireAccount().actor
        let query = FollowUp.query(on: context.db)
        if let region = actor.regionCode, supervises {
            // the region and everything inside it: a city's or province's counties too
            query.filter(\.$regionCode >= region.significantPrefix).filter(\.$regionCode < region.significantPrefix + "~")
        } else if let region = actor.regionCode, let department = actor.departmentID,
            context.allows(.handle, .followUp(regionCode: region, departmentID: department))
        {
            query.filter(\.$departmentID == department)
        } else {
            throw TongbanError.denied(.notOwner)
        }
        let active = FollowUpState.allCases.filter { !$0.isEnded }
        let toDo = query.copy().filter(\.$state ~~ (overdueOnly ? [.open, .calledBack, .scheduled] : active))
        if overdueOnly { toDo.filter(\.$dueOn < context.today.description) }
        var rows = try await toDo.sort(\.$dueOn).limit(500).all()
        if !overdueOnly {
            rows += try await query.filter(\.$state !~ active).sort(\.$dueOn, .descending).limit(100).all()
        }
        let ratings = try await RatingRecord.query(on: context.db).filter(\.$id ~~ rows.map(\.ratingID)).all()
        let byID = Dictionary(uniqueKeysWithValues: try ratings.map { (try $0.requireID(), $0) })
        return rows.map { Line(followUp: $0, rating: byID[$0.ratingID]) }
    }

    /// One step of the follow-up's machine; of two steps at once, one wins.
    package func act(_ id: UUID, _ body: ActionBody) async throws -> Line {
        _ = try context.requireAccount()
        guard let followUp = try await FollowUp.find(id, on: context.db) else { throw TongbanError.notFound("followUp") }
        guard let action = body.action.flatMap(FollowUpAction.init(rawValue:)) else {
            throw TongbanError.invalid(field: "action", "field.unknownValue")
        }
        let resource = Resource.followUp(regionCode: try RegionCode(followUp.regionCode), departmentID: followUp.departmentID)
        // supervisors decide appeals; the department does the rest
        try context.authorize(action.bySupervisor ? .supervise : .handle, resource)
        var problems = FieldErrors()
        let note = problems.text("note", body.note, maxLength: 1000)
        let ledgerDue = action == .schedule ? ledgerDay(body.due, into: &problems) : nil
        // another action does not use a due day, but one given must still be a day (bad input changes nothing)
        if action != .schedule, let raw = body.due, CalendarDate(iso: raw) == nil { problems.add("due", "field.invalidDate") }
        guard problems.isEmpty, let note else { throw TongbanError.invalid(problems) }
        let next: FollowUpState
        do {
            next = try FollowUpMachine.next(followUp.state, action, beforeAppeal: followUp.beforeAppeal)
        } catch {
            let allowed = FollowUpMachine.allowed(from: followUp.state).map(\.rawValue).joined(separator: ", ")
            throw TongbanError.conflict("followUp.notAllowed", ["state": followUp.state.rawValue, "allowed": allowed])
        }
        let before = followUp.state
        let version = body.version ?? followUp.version
        let now = context.now
        switch action {
        case .callBack:
            followUp.callNote = note
        case .fix, .schedule, .explain:
            followUp.resolution = note
            if let ledgerDue { followUp.ledgerDue = ledgerDue.description }
        case .appeal:
            followUp.appealReason = note
            followUp.beforeAppeal = before
        case .upholdAppeal, .rejectAppeal:
            followUp.appealDecision = note
        }
        followUp.state = next
        let audit = context.auditEvent(
            "followUp.\(action.rawValue)", resource: "follow-up:\(id)",
            details: "\(before.rawValue) → \(next.rawValue): \(note)")
        let payload = ["followUp": id.uuidString, "state": next.rawValue, "department": followUp.departmentName]
        let event = OutboxEvent(
            .followUpAction(action), subject: id.uuidString, payload: payload,
            audience: EventAudience(departmentID: followUp.departmentID, regionCode: try? RegionCode(followUp.regionCode)), at: now)
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE rating_follow_ups SET state = \(bind: next.rawValue), before_appeal = \(bind: followUp.beforeAppeal?.rawValue),
                  call_note = \(bind: followUp.callNote), resolution = \(bind: followUp.resolution),
                  ledger_due = \(bind: followUp.ledgerDue), appeal_reason = \(bind: followUp.appealReason),
                  appeal_decision = \(bind: followUp.appealDecision), version = version + 1, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND state = \(bind: before.rawValue) AND version = \(bind: version) RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("followUp.changed") }
            if action == .upholdAppeal {
                // an upheld appeal: the rating no longer counts
                try await tx.sql.raw("UPDATE ratings SET counts = \(bind: false) WHERE id = \(bind: followUp.ratingID)").run()
            }
            try await event.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        followUp.version = version + 1
        followUp.updatedAt = now
        return Line(followUp: followUp, rating: try await RatingRecord.find(followUp.ratingID, on: context.db))
    }

    /// The day a fix put on the ledger is due: a date after today.
    private func ledgerDay(_ raw: String?, into problems: inout FieldErrors) -> CalendarDate? {
        guard let raw else {
            problems.add("due", "field.required")
            return nil
        }
        guard let day = CalendarDate(iso: raw) else {
            problems.add("due", "field.invalidDate")
            return nil
        }
        guard day > context.today else {
            problems.add("due", "rating.ledgerPast")
            return nil
        }
        return day
    }
}
