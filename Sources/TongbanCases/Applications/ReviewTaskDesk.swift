import Fluent
import Foundation
import TongbanCore
import TongbanPlatform

/// 后台审批, the reviewer's use cases: the open review tasks of their department (soonest due
/// first, each with its case, application and warning colour; a task past its own due date is
/// red), the 告知承诺 approvals still to verify, and claiming, releasing and completing a task
/// (the next wave of parallel tasks opens when the last open one completes).
package struct ReviewTaskDesk {
    package let context: UseCaseContext

    package struct Entry {
        package let task: ReviewTask
        package let row: CaseRow
        package let application: ApplicationRecord
        package let warning: CaseClock.Warning
    }

    /// A 告知承诺 approval of the department whose commitment is still to be verified.
    package struct Verification {
        package let row: CaseRow
        package let application: ApplicationRecord
        package let due: String
        package let overdue: Bool
    }

    package enum Verb: String, Sendable {
        case claim
        case release
        case complete
    }

    package struct TaskBody: Codable, Sendable {
        package var opinion: String?
        package var version: Int?
    }

    /// The acting reviewer's department, once the policy lets them list its inbox.
    private func department() throws -> UUID? {
        let actor = try context.requireAccount().actor
        try context.authorize(.list, .reviewInbox(departmentID: actor.departmentID))
        return actor.departmentID
    }

    /// The department's pending commitment verifications, soonest due first (red once due).
    package func verifications() async throws -> [Verification] {
        guard let department = try department() else { return [] }
        let rows = try await CaseRow.query(on: context.db)
            .filter(\.$departmentID == department)
            .filter(\.$verifyDue != nil)
            .sort(\.$verifyDue)
            .limit(300)
            .all()
        let applications = try await ApplicationRecord.query(on: context.db).filter(\.$id ~~ rows.map(\.applicationID)).all()
        let today = context.today.description
        return rows.compactMap { row in
            guard let due = row.verifyDue, let application = applications.first(where: { $0.id == row.applicationID }) else {
                return nil
            }
            return Verification(row: row, application: application, due: due, overdue: due < today)
        }
    }

    /// The department's open tasks, soonest due first.
    package func inbox() async throws -> [Entry] {
        guard let department = try department() else { return [] }
        let tasks = try await ReviewTask.query(on: context.db)
            .filter(\.$departmentID == department)
            .filter(\.$status == .open)
            .sort(\.$dueOn)
            .limit(300)
            .all()
        let cases = try await CaseRow.query(on: context.db).filter(\.$id ~~ tasks.map(\.caseID)).all()
        let applications = try await ApplicationRecord.query(on: context.db).filter(\.$id ~~ cases.map(\.applicationID)).all()
        let today = context.today.description
        return tasks.compactMap { task in
            guard let row = cases.first(where: { $0.id == task.caseID }),
                let application = applications.first(where: { $0.id == row.applicationID })
            else { return nil }
            let overdue = task.dueOn.map { $0 < today } ?? false
            return Entry(task: task, row: row, application: application, warning: overdue ? .red : row.warning)
        }
    }

    /// Claims, releases or completes a task for the acting reviewer; of two at once, one wins.
    package func work(taskID id: UUID, verb rawVerb: String, _ body: TaskBody) async throws -> ApplicationRecord {
        let account = try context.requireAccount()
        let db = context.db
        guard let task = try await ReviewTask.find(id, on: db),
            let application = try await ApplicationRecord.find(task.applicationID, on: db)
        else { throw TongbanError.notFound("task") }
        guard let verb = Verb(rawValue: rawVerb) else { throw TongbanError.notFound("task") }
        let resource = try application.resource(departmentIDs: Set([task.departmentID].compactMap { $0 }))
        guard context.allows(.view, resource) else { throw TongbanError.notFound("task") }
        try context.authorize(.review, resource)
        let me = try account.requireID()
        guard task.status == .open else { throw TongbanError.conflict("task.notOpen", ["status": task.status.rawValue]) }
        if let version = body.version, version != task.version { throw TongbanError.conflict("task.changedMeanwhile") }
        let opinion = try check(verb, body, task: task, by: me)
        let today = context.today
        let calendar = context.calendar
        let now = context.now
        let applicationID = try application.requireID()
        let audit = context.auditEvent(
            "task.\(verb.rawValue)", resource: "application:\(application.number ?? "-")",
            details: task.name)
        let seen = task.version
        try await db.write { tx in
            let query = ReviewTask.query(on: tx).filter(\.$id == id).filter(\.$version == seen).set(\.$version, to: seen + 1)
            switch verb {
            case .claim:
                query.set(\.$claimedBy, to: me)
            case .release:
                query.set(\.$claimedBy, to: nil)
            case .complete:
                query.set(\.$claimedBy, to: me).set(\.$status, to: .done).set(\.$opinion, to: opinion).set(\.$completedAt, to: now)
            }
            try await query.update()
            guard try await ReviewTask.query(on: tx).filter(\.$id == id).filter(\.$version == seen + 1).count() == 1 else {
                throw TongbanError.conflict("task.changedMeanwhile")
            }
            if verb == .complete {
                let siblings = try await ReviewTask.query(on: tx).filter(\.$caseID == task.caseID).sort(\.$position).all()
                for opened in CaseWork.nextWave(siblings, today: today, calendar: calendar) {
                    try await opened.save(on: tx)
                }
                let entry = CaseEvent(
                    applicationID: applicationID, caseID: task.caseID, at: now, actor: audit.actorLabel,
                    action: "task.complete", from: nil, to: nil, detail: "\(task.name)：\(opinion ?? "")")
                try await entry.create(on: tx)
            }
            try await CaseOwnership.claimIfUnowned(application, by: context.account, at: now, on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return application
    }

    /// Whether the verb may be taken on the task by `me`; a completion's opinion, checked.
    private func check(_ verb: Verb, _ body: TaskBody, task: ReviewTask, by me: UUID) throws -> String? {
        switch verb {
        case .claim:
            guard task.claimedBy == nil else { throw TongbanError.conflict("task.alreadyClaimed") }
            return nil
        case .release:
            guard task.claimedBy == me else { throw TongbanError.conflict("task.notYours") }
            return nil
        case .complete:
            guard task.claimedBy == nil || task.claimedBy == me else { throw TongbanError.conflict("task.notYours") }
            var problems = FieldErrors()
            let opinion = problems.text("opinion", body.opinion, maxLength: 2_000)
            if !problems.isEmpty { throw TongbanError.invalid(problems) }
            return opinion
        }
    }
}
