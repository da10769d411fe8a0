import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// What one submission (or one saved draft) writes, made in memory from what was checked: the
/// application, one case per item moved through the state machine and the 秒批 rules, the
/// review tasks of the cases still to review, the timeline, the materials uploaded with it, the
/// reuses it consented to, the outbox event and the audit entry. Submitting directly and
/// submitting a saved draft both build it here, so both leave the same rows.
package struct SubmissionPlan: @unchecked Sendable {
    /// What is being applied for, after every check of the request.
    package struct Intent {
        package let target: ApplicationTarget
        package let form: [String: String]
        package let answers: [String: String]
        package let caller: Account
        /// How the timeline names who acts (the caller, and the person behind an enterprise).
        package let callerLabel: String
        package let applicant: Account
        package let submit: Bool
        /// 告知承诺 signed now (a draft keeps the commitment it was saved with).
        package let commitment: Bool
        /// 帮办 with the applicant at the window.
        package let applicantPresent: Bool
        package let idempotencyKey: String?
        package let requestDigest: String?
        package let uploads: [MaterialUpload]
        /// How each result is received.
        package let delivery: DeliveryChoice
        /// 收受分离: the window that takes it in (nil: made online).
        package var intake: WindowIntake? = nil
    }

    /// A saved draft being submitted: its row and its cases, which keep their ids.
    package struct Draft {
        package let application: ApplicationRecord
        package let cases: [CaseRow]
    }

    package let application: ApplicationRecord
    package var written = ApplicationSubmission.Written()
    package var rows = InsertBatch()
    package var changes: [RowChange] = []

    /// The cases with their items, in order, for the reuse rows that need both.
    package var casesWithItems: [(row: CaseRow, item: ServiceItem)] = []

    /// Builds the rows. `serial` numbers a submission; `departments` routes cases and tasks.
    package init(
        _ intent: Intent, draft: Draft?, serial: Int?, departments: DepartmentDirectory, today: CalendarDate, now: Date,
        keys: KeyRing
    ) throws {
        let target = intent.target
        let onBehalf = intent.caller.kind == .staff
        let actorLabel = intent.callerLabel
        let encoder = StoredJSON.encoder
        let application = draft?.application ?? ApplicationRecord()
        if draft == nil {
            application.id = UUID.timeOrdered(at: now)
            application.applicantID = try intent.applicant.requireID()
            application.enteredBy = onBehalf ? try intent.caller.requireID() : nil
            // 首问负责: the clerk who takes it in at the window answers for it first
            application.ownerID = application.enteredBy
            application.ownerName = onBehalf ? intent.caller.displayName : nil
            application.applicantPresent = intent.applicantPresent
            application.channel = intent.intake.map { $0.isNearby ? .nearby : .window } ?? .online
            application.takenIn = intent.intake?.region.value
            application.takenInHallID = intent.intake?.hall?.id
            application.hallTicketID = intent.intake?.ticketID
            application.idempotencyKey = intent.idempotencyKey
            application.requestDigest = intent.requestDigest
            application.visits = intent.applicantPresent ? 1 : 0
            application.createdAt = now
        }
        let applicationID = try application.requireID()
        application.applicantName = intent.applicant.displayName
        application.applicantTail = ApplicationSubmission.applicantTail(intent.applicant, keys: keys)
        application.target = target.kind
        application.targetCode = target.code
        application.targetVersion = target.version
        application.targetName = target.name
        application.regionCode = target.regionCode.value
        application.leadDepartmentID = target.lead.flatMap { departments.id(of: $0.department, in: $0.region) }
        application.deliveryTogether = intent.delivery.together
        try application.sealDeliveryAddress(intent.delivery.address, keys: keys)
        try application.sealForm(intent.form, keys: keys)
        application.answers = String(decoding: try encoder.encode(intent.answers), as: UTF8.self)
        if intent.submit, let serial {
            application.number = ApplicationNumber(region: target.regionCode, date: today, serial: serial).value
            // the code the applicant looks the progress up with, never derived from who they are
            try application.issueAccessCode(keys: keys)
            application.submittedOn = today.description
            application.submittedAt = now
        }
        self.application = application

        // every case's id first: a bundle's case names the cases it waits for
        var caseIDs: [String: UUID] = [:]
        for (item, _) in target.items {
            caseIDs[item.code] = draft?.cases.first { $0.itemCode == item.code }?.id ?? UUID.timeOrdered(at: now)
        }
        for (position, (item, version)) in target.items.enumerated() {
            let earlier = draft?.cases.first { $0.itemCode == item.code }
            let waitsFor = (target.dependencies[item.code] ?? []).compactMap { caseIDs[$0]?.uuidString }
            var record = CaseRecord(limit: item.workingDays)
            record.prerequisites = waitsFor.isEmpty ? nil : waitsFor
            if let earlier {
                record.commitment = try earlier.caseRecord().commitment
            } else if intent.commitment, item.commitmentAllowed {
                record.commitment = SignedCommitment(
                    text: SignedCommitment.text(for: item, applicant: intent.applicant.displayName),
                    signedBy: intent.applicant.displayName, signedOn: today, inPerson: onBehalf)
            }
            var instant: InstantRules.Outcome? = nil
            if intent.submit {
                record = try CaseMachine.apply(.submit, to: record, .init(actor: onBehalf ? .clerk : .applicant, today: today))
                // a case waiting for another's result is not decided before it
                if waitsFor.isEmpty { (record, instant) = InstantRules.decide(record, item: item, form: intent.form, today: today) }
            }
            let row = CaseRow()
            row.id = caseIDs[item.code]
            row.applicationID = applicationID
            row.position = position
            row.itemCode = item.code
            row.itemVersion = version
            row.itemName = item.displayName
            row.departmentName = item.department.name
            row.departmentID = departments.id(of: item.department, in: item.regionCode)
            row.state = record.state
            try row.setRecord(record, encoder: encoder)
            row.version = (earlier?.version ?? 0) + 1
            row.clockRunning = false
            row.warning = .none
            row.updatedAt = now
            row.promisedDays = record.limit
            row.regionCode = application.regionCode
            row.deliveryMethod = intent.delivery.methods[item.code]
            // a 秒批 decision is a decision like any other: decided today, in no working days
            row.decidedOn = record.decision?.on.description
            row.daysUsed = record.decision == nil ? nil : 0
            let caseID = try row.requireID()
            written.cases.append(row)
            casesWithItems.append((row, item))
            // a case decided by its rules needs no reviewer
            if record.state != .decided {
                written.tasks += ApplicationSubmission.reviewTasks(
                    item, caseID: caseID, applicationID: applicationID,
                    departments: departments, at: now)
            }
            if intent.submit {
                written.events += ApplicationSubmission.submitEvents(
                    applicationID: applicationID, caseID: caseID, at: now,
                    actor: actorLabel, record: record, instant: instant)
            }
        }
        application.status = ApplicationStatus(cases: written.cases.map(\.state))

        if let draft {
            let notDraft = TongbanError.conflict("application.notDraft", ["state": ApplicationStatus.submitted.rawValue])
            changes.append(
                .update(
                    ApplicationRecord.schema, id: applicationID, columns: InsertBatch.columns(application),
                    onlyIf: ("status", ApplicationStatus.draft.rawValue), otherwise: notDraft))
            for row in written.cases {
                let earlier = draft.cases.first { $0.id == row.id }
                let moved = TongbanError.conflict("case.changedMeanwhile", ["state": earlier?.state.rawValue ?? "-"])
                changes.append(
                    .update(
                        CaseRow.schema, id: try row.requireID(), columns: InsertBatch.columns(row),
                        onlyIf: ("version", earlier?.version ?? 0), otherwise: moved))
            }
            // the draft's tasks were planned from the version it was saved against
            changes.append(.delete(table: ReviewTask.schema, where: "application_id", equals: applicationID))
        } else {
            rows.add(application)
            for row in written.cases { rows.add(row) }
        }
        for task in written.tasks { rows.add(task) }
        for event in written.events { rows.add(event) }
        for upload in intent.uploads {
            let material = upload.row(applicationID: applicationID, at: now)
            rows.add(material)
            rows.add(
                CaseEvent(
                    applicationID: applicationID, caseID: nil, at: now, actor: actorLabel, action: "material.upload",
                    from: nil, to: nil, detail: "\(upload.key)：\(upload.filename)"))
        }
        if intent.applicantPresent && draft == nil {
            let visit = ApplicationVisit()
            visit.id = UUID.timeOrdered(at: now)
            visit.applicationID = applicationID
            visit.at = now
            visit.purpose = "submit"
            visit.recordedBy = try intent.caller.requireID()
            rows.add(visit)
        }
        if let number = application.number {
            rows.add(
                OutboxEvent(
                    .applicationSubmitted, subject: number,
                    payload: [
                        "application": number, "target": target.code, "region": target.regionCode.value,
                        "cases": String(target.items.count),
                    ],
                    audience: EventAudience(
                        departmentIDs: Array(Set(written.cases.compactMap(\.departmentID))).sorted { $0.uuidString < $1.uuidString },
                        regionCode: target.regionCode),
                    at: now))
        }
    }

    /// The audit entry: what was applied for, how many cases, on whose behalf.
    package func audit(_ event: AuditEvent, fromDraft: Bool) -> AuditEvent {
        var audit = event
        let id = application.id?.uuidString ?? "-"
        audit.resource = "application:\(application.number ?? id)"
        let target = "\(application.target.rawValue) \(application.targetCode) v\(application.targetVersion)"
        var details = "\(target), \(written.cases.count) case(s)"
        if application.enteredBy != nil { details += ", 帮办" }
        if fromDraft { details += ", draft \(id) submitted" }
        audit.details = details
        return audit
    }
}

/// A material file uploaded with a submission: its bytes already stored durably under their
/// hash (see `MaterialContents.keep`), its row written with the application.
package struct MaterialUpload: Sendable {
    package let key: String
    package let filename: String
    package let contentType: String
    package let size: Int
    package let sha256: String

    package func row(applicationID: UUID, at now: Date) -> StoredMaterial {
        let material = StoredMaterial()
        material.id = UUID.timeOrdered(at: now)
        material.applicationID = applicationID
        material.materialKey = key
        material.filename = filename
        material.contentType = contentType
        material.size = size
        material.sha256 = sha256
        material.uploadedAt = now
        return material
    }
}
