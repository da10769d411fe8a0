import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// 民呼我应: sending (routed to the answerable department), answering (that department's staff,
/// once: two at once, one wins), rating the answer (the sender, once), escalating the overdue.
enum ComplaintService {
    struct SendBody: Content { var kind: String?; var subject: String?; var target: String?; var title: String?; var body: String? }
    struct AnswerBody: Content { var answer: String?; var version: Int? }
    struct RateBody: Content { var level: Int?; var comment: String? }

    struct Route {
        let label: String
        let departmentID: UUID?
        let departmentName: String
        let regionCode: String
        let itemCode: String?
        let itemName: String?
    }

    static func send(_ body: SendBody, on req: Request) async throws -> ComplaintRecord {
        let account = try req.requireAccount()
        let sender = try account.requireID()
        let checked: (kind: ComplaintKind, subject: ComplaintSubject, target: String, title: String, body: String)
        switch ComplaintRules.check(kind: body.kind, subject: body.subject, target: body.target, title: body.title, body: body.body) {
        case let .success(value): checked = value
        case let .failure(problems): throw TongbanError.invalid(problems)
        }
        let route = try await self.route(checked.subject, checked.target, sender: sender, on: req.db)
        let today = req.application.today
        let due = try req.application.workingDays.adding(workingDays: req.application.tongban.complaintDays, to: today).value
        let now = req.now
        let record = ComplaintRecord()
        record.id = UUID(); record.senderID = sender; record.kind = checked.kind; record.subject = checked.subject
        record.target = checked.target; record.targetLabel = route.label; record.itemCode = route.itemCode; record.itemName = route.itemName
        record.departmentID = route.departmentID; record.departmentName = route.departmentName; record.regionCode = route.regionCode
        record.title = checked.title; record.body = checked.body; record.state = .open; record.sentOn = today.description
        record.dueOn = due.description; record.escalated = false; record.version = 1; record.createdAt = now; record.updatedAt = now
        let audit = req.auditEvent("complaint.send", resource: "complaint:\(record.id!.uuidString)", details: "\(checked.kind.rawValue) → \(route.departmentName)")
        try await req.db.write { tx in
            try await record.create(on: tx)
            try await OutboxEvent(topic: "complaint.sent", subject: record.id!.uuidString,
                                  payload: ["complaint": record.id!.uuidString, "department": route.departmentName, "due": due.description], at: now).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return record
    }

    /// The department answerable for the subject; an application must be the sender's own
    /// (another's reads exactly like one that does not exist).
    static func route(_ subject: ComplaintSubject, _ target: String, sender: UUID, on db: any Database) async throws -> Route {
        switch subject {
        case .item:
            guard let entry = try await CatalogEntry.query(on: db).filter(\.$kind == .item).filter(\.$status == .published)
                .filter(\.$code == target).first() else { throw TongbanError.invalid(field: "target", "complaint.unknownItem") }
            var department: Department?
            if let code = entry.departmentCode { department = try await Department.query(on: db).filter(\.$creditCode == code).first() }
            return Route(label: entry.name, departmentID: department?.id, departmentName: department?.name ?? entry.departmentName ?? "—",
                         regionCode: entry.regionCode, itemCode: entry.code, itemName: entry.name)
        case .department:
            guard let id = UUID(uuidString: target), let department = try await Department.find(id, on: db) else {
                throw TongbanError.invalid(field: "target", "complaint.unknownDepartment")
            }
            return Route(label: department.name, departmentID: id, departmentName: department.name, regionCode: department.regionCode, itemCode: nil, itemName: nil)
        case .application:
            guard let id = UUID(uuidString: target), let application = try await ApplicationRecord.find(id, on: db), application.applicantID == sender,
                  let first = try await CaseRow.query(on: db).filter(\.$applicationID == id).sort(\.$position).first() else {
                throw TongbanError.invalid(field: "target", "complaint.unknownApplication")
            }
            return Route(label: application.number ?? application.targetName, departmentID: first.departmentID, departmentName: first.departmentName,
                         regionCode: application.regionCode, itemCode: first.itemCode, itemName: first.itemName)
        }
    }

    /// The sender, the answering department's staff, and supervisors of a region containing it.
    static func find(_ id: UUID, on req: Request) async throws -> ComplaintRecord {
        _ = try req.requireAccount()
        guard let record = try await ComplaintRecord.find(id, on: req.db),
              Policy.decide(req.currentActor, .view, try record.resource).isAllowed else { throw TongbanError.notFound("complaint") }
        return record
    }

    static func answer(_ id: UUID, _ body: AnswerBody, on req: Request) async throws -> ComplaintRecord {
        let account = try req.requireAccount()
        let record = try await find(id, on: req)
        try req.authorize(.handle, try record.resource)
        var problems = FieldErrors()
        let answer = ComplaintRules.paragraph("answer", body.answer, maxLength: ComplaintRules.answerLimit, minLength: 10, into: &problems)
        guard problems.isEmpty, let answer else { throw TongbanError.invalid(problems) }
        guard ComplaintRules.mayAnswer(record.state) else { throw TongbanError.conflict("complaint.alreadyAnswered") }
        let version = body.version ?? record.version
        let today = req.application.today.description
        let now = req.now
        let audit = req.auditEvent("complaint.answer", resource: "complaint:\(id.uuidString)")
        try await req.db.write { tx in
            let updated = try await tx.sql.update(ComplaintRecord.schema)
                .set("state", to: ComplaintState.answered.rawValue).set("answer", to: answer).set("answered_by", to: account.displayName)
                .set("answered_on", to: today).set("version", to: SQLRaw("version + 1")).set("updated_at", to: now)
                .where("id", .equal, id).where("state", .equal, ComplaintState.open.rawValue).where("version", .equal, version)
                .returning("id").all()
            guard updated.count == 1 else { throw TongbanError.conflict("complaint.alreadyAnswered") }
            try await OutboxEvent(topic: "complaint.answered", subject: id.uuidString, payload: ["complaint": id.uuidString], at: now).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return try await ComplaintRecord.find(id, on: req.db)!
    }

    static func rate(_ id: UUID, _ body: RateBody, on req: Request) async throws -> ComplaintRecord {
        let account = try req.requireAccount()
        let record = try await find(id, on: req)
        guard record.senderID == account.id else { throw TongbanError.denied(.notOwner) }
        var problems = FieldErrors()
        let level = body.level.flatMap(RatingLevel.init(rawValue:))
        if level == nil { problems.add("level", "rating.badLevel") }
        let comment = problems.text("comment", body.comment, maxLength: RatingRules.commentLimit, required: false)
        guard problems.isEmpty, let level else { throw TongbanError.invalid(problems) }
        guard ComplaintRules.mayRate(record.state) else {
            throw TongbanError.conflict(record.state == .open ? "complaint.notAnswered" : "complaint.alreadyRated")
        }
        let now = req.now
        let audit = req.auditEvent("complaint.rate", resource: "complaint:\(id.uuidString)", details: String(level.rawValue))
        try await req.db.write { tx in
            let updated = try await tx.sql.update(ComplaintRecord.schema)
                .set("state", to: ComplaintState.closed.rawValue).set("rating", to: level.rawValue).set("rating_comment", to: comment)
                .set("version", to: SQLRaw("version + 1")).set("updated_at", to: now)
                .where("id", .equal, id).where("state", .equal, ComplaintState.answered.rawValue)
                .returning("id").all()
            guard updated.count == 1 else { throw TongbanError.conflict("complaint.alreadyRated") }
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return try await ComplaintRecord.find(id, on: req.db)!
    }

    /// The messages a person sent, the department's (staff), or the region's (supervisors); newest first.
    static func list(on req: Request) async throws -> [ComplaintRecord] {
        let account = try req.requireAccount()
        let query = ComplaintRecord.query(on: req.db)
        let actor = try account.actor
        if let region = actor.regionCode,
           Policy.decide(actor, .supervise, .complaint(senderID: UUID(), regionCode: region, departmentID: nil)).isAllowed {
            query.filter(\.$regionCode >= region.significantPrefix).filter(\.$regionCode < region.significantPrefix + "~")
        } else if let region = actor.regionCode, let department = actor.departmentID,
                  Policy.decide(actor, .handle, .complaint(senderID: UUID(), regionCode: region, departmentID: department)).isAllowed {
            query.filter(\.$departmentID == department)
        } else if Policy.decide(actor, .view, .holderRecords(holderID: actor.accountID)).isAllowed {
            query.filter(\.$senderID == actor.accountID)
        } else {
            throw TongbanError.denied(.roleMissing)
        }
        // unanswered first, soonest due; then the rest, newest first
        let rows = try await query.sort(\.$createdAt, .descending).limit(500).all()
        return rows.filter { $0.state == .open }.sorted { $0.dueOn < $1.dueOn } + rows.filter { $0.state != .open }
    }
}

extension ComplaintRecord {
    /// The complaint as the policy sees it.
    var resource: Resource {
        get throws { .complaint(senderID: senderID, regionCode: try RegionCode(regionCode), departmentID: departmentID) }
    }
}
