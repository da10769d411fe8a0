import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 好差评 over the API: rate an application or a window visit, revise once after the follow-up,
/// and the departments' follow-ups with the supervisors' decisions on appeals — adapters over
/// `RatingDesk` and `FollowUpDesk`.
package struct RatingAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.post("applications", ":id", "rating", use: rateApplication)
        api.post("hall-tickets", ":id", "rating", use: rateVisit)
        api.get("ratings", ":id", use: show)
        api.put("ratings", ":id", use: revise)
        api.get("follow-ups", use: followUps)
        api.post("follow-ups", ":id", "actions", use: act)
    }

    package struct RatingDTO: Content {
        package let id: UUID
        package let occasion: String
        package let subject: UUID
        package let subjectName: String
        package let department: String
        package let level: Int
        package let reasons: [String]
        package let comment: String?
        package let revisions: Int
        package let counts: Bool
        package let createdAt: Date
        package let followUp: FollowUpDTO?

        package init(_ given: RatingDesk.Given, today: CalendarDate) throws {
            let r = given.rating
            id = try r.requireID()
            occasion = r.occasion
            subject = r.subjectID
            subjectName = r.subjectName
            department = r.departmentName
            level = r.level
            reasons = r.reasonCodes
            comment = r.comment
            revisions = r.revisions
            counts = r.counts
            createdAt = r.createdAt
            followUp = try given.followUp.map { try FollowUpDTO(FollowUpDesk.Line(followUp: $0, rating: nil), today: today) }
        }
    }

    package struct FollowUpDTO: Content {
        package let id: UUID
        package let rating: UUID
        package let department: String
        package let state: FollowUpState
        package let allowed: [FollowUpAction]
        package let openedOn: String
        package let dueOn: String
        package let overdue: Bool
        package let escalated: Bool
        package let callNote: String?
        package let resolution: String?
        package let ledgerDue: String?
        package let appealReason: String?
        package let appealDecision: String?
        package let version: Int
        package let level: Int?
        package let reasons: [String]?
        package let comment: String?
        package let subjectName: String?

        package init(_ line: FollowUpDesk.Line, today: CalendarDate) throws {
            let f = line.followUp
            id = try f.requireID()
            rating = f.ratingID
            department = f.departmentName
            state = f.state
            allowed = FollowUpMachine.allowed(from: f.state)
            openedOn = f.openedOn
            dueOn = f.dueOn
            overdue = CalendarDate(iso: f.dueOn).map { FollowUpDeadline.isOverdue(due: $0, on: today, state: f.state) } ?? false
            escalated = f.escalated
            callNote = f.callNote
            resolution = f.resolution
            ledgerDue = f.ledgerDue
            appealReason = f.appealReason
            appealDecision = f.appealDecision
            version = f.version
            level = line.rating?.level
            reasons = line.rating?.reasonCodes
            comment = line.rating?.comment
            subjectName = line.rating?.subjectName
        }
    }

    package func rateApplication(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let desk = RatingDesk(context: req.context)
        let subject = try await desk.applicationSubject(id)
        let given = try await desk.rate(subject, try req.content.decode(RatingDesk.RatingBody.self))
        return try await RatingDTO(given, today: desk.context.today).encodeResponse(status: .created, for: req)
    }

    package func rateVisit(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("ticket") }
        let desk = RatingDesk(context: req.context)
        let subject = try await desk.visitSubject(id)
        let given = try await desk.rate(subject, try req.content.decode(RatingDesk.RatingBody.self))
        return try await RatingDTO(given, today: desk.context.today).encodeResponse(status: .created, for: req)
    }

    /// The rater sees their rating and how its follow-up stands.
    package func show(req: Request) async throws -> RatingDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("rating") }
        let desk = RatingDesk(context: req.context)
        return try RatingDTO(try await desk.own(id), today: desk.context.today)
    }

    package func revise(req: Request) async throws -> RatingDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("rating") }
        let desk = RatingDesk(context: req.context)
        let given = try await desk.revise(id, try req.content.decode(RatingDesk.RatingBody.self))
        return try RatingDTO(given, today: desk.context.today)
    }

    /// Staff of the answerable department see their department's follow-ups; supervisors those
    /// of their region (`?overdue=true`: only those past their deadline).
    package func followUps(req: Request) async throws -> [FollowUpDTO] {
        let desk = FollowUpDesk(context: req.context)
        let overdue: Bool
        switch req.query[String.self, at: "overdue"] {
        case nil, "", "false": overdue = false
        case "true": overdue = true
        default: throw TongbanError.invalid(field: "overdue", "field.unknownValue")
        }
        return try await desk.list(overdueOnly: overdue).map { try FollowUpDTO($0, today: desk.context.today) }
    }

    package func act(req: Request) async throws -> FollowUpDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("followUp") }
        let desk = FollowUpDesk(context: req.context)
        let line = try await desk.act(id, try req.content.decode(FollowUpDesk.ActionBody.self))
        return try FollowUpDTO(line, today: desk.context.today)
    }
}
