import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// An action on a case, as the API takes it: the action's name and what it carries.
package struct CaseActionBody: Content {
    package var action: String
    package var reasons: [String]?
    package var reason: String?
    package var legalBasis: String?
    package var materials: [String]?
    package var owed: [String]?
    package var due: String?
    package var approved: Bool?
    package var method: String?
    package var trackingNumber: String?
    package var procedure: String?
    /// The case version the caller saw; when given, a case changed since is a 409.
    package var version: Int?

    package init(
        action: String, reasons: [String]? = nil, reason: String? = nil, legalBasis: String? = nil, materials: [String]? = nil,
        owed: [String]? = nil, due: String? = nil, approved: Bool? = nil, method: String? = nil, trackingNumber: String? = nil,
        procedure: String? = nil, version: Int? = nil
    ) {
        self.action = action
        self.reasons = reasons
        self.reason = reason
        self.legalBasis = legalBasis
        self.materials = materials
        self.owed = owed
        self.due = due
        self.approved = approved
        self.method = method
        self.trackingNumber = trackingNumber
        self.procedure = procedure
        self.version = version
    }

    package func action(today: CalendarDate, calendar: WorkingDayCalendar, item: ServiceItem) throws -> CaseAction {
        guard let kind = CaseActionKind(rawValue: action) else { throw TongbanError.invalid(field: "action", "field.unknownValue") }
        func date(_ raw: String?, _ field: String) throws -> CalendarDate {
            guard let raw else { throw TongbanError.invalid(field: field, "field.required") }
            guard let date = CalendarDate(iso: raw) else { throw TongbanError.invalid(field: field, "field.invalidDate") }
            return date
        }
        func text(_ value: String?, _ field: String) throws -> String {
            var problems = FieldErrors()
            guard let clean = problems.text(field, value, maxLength: 2_000) else { throw TongbanError.invalid(problems) }
            return clean
        }
        func list(_ values: [String]?, _ field: String) throws -> [String] {
            let clean = (values ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            guard !clean.isEmpty else { throw TongbanError.invalid(field: field, "field.required") }
            guard clean.count <= 50, clean.allSatisfy({ $0.count <= 500 }) else {
                throw TongbanError.invalid(field: field, "field.tooLong")
            }
            return clean
        }
        switch kind {
        case .submit: return .submit
        case .passPrereview: return .passPrereview
        case .returnForCorrection: return .returnForCorrection(reasons: try list(reasons, "reasons"))
        case .accept: return .accept
        case .acceptTolerantly: return .acceptTolerantly(owed: try list(owed, "owed"), due: try date(due, "due"))
        case .approveOnCommitment:
            // verification within the item's promised days, on the working-day calendar
            let verifyBy = (try? calendar.adding(workingDays: max(item.workingDays, 20), to: today).value) ?? today
            return .approveOnCommitment(verifyBy: verifyBy)
        case .approveInstantly: throw TongbanError.invalid(field: "action", "case.systemOnly")
        case .requestCorrection: return .requestCorrection(materials: try list(materials, "materials"))
        case .supplyCorrection: return .supplyCorrection
        case .refuse: return .refuse(reason: try text(reason, "reason"), legalBasis: try text(legalBasis, "legalBasis"))
        case .supplyOwed: return .supplyOwed
        case .suspendForOwed: throw TongbanError.invalid(field: "action", "case.systemOnly")
        case .startProcedure:
            guard let procedure, let kind = ProcedureKind(rawValue: procedure) else {
                throw TongbanError.invalid(field: "procedure", "field.unknownValue")
            }
            let step = item.steps.first { $0.kind.rawValue == kind.rawValue }
            return .startProcedure(kind, pausesClock: step?.pausesClock ?? false)
        case .finishProcedure: return .finishProcedure
        case .decide:
            guard let approved else { throw TongbanError.invalid(field: "approved", "field.required") }
            return .decide(approved: approved, reasons: try text(reason, "reason"), legalBasis: try text(legalBasis, "legalBasis"))
        case .deliver:
            guard let method, let delivery = DeliveryMethod(rawValue: method) else {
                throw TongbanError.invalid(field: "method", "field.unknownValue")
            }
            guard delivery == .post else { return .deliver(delivery, trackingNumber: nil) }
            // EMS and China Post numbers are UPU S10, check digit and all
            var problems = FieldErrors()
            guard let typed = problems.text("trackingNumber", trackingNumber, maxLength: 40),
                let number = problems.check("trackingNumber", { () throws(TrackingNumber.Problem) in try TrackingNumber(typed) })
            else { throw TongbanError.invalid(problems) }
            return .deliver(delivery, trackingNumber: number.value)
        case .conclude: return .conclude
        case .withdraw: return .withdraw
        case .passVerification: return .passVerification
        case .failVerification: return .failVerification(reason: try text(reason, "reason"))
        case .prerequisitesMet, .stopForPrerequisite, .reopenDelivery: throw TongbanError.invalid(field: "action", "case.systemOnly")
        }
    }
}

/// The rules of acting on a case that the platform (the deadline watch) and people share.
package enum CaseWork {
    /// Everything about one case that an action needs, read before the transaction.
    package struct Loaded {
        package let row: CaseRow
        package let record: CaseRecord
        package let application: ApplicationRecord
        package let item: ServiceItem
        package let tasks: [ReviewTask]
        /// The cases of the same application this one depends on (a bundle's prerequisites).
        package let prerequisites: [CaseRow]
    }

    package static func load(caseID: UUID, caches: ApplicationCaches, on db: any Database) async throws -> Loaded {
        guard let row = try await CaseRow.find(caseID, on: db),
            let application = try await ApplicationRecord.find(row.applicationID, on: db),
            let entry = try await CatalogStore.entry(.item, code: row.itemCode, version: row.itemVersion, on: db)
        else {
            throw TongbanError.notFound("case")
        }
        let tasks = try await ReviewTask.query(on: db).filter(\.$caseID == caseID).sort(\.$position).all()
        let record = try row.caseRecord()
        let prerequisiteIDs = (record.prerequisites ?? []).compactMap(UUID.init(uuidString:))
        let prerequisites = prerequisiteIDs.isEmpty ? [] : try await CaseRow.query(on: db).filter(\.$id ~~ prerequisiteIDs).all()
        return Loaded(
            row: row, record: record, application: application, item: try caches.item(entry), tasks: tasks, prerequisites: prerequisites)
    }

    package static func resource(_ loaded: Loaded) throws -> Resource {
        try loaded.application.resource(
            departmentIDs: Set(loaded.tasks.compactMap(\.departmentID) + [loaded.row.departmentID].compactMap { $0 }))
    }

    /// The transition itself, for people (through `act`) and for the platform (deadline watch).
    package static func perform(
        _ action: CaseAction, on loaded: Loaded, as role: CaseActor, actorLabel label: String, audit auditBase: AuditEvent,
        context: UseCaseContext, signer: LicenseSigner
    ) async throws {
        let today = context.today
        let calendar = context.calendar
        let db = context.db
        let kind = action.kind
        let caseID = try loaded.row.requireID()
        let situation = CaseMachine.Context(
            actor: role, today: today,
            openReviewTasks: loaded.tasks.filter { $0.status != .done }.count,
            commitmentAllowed: loaded.item.commitmentAllowed,
            tolerableMaterials: Set(loaded.item.materials.filter(\.tolerable).flatMap { [$0.key, $0.name] }),
            openPrerequisites: BundleLinks.openPrerequisites(of: loaded.record, among: loaded.prerequisites))
        let next: CaseRecord
        do {
            next = try CaseMachine.apply(action, to: loaded.record, situation)
        } catch {
            throw refusal(error)
        }
        let reading = try next.clock.map { try $0.reading(on: today, calendar: calendar, warnAt: context.settings.warnAt) }
        let opened = openTasks(loaded.tasks, after: loaded.record, next, today: today, calendar: calendar)
        var auditEvent = auditBase
        auditEvent.details = "\(loaded.row.itemCode): \(loaded.record.state.rawValue) → \(next.state.rawValue)"
        auditEvent.purpose = role.rawValue
        let audit = auditEvent
        let detail = detailText(action)
        // an approval whose result is an e-licence issues it, signed before the transaction
        let license =
            next.state == .decided && loaded.record.state != .decided && next.decision?.approved == true
            ? try await signer.prepare(for: loaded, on: today, db: db) : nil
        let now = context.now
        let companions = try await ResultDelivery.companions(loaded, action, on: db)
        try await db.write { tx in
            let written = try await write(loaded.row, from: loaded.record, to: next, reading: reading, now: now, on: tx)
            guard written else { throw conflict(loaded, role) }
            for task in opened { try await task.save(on: tx) }
            let applicationID = try loaded.application.requireID()
            let audience = try await announce(
                loaded.row, kind, from: loaded.record.state, to: next.state, actor: label, detail: detail,
                application: loaded.application, at: now, on: tx)
            var audits = [audit]
            if let license {
                try await license.create(on: tx)
                try await OutboxEvent(
                    .licenseIssued, subject: license.identifier,
                    payload: [
                        "license": license.identifier, "type": license.typeCode, "holder": license.holderID.uuidString,
                        "application": loaded.application.number ?? "",
                    ],
                    audience: audience, at: now
                ).create(on: tx)
                audits.append(
                    AuditEvent(
                        actorID: auditBase.actorID, actorLabel: auditBase.actorLabel, action: "license.issue",
                        resource: "license:\(license.identifier)", requestID: auditBase.requestID,
                        details: "\(license.typeName) for application \(loaded.application.number ?? "-")"))
            }
            if next.state == .decided && loaded.record.state != .decided && next.decision?.approved == true {
                try await SupervisionHandoff.handOver(
                    caseID: caseID, application: loaded.application, item: loaded.item, decidingDepartmentID: loaded.row.departmentID,
                    rules: context.settings.handoffRules, calendar: calendar, today: today, now: now, on: tx)
            }
            if next.state == .revoked {
                // failed verification of a commitment: the licence it brought is revoked too
                try await LicenseRecord.query(on: tx).filter(\.$caseID == caseID).filter(\.$status == LicenseStatus.valid.rawValue)
                    .set(\.$status, to: LicenseStatus.revoked.rawValue).set(\.$statusReason, to: detail).set(\.$updatedAt, to: now).update()
            }
            audits += try await ResultDelivery.record(
                loaded, action, companions: companions, actor: label, audit: auditBase, context: context, on: tx)
            audits += try await BundleLinks.follow(
                loaded, from: loaded.record, to: next, license: license, audit: auditBase, context: context, on: tx)
            try await refreshApplication(applicationID, on: tx)
            if role != .system { try await CaseOwnership.claimIfUnowned(loaded.application, by: context.account, at: now, on: tx) }
            try await AuditLog.append(audits, on: tx, now: now)
        }
    }

    /// One case moved inside a transaction already open, by the platform or along with another
    /// (a bundle's dependent, a result delivered together): the state machine decides, the row is
    /// written only if nobody wrote it since it was read, the review opens when it starts, and the
    /// timeline, the outbox and the audit entry say so. The row is left as written.
    package static func move(
        _ row: CaseRow, _ action: CaseAction, as role: CaseActor, actor label: String, detail: String?, openPrerequisites: Int = 0,
        application: ApplicationRecord, audit: AuditEvent, context: UseCaseContext, on tx: any Database
    ) async throws -> AuditEvent {
        let before = try row.caseRecord()
        let today = context.today
        let situation = CaseMachine.Context(actor: role, today: today, openPrerequisites: openPrerequisites)
        let next: CaseRecord
        do { next = try CaseMachine.apply(action, to: before, situation) } catch { throw refusal(error) }
        let reading = try next.clock.map { try $0.reading(on: today, calendar: context.calendar, warnAt: context.settings.warnAt) }
        let caseID = try row.requireID()
        guard try await write(row, from: before, to: next, reading: reading, now: context.now, on: tx) else {
            throw TongbanError(status: .conflict, code: "case.changedMeanwhile", arguments: ["state": before.state.rawValue])
        }
        if next.state == .underReview {
            let tasks = try await ReviewTask.query(on: tx).filter(\.$caseID == caseID).sort(\.$position).all()
            for task in openTasks(tasks, after: before, next, today: today, calendar: context.calendar) { try await task.save(on: tx) }
        }
        let kind = action.kind
        try await announce(
            row, kind, from: before.state, to: next.state, actor: label, detail: detail, application: application, at: context.now, on: tx)
        var entry = audit
        entry.action = "case.\(kind.rawValue)"
        entry.resource = "application:\(application.number ?? "-")"
        entry.purpose = role.rawValue
        entry.details = "\(row.itemCode): \(before.state.rawValue) → \(next.state.rawValue)"
        row.state = next.state
        try row.setRecord(next, encoder: StoredJSON.encoder)
        row.version += 1
        return entry
    }

    /// What a case's move tells: its timeline entry, and the outbox event that notifies the
    /// applicant and the department's subscribers. Returns who the event is for.
    @discardableResult
    static func announce(
        _ row: CaseRow, _ kind: CaseActionKind, from: CaseState, to: CaseState, actor label: String, detail: String?,
        application: ApplicationRecord, at now: Date, on tx: any Database
    ) async throws -> EventAudience {
        try await CaseEvent(
            applicationID: row.applicationID, caseID: try row.requireID(), at: now, actor: label, action: kind.rawValue,
            from: from, to: to, detail: detail
        ).create(on: tx)
        let audience = EventAudience(departmentID: row.departmentID, regionCode: try? RegionCode(application.regionCode))
        try await OutboxEvent(
            .caseAction(kind), subject: application.number ?? "-",
            payload: [
                "application": application.number ?? "", "item": row.itemCode, "itemName": row.itemName,
                "from": from.rawValue, "to": to.rawValue,
            ].merging(detail.map { ["detail": $0] } ?? [:]) { $1 }, audience: audience, at: now
        ).create(on: tx)
        return audience
    }

    /// Writes a case's move: its state and record, and the columns the lists and the deadline
    /// watch read, only if nobody wrote the case since `row` was read. False when somebody did.
    package static func write(
        _ row: CaseRow, from before: CaseRecord, to next: CaseRecord, reading: CaseClock.Reading?, now: Date, on tx: any Database
    ) async throws -> Bool {
        let running = next.state.isAccepted && !(reading?.isPaused ?? true)
        // a case waiting for a prerequisite has no due date yet: its clock has not started
        let counting = next.state.isAccepted && next.state != .waiting
        let encoded = String(decoding: try StoredJSON.encoder.encode(next), as: UTF8.self)
        let updated = try await tx.sql.update(CaseRow.schema)
            .set("state", to: next.state.rawValue).set("record", to: encoded)
            .set("version", to: SQLRaw("version + 1"))
            .set("due_on", to: counting ? reading?.dueDate.description : next.state == .waiting ? nil : row.dueOn)
            .set("yellow_on", to: counting ? reading?.yellowDate.description : nil)
            .set("clock_running", to: running)
            .set("owed_due", to: next.owed.isEmpty ? nil : next.owedDue?.description)
            .set("verify_due", to: next.verificationDue?.description)
            .set("warning", to: (counting ? reading?.warning ?? .none : .none).rawValue)
            .set("updated_at", to: now)
            .set("decided_on", to: next.decision?.on.description)
            .set("days_used", to: next.decision == nil ? nil : before.decision == nil ? reading?.used ?? 0 : row.daysUsed)
            .where("id", .equal, try row.requireID()).where("version", .equal, row.version)
            .returning("id").all()
        return updated.count == 1
    }

    /// After acceptance, the first review tasks open: the first task and every task of its
    /// parallel group, each with its own due date.
    package static func openTasks(
        _ tasks: [ReviewTask], after before: CaseRecord, _ next: CaseRecord, today: CalendarDate,
        calendar: WorkingDayCalendar
    ) -> [ReviewTask] {
        // accepted, or started when the prerequisites it waited for were approved
        guard next.state == .underReview, [.prereviewed, .waiting].contains(before.state) else { return [] }
        return nextWave(tasks, today: today, calendar: calendar)
    }

    /// The waiting tasks to open now that no earlier one is open: the first waiting task and
    /// the others of its parallel group.
    package static func nextWave(_ tasks: [ReviewTask], today: CalendarDate, calendar: WorkingDayCalendar) -> [ReviewTask] {
        guard !tasks.contains(where: { $0.status == .open }), let first = tasks.first(where: { $0.status == .waiting }) else { return [] }
        let wave = tasks.filter {
            $0.status == .waiting && ($0.id == first.id || (first.parallelGroup != nil && $0.parallelGroup == first.parallelGroup))
        }
        for task in wave {
            task.status = .open
            task.openedOn = today.description
            task.dueOn = (try? calendar.adding(workingDays: task.limitDays, to: today).value)?.description
        }
        return wave
    }

    /// The application's status and due date follow its cases.
    package static func refreshApplication(_ id: UUID, on db: any Database) async throws {
        let cases = try await CaseRow.query(on: db).filter(\.$applicationID == id).all()
        let status = ApplicationStatus(cases: cases.map(\.state))
        try await ApplicationRecord.query(on: db).filter(\.$id == id)
            .set(\.$status, to: status).set(\.$dueOn, to: cases.compactMap(\.dueOn).max()).update()
    }

    package static func conflict(_ loaded: Loaded, _ role: CaseActor) -> TongbanError {
        TongbanError(
            status: .conflict, code: "case.changedMeanwhile",
            arguments: ["state": loaded.record.state.rawValue])
    }

    package static func refusal(_ refusal: CaseMachine.Refusal) -> TongbanError {
        let allowed = refusal.allowed.map(\.rawValue).joined(separator: ", ")
        switch refusal.reason {
        case .wrongState:
            return TongbanError(
                status: .conflict, code: "case.wrongState",
                arguments: ["state": refusal.state.rawValue, "action": refusal.action.rawValue, "allowed": allowed.isEmpty ? "-" : allowed])
        case .notYourAction:
            return TongbanError.denied(.roleMissing)
        case .condition:
            // what the caller wrote is wrong (422), or the case is not ready for it yet (409)
            let status: HTTPResponseStatus = inputConditions.contains(refusal.condition ?? "") ? .unprocessableEntity : .conflict
            return TongbanError(
                status: status, code: refusal.condition ?? "case.condition",
                arguments: ["state": refusal.state.rawValue, "action": refusal.action.rawValue, "allowed": allowed.isEmpty ? "-" : allowed])
        }
    }

    package static let inputConditions: Set<String> = [
        "case.reasonsRequired", "case.owedRequired", "case.notTolerable", "case.owedDueInPast", "case.materialsRequired",
        "case.reasonAndBasisRequired", "case.trackingNumberRequired", "case.verificationDueInPast", "case.traceRequired",
    ]

    package static func detailText(_ action: CaseAction) -> String? {
        switch action {
        case let .returnForCorrection(reasons): reasons.joined(separator: "；")
        case let .acceptTolerantly(owed, due): "\(owed.joined(separator: "、")) → \(due)"
        case let .requestCorrection(materials): materials.joined(separator: "、")
        case let .refuse(reason, basis): "\(reason)（\(basis)）"
        case let .decide(approved, reasons, basis): "\(approved ? "准予" : "不予")：\(reasons)（\(basis)）"
        case let .deliver(method, tracking): tracking.map { "\(method.rawValue) \($0)" } ?? method.rawValue
        case let .startProcedure(kind, pauses): "\(kind.rawValue)\(pauses ? " (clock paused)" : "")"
        case let .failVerification(reason): reason
        case let .stopForPrerequisite(reason): reason
        default: nil
        }
    }
}
