import Fluent
import Foundation
import TongbanCore
import Vapor

/// `/api/v1/applications`, `/api/v1/cases`, `/api/v1/tasks`: applying, acting on cases,
/// reviewers' tasks, visits, and the public status lookup.
struct ApplicationAPI {
    func register(_ api: any RoutesBuilder) {
        api.post("applications", use: apply)
        api.get("applications", use: mine)
        api.get("applications", ":id", use: detail)
        api.post("applications", ":id", "visits", use: recordVisit)
        api.post("applications", ":id", "submit", use: submitDraft)
        api.post("cases", ":id", "actions", use: act)
        api.get("tasks", use: inbox)
        api.get("verifications", use: verifications)
        api.post("tasks", ":id", ":verb", use: task)
        api.get("status", use: status)
    }

    func apply(req: Request) async throws -> Response {
        let body = try req.content.decode(ApplyBody.self)
        let created = try await ApplicationSubmission.apply(body, idempotencyKey: req.headers.first(name: "Idempotency-Key"), on: req)
        let dto: ApplicationDTO
        if let written = created.written {
            dto = try Self.dto(created.application, cases: written.cases, tasks: written.tasks, events: written.events, on: req)
        } else {
            dto = try await Self.dto(created.application, on: req)
        }
        let response = try await dto.encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/applications/\(dto.id)")
        if !created.isNew { response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true") }
        return response
    }

    struct SubmitBody: Content { var form: [String: String]? }

    func submitDraft(req: Request) async throws -> ApplicationDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let body = req.body.data == nil ? SubmitBody() : try req.content.decode(SubmitBody.self)
        let submitted = try await ApplicationSubmission.submitDraft(id: id, form: body.form, on: req)
        return try await Self.dto(submitted.application, on: req)
    }

    func mine(req: Request) async throws -> [ApplicationSummaryDTO] {
        let account = try req.requireAccount()
        let limit = try req.integerQuery("limit", in: 1...200, default: 50)!
        return try await ApplicationRecord.query(on: req.db).filter(\.$applicantID == account.requireID())
            .sort(\.$createdAt, .descending).limit(limit).all().map(ApplicationSummaryDTO.init)
    }

    func detail(req: Request) async throws -> ApplicationDTO {
        _ = try req.requireAccount()
        guard let id = req.parameters.get("id", as: UUID.self), let application = try await ApplicationRecord.find(id, on: req.db) else {
            throw TongbanError.notFound("application")
        }
        return try await Self.dto(application, on: req)
    }

    /// The application for the caller, or "not found" to anyone who may not see it.
    static func dto(_ application: ApplicationRecord, on req: Request) async throws -> ApplicationDTO {
        let id = try application.requireID()
        let cases = try await CaseRow.query(on: req.db).filter(\.$applicationID == id).sort(\.$position).all()
        let tasks = try await ReviewTask.query(on: req.db).filter(\.$applicationID == id).sort(\.$position).all()
        try checkVisible(application, cases: cases, tasks: tasks, on: req)
        let events = try await CaseEvent.query(on: req.db).filter(\.$applicationID == id).sort(\.$at).all()
        return try dto(application, cases: cases, tasks: tasks, events: events, on: req)
    }

