import Fluent
import Foundation
import TongbanCore
import TongbanPlatform

/// An application as the acting account may see it, the visits a clerk records, and the public
/// status lookup. To anyone the policy does not let see an application, it does not exist.
package struct ApplicationDesk {
    package let context: UseCaseContext

    /// An application with its cases, review tasks and timeline, each read once.
    package struct Loaded {
        package let application: ApplicationRecord
        package let cases: [CaseRow]
        package let tasks: [ReviewTask]
        package let events: [CaseEvent]
    }

    /// The application as the policy sees it: its applicant, region and every department that
    /// has a case or a task in it.
    package static func resource(_ application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask]) throws -> Resource {
        let departments = Set(tasks.compactMap(\.departmentID) + cases.compactMap(\.departmentID))
        return try application.resource(departmentIDs: departments)
    }

    /// Throws "not found" unless the acting account may see the application.
    package func checkVisible(_ application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask]) throws {
        guard context.allows(.view, try Self.resource(application, cases: cases, tasks: tasks)) else {
            throw TongbanError.notFound("application")
        }
    }

    package func load(_ id: UUID) async throws -> Loaded {
        _ = try context.requireAccount()
        guard let application = try await ApplicationRecord.find(id, on: context.db) else {
            throw TongbanError.notFound("application")
        }
        return try await load(application)
    }

    package func load(_ application: ApplicationRecord) async throws -> Loaded {
        let id = try application.requireID()
        let db = context.db
        let cases = try await CaseRow.query(on: db).filter(\.$applicationID == id).sort(\.$position).all()
        let tasks = try await ReviewTask.query(on: db).filter(\.$applicationID == id).sort(\.$position).all()
        try checkVisible(application, cases: cases, tasks: tasks)
        let events = try await CaseEvent.query(on: db).filter(\.$applicationID == id).sort(\.$at).all()
        return Loaded(application: application, cases: cases, tasks: tasks, events: events)
    }

    /// The application for the acting account, with the actions each of its roles may take.
    package func dto(_ loaded: Loaded) throws -> ApplicationDTO {
        let application = loaded.application
        let resource = try Self.resource(application, cases: loaded.cases, tasks: loaded.tasks)
        let caseActors: [CaseActor] = [
            context.allows(.view, .holderRecords(holderID: application.applicantID)) ? .applicant : nil,
            context.allows(.handle, resource) ? .clerk : nil,
            context.allows(.review, resource) ? .reviewer : nil,
        ].compactMap { $0 }
        return try ApplicationDTO.make(
            application, cases: loaded.cases, tasks: loaded.tasks, events: loaded.events,
            actions: { row in caseActors.flatMap { CaseMachine.allowed(in: row.state, by: $0) } },
            calendar: context.calendar, today: context.today, warnAt: context.settings.warnAt, keys: context.keys,
            showAccessCode: caseActors.contains(.applicant))
    }

    package func dto(of application: ApplicationRecord) async throws -> ApplicationDTO {
        try dto(try await load(application))
    }

    /// The acting applicant's own applications, newest first (a handler's: those of the items
    /// their mandate lists).
    package func mine(limit: Int) async throws -> [ApplicationRecord] {
        let account = try context.requireAccount()
        let query = ApplicationRecord.query(on: context.db).filter(\.$applicantID == (try account.requireID()))
        if let items = context.agency?.agent.itemCodes {
            query.filter(\.$targetCode ~~ Array(items))
        }
        return try await query.sort(\.$createdAt, .descending).limit(limit).all()
    }

    /// Whether the acting account may record the applicant's visits: a clerk of its region.
    package func mayRecordVisit(_ application: ApplicationRecord) throws -> Bool {
        context.allows(.handle, try application.resource())
    }

    /// 到场登记: a clerk of the region records one in-person visit with its purpose; the
    /// application's count, its timeline and the audit trail follow in one transaction.
    package func recordVisit(_ id: UUID, purpose raw: String?) async throws {
        let clerk = try context.requireAccount().requireID()
        guard let application = try await ApplicationRecord.find(id, on: context.db) else {
            throw TongbanError.notFound("application")
        }
        let resource = try application.resource()
        guard context.allows(.view, resource) else { throw TongbanError.notFound("application") }
        try context.authorize(.handle, resource)
        var problems = FieldErrors()
        guard let purpose = problems.text("purpose", raw, maxLength: 200) else { throw TongbanError.invalid(problems) }
        let audit = context.auditEvent(
            "application.visit", resource: "application:\(application.number ?? id.uuidString)",
            details: purpose)
        let now = context.now
        try await context.db.write { tx in
            let visit = ApplicationVisit()
            visit.applicationID = id
            visit.at = now
            visit.purpose = purpose
            visit.recordedBy = clerk
            try await visit.create(on: tx)
            let count = try await ApplicationVisit.query(on: tx).filter(\.$applicationID == id).count()
            try await ApplicationRecord.query(on: tx).filter(\.$id == id).set(\.$visits, to: count).update()
            // the visit changes what the application's cases count for (一次办, 零跑腿)
            try await CaseRow.query(on: tx).filter(\.$applicationID == id).set(\.$updatedAt, to: now).update()
            let entry = CaseEvent(
                applicationID: id, caseID: nil, at: now, actor: audit.actorLabel, action: "visit",
                from: nil, to: nil, detail: purpose)
            try await entry.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
    }

    /// How often the public status lookup answers: a client address 20 times a minute, and one
    /// application number 10 times an hour, whoever asks — on top of a code of 40 random bits,
    /// neither the codes of one number nor the numbers of a day can be walked through.
    package struct StatusLimits: Sendable {
        package let perClient: AddressLimiter
        package let perNumber: AddressLimiter
        package var clientLimit = 20
        package var numberLimit = 10

        package init(perClient: AddressLimiter, perNumber: AddressLimiter) {
            self.perClient = perClient
            self.perNumber = perNumber
        }
    }

    private func admit(_ key: String, _ limiter: AddressLimiter, limit: Int) throws {
        try limiter.admitOrRefuse(key, limit: limit, at: context.now, code: "status.tooMany")
    }

    /// The public status lookup: the number and the code given at submission (查询码), which
    /// says nothing of who applied; the answer holds no name, no form, nothing personal.
    package func status(number rawNumber: String?, code rawCode: String?, limits: StatusLimits? = nil) async throws
        -> ApplicationAPI.StatusDTO
    {
        if let limits { try admit(context.clientAddress ?? "unknown", limits.perClient, limit: limits.clientLimit) }
        var problems = FieldErrors()
        let raw = problems.text("number", rawNumber, maxLength: 40)
        let typedCode = problems.text("code", rawCode, maxLength: 20)
        let number = raw.flatMap { raw in
            problems.check("number") { () throws(ApplicationNumber.Problem) in try ApplicationNumber(raw) }
        }
        let code = typedCode.flatMap { typed in
            problems.check("code") { () throws(AccessCode.Problem) in try AccessCode(typed) }
        }
        guard problems.isEmpty, let number, let code else { throw TongbanError.invalid(problems) }
        if let limits { try admit(number.value, limits.perNumber, limit: limits.numberLimit) }
        let found = try await ApplicationRecord.query(on: context.db).filter(\.$number == number.value).first()
        // a wrong code and a number never given are one answer: the lookup tells nothing of either
        guard let application = found, let stored = application.accessCode(context.keys), code.matches(stored) else {
            throw TongbanError.notFound("application")
        }
        let cases = try await CaseRow.query(on: context.db)
            .filter(\.$applicationID == application.requireID())
            .sort(\.$position)
            .all()
        return ApplicationAPI.StatusDTO(
            number: number.value, target: application.targetName, status: application.status.rawValue,
            submittedOn: application.submittedOn, dueOn: application.dueOn,
            cases: cases.map { .init(item: $0.itemName, state: $0.state.rawValue, dueOn: $0.dueOn) })
    }
}
