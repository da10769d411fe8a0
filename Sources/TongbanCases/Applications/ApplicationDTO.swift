import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

package struct ApplicationDTO: Content {
    package struct Target: Content {
        package let kind: String
        package let code: String
        package let version: Int
        package let name: String
    }

    package struct TaskDTO: Content {
        package let id: UUID
        package let name: String
        package let kind: String
        package let department: String
        package let status: String
        package let parallelGroup: String?
        package let openedOn: String?
        package let dueOn: String?
        package let claimed: Bool
        package let opinion: String?
        package let departmentID: UUID?
        package let version: Int

        package init(_ task: ReviewTask) {
            id = task.id!
            name = task.name
            kind = task.kind.rawValue
            department = task.departmentName
            status = task.status.rawValue
            parallelGroup = task.parallelGroup
            openedOn = task.openedOn
            dueOn = task.dueOn
            claimed = task.claimedBy != nil
            opinion = task.opinion
            version = task.version
            departmentID = task.departmentID
        }
    }

    package struct CaseDTO: Content {
        package let id: UUID
        package let itemCode: String
        package let itemVersion: Int
        package let itemName: String
        package let department: String
        package let state: String
        package let version: Int
        package let limitDays: Int
        package let acceptedOn: String?
        package let dueOn: String?
        package let warning: String
        /// Working days used and left on the official calendar (nil before acceptance).
        package let usedDays: Int?
        package let leftDays: Int?
        package let pausedDays: Int?
        /// False when the due date relies on dates no holiday notice covers yet.
        package let dueDateOfficial: Bool?
        package let record: CaseRecord
        package let tasks: [TaskDTO]
        /// What the caller may try next.
        package let allowedActions: [String]
        /// How its result reaches the applicant, as they chose.
        package var deliveryMethod: String? = nil
    }

    package struct EventDTO: Content {
        package let at: Date
        package let actor: String
        package let action: String
        package let caseID: UUID?
        package let from: String?
        package let to: String?
        package let detail: String?
    }

    package let id: UUID
    package let number: String?
    /// 查询码 for the public status lookup (`ABCD-EFGH`): shown to the applicant only.
    package let accessCode: String?
    package let status: String
    package let applicantName: String
    package let target: Target
    package let regionCode: String
    /// 收受分离: the region of the window that took it in (absent: made online).
    package let takenIn: String?
    package let channel: String
    package let enteredOnBehalf: Bool
    package let applicantPresent: Bool
    package let submittedOn: String?
    package let dueOn: String?
    package let visits: Int
    package let form: [String: String]
    package let cases: [CaseDTO]
    package let events: [EventDTO]
}

extension ApplicationDTO {
    /// The application as the caller may see it, with the clock read today.
    package static func make(
        _ application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask], events: [CaseEvent],
        actions: (CaseRow) -> [CaseActionKind], calendar: WorkingDayCalendar, today: CalendarDate, warnAt: Double, keys: KeyRing,
        showAccessCode: Bool = false
    ) throws -> ApplicationDTO {
        let caseDTOs = try cases.map { row in
            let record = try row.caseRecord()
            let reading = try? record.clock?.reading(on: today, calendar: calendar, warnAt: warnAt)
            // waiting for a prerequisite, the clock has not started: nothing to count yet
            let running = record.state.isAccepted && record.state != .waiting
            return CaseDTO(
                id: row.id!, itemCode: row.itemCode, itemVersion: row.itemVersion, itemName: row.itemName, department: row.departmentName,
                state: row.state.rawValue, version: row.version, limitDays: record.limit, acceptedOn: record.acceptedOn?.description,
                // a case waiting for its prerequisites has no due date: its clock has not started
                dueOn: row.state == .waiting ? nil : row.dueOn ?? reading?.dueDate.description,
                warning: running ? (reading?.warning ?? row.warning).rawValue : CaseClock.Warning.none.rawValue,
                usedDays: running ? reading?.used : nil, leftDays: running ? reading?.left : nil, pausedDays: reading?.pausedDays,
                dueDateOfficial: reading.map { $0.assumed == nil }, record: record,
                tasks: tasks.filter { $0.caseID == row.id }.map(TaskDTO.init), allowedActions: actions(row).map(\.rawValue),
                deliveryMethod: row.deliveryMethod?.rawValue)
        }
        return ApplicationDTO(
            id: application.id!, number: application.number,
            accessCode: showAccessCode ? application.accessCode(keys).flatMap { try? AccessCode($0) }?.description : nil,
            status: application.status.rawValue, applicantName: application.applicantName,
            target: Target(
                kind: application.target.rawValue, code: application.targetCode, version: application.targetVersion,
                name: application.targetName),
            regionCode: application.regionCode, takenIn: application.takenIn, channel: application.channel.rawValue,
            enteredOnBehalf: application.enteredBy != nil,
            applicantPresent: application.applicantPresent, submittedOn: application.submittedOn, dueOn: application.dueOn,
            visits: application.visits, form: application.formAnswers(keys), cases: caseDTOs,
            events: events.map {
                EventDTO(
                    at: $0.at, actor: $0.actorLabel, action: $0.action, caseID: $0.caseID, from: $0.fromState, to: $0.toState,
                    detail: $0.detail)
            })
    }
}

/// One line of a list of applications.
package struct ApplicationSummaryDTO: Content {
    package let id: UUID
    package let number: String?
    package let status: String
    package let targetName: String
    package let submittedOn: String?
    package let dueOn: String?

    package init(_ a: ApplicationRecord) {
        id = a.id!
        number = a.number
        status = a.status.rawValue
        targetName = a.targetName
        submittedOn = a.submittedOn
        dueOn = a.dueOn
    }
}
