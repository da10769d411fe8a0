import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `/api/v1/applications`, `/api/v1/cases`, `/api/v1/tasks`: applying, acting on cases,
/// reviewers' tasks, visits, and the public status lookup — adapters over `ApplicationDesk`,
/// `ReviewTaskDesk`, `ApplicationSubmission` and `CaseWork`.
package struct ApplicationAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.post("applications", use: apply)
        api.get("applications", use: mine)
        api.get("applications", ":id", use: detail)
        api.get("materials", ":id", use: material)
        api.post("materials", ":id", "deficiency", use: markDeficient)
        api.post("applications", ":id", "visits", use: recordVisit)
        api.post("applications", ":id", "posted-materials", use: receivePostedMaterials)
        api.post("applications", ":id", "submit", use: submitDraft)
        api.post("cases", ":id", "actions", use: act)
        api.get("tasks", use: inbox)
        api.get("verifications", use: verifications)
        api.post("tasks", ":id", ":verb", use: task)
        api.get("status", use: status)
    }

    /// An uploaded material's file, for those who work the case and its applicant.
    package func material(req: Request) async throws -> Response {
        try await MaterialViewer(context: req.context).open(req.parameters.get("id", as: UUID.self)).response()
    }

    /// 不合格: a reviewer or clerk marks an uploaded file deficient, with the reason.
    package func markDeficient(req: Request) async throws -> HTTPStatus {
        let viewer = MaterialViewer(context: req.context)
        let id = req.parameters.get("id", as: UUID.self)
        try await viewer.markDeficient(id, try req.content.decode(MaterialViewer.DeficiencyBody.self))
        return .noContent
    }

    package func apply(req: Request) async throws -> Response {
        // who asks first: a stranger is told to sign in, whatever the body
        _ = try req.requireAccount()
        let body = try req.content.decode(ApplyBody.self)
        let context = req.context
        let submission = ApplicationSubmission(context: context, parts: ApplyingParts(req.application))
        let created = try await submission.apply(body, idempotencyKey: req.headers.first(name: "Idempotency-Key"))
        let desk = ApplicationDesk(context: context)
        let dto: ApplicationDTO
        if let written = created.written {
            let loaded = ApplicationDesk.Loaded(
                application: created.application, cases: written.cases, tasks: written.tasks,
                events: written.events)
            dto = try desk.dto(loaded)
        } else {
            dto = try await desk.dto(of: created.application)
        }
        let response = try await dto.encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/applications/\(dto.id)")
        if !created.isNew { response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true") }
        return response
    }

    package struct SubmitBody: Content {
        package var form: [String: String]?
    }

    package func submitDraft(req: Request) async throws -> ApplicationDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let body = req.body.data == nil ? SubmitBody() : try req.content.decode(SubmitBody.self)
        let submission = ApplicationSubmission(context: req.context, parts: ApplyingParts(req.application))
        let submitted = try await submission.submitDraft(id: id, form: body.form)
        return try await ApplicationDesk(context: req.context).dto(of: submitted.application)
    }

    package func mine(req: Request) async throws -> [ApplicationSummaryDTO] {
        let limit = try req.integerQuery("limit", in: 1...200, default: 50) ?? 50
        return try await ApplicationDesk(context: req.context).mine(limit: limit).map(ApplicationSummaryDTO.init)
    }

    package func detail(req: Request) async throws -> ApplicationDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let desk = ApplicationDesk(context: req.context)
        return try desk.dto(try await desk.load(id))
    }

    package func act(req: Request) async throws -> ApplicationDTO {
        _ = try req.requireAccount()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("case") }
        let body = try req.content.decode(CaseActionBody.self)
        let loaded = try await req.actOnCase(id, body)
        return try await ApplicationDesk(context: req.context).dto(of: loaded.application)
    }

    package struct VisitBody: Content {
        package var purpose: String?
    }

    /// A clerk records that the applicant came in person (跑动一次).
    package func recordVisit(req: Request) async throws -> ApplicationDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let desk = ApplicationDesk(context: req.context)
        try await desk.recordVisit(id, purpose: try req.content.decode(VisitBody.self).purpose)
        return try desk.dto(try await desk.load(id))
    }

    /// 邮寄收件: the window registers paper materials that came by post; no visit is counted.
    package func receivePostedMaterials(req: Request) async throws -> ApplicationDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        _ = try await PostedMaterialIntake(context: req.context, caches: req.application.applicationCaches).receive(
            id, try req.content.decode(PostedMaterialIntake.Body.self))
        let desk = ApplicationDesk(context: req.context)
        return try desk.dto(try await desk.load(id))
    }

    package struct InboxLine: Content {
        package let task: ApplicationDTO.TaskDTO
        package let caseID: UUID
        package let applicationID: UUID
        package let applicationNumber: String?
        package let itemName: String
        package let warning: String
    }

    /// A reviewer's inbox: the open tasks of their department, soonest due first.
    package func inbox(req: Request) async throws -> [InboxLine] {
        try await ReviewTaskDesk(context: req.context).inbox().map { entry in
            InboxLine(
                task: .init(entry.task), caseID: try entry.row.requireID(), applicationID: entry.row.applicationID,
                applicationNumber: entry.application.number, itemName: entry.row.itemName, warning: entry.warning.rawValue)
        }
    }

    package struct VerificationLine: Content {
        package let caseID: UUID
        package let applicationID: UUID
        package let applicationNumber: String?
        package let itemName: String
        package let applicantName: String
        package let dueOn: String
        package let overdue: Bool
    }

    /// A reviewer's 告知承诺 verifications to make: their department's commitment approvals not
    /// yet verified, soonest due first.
    package func verifications(req: Request) async throws -> [VerificationLine] {
        try await ReviewTaskDesk(context: req.context).verifications().map { v in
            VerificationLine(
                caseID: try v.row.requireID(), applicationID: try v.application.requireID(),
                applicationNumber: v.application.number, itemName: v.row.itemName,
                applicantName: v.application.applicantName, dueOn: v.due, overdue: v.overdue)
        }
    }

    /// `claim`, `release`, `complete` (with an opinion): the next wave of tasks opens when the
    /// last open one completes.
    package func task(req: Request) async throws -> ApplicationDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("task") }
        let verb = try req.parameters.require("verb")
        let body = try req.content.decode(ReviewTaskDesk.TaskBody.self)
        let application = try await ReviewTaskDesk(context: req.context).work(taskID: id, verb: verb, body)
        return try await ApplicationDesk(context: req.context).dto(of: application)
    }

    package struct StatusDTO: Content {
        package struct Line: Content {
            package let item: String
            package let state: String
            package let dueOn: String?
        }

        package let number: String
        package let target: String
        package let status: String
        package let submittedOn: String?
        package let dueOn: String?
        package let cases: [Line]
    }

    /// The public status lookup: the number and the code given at submission; nothing personal.
    package func status(req: Request) async throws -> StatusDTO {
        let number = req.query[String.self, at: "number"]
        let code = req.query[String.self, at: "code"]
        return try await ApplicationDesk(context: req.context).status(number: number, code: code, limits: req.statusLimits)
    }
}

extension Request {
    /// The public status lookup's limits in this process.
    package var statusLimits: ApplicationDesk.StatusLimits {
        ApplicationDesk.StatusLimits(
            perClient: application.addressLimiter("status.client"), perNumber: application.addressLimiter("status.number", period: 3_600))
    }
}
