import Foundation
import TongbanCore
import Vapor

struct ApplicationDTO: Content {
    struct Target: Content {
        let kind: String
        let code: String
        let version: Int
        let name: String
    }

    struct TaskDTO: Content {
        let id: UUID
        let name: String
        let kind: String
        let department: String
        let status: String
        let parallelGroup: String?
        let openedOn: String?
        let dueOn: String?
        let claimed: Bool
        let opinion: String?
        let departmentID: UUID?
        let version: Int

        init(_ task: ReviewTask) {
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

    struct CaseDTO: Content {
        let id: UUID
        let itemCode: String
        let itemVersion: Int
        let itemName: String
        let department: String
        let state: String
        let version: Int
        let limitDays: Int
        let acceptedOn: String?
        let dueOn: String?
        let warning: String
        /// Working days used and left on the official calendar (nil before acceptance).
        let usedDays: Int?
        let leftDays: Int?
        let pausedDays: Int?
        /// False when the due date relies on dates no holiday notice covers yet.
        let dueDateOfficial: Bool?
        let record: CaseRecord
        let tasks: [TaskDTO]
        /// What the caller may try next.
        let allowedActions: [String]
    }

    struct EventDTO: Content {
        let at: Date
        let actor: String
        let action: String
        let caseID: UUID?
        let from: String?
        let to: String?
        let detail: String?
    }

    let id: UUID
    let number: String?
    let status: String
    let applicantName: String
    let target: Target
    let regionCode: String
    let channel: String
    let enteredOnBehalf: Bool
    let applicantPresent: Bool
    let submittedOn: String?
    let dueOn: String?
    let visits: Int
    let form: [String: String]
    let cases: [CaseDTO]
    let events: [EventDTO]
}

extension ApplicationDTO {
    /// The application as the caller may see it, with the clock read today.
    static func make(
        _ application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask], events: [CaseEvent],
        actions: (CaseRow) -> [CaseActionKind], calendar: WorkingDayCalendar, today: CalendarDate, warnAt: Double
    ) throws -> ApplicationDTO {
        let caseDTOs = try cases.map { row in
            let record = try row.caseRecord()
            let reading = try? record.clock?.reading(on: today, calendar: calendar, warnAt: warnAt)
            let running = record.state.isAccepted
            return CaseDTO(
                id: row.id!, itemCode: row.itemCode, itemVersion: row.itemVersion, itemName: row.itemName, department: row.departmentName,
                state: row.state.rawValue, version: row.version, limitDays: record.limit, acceptedOn: record.acceptedOn?.description,
                dueOn: row.dueOn ?? reading?.dueDate.description,
                warning: running ? (reading?.warning ?? row.warning).rawValue : CaseClock.Warning.none.rawValue,
                usedDays: running ? reading?.used : nil, leftDays: running ? reading?.left : nil, pausedDays: reading?.pausedDays,
                dueDateOfficial: reading.map { $0.assumed == nil }, record: record,
                tasks: tasks.filter { $0.caseID == row.id }.map(TaskDTO.init), allowedActions: actions(row).map(\.rawValue))
        }
        return ApplicationDTO(
            id: application.id!, number: application.number, status: application.status.rawValue, applicantName: application.applicantName,
            target: Target(
                kind: application.target.rawValue, code: application.targetCode, version: application.targetVersion,
                name: application.targetName),
            regionCode: application.regionCode, channel: application.channel.rawValue, enteredOnBehalf: application.enteredBy != nil,
            applicantPresent: application.applicantPresent, submittedOn: application.submittedOn, dueOn: application.dueOn,
            visits: application.visits, form: application.formAnswers, cases: caseDTOs,
            events: events.map {
                EventDTO(
                    at: $0.at, actor: $0.actorLabel, action: $0.action, caseID: $0.caseID, from: $0.fromState, to: $0.toState,
                    detail: $0.detail)
            })
    }
}

/// One line of a list of applications.
struct ApplicationSummaryDTO: Content {
    let id: UUID
    let number: String?
    let status: String
    let targetName: String
    let submittedOn: String?
    let dueOn: String?

    init(_ a: ApplicationRecord) {
        id = a.id!
        number = a.number
        status = a.status.rawValue
        targetName = a.targetName
        submittedOn = a.submittedOn
        dueOn = a.dueOn
    }
}
