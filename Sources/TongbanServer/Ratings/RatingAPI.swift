import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// 好差评 over the API: rate an application or a window visit, revise once after the follow-up,
/// and the departments' follow-ups with the supervisors' decisions on appeals.
struct RatingAPI {
    func register(_ api: any RoutesBuilder) {
        api.post("applications", ":id", "rating", use: rateApplication)
        api.post("hall-tickets", ":id", "rating", use: rateVisit)
        api.get("ratings", ":id", use: show)
        api.put("ratings", ":id", use: revise)
        api.get("follow-ups", use: followUps)
        api.post("follow-ups", ":id", "actions", use: act)
    }

    struct RatingDTO: Content {
        let id: UUID
        let occasion: String
        let subject: UUID
        let subjectName: String
        let department: String
        let level: Int
        let reasons: [String]
        let comment: String?
        let revisions: Int
        let counts: Bool
        let createdAt: Date
        let followUp: FollowUpDTO?

        init(_ r: RatingRecord, followUp: FollowUp?, today: CalendarDate) {
            id = r.id!; occasion = r.occasion; subject = r.subjectID; subjectName = r.subjectName; department = r.departmentName
            level = r.level; reasons = r.reasonCodes; comment = r.comment; revisions = r.revisions; counts = r.counts; createdAt = r.createdAt
            self.followUp = followUp.map { FollowUpDTO($0, rating: nil, today: today) }
        }
    }

    struct FollowUpDTO: Content {
        let id: UUID
        let rating: UUID
        let department: String
        let state: FollowUpState
        let allowed: [FollowUpAction]
        let openedOn: String
        let dueOn: String
        let overdue: Bool
        let escalated: Bool
        let callNote: String?
        let resolution: String?
        let ledgerDue: String?
        let appealReason: String?
        let appealDecision: String?
        let version: Int
        let level: Int?
        let reasons: [String]?
        let comment: String?
        let subjectName: String?

        init(_ f: FollowUp, rating: RatingRecord?, today: CalendarDate) {
            id = f.id!; self.rating = f.ratingID; department = f.departmentName; state = f.state; allowed = FollowUpMachine.allowed(from: f.state)
            openedOn = f.openedOn; dueOn = f.dueOn
            overdue = CalendarDate(iso: f.dueOn).map { FollowUpDeadline.isOverdue(due: $0, on: today, state: f.state) } ?? false
            escalated = f.escalated; callNote = f.callNote; resolution = f.resolution; ledgerDue = f.ledgerDue
            appealReason = f.appealReason; appealDecision = f.appealDecision; version = f.version
            level = rating?.level; reasons = rating?.reasonCodes; comment = rating?.comment; subjectName = rating?.subjectName
        }
    }

    func rateApplication(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let subject = try await RatingService.applicationSubject(id, on: req)
        let (rating, followUp) = try await RatingService.rate(subject, try req.content.decode(RatingService.RatingBody.self), on: req)
        return try await RatingDTO(rating, followUp: followUp, today: req.application.today).encodeResponse(status: .created, for: req)
    }

    func rateVisit(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("ticket") }
        let subject = try await RatingService.visitSubject(id, on: req)
        let (rating, followUp) = try await RatingService.rate(subject, try req.content.decode(RatingService.RatingBody.self), on: req)
        return try await RatingDTO(rating, followUp: followUp, today: req.application.today).encodeResponse(status: .created, for: req)
    }

    /// The rater sees their rating and how its follow-up stands.
    func show(req: Request) async throws -> RatingDTO {
        let account = try req.requireAccount()
        guard let id = req.parameters.get("id", as: UUID.self), let rating = try await RatingRecord.find(id, on: req.db), rating.raterID == account.id else {
            throw TongbanError.notFound("rating")
        }
        return RatingDTO(rating, followUp: try await FollowUp.query(on: req.db).filter(\.$ratingID == id).first(), today: req.application.today)
    }

    func revise(req: Request) async throws -> RatingDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("rating") }
        let rating = try await RatingService.revise(id, try req.content.decode(RatingService.RatingBody.self), on: req)
        return RatingDTO(rating, followUp: try await FollowUp.query(on: req.db).filter(\.$ratingID == id).first(), today: req.application.today)
    }

    /// Staff of the answerable department see their department's follow-ups; supervisors those
    /// of their region (`?overdue=true`: only those past their deadline).
    func followUps(req: Request) async throws -> [FollowUpDTO] {
        let actor = try req.requireAccount().actor
        var query = FollowUp.query(on: req.db)
        if let region = actor.regionCode, req.allows(.supervise, .followUp(regionCode: region, departmentID: nil)) {
            query = query.filter(\.$regionCode >= region.value).filter(\.$regionCode < region.value + "~")
        } else if let region = actor.regionCode, let department = actor.departmentID,
                  req.allows(.handle, .followUp(regionCode: region, departmentID: department)) {
            query = query.filter(\.$departmentID == department)
        } else {
            throw TongbanError.denied(.notOwner)
        }
        let today = req.application.today
        let overdue = (try? req.query.get(Bool.self, at: "overdue")) == true
        // the work still to do first, soonest due first; then the latest of those ended
        let active = FollowUpState.allCases.filter { !$0.isEnded }
        let toDo = query.copy().filter(\.$state ~~ (overdue ? [.open, .calledBack, .scheduled] : active))
        if overdue { toDo.filter(\.$dueOn < today.description) }
        var rows = try await toDo.sort(\.$dueOn).limit(500).all()
        if !overdue { rows += try await query.filter(\.$state !~ active).sort(\.$dueOn, .descending).limit(100).all() }
        let ratings = Dictionary(uniqueKeysWithValues: try await RatingRecord.query(on: req.db).filter(\.$id ~~ rows.map(\.ratingID)).all().map { ($0.id!, $0) })
        return rows.map { FollowUpDTO($0, rating: ratings[$0.ratingID], today: today) }
    }

    struct ActionBody: Content { var action: String?; var note: String?; var due: String?; var version: Int? }

    func act(req: Request) async throws -> FollowUpDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("followUp") }
        let followUp = try await FollowUpWork.act(id, try req.content.decode(ActionBody.self), on: req)
        return FollowUpDTO(followUp, rating: try await RatingRecord.find(followUp.ratingID, on: req.db), today: req.application.today)
    }
}

