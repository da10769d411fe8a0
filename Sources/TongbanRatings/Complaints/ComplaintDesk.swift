import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// 民呼我应, the use cases: sending (routed to the answerable department), answering (that
/// department's staff, once: two at once, one wins), rating the answer (the sender, once), and
/// the lists each kind of account sees.
package struct ComplaintDesk {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct SendBody: Codable, Sendable {
        package var kind: String?
        package var subject: String?
        package var target: String?
        package var title: String?
        package var body: String?

        package init(kind: String? = nil, subject: String? = nil, target: String? = nil, title: String? = nil, body: String? = nil) {
            self.kind = kind
            self.subject = subject
            self.target = target
            self.title = title
            self.body = body
        }
    }

    package struct AnswerBody: Codable, Sendable {
        package var answer: String?
        package var version: Int?

        package init(answer: String? = nil, version: Int? = nil) {
            self.answer = answer
            self.version = version
        }
    }

    package struct RateBody: Codable, Sendable {
        package var level: Int?
        package var comment: String?
    }

    /// Whom a complaint goes to: the department answerable for its subject.
    package struct Route {
        package let label: String
        package let departmentID: UUID?
        package let departmentName: String
        package let regionCode: String
        package let itemCode: String?
        package let itemName: String?
    }

    /// A person or an enterprise sends one about an item, a department or their own application.
    package func send(_ body: SendBody) async throws -> ComplaintRecord {
        let account = try context.requireAccount()
        let sender = try account.requireID()
        try context.authorize(.create, .holderRecords(holderID: sender))
        let result = ComplaintRules.check(
            kind: body.kind, subject: body.subject, target: body.target,
            title: body.title, body: body.body)
        let checked: (kind: ComplaintKind, subject: ComplaintSubject, target: String, title: String, body: String)
        switch result {
        case let .success(value): checked = value
        case let .failure(problems): throw TongbanError.invalid(problems)
        }
        let today = context.today
        let route = try await self.route(checked.subject, checked.target, sender: sender)
        let due = try context.calendar.adding(workingDays: context.settings.complaintDays, to: today).value
        let now = context.now
        let record = ComplaintRecord()
        let id = UUID()
        record.id = id
        record.senderID = sender
        record.kind = checked.kind
        record.subject = checked.subject
        record.target = checked.target
        record.targetLabel = route.label
        record.itemCode = route.itemCode
        record.itemName = route.itemName
        record.departmentID = route.departmentID
        record.departmentName = route.departmentName
        record.regionCode = route.regionCode
        record.title = checked.title
        record.body = checked.body
        record.state = .open
        record.sentOn = today.description
        record.dueOn = due.description
        record.escalated = false
        record.version = 1
        record.createdAt = now
        record.updatedAt = now
        let audit = context.auditEvent(
            "complaint.send", resource: "complaint:\(id.uuidString)",
            details: "\(checked.kind.rawValue) → \(route.departmentName)")
        let event = OutboxEvent(
            .complaintSent, subject: id.uuidString,
            payload: ["complaint": id.uuidString, "department": route.departmentName, "due": due.description],
            audience: record.audience, at: now)
        try await context.db.write { tx in
            // counted with the sender's lock held: complaints sent together are counted one by one
            try await tx.lockUntilCommit("quota:\(sender)")
            let sentToday = try await ComplaintRecord.query(on: tx).filter(\.$senderID == sender)
                .filter(\.$sentOn == today.description).count()
            if sentToday >= Quotas.complaintsPerDay {
                throw TongbanError.conflict("quota.complaints", ["limit": String(Quotas.complaintsPerDay)])
            }
            try await record.create(on: tx)
            try await event.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return record
    }

    /// The department answerable for the subject; an application must be the sender's own
    /// (another's reads exactly like one that does not exist).
    package func route(_ subject: ComplaintSubject, _ target: String, sender: UUID) async throws -> Route {
        let db = context.db
        switch subject {
        case .item:
            let entry = try await CatalogEntry.query(on: db)
                .filter(\.$kind == .item)
                .filter(\.$status == .published)
                .filter(\.$code == target)
                .first()
            guard let entry else { throw TongbanError.invalid(field: "target", "complaint.unknownItem") }
            var department: Department?
            if let code = entry.departmentCode {
                department = try await Department.query(on: db).filter(\.$creditCode == code).first()
            }
            return Route(
                label: entry.name, departmentID: department?.id,
                departmentName: department?.name ?? entry.departmentName ?? "—",
                regionCode: entry.regionCode, itemCode: entry.code, itemName: entry.name)
        case .department:
            guard let id = UUID(uuidString: target), let department = try await Department.find(id, on: db) else {
                throw TongbanError.invalid(field: "target", "complaint.unknownDepartment")
            }
            return Route(
                label: department.name, departmentID: id, departmentName: department.name,
                regionCode: department.regionCode, itemCode: nil, itemName: nil)
        case .application:
            guard let id = UUID(uuidString: target),
                let application = try await ApplicationRecord.find(id, on: db),
                application.applicantID == sender,
                let first = try await CaseRow.query(on: db).filter(\.$applicationID == id).sort(\.$position).first()
            else {
                throw TongbanError.invalid(field: "target", "complaint.unknownApplication")
            }
            return Route(
                label: application.number ?? application.targetName, departmentID: first.departmentID,
                departmentName: first.departmentName, regionCode: application.regionCode,
                itemCode: first.itemCode, itemName: first.itemName)
        }
    }

    /// The sender, the answering department's staff, and supervisors of a region containing it;
    /// to anyone else it does not exist.
    package func find(_ id: UUID) async throws -> ComplaintRecord {
        _ = try context.requireAccount()
        guard let record = try await ComplaintRecord.find(id, on: context.db),
            context.allows(.view, try record.resource)
        else { throw TongbanError.notFound("complaint") }
        return record
    }

    /// The answering department's staff answer once; of two answers at once, one wins.
    package func answer(_ id: UUID, _ body: AnswerBody) async throws -> ComplaintRecord {
        let account = try context.requireAccount()
        let record = try await find(id)
        try context.authorize(.handle, try record.resource)
        var problems = FieldErrors()
        let answer = ComplaintRules.paragraph(
            "answer", body.answer, maxLength: ComplaintRules.answerLimit, minLength: 10,
            into: &problems)
        guard problems.isEmpty, let answer else { throw TongbanError.invalid(problems) }
        guard ComplaintRules.mayAnswer(record.state) else { throw TongbanError.conflict("complaint.alreadyAnswered") }
        let version = body.version ?? record.version
        let now = context.now
        let audit = context.auditEvent("complaint.answer", resource: "complaint:\(id.uuidString)")
        let event = OutboxEvent(
            .complaintAnswered, subject: id.uuidString, payload: ["complaint": id.uuidString], audience: record.audience, at: now)
        try await context.db.write { tx in
            let updated = try await tx.sql.update(ComplaintRecord.schema)
                .set("state", to: ComplaintState.answered.rawValue)
                .set("answer", to: answer)
                .set("answered_by", to: account.displayName)
                .set("answered_on", to: context.today.description)
                .set("version", to: SQLRaw("version + 1"))
                .set("updated_at", to: now)
                .where("id", .equal, id)
                .where("state", .equal, ComplaintState.open.rawValue)
                .where("version", .equal, version)
                .returning("id")
                .all()
            guard updated.count == 1 else { throw TongbanError.conflict("complaint.alreadyAnswered") }
            try await Ownership.claimIfUnowned(.complaint, id, by: account, at: now, on: tx)
            try await event.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return try await reread(id)
    }

    /// The sender rates the answer once.
    package func rate(_ id: UUID, _ body: RateBody) async throws -> ComplaintRecord {
        let account = try context.requireAccount()
        let record = try await find(id)
        guard record.senderID == account.id else { throw TongbanError.denied(.notOwner) }
        var problems = FieldErrors()
        let level = body.level.flatMap(RatingLevel.init(rawValue:))
        if level == nil { problems.add("level", "rating.badLevel") }
        let comment = problems.text("comment", body.comment, maxLength: RatingRules.commentLimit, required: false)
        guard problems.isEmpty, let level else { throw TongbanError.invalid(problems) }
        guard ComplaintRules.mayRate(record.state) else {
            throw TongbanError.conflict(record.state == .open ? "complaint.notAnswered" : "complaint.alreadyRated")
        }
        let now = context.now
        let audit = context.auditEvent("complaint.rate", resource: "complaint:\(id.uuidString)", details: String(level.rawValue))
        try await context.db.write { tx in
            let updated = try await tx.sql.update(ComplaintRecord.schema)
                .set("state", to: ComplaintState.closed.rawValue)
                .set("rating", to: level.rawValue)
                .set("rating_comment", to: comment)
                .set("version", to: SQLRaw("version + 1"))
                .set("updated_at", to: now)
                .where("id", .equal, id)
                .where("state", .equal, ComplaintState.answered.rawValue)
                .returning("id")
                .all()
            guard updated.count == 1 else { throw TongbanError.conflict("complaint.alreadyRated") }
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return try await reread(id)
    }

    /// The messages a person sent, the department's (staff), or the region's (supervisors):
    /// unanswered first, soonest due; then the rest, newest first.
    package func list() async throws -> [ComplaintRecord] {
        let actor = try context.requireAccount().actor
        let query = ComplaintRecord.query(on: context.db)
        let anyone = UUID()
        if let region = actor.regionCode,
            context.allows(.supervise, .complaint(senderID: anyone, regionCode: region, departmentID: nil))
        {
            query.filter(\.$regionCode >= region.significantPrefix).filter(\.$regionCode < region.significantPrefix + "~")
        } else if let region = actor.regionCode, let department = actor.departmentID,
            context.allows(.handle, .complaint(senderID: anyone, regionCode: region, departmentID: department))
        {
            query.filter(\.$departmentID == department)
        } else if context.allows(.view, .holderRecords(holderID: actor.accountID)) {
            query.filter(\.$senderID == actor.accountID)
        } else {
            throw TongbanError.denied(.roleMissing)
        }
        let rows = try await query.sort(\.$createdAt, .descending).limit(500).all()
        let open = rows.filter { $0.state == .open }.sorted { $0.dueOn < $1.dueOn }
        return open + rows.filter { $0.state != .open }
    }

    private func reread(_ id: UUID) async throws -> ComplaintRecord {
        guard let record = try await ComplaintRecord.find(id, on: context.db) else { throw TongbanError.notFound("complaint") }
        return record
    }
}

extension ComplaintRecord {
    /// The complaint as the policy sees it.
    package var resource: Resource {
        get throws { .complaint(senderID: senderID, regionCode: try RegionCode(regionCode), departmentID: departmentID) }
    }

    /// Whether its answer is late on `today`.
    package func isOverdue(on today: CalendarDate) -> Bool {
        CalendarDate(iso: dueOn).map { ComplaintRules.isOverdue(due: $0, on: today, state: state) } ?? false
    }
}

extension ComplaintRecord {
    /// The answering department, in the complaint's region.
    var audience: EventAudience { EventAudience(departmentID: departmentID, regionCode: try? RegionCode(regionCode)) }
}
