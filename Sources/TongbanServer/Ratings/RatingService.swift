import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// Giving and revising ratings, and the follow-up a bad one opens.
enum RatingService {
    struct RatingBody: Content {
        var level: Int?
        var reasons: [String]?
        var comment: String?
    }

    /// Whom the rating concerns: the department answerable, its region, what is rated.
    struct Subject {
        let occasion: RatingOccasion
        let raterID: UUID?
        let departmentID: UUID?
        let departmentName: String
        let regionCode: String
        let name: String
    }

    /// 一事一评: the applicant rates an application once all its cases have ended; the department
    /// of its first case answers for it.
    static func applicationSubject(_ id: UUID, on req: Request) async throws -> Subject {
        let account = try req.requireAccount()
        guard let application = try await ApplicationRecord.find(id, on: req.db),
              req.allows(.view, .holderRecords(holderID: application.applicantID)) else {
            throw TongbanError.notFound("application")
        }
        guard application.status == .closed else { throw TongbanError.conflict("rating.notConcluded") }
        let first = try await CaseRow.query(on: req.db).filter(\.$applicationID == id).sort(\.$position).first()
        return Subject(occasion: .application(id), raterID: account.id, departmentID: first?.departmentID,
                       departmentName: first?.departmentName ?? "", regionCode: application.regionCode, name: application.targetName)
    }

    /// 一次一评: whoever holds a served ticket rates the service at the window — the account that
    /// took it online, or (a kiosk ticket) the holder of its link; never the clerk. The clerk's
    /// department answers for it.
    static func visitSubject(_ id: UUID, on req: Request) async throws -> Subject {
        guard let ticket = try await HallTicket.find(id, on: req.db), let hall = try await Hall.find(ticket.hallID, on: req.db) else {
            throw TongbanError.notFound("ticket")
        }
        let account = req.currentAccount
        if let holder = ticket.accountID, holder != account?.id { throw TongbanError.denied(account == nil ? .loginRequired : .notOwner) }
        if let own = req.ownRecords, !req.allows(.create, own) { throw TongbanError.denied(.notOwner) }
        guard ticket.status == .served else { throw TongbanError.conflict("rating.notServed") }
        var department: Department?
        if let clerkID = ticket.clerkID, let clerk = try await Account.find(clerkID, on: req.db), let id = clerk.$department.id {
            department = try await Department.find(id, on: req.db)
        }
        return Subject(occasion: .visit(id), raterID: account?.id, departmentID: department?.id, departmentName: department?.name ?? hall.name,
                       regionCode: hall.regionCode, name: "\(hall.name) \(ticket.windowName ?? "") \(ticket.label)")
    }

    static func rate(_ subject: Subject, _ body: RatingBody, on req: Request) async throws -> (RatingRecord, FollowUp?) {
        let level = body.level.flatMap(RatingLevel.init(rawValue:))
        let reasons = body.reasons ?? []
        let comment = body.comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        let problems = RatingRules.problems(level: level, reasons: reasons, comment: comment)
        guard problems.isEmpty, let level else { throw TongbanError.invalid(problems) }
        if try await RatingRecord.query(on: req.db).filter(\.$occasion == subject.occasion.kind).filter(\.$subjectID == subject.occasion.subject).count() > 0 {
            throw TongbanError.conflict("rating.alreadyRated")
        }
        let now = req.now
        let rating = RatingRecord()
        rating.id = UUID()
        rating.occasion = subject.occasion.kind
        rating.subjectID = subject.occasion.subject
        rating.raterID = subject.raterID
        rating.departmentID = subject.departmentID
        rating.departmentName = subject.departmentName
        rating.regionCode = subject.regionCode
        rating.subjectName = subject.name
        rating.level = level.rawValue
        rating.reasons = reasons.joined(separator: ",")
        rating.comment = comment?.isEmpty == false ? comment : nil
        rating.revisions = 0
        rating.counts = true
        rating.createdAt = now
        rating.ratedOn = req.application.today.description
        var followUp: FollowUp?
        if level.isBad {
            let today = req.application.today
            let deadline = try FollowUpDeadline(openedOn: today, days: req.application.tongban.followUpDays, calendar: req.application.workingDays)
            let f = FollowUp()
            f.id = UUID(); f.ratingID = rating.id!; f.departmentID = subject.departmentID; f.departmentName = subject.departmentName
            f.regionCode = subject.regionCode; f.state = .open; f.openedOn = today.description; f.dueOn = deadline.dueOn.description
            f.escalated = false; f.version = 1; f.updatedAt = now
            followUp = f
        }
        let opened = followUp
        let audit = req.auditEvent("rating.given", resource: "rating:\(rating.id!)", details: "\(subject.occasion.kind) \(subject.name): \(level.rawValue) [\(rating.reasons)] → \(subject.departmentName)")
        do {
            try await req.db.write { tx in
                try await rating.create(on: tx)
                if let followUp = opened {
                    try await followUp.create(on: tx)
                    try await OutboxEvent(topic: "followUp.opened", subject: followUp.id!.uuidString,
                                          payload: ["followUp": followUp.id!.uuidString, "department": subject.departmentName, "due": followUp.dueOn], at: now).create(on: tx)
                }
                try await AuditLog.append(audit, on: tx, now: req.now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw TongbanError.conflict("rating.alreadyRated")
        }
        return (rating, followUp)
    }

    /// The rater revises once, after the follow-up has ended.
    static func revise(_ id: UUID, _ body: RatingBody, on req: Request) async throws -> RatingRecord {
        let account = try req.requireAccount()
        guard let rating = try await RatingRecord.find(id, on: req.db), rating.raterID == account.id else { throw TongbanError.notFound("rating") }
        let followUp = try await FollowUp.query(on: req.db).filter(\.$ratingID == id).first()
        guard RatingRules.mayRevise(revisions: rating.revisions, followUp: followUp?.state) else {
            throw TongbanError.conflict(rating.revisions > 0 ? "rating.alreadyRevised" : "rating.followUpOpen")
        }
        let level = body.level.flatMap(RatingLevel.init(rawValue:))
        let reasons = body.reasons ?? []
        let comment = body.comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        let problems = RatingRules.problems(level: level, reasons: reasons, comment: comment)
        guard problems.isEmpty, let level else { throw TongbanError.invalid(problems) }
        let now = req.now
        let audit = req.auditEvent("rating.revised", resource: "rating:\(id)", details: "\(rating.level) → \(level.rawValue) [\(reasons.joined(separator: ","))]")
        try await req.db.write { tx in
            let changed = try await tx.sql.raw("""
                UPDATE ratings SET level = \(bind: level.rawValue), reasons = \(bind: reasons.joined(separator: ",")), comment = \(bind: comment?.isEmpty == false ? comment : nil),
                  revisions = revisions + 1, revised_at = \(bind: now)
                WHERE id = \(bind: id) AND revisions = 0 RETURNING id
                """).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("rating.alreadyRevised") }
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        rating.level = level.rawValue; rating.reasons = reasons.joined(separator: ","); rating.comment = comment; rating.revisions += 1; rating.revisedAt = now
        return rating
    }
}
