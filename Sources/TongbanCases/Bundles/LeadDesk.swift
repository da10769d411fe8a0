import Fluent
import Foundation
import TongbanCore
import TongbanPlatform

/// 牵头部门: the lead department's view of the bundles it coordinates — every bundle application
/// it leads that is still open, oldest first, with each member case's state and deadline and the
/// whole's expected end against its promise, so the lead can chase whichever department holds it up.
package struct LeadDesk {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct Entry {
        package let application: ApplicationRecord
        package let cases: [CaseRow]
        package let progress: BundleProgress
        /// Whether the acting reviewer may open the application itself (a department with a task in it).
        package let mayOpen: Bool
    }

    /// The open bundle applications the acting reviewer's department leads (at most `limit`).
    package func inProgress(limit: Int = 200) async throws -> [Entry] {
        let actor = try context.requireAccount().actor
        try context.authorize(.list, .leadDesk(departmentID: actor.departmentID))
        guard let department = actor.departmentID else { return [] }
        let db = context.db
        let applications = try await ApplicationRecord.query(on: db)
            .filter(\.$leadDepartmentID == department)
            .filter(\.$status ~~ [.submitted, .inProgress])
            .sort(\.$submittedAt)
            .limit(limit)
            .all()
        let ids = try applications.map { try $0.requireID() }
        guard !ids.isEmpty else { return [] }
        let cases = try await CaseRow.query(on: db).filter(\.$applicationID ~~ ids).sort(\.$position).all()
        let tasks = try await ReviewTask.query(on: db).filter(\.$applicationID ~~ ids).all()
        let byApplication = Dictionary(grouping: cases, by: \.applicationID)
        return try applications.map { application in
            let id = try application.requireID()
            let own = byApplication[id] ?? []
            let progress = BundleProgress.of(
                try BundleLinks.steps(own), submittedOn: application.submittedOn.flatMap(CalendarDate.init(iso:)),
                today: context.today, calendar: context.calendar)
            let resource = try ApplicationDesk.resource(application, cases: own, tasks: tasks.filter { $0.applicationID == id })
            return Entry(application: application, cases: own, progress: progress, mayOpen: context.allows(.view, resource))
        }
    }
}
