import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 民呼我应 over the API: send, list, read, answer, rate — adapters over `ComplaintDesk`.
package struct ComplaintAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.post("complaints") { req async throws -> Response in
            let body = try req.content.decode(ComplaintDesk.SendBody.self)
            let record = try await ComplaintDesk(context: req.context).send(body)
            return try await ComplaintDTO(record, today: req.context.today).encodeResponse(status: .created, for: req)
        }
        api.get("complaints") { req async throws -> [ComplaintDTO] in
            let context = req.context
            return try await ComplaintDesk(context: context).list().map { try ComplaintDTO($0, today: context.today) }
        }
        api.get("complaints", ":id") { req async throws -> ComplaintDTO in
            let context = req.context
            let record = try await ComplaintDesk(context: context).find(try Self.id(req))
            return try ComplaintDTO(record, today: context.today)
        }
        api.post("complaints", ":id", "answer") { req async throws -> ComplaintDTO in
            let context = req.context
            let body = try req.content.decode(ComplaintDesk.AnswerBody.self)
            let record = try await ComplaintDesk(context: context).answer(try Self.id(req), body)
            return try ComplaintDTO(record, today: context.today)
        }
        api.post("complaints", ":id", "rating") { req async throws -> ComplaintDTO in
            let context = req.context
            let body = try req.content.decode(ComplaintDesk.RateBody.self)
            let record = try await ComplaintDesk(context: context).rate(try Self.id(req), body)
            return try ComplaintDTO(record, today: context.today)
        }
    }

    package static func id(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("complaint") }
        return id
    }
}

package struct ComplaintDTO: Content {
    package let id: UUID
    package let kind: String
    package let subject: String
    package let target: String
    package let about: String
    package let department: String
    package let title: String
    package let body: String
    package let state: String
    package let sentOn: String
    package let dueOn: String
    package let overdue: Bool
    package let escalated: Bool
    package let answer: String?
    package let answeredBy: String?
    package let answeredOn: String?
    package let rating: Int?
    package let ratingComment: String?
    package let version: Int

    package init(_ r: ComplaintRecord, today: CalendarDate) throws {
        id = try r.requireID()
        kind = r.kind.rawValue
        subject = r.subject.rawValue
        target = r.target
        about = r.targetLabel
        department = r.departmentName
        title = r.title
        body = r.body
        state = r.state.rawValue
        sentOn = r.sentOn
        dueOn = r.dueOn
        overdue = r.isOverdue(on: today)
        escalated = r.escalated
        answer = r.answer
        answeredBy = r.answeredBy
        answeredOn = r.answeredOn
        rating = r.rating
        ratingComment = r.ratingComment
        version = r.version
    }
}