/// The department works its follow-up; supervisors decide appeals and see escalations.
enum FollowUpWork {
    static func act(_ id: UUID, _ body: RatingAPI.ActionBody, on req: Request) async throws -> FollowUp {
        let account = try req.requireAccount()
        guard let followUp = try await FollowUp.find(id, on: req.db) else { throw TongbanError.notFound("followUp") }
        guard let action = body.action.flatMap(FollowUpAction.init(rawValue:)) else { throw TongbanError.invalid(field: "action", "field.unknownValue") }
        let resource = Resource.followUp(regionCode: try RegionCode(followUp.regionCode), departmentID: followUp.departmentID)
        // supervisors decide appeals; the department does the rest
        try req.authorize(action.bySupervisor ? .supervise : .handle, resource)
        var problems = FieldErrors()
        let note = problems.text("note", body.note, maxLength: 1000)
        var ledgerDue: CalendarDate?
        if action == .schedule {
            if let raw = body.due, let day = CalendarDate(iso: raw) {
                if day <= req.application.today { problems.add("due", "rating.ledgerPast") } else { ledgerDue = day }
            } else { problems.add("due", body.due == nil ? "field.required" : "field.invalidDate") }
        }
        guard problems.isEmpty, let note else { throw TongbanError.invalid(problems) }
        let next: FollowUpState
        do { next = try FollowUpMachine.next(followUp.state, action, beforeAppeal: followUp.beforeAppeal) } catch {
            throw TongbanError.conflict("followUp.notAllowed", ["state": followUp.state.rawValue,
                                                                "allowed": FollowUpMachine.allowed(from: followUp.state).map(\.rawValue).joined(separator: ", ")])
        }
        let before = followUp.state, version = body.version ?? followUp.version, now = req.now
        switch action {
        case .callBack: followUp.callNote = note
        case .fix, .schedule, .explain: followUp.resolution = note; if let ledgerDue { followUp.ledgerDue = ledgerDue.description }
        case .appeal: followUp.appealReason = note; followUp.beforeAppeal = before
        case .upholdAppeal, .rejectAppeal: followUp.appealDecision = note
        }
        followUp.state = next
        let audit = req.auditEvent("followUp.\(action.rawValue)", resource: "follow-up:\(id)", details: "\(before.rawValue) → \(next.rawValue): \(note)")
        try await req.db.write { tx in
            let changed = try await tx.sql.raw("""
                UPDATE rating_follow_ups SET state = \(bind: next.rawValue), before_appeal = \(bind: followUp.beforeAppeal?.rawValue), call_note = \(bind: followUp.callNote),
                  resolution = \(bind: followUp.resolution), ledger_due = \(bind: followUp.ledgerDue), appeal_reason = \(bind: followUp.appealReason),
                  appeal_decision = \(bind: followUp.appealDecision), version = version + 1, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND state = \(bind: before.rawValue) AND version = \(bind: version) RETURNING id
                """).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("followUp.changed") }
            if action == .upholdAppeal {
                try await tx.sql.raw("UPDATE ratings SET counts = \(bind: false) WHERE id = \(bind: followUp.ratingID)").run()
            }
            try await OutboxEvent(topic: "followUp.\(action.rawValue)", subject: id.uuidString,
                                  payload: ["followUp": id.uuidString, "state": next.rawValue, "department": followUp.departmentName], at: now).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        followUp.version = version + 1
        followUp.updatedAt = now
        return followUp
    }
}
