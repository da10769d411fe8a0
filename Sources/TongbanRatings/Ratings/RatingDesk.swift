import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// 好差评, the use cases: giving a rating (一事一评 on a concluded application, 一次一评 on a
/// served window visit), the follow-up a bad one opens, and the one revision afterwards.
package struct RatingDesk {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct RatingBody: Codable, Sendable {
        package var level: Int?
        package var reasons: [String]?
        package var comment: String?

        package init(level: Int? = nil, reasons: [String]? = nil, comment: String? = nil) {
            self.level = level
            self.reasons = reasons
            self.comment = comment
        }
    }

    /// Whom the rating concerns: the department answerable, its region, what is rated.
    package struct Subject {
        package let occasion: RatingOccasion
        package let raterID: UUID?
        package let departmentID: UUID?
        package let departmentName: String
        package let regionCode: String
        package let name: String
    }

    /// A rating given, with the follow-up it opened (a bad one).
    package struct Given {
        package let rating: RatingRecord
        package let followUp: FollowUp?
    }

    /// 一事一评: the applicant rates an application once all its cases have ended; the department
    /// of its first case answers for it.
    package func applicationSubject(_ id: UUID) async throws -> Subject {
        let account = try context.requireAccount()
        guard let application = try await ApplicationRecord.find(id, on: context.db),
            context.allows(.view, .holderRecords(holderID: application.applicantID))
        else { throw TongbanError.notFound("application") }
        guard application.status == .closed else { throw TongbanError.conflict("rating.notConcluded") }
        let first = try await CaseRow.query(on: context.db).filter(\.$applicationID == id).sort(\.$position).first()
        return Subject(
            occasion: .application(id), raterID: account.id, departmentID: first?.departmentID,
            departmentName: first?.departmentName ?? "", regionCode: application.regionCode,
            name: application.targetName)
    }

    /// 一次一评: whoever holds a served ticket rates the service at the window — the account that
    /// took it online, or (a kiosk ticket) the holder of its link; never the clerk. The clerk's
    /// department answers for it.
    package func visitSubject(_ id: UUID) async throws -> Subject {
        let db = context.db
        guard let ticket = try await HallTicket.find(id, on: db), let hall = try await Hall.find(ticket.hallID, on: db) else {
            throw TongbanError.notFound("ticket")
        }
        let account = context.account
        if let holder = ticket.accountID, holder != account?.id {
            throw TongbanError.denied(account == nil ? .loginRequired : .notOwner)
        }
        if let own = context.ownRecords, !context.allows(.create, own) { throw TongbanError.denied(.notOwner) }
        guard ticket.status == .served else { throw TongbanError.conflict("rating.notServed") }
        var department: Department?
        if let clerkID = ticket.clerkID, let clerk = try await Account.find(clerkID, on: db), let id = clerk.$department.id {
            department = try await Department.find(id, on: db)
        }
        return Subject(
            occasion: .visit(id), raterID: account?.id, departmentID: department?.id,
            departmentName: department?.name ?? hall.name, regionCode: hall.regionCode,
            name: "\(hall.name) \(ticket.windowName ?? "") \(ticket.label)")
    }

    /// The rating once checked; a bad one opens a follow-up for the answerable department, due
    /// in the configured working days.
    package func rate(_ subject: Subject, _ body: RatingBody) async throws -> Given {
        let level = body.level.flatMap(RatingLevel.init(rawValue:))
        let reasons = body.reasons ?? []
        let comment = body.comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        let problems = RatingRules.problems(level: level, reasons: reasons, comment: comment)
        guard problems.isEmpty, let level else { throw TongbanError.invalid(problems) }
        let earlier = try await RatingRecord.query(on: context.db)
            .filter(\.$occasion == subject.occasion.kind)
            .filter(\.$subjectID == subject.occasion.subject)
            .count()
        if earlier > 0 { throw TongbanError.conflict("rating.alreadyRated") }
        let now = context.now
        let today = context.today
        let rating = RatingRecord()
        let ratingID = UUID()
        rating.id = ratingID
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
        rating.ratedOn = today.description
        let followUp = level.isBad ? try openFollowUp(for: ratingID, subject: subject) : nil
        let details = "\(subject.occasion.kind) \(subject.name): \(level.rawValue) [\(rating.reasons)] → \(subject.departmentName)"
        let audit = context.auditEvent("rating.given", resource: "rating:\(ratingID)", details: details)
        do {
            try await context.db.write { tx in
                try await rating.create(on: tx)
                if let followUp {
                    let id = try followUp.requireID().uuidString
                    try await followUp.create(on: tx)
                    let payload = ["followUp": id, "department": subject.departmentName, "due": followUp.dueOn]
                    let audience = EventAudience(departmentID: subject.departmentID, regionCode: try? RegionCode(subject.regionCode))
                    try await OutboxEvent(.followUpOpened, subject: id, payload: payload, audience: audience, at: now).create(on: tx)
                }
                try await AuditLog.append(audit, on: tx, now: now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw TongbanError.conflict("rating.alreadyRated")
        }
        return Given(rating: rating, followUp: followUp)
    }

    private func openFollowUp(for ratingID: UUID, subject: Subject) throws -> FollowUp {
        let today = context.today
        let deadline = try FollowUpDeadline(openedOn: today, days: context.settings.followUpDays, calendar: context.calendar)
        let followUp = FollowUp()
        followUp.id = UUID()
        followUp.ratingID = ratingID
        followUp.departmentID = subject.departmentID
        followUp.departmentName = subject.departmentName
        followUp.regionCode = subject.regionCode
        followUp.state = .open
        followUp.openedOn = today.description
        followUp.dueOn = deadline.dueOn.description
        followUp.escalated = false
        followUp.version = 1
        followUp.updatedAt = context.now
        return followUp
    }

    /// The rater's own rating and its follow-up; anyone else's reads as absent.
    package func own(_ id: UUID) async throws -> Given {
        let account = try context.requireAccount()
        guard let rating = try await RatingRecord.find(id, on: context.db), rating.raterID == account.id else {
            throw TongbanError.notFound("rating")
        }
        return Given(rating: rating, followUp: try await followUp(of: id))
    }

    /// The rating given on an occasion, if any, with its follow-up.
    package func given(on occasion: RatingOccasion) async throws -> Given? {
        let rating = try await RatingRecord.query(on: context.db)
            .filter(\.$occasion == occasion.kind)
            .filter(\.$subjectID == occasion.subject)
            .first()
        guard let rating else { return nil }
        return Given(rating: rating, followUp: try await followUp(of: try rating.requireID()))
    }

    /// The rater revises once, after the follow-up has ended.
    package func revise(_ id: UUID, _ body: RatingBody) async throws -> Given {
        let given = try await own(id)
        let rating = given.rating
        let followUp = given.followUp
        guard RatingRules.mayRevise(revisions: rating.revisions, followUp: followUp?.state) else {
            throw TongbanError.conflict(rating.revisions > 0 ? "rating.alreadyRevised" : "rating.followUpOpen")
        }
        let level = body.level.flatMap(RatingLevel.init(rawValue:))
        let reasons = body.reasons ?? []
        let trimmed = body.comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        let problems = RatingRules.problems(level: level, reasons: reasons, comment: trimmed)
        guard problems.isEmpty, let level else { throw TongbanError.invalid(problems) }
        let comment = trimmed?.isEmpty == false ? trimmed : nil
        let joined = reasons.joined(separator: ",")
        let now = context.now
        let audit = context.auditEvent(
            "rating.revised", resource: "rating:\(id)", details: "\(rating.level) → \(level.rawValue) [\(joined)]")
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE ratings SET level = \(bind: level.rawValue), reasons = \(bind: joined), comment = \(bind: comment),
                  revisions = revisions + 1, revised_at = \(bind: now)
                WHERE id = \(bind: id) AND revisions = 0 RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("rating.alreadyRevised") }
            try await AuditLog.append(audit, on: tx, now: now)
        }
        rating.level = level.rawValue
        rating.reasons = joined
        rating.comment = comment
        rating.revisions += 1
        rating.revisedAt = now
        return Given(rating: rating, followUp: followUp)
    }

    private func followUp(of ratingID: UUID) async throws -> FollowUp? {
        try await FollowUp.query(on: context.db).filter(\.$ratingID == ratingID).first()
    }
}
