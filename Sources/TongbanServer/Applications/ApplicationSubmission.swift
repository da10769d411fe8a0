import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TongbanCore
import Vapor

enum ApplicationSubmission {
    struct Created {
        let application: ApplicationRecord
        /// false when an earlier request with the same idempotency key made it.
        let isNew: Bool
        /// What was written, when it was written now (so the answer needs no read-back).
        var written: Written? = nil
    }

    struct Written: @unchecked Sendable {
        var cases: [CaseRow] = []
        var tasks: [ReviewTask] = []
        var events: [CaseEvent] = []
    }

    /// Applies: checks everything first, then writes the application, its cases and their
    /// tasks, a timeline entry, a visit (帮办 in person), an outbox event and the audit entry in
    /// one transaction. A repeated `Idempotency-Key` with the same body returns the application
    /// it made; with another body it is a 409.
    static func apply(_ body: ApplyBody, idempotencyKey: String?, on req: Request) async throws -> Created {
        let caller = try req.requireAccount()
        let callerID = try caller.requireID()
        let applicant: Account
        if caller.kind == .staff {
            guard let id = body.applicantID else { throw TongbanError.invalid(field: "applicantID", "field.required") }
            guard let found = try await Account.find(id, on: req.db), found.kind != .staff else {
                throw TongbanError.invalid(field: "applicantID", "application.unknownApplicant")
            }
            applicant = found
        } else {
            guard body.applicantID == nil || body.applicantID == callerID else { throw TongbanError.denied(.notOwner) }
            applicant = caller
        }
        let applicantID = try applicant.requireID()

        let key = try idempotencyKey.map { key in
            guard (1...100).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw TongbanError.invalid(field: "Idempotency-Key", "application.badIdempotencyKey")
            }
            return key
        }
        // The body as decoded and re-encoded with sorted keys: a retry that orders its keys or
        // spaces its JSON differently is still the same request.
        let digest = try key.map { _ in SHA256.hash(data: try CatalogEntry.encoder.encode(body)).hex }
        if let key, let digest, let earlier = try await replay(key: key, digest: digest, applicantID: applicantID, on: req.db) {
            return Created(application: earlier, isNew: false)
        }

        let target = try await ApplicationTarget.resolve(body, on: req)
        try req.authorize(.create, .application(applicantID: applicantID, regionCode: target.regionCode))
        let submit = body.submit ?? true
        let today = req.application.today
        let form: [String: String]
        let fields = submit ? target.form : target.form.map { var f = $0; f.required = false; return f }
        switch FormCheck.check(body.form ?? [:], against: fields, today: today) {
        case let .success(clean): form = clean
        case let .failure(problems): throw TongbanError.invalid(problems)
        }
        if submit, caller.kind != .staff {
            let missing = requiredUploads(target).map { "materials.\($0)" }
            if !missing.isEmpty {
                var problems = FieldErrors()
                for field in missing { problems.add(materialProblem(field, target)) }
                throw TongbanError.invalid(problems)
            }
        }