    static func resource(_ application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask]) throws -> Resource {
        .application(applicantID: application.applicantID, regionCode: try RegionCode(application.regionCode),
                     departmentIDs: Set(tasks.compactMap(\.departmentID) + cases.compactMap(\.departmentID)))
    }

    static func checkVisible(_ application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask], on req: Request) throws {
        guard Policy.decide(req.currentActor, .view, try resource(application, cases: cases, tasks: tasks)).isAllowed else {
            throw TongbanError.notFound("application")
        }
    }

    static func dto(_ application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask], events: [CaseEvent], on req: Request) throws -> ApplicationDTO {
        let resource = try resource(application, cases: cases, tasks: tasks)
        let actor = req.currentActor
        let roles: [CaseActor] = [
            Policy.decide(actor, .view, .holderRecords(holderID: application.applicantID)).isAllowed ? .applicant : nil,
            Policy.decide(actor, .handle, resource).isAllowed ? .clerk : nil,
            Policy.decide(actor, .review, resource).isAllowed ? .reviewer : nil,
        ].compactMap { $0 }
        return try ApplicationDTO.make(application, cases: cases, tasks: tasks, events: events,
                                       actions: { row in roles.flatMap { CaseMachine.allowed(in: row.state, by: $0) } },
                                       calendar: req.application.workingDays, today: req.application.today, warnAt: req.application.tongban.warnAt)
    }

    func act(req: Request) async throws -> ApplicationDTO {
        _ = try req.requireAccount()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("case") }
        let body = try req.content.decode(CaseActionBody.self)
        let loaded = try await CaseWork.act(caseID: id, body, on: req)
        return try await Self.dto(loaded.application, on: req)
    }

    struct VisitBody: Content { var purpose: String? }

    /// A clerk records that the applicant came in person (跑动一次).
    func recordVisit(req: Request) async throws -> ApplicationDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        try await Self.recordVisit(req, applicationID: id, purpose: try req.content.decode(VisitBody.self).purpose)
        return try await Self.dto(try await ApplicationRecord.find(id, on: req.db)!, on: req)
    }

    /// Records one in-person visit (a clerk of the region), with its purpose, the timeline entry
    /// and the audit entry; the application's count follows.
    static func recordVisit(_ req: Request, applicationID id: UUID, purpose raw: String?) async throws {
        _ = try req.requireAccount()
        guard let application = try await ApplicationRecord.find(id, on: req.db) else { throw TongbanError.notFound("application") }
        let resource = Resource.application(applicantID: application.applicantID, regionCode: try RegionCode(application.regionCode))
        guard Policy.decide(req.currentActor, .view, resource).isAllowed else { throw TongbanError.notFound("application") }
        try req.authorize(.handle, resource)
        var problems = FieldErrors()
        guard let purpose = problems.text("purpose", raw, maxLength: 200) else { throw TongbanError.invalid(problems) }
        let clerk = try req.requireAccount().requireID()
        let audit = req.auditEvent("application.visit", resource: "application:\(application.number ?? id.uuidString)", details: purpose)
        try await req.db.write { tx in
            let visit = ApplicationVisit()
            visit.applicationID = id; visit.at = req.now; visit.purpose = purpose; visit.recordedBy = clerk
            try await visit.create(on: tx)
            let count = try await ApplicationVisit.query(on: tx).filter(\.$applicationID == id).count()
            try await ApplicationRecord.query(on: tx).filter(\.$id == id).set(\.$visits, to: count).update()
            // the visit changes what the application's cases count for (一次办, 零跑腿)
            try await CaseRow.query(on: tx).filter(\.$applicationID == id).set(\.$updatedAt, to: visit.at).update()
            try await CaseEvent(applicationID: id, caseID: nil, at: visit.at, actor: audit.actorLabel, action: "visit", from: nil, to: nil, detail: purpose).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
    }

    struct InboxLine: Content {
        let task: ApplicationDTO.TaskDTO
        let caseID: UUID
        let applicationID: UUID
        let applicationNumber: String?
        let itemName: String
        let warning: String
    }

    /// A reviewer's inbox: the open tasks of their department, soonest due first.
    func inbox(req: Request) async throws -> [InboxLine] {
        try await ReviewerInbox.entries(req).map { entry in
            InboxLine(task: .init(entry.task), caseID: entry.row.id!, applicationID: entry.row.applicationID,
                      applicationNumber: entry.application.number, itemName: entry.row.itemName, warning: entry.warning.rawValue)
        }
    }

    struct VerificationLine: Content {
        let caseID: UUID
        let applicationID: UUID
        let applicationNumber: String?
        let itemName: String
        let applicantName: String
        let dueOn: String
        let overdue: Bool
    }

    /// A reviewer's 告知承诺 verifications to make: their department's commitment approvals not
    /// yet verified, soonest due first.
    func verifications(req: Request) async throws -> [VerificationLine] {
        try await ReviewerInbox.verifications(req).map { v in
            VerificationLine(caseID: v.row.id!, applicationID: v.application.id!, applicationNumber: v.application.number,
                             itemName: v.row.itemName, applicantName: v.application.applicantName, dueOn: v.due, overdue: v.overdue)
        }
    }

    struct TaskBody: Content { var opinion: String?; var version: Int? }

    /// `claim`, `release`, `complete` (with an opinion): the next wave of tasks opens when the
    /// last open one completes.
    func task(req: Request) async throws -> ApplicationDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("task") }
        return try await Self.dto(try await Self.workOnTask(req, taskID: id, verb: try req.parameters.require("verb")), on: req)
    }

    /// Claims, releases or completes a task for the signed-in reviewer (API and pages alike).
    static func workOnTask(_ req: Request, taskID id: UUID, verb: String) async throws -> ApplicationRecord {
        let account = try req.requireAccount()
        guard let task = try await ReviewTask.find(id, on: req.db),
              let application = try await ApplicationRecord.find(task.applicationID, on: req.db) else { throw TongbanError.notFound("task") }
        guard ["claim", "release", "complete"].contains(verb) else { throw TongbanError.notFound("task") }
        let resource = Resource.application(applicantID: application.applicantID, regionCode: try RegionCode(application.regionCode),
                                            departmentIDs: Set([task.departmentID].compactMap { $0 }))
        guard Policy.decide(req.currentActor, .view, resource).isAllowed else { throw TongbanError.notFound("task") }
        try req.authorize(.review, resource)
        let body = try req.content.decode(TaskBody.self)
        let me = try account.requireID()
        guard task.status == .open else { throw TongbanError.conflict("task.notOpen", ["status": task.status.rawValue]) }
        if let version = body.version, version != task.version { throw TongbanError.conflict("task.changedMeanwhile") }
        var given: String? = nil
        switch verb {
        case "claim": guard task.claimedBy == nil else { throw TongbanError.conflict("task.alreadyClaimed") }
        case "release": guard task.claimedBy == me else { throw TongbanError.conflict("task.notYours") }
        default:
            guard task.claimedBy == nil || task.claimedBy == me else { throw TongbanError.conflict("task.notYours") }
            var problems = FieldErrors()
            given = problems.text("opinion", body.opinion, maxLength: 2_000)
            if !problems.isEmpty { throw TongbanError.invalid(problems) }
        }
        let opinion = given
        let today = req.application.today, calendar = req.application.workingDays
        let audit = req.auditEvent("task.\(verb)", resource: "application:\(application.number ?? "-")", details: task.name)
        let seen = task.version
        try await req.db.write { tx in
            let query = ReviewTask.query(on: tx).filter(\.$id == id).filter(\.$version == seen).set(\.$version, to: seen + 1)
            switch verb {
            case "claim": query.set(\.$claimedBy, to: me)
            case "release": query.set(\.$claimedBy, to: nil)
            default: query.set(\.$claimedBy, to: me).set(\.$status, to: .done).set(\.$opinion, to: opinion).set(\.$completedAt, to: req.now)
            }
            try await query.update()
            guard try await ReviewTask.query(on: tx).filter(\.$id == id).filter(\.$version == seen + 1).count() == 1 else {
                throw TongbanError.conflict("task.changedMeanwhile")
            }
            if verb == "complete" {
                let siblings = try await ReviewTask.query(on: tx).filter(\.$caseID == task.caseID).sort(\.$position).all()
                for opened in CaseWork.nextWave(siblings, today: today, calendar: calendar) { try await opened.save(on: tx) }
                try await CaseEvent(applicationID: application.id!, caseID: task.caseID, at: req.now, actor: audit.actorLabel,
                                    action: "task.complete", from: nil, to: nil, detail: "\(task.name)：\(opinion ?? "")").create(on: tx)
            }
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return application
    }

    struct StatusDTO: Content {
        struct Line: Content { let item: String; let state: String; let dueOn: String? }
        let number: String
        let target: String
        let status: String
        let submittedOn: String?
        let dueOn: String?
        let cases: [Line]
    }

    /// The public status lookup: the number and the last four characters of the applicant's
    /// identity number or credit code; no name, no form, nothing personal.
    func status(req: Request) async throws -> StatusDTO {
        var problems = FieldErrors()
        let raw = problems.text("number", req.query[String.self, at: "number"], maxLength: 40)
        let tail = problems.text("tail", req.query[String.self, at: "tail"], maxLength: 4)?.uppercased()
        let number = raw.flatMap { raw in problems.check("number") { () throws(ApplicationNumber.Problem) in try ApplicationNumber(raw) } }
        if let tail, tail.count != 4 { problems.add("tail", "application.tailLength") }
        guard problems.isEmpty, let number, let tail else { throw TongbanError.invalid(problems) }
        guard let application = try await ApplicationRecord.query(on: req.db).filter(\.$number == number.value).first(),
              application.applicantTail == tail else { throw TongbanError.notFound("application") }
        let cases = try await CaseRow.query(on: req.db).filter(\.$applicationID == application.requireID()).sort(\.$position).all()
        return StatusDTO(number: number.value, target: application.targetName, status: application.status.rawValue, submittedOn: application.submittedOn,
                         dueOn: application.dueOn, cases: cases.map { .init(item: $0.itemName, state: $0.state.rawValue, dueOn: $0.dueOn) })
    }
}
