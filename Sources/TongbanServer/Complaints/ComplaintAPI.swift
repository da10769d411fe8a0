import Fluent
import Foundation
import TongbanCore
import Vapor

/// 民呼我应 over the API: send, list, read, answer, rate.
struct ComplaintAPI {
    func register(_ api: any RoutesBuilder) {
        api.post("complaints") { req async throws -> Response in
            let record = try await ComplaintService.send(try req.content.decode(ComplaintService.SendBody.self), on: req)
            return try await ComplaintDTO(record, today: req.application.today).encodeResponse(status: .created, for: req)
        }
        api.get("complaints") { req async throws -> [ComplaintDTO] in
            try await ComplaintService.list(on: req).map { ComplaintDTO($0, today: req.application.today) }
        }
        api.get("complaints", ":id") { req async throws -> ComplaintDTO in
            ComplaintDTO(try await ComplaintService.find(try Self.id(req), on: req), today: req.application.today)
        }
        api.post("complaints", ":id", "answer") { req async throws -> ComplaintDTO in
            ComplaintDTO(try await ComplaintService.answer(try Self.id(req), try req.content.decode(ComplaintService.AnswerBody.self), on: req),
                         today: req.application.today)
        }
        api.post("complaints", ":id", "rating") { req async throws -> ComplaintDTO in
            ComplaintDTO(try await ComplaintService.rate(try Self.id(req), try req.content.decode(ComplaintService.RateBody.self), on: req),
                         today: req.application.today)
        }
    }

    static func id(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("complaint") }
        return id
    }
}

struct ComplaintDTO: Content {
    let id: UUID
    let kind: String
    let subject: String
    let target: String
    let about: String
    let department: String
    let title: String
    let body: String
    let state: String
    let sentOn: String
    let dueOn: String
    let overdue: Bool
    let escalated: Bool
    let answer: String?
    let answeredBy: String?
    let answeredOn: String?
    let rating: Int?
    let ratingComment: String?
    let version: Int

    init(_ r: ComplaintRecord, today: CalendarDate) {
        id = r.id!; kind = r.kind.rawValue; subject = r.subject.rawValue; target = r.target; about = r.targetLabel; department = r.departmentName
        title = r.title; body = r.body; state = r.state.rawValue; sentOn = r.sentOn; dueOn = r.dueOn
        overdue = CalendarDate(iso: r.dueOn).map { ComplaintRules.isOverdue(due: $0, on: today, state: r.state) } ?? false
        escalated = r.escalated; answer = r.answer; answeredBy = r.answeredBy; answeredOn = r.answeredOn; rating = r.rating
        ratingComment = r.ratingComment; version = r.version
    }
}