        let onBehalf = caller.kind == .staff
        if body.commitment == true {
            if !target.items.contains(where: \.item.commitmentAllowed) { throw TongbanError.invalid(field: "commitment", "application.commitmentNotOffered") }
            if onBehalf && !(body.applicantPresent ?? false) { throw TongbanError.invalid(field: "commitment", "application.commitmentNeedsApplicant") }
        }
        let offered = try await LicenseUse.resolve(body.licenses, target: target, applicantID: applicantID, byHolder: !onBehalf,
                                                   today: today, on: req.db)
        let present = onBehalf && (body.applicantPresent ?? false)
        let tail = applicantTail(applicant, keys: req.application.keys)
        let departments = try await req.application.applicationCaches.departmentIDs(on: req.db)
        let actorLabel = "\(caller.kind.rawValue):\(caller.displayName)"
        let event = req.auditEvent(submit ? "application.submit" : "application.draft", resource: "application")
        let encoder = CatalogEntry.encoder
        // Everything is made in memory first; the transaction (shared with other submissions by
        // group commit) is then one statement for the rows and two for the audit chain.
        let now = Date()
        let application = ApplicationRecord()
        application.id = UUID.timeOrdered(at: now)
        application.applicantID = applicantID
        application.applicantName = applicant.displayName
        application.applicantTail = tail
        application.enteredBy = onBehalf ? callerID : nil
        application.applicantPresent = present
        application.target = target.kind
        application.targetCode = target.code
        application.targetVersion = target.version
        application.targetName = target.name
        application.regionCode = target.regionCode.value
        application.channel = onBehalf ? .window : .online
        application.status = submit ? "submitted" : "draft"  // "inProgress" below once a case is decided at once
        application.form = String(decoding: try encoder.encode(form), as: UTF8.self)
        application.answers = String(decoding: try encoder.encode(body.answers ?? [:]), as: UTF8.self)
        application.idempotencyKey = key
        application.requestDigest = digest
        application.visits = present ? 1 : 0
        application.createdAt = now
        if submit {
            application.submittedOn = today.description
            application.submittedAt = now
        }
        let applicationID = application.id!
        var written = Written()
        for (position, (item, version)) in target.items.enumerated() {
            var record = CaseRecord(limit: item.workingDays)
            if body.commitment == true, item.commitmentAllowed {
                record.commitment = SignedCommitment(text: SignedCommitment.text(for: item, applicant: applicant.displayName),
                                                     signedBy: applicant.displayName, signedOn: today, inPerson: onBehalf)
            }
            var instant: InstantRules.Outcome? = nil
            if submit {
                record = try CaseMachine.apply(.submit, to: record, .init(actor: onBehalf ? .clerk : .applicant, today: today))
                (record, instant) = InstantRules.decide(record, item: item, form: form, today: today)
            }
            let row = CaseRow()
            row.id = UUID.timeOrdered(at: now)
            row.applicationID = applicationID
            row.position = position
            row.itemCode = item.code
            row.itemVersion = version
            row.itemName = item.displayName
            row.departmentName = item.department.name
            row.departmentID = departments[item.department.name]
            row.state = record.state
            try row.setRecord(record, encoder: encoder)
            row.version = 1
            row.clockRunning = false
            row.warning = .none
            row.updatedAt = now
            row.promisedDays = record.limit
            row.regionCode = application.regionCode
            row.decidedOn = record.decision?.on.description
            row.daysUsed = record.decision == nil ? nil : 0
            written.cases.append(row)
            // a case decided by its rules needs no reviewer
            if record.state != .decided {
                written.tasks += reviewTasks(item, caseID: row.id!, applicationID: applicationID, departments: departments)
            }
            if submit {
                written.events += submitEvents(applicationID: applicationID, caseID: row.id!, at: now, actor: actorLabel, record: record, instant: instant)
            }
        }
        if written.cases.contains(where: { $0.state == .decided }) { application.status = "inProgress" }
        let visit: ApplicationVisit? = present ? {
            let v = ApplicationVisit()
            v.id = UUID.timeOrdered(at: now); v.applicationID = applicationID; v.at = now; v.purpose = "submit"; v.recordedBy = callerID
            return v
        }() : nil
        if submit {
            let serial = try await req.application.applicationSerials.next(on: req.db)
            application.number = ApplicationNumber(region: target.regionCode, date: today, serial: serial).value
        }
        let purpose = "办理「\(target.name)」"
        let asking = Array(zip(written.cases, target.items.map(\.item)))
        let reuses = LicenseUse.reuses(offered, cases: asking, purpose: purpose, at: now)
            + (try await DataFetch.reuses(target: target, cases: asking, applicant: applicant, consented: (body.dataConsent ?? false) && (!onBehalf || present),
                                          purpose: purpose, at: now, app: req.application, on: req.db))
        var batch = InsertBatch()
        batch.add(application)
        for row in written.cases { batch.add(row) }
        for reuse in reuses { batch.add(reuse) }
        for task in written.tasks { batch.add(task) }
        for event in written.events { batch.add(event) }
        if let visit { batch.add(visit) }
        if let number = application.number {
            batch.add(OutboxEvent(topic: "application.submitted", subject: number,
                                  payload: ["application": number, "target": target.code, "region": target.regionCode.value,
                                            "cases": String(target.items.count)], at: now))
        }
        var audit = event
        audit.resource = "application:\(application.number ?? applicationID.uuidString)"
        audit.details = "\(target.kind.rawValue) \(target.code) v\(target.version), \(target.items.count) case(s)\(onBehalf ? ", 帮办" : "")"
        do {
            try await req.application.groupCommit.write(on: req.db, GroupWrite(rows: batch, audit: audit))
            return Created(application: application, isNew: true, written: written)
        } catch where error.isConstraintViolation && key != nil {
            // the same key raced in from another request: answer as the winner did
            if let key, let digest, let earlier = try await replay(key: key, digest: digest, applicantID: applicantID, on: req.db) {
                return Created(application: earlier, isNew: false)
            }
            throw error
        }
    }

    /// The timeline of a case just submitted: the submission (naming the 秒批 rules that did not
    /// hold, if any did not), and the platform's instant approval when they all did.
    static func submitEvents(applicationID: UUID, caseID: UUID, at now: Date, actor: String, record: CaseRecord,
                             instant: InstantRules.Outcome?) -> [CaseEvent] {
        let failed = instant.flatMap { $0.passed ? nil : "秒批未通过 / not approved instantly:\n" + $0.trace.filter { $0.hasSuffix("✗") }.joined(separator: "\n") }
        var events = [CaseEvent(applicationID: applicationID, caseID: caseID, at: now, actor: actor, action: "submit", from: .draft, to: .submitted, detail: failed)]
        if record.state == .decided {
            events.append(CaseEvent(applicationID: applicationID, caseID: caseID, at: now, actor: "system", action: "approveInstantly",
                                    from: .submitted, to: .decided, detail: record.decision?.trace.joined(separator: "\n")))
        }
        return events
    }

    static func replay(key: String, digest: String, applicantID: UUID, on db: any Database) async throws -> ApplicationRecord? {
        guard let earlier = try await ApplicationRecord.query(on: db).filter(\.$applicantID == applicantID)
            .filter(\.$idempotencyKey == key).first() else { return nil }
        guard earlier.requestDigest == digest else { throw TongbanError.conflict("application.idempotencyKeyReused") }
        return earlier
    }

    /// "Upload the required material first: <its name>".
    static func materialProblem(_ field: String, _ target: ApplicationTarget) -> FieldError {
        let key = field.hasPrefix("materials.") ? String(field.dropFirst("materials.".count)) : field
        let name = target.items.flatMap(\.item.materials).first { $0.key == key }?.name
        return FieldError(field: field, key: "application.materialMissing", label: name, labelEn: name)
    }

    /// Materials the applicant must upload before submitting online: required, brought by the
    /// applicant, not tolerable (容缺 materials may follow after acceptance).
    static func requiredUploads(_ target: ApplicationTarget) -> [String] {
        var keys: [String] = []
        for (item, _) in target.items {
            for material in item.materials where material.required && material.source == .applicant && !material.tolerable && !keys.contains(material.key) {
                keys.append(material.key)
            }
        }
        return keys
    }

    /// One task per review, inspection, hearing and expert-review step; the department's
    /// account group is found by name in the item's region.
    static func reviewTasks(_ item: ServiceItem, caseID: UUID, applicationID: UUID, departments: [String: UUID]) -> [ReviewTask] {
        let kinds: Set<StepKind> = [.review, .inspection, .hearing, .expertReview]
        return item.steps.filter { kinds.contains($0.kind) }.enumerated().map { position, step in
            let task = ReviewTask()
            task.id = UUID.timeOrdered()
            task.caseID = caseID
            task.applicationID = applicationID
            task.position = position
            task.kind = step.kind
            task.name = step.name
            task.departmentName = step.department ?? item.department.name
            task.departmentID = departments[task.departmentName]
            task.parallelGroup = step.parallelGroup
            task.limitDays = step.days ?? item.workingDays
            task.status = .waiting
            task.version = 1
            return task
        }
    }

    static func applicantTail(_ account: Account, keys: KeyRing) -> String {
        if let code = account.creditCode { return String(code.suffix(4)) }
        if let cipher = account.idNumberCipher, let number = keys.decrypt(cipher, field: "identity_number") { return String(number.suffix(4)) }
        return ""
    }
}
