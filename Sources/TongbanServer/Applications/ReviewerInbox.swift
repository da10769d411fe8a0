import Fluent
import Foundation
import TongbanCore
import Vapor

/// The open review tasks of the signed-in reviewer's department, soonest due first, each with
/// its case and application and its warning colour (a task past its own due date is red).
enum ReviewerInbox {
    struct Entry {
        let task: ReviewTask
        let row: CaseRow
        let application: ApplicationRecord
        let warning: CaseClock.Warning
    }

    /// A 告知承诺 approval of the department whose commitment is still to be verified.
    struct Verification {
        let row: CaseRow
        let application: ApplicationRecord
        let due: String
        let overdue: Bool
    }

    /// The department's pending commitment verifications, soonest due first (red once due).
    static func verifications(_ req: Request) async throws -> [Verification] {
        let actor = try req.requireAccount().actor
        try req.authorize(.list, .reviewInbox(departmentID: actor.departmentID))
        guard let department = actor.departmentID else { return [] }
        let rows = try await CaseRow.query(on: req.db).filter(\.$departmentID == department).filter(\.$verifyDue != nil)
            .sort(\.$verifyDue).limit(300).all()
        let applications = try await ApplicationRecord.query(on: req.db).filter(\.$id ~~ rows.map(\.applicationID)).all()
        let today = req.application.today.description
        return rows.compactMap { row in
            guard let due = row.verifyDue, let application = applications.first(where: { $0.id == row.applicationID }) else { return nil }
            return Verification(row: row, application: application, due: due, overdue: due < today)
        }
    }

    static func entries(_ req: Request) async throws -> [Entry] {
        let actor = try req.requireAccount().actor
        try req.authorize(.list, .reviewInbox(departmentID: actor.departmentID))
        guard let department = actor.departmentID else { return [] }
        let tasks = try await ReviewTask.query(on: req.db).filter(\.$departmentID == department).filter(\.$status == .open)
            .sort(\.$dueOn).limit(300).all()
        let cases = try await CaseRow.query(on: req.db).filter(\.$id ~~ tasks.map(\.caseID)).all()
        let applications = try await ApplicationRecord.query(on: req.db).filter(\.$id ~~ cases.map(\.applicationID)).all()
        let today = req.application.today.description
        return tasks.compactMap { task in
            guard let row = cases.first(where: { $0.id == task.caseID }),
                  let application = applications.first(where: { $0.id == row.applicationID }) else { return nil }
            let overdue = task.dueOn.map { $0 < today } ?? false
            return Entry(task: task, row: row, application: application, warning: overdue ? .red : row.warning)
        }
    }
}
