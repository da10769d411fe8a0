import Crypto
import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Applying: a new application (submitted at once or saved as a draft) and the submission of a
/// saved draft. Both check everything first, then build a `SubmissionPlan` and write it through
/// the group commit, so the API, the web apply page and a draft's submission leave the same rows.
package struct ApplicationSubmission {
    package let context: UseCaseContext
    package let parts: ApplyingParts

    package struct Created {
        package let application: ApplicationRecord
        /// false when an earlier request with the same idempotency key made it.
        package let isNew: Bool
        /// What was written, when it was written now (so the answer needs no read-back).
        package var written: Written? = nil
    }

    package struct Written: @unchecked Sendable {
        package var cases: [CaseRow] = []
        package var tasks: [ReviewTask] = []
        package var events: [CaseEvent] = []
    }

    /// Applies: checks everything first, then writes the application, its cases and their
    /// tasks, a timeline entry, the uploaded materials, a visit (帮办 in person), an outbox event
    /// and the audit entry in one transaction. A repeated `Idempotency-Key` with the same body
    /// returns the application it made; with another body it is a 409.
    package func apply(_ body: ApplyBody, idempotencyKey: String?, uploads: [MaterialUpload] = []) async throws -> Created {
        let db = context.db
        let caller = try context.requireAccount()
        let applicant = try await Self.applicant(body, caller: caller, on: db)
        let applicantID = try applicant.requireID()
        let key = try Self.checkedIdempotencyKey(idempotencyKey)
        // The body as decoded and re-encoded with sorted keys: a retry that orders its keys or
        // spaces its JSON differently is still the same request.
        let digest = try key.map { _ in SHA256.hash(data: try StoredJSON.encoder.encode(body)).hex }
        if let key, let digest, let earlier = try await Self.replay(key: key, digest: digest, applicantID: applicantID, on: db) {
            return Created(application: earlier, isNew: false)
        }

        let target = try await ApplicationTarget.resolve(body, parts: parts, on: db)
        let resource = Resource.application(
            applicantID: applicantID, regionCode: target.regionCode, assurance: target.assurance, targetCode: target.code)
        try context.authorize(.create, resource)
        let submit = body.submit ?? true
        // a draft at any level; sent for review only in a proven name (实名认证 Level 2)
        if submit { try context.authorize(.submit, resource) }
        let today = context.today
        let fields =
            submit
            ? target.form
            : target.form.map { field in
                var relaxed = field
                relaxed.required = false
                return relaxed
            }
        let identified = try Self.identified(body.form ?? [:], applicant: applicant, form: fields, keys: context.keys, today: today)
        let form = try Self.checkedForm(identified, against: fields, today: today)
        let delivery = try (body.delivery ?? DeliveryBody()).checked(for: target)
        let onBehalf = caller.kind == .staff
        if submit, !onBehalf {
            try Self.requireUploads(target, uploaded: Set(uploads.map(\.key)))
        }
        let intake = try await windowIntake(target, by: caller)
        if body.commitment == true {
            if !target.items.contains(where: \.item.commitmentAllowed) {
                throw TongbanError.invalid(field: "commitment", "application.commitmentNotOffered")
            }
            if onBehalf && !(body.applicantPresent ?? false) {
                throw TongbanError.invalid(field: "commitment", "application.commitmentNeedsApplicant")
            }
        }
        if body.licenses?.isEmpty == false, !onBehalf {
            // the holder's licences are read only by a proven holder
            try context.authorize(.reuse, .holderRecords(holderID: applicantID))
        }
        let offered = try await LicenseUse.resolve(
            body.licenses, target: target, applicantID: applicantID, byHolder: !onBehalf,
            today: today, on: db)
        let present = onBehalf && (body.applicantPresent ?? false)
        // asked first, so a full account is told before anything is fetched for it; and again as
        // the draft is written
        if !submit { try await Self.checkDraftRoom(applicantID, on: db) }
        let intent = SubmissionPlan.Intent(
            target: target, form: form, answers: body.answers ?? [:], caller: caller,
            callerLabel: context.timelineLabel ?? caller.auditLabel, applicant: applicant, submit: submit,
            commitment: body.commitment == true, applicantPresent: present, idempotencyKey: key, requestDigest: digest, uploads: uploads,
            delivery: delivery, intake: intake)
        let serial = submit ? try await parts.serials.next(on: db) : nil
        let now = context.now
        var plan = try SubmissionPlan(
            intent, draft: nil, serial: serial,
            departments: try await parts.caches.departments(on: db),
            today: today, now: now, keys: context.keys)
        let purpose = "办理「\(target.name)」"
        let consented = (body.dataConsent ?? false) && (!onBehalf || present)
        let fetched = try await DataFetch.reuses(
            target: target, cases: plan.casesWithItems, applicant: applicant,
            consented: consented, purpose: purpose, parts: parts, context: context)
        let reuses = LicenseUse.reuses(offered, cases: plan.casesWithItems, purpose: purpose, at: now) + fetched
        for reuse in reuses { plan.rows.add(reuse) }
        let action = submit ? "application.submit" : "application.draft"
        let audit = plan.audit(context.auditEvent(action, resource: "application"), fromDraft: false)
        do {
            if submit {
                try await parts.groupCommit.write(on: db, GroupWrite(rows: plan.rows, audit: audit))
            } else {
                // a draft (not the hot path) is written alone, counted with the applicant's lock
                // held: drafts saved together are counted one by one
                let rows = plan.rows
                try await db.write { tx in
                    try await tx.lockUntilCommit("quota:\(applicantID)")
                    try await Self.checkDraftRoom(applicantID, on: tx)
                    try await AuditLog.append(audit, on: tx, with: rows, now: now)
                }
            }
            return Created(application: plan.application, isNew: true, written: plan.written)
        } catch  where error.isConstraintViolation && key != nil {
            // the same key raced in from another request: answer as the winner did
            if let key, let digest, let earlier = try await Self.replay(key: key, digest: digest, applicantID: applicantID, on: db) {
                return Created(application: earlier, isNew: false)
            }
            throw error
        }
    }

    /// 收受分离: the window a clerk takes the application in at (nil for an applicant online).
    private func windowIntake(_ target: ApplicationTarget, by caller: Account) async throws -> WindowIntake? {
        guard caller.kind == .staff else { return nil }
        guard let region = context.actor?.regionCode else { throw TongbanError.denied(.outsideJurisdiction) }
        return try await WindowIntake.find(
            clerk: try caller.requireID(), region: region, code: target.code, implementedIn: target.regionCode, on: context.db)
    }

    /// Submits a saved draft: the form (the one sent now, or the one saved) is checked in full
    /// against the item's current published version, the required materials must be uploaded,
    /// and then the same plan as a direct submission is written over the draft's rows (its id,
    /// its cases' ids and its uploads stay), group-committed. Two submissions of one draft at
    /// once: one wins, the other is told it is no longer a draft.
    package func submitDraft(id: UUID, form newForm: [String: String]?) async throws -> Created {
        let db = context.db
        let caller = try context.requireAccount()
        guard let application = try await ApplicationRecord.find(id, on: db) else { throw TongbanError.notFound("application") }
        let resource = try application.resource()
        guard context.allows(.view, resource) else { throw TongbanError.notFound("application") }
        let onBehalf = caller.kind == .staff
        if onBehalf {
            try context.authorize(.handle, resource)
        }
        try context.authorize(.submit, resource)
        guard application.status == .draft else {
            throw TongbanError.conflict("application.notDraft", ["state": application.status.rawValue])
        }
        guard let applicant = try await Account.find(application.applicantID, on: db) else {
            throw TongbanError.invalid(field: "applicantID", "application.unknownApplicant")
        }
        let answers = try application.questionnaireAnswers()
        let saved = ApplyBody(
            item: application.target == .item ? application.targetCode : nil,
            bundle: application.target == .bundle ? application.targetCode : nil,
            answers: application.target == .bundle ? answers : nil)
        let target = try await ApplicationTarget.resolve(saved, parts: parts, on: db)
        // as far as its items ask (an item may ask for an identity checked in person)
        try context.authorize(
            .submit,
            .application(
                applicantID: application.applicantID, regionCode: target.regionCode, assurance: target.assurance,
                targetCode: target.code))
        let today = context.today
        let identified = try Self.identified(
            newForm ?? application.formAnswers(context.keys), applicant: applicant, form: target.form, keys: context.keys, today: today)
        let form = try Self.checkedForm(identified, against: target.form, today: today)
        if !onBehalf {
            let uploaded = try await StoredMaterial.query(on: db).filter(\.$applicationID == id).all().map(\.materialKey)
            try Self.requireUploads(target, uploaded: Set(uploaded))
        }
        let cases = try await CaseRow.query(on: db).filter(\.$applicationID == id).sort(\.$position).all()
        // the draft's cases become the submission's: the items must still be the ones it was saved for
        guard cases.map(\.itemCode).sorted() == target.items.map(\.item.code).sorted() else {
            throw TongbanError.conflict("application.draftOutdated")
        }
        let intent = SubmissionPlan.Intent(
            target: target, form: form, answers: answers, caller: caller, callerLabel: context.timelineLabel ?? caller.auditLabel,
            applicant: applicant, submit: true,
            commitment: false, applicantPresent: application.applicantPresent, idempotencyKey: application.idempotencyKey,
            requestDigest: application.requestDigest, uploads: [],
            delivery: try Self.savedDelivery(application, cases: cases, target: target, keys: context.keys))
        let serial = try await parts.serials.next(on: db)
        let plan = try SubmissionPlan(
            intent, draft: .init(application: application, cases: cases), serial: serial,
            departments: try await parts.caches.departments(on: db),
            today: today, now: context.now, keys: context.keys)
        let audit = plan.audit(context.auditEvent("application.submit", resource: "application"), fromDraft: true)
        try await parts.groupCommit.write(on: db, GroupWrite(rows: plan.rows, audit: audit, changes: plan.changes))
        return Created(application: plan.application, isNew: true, written: plan.written)
    }

    /// The choice a draft was saved with, checked again against the items as published now.
    static func savedDelivery(_ application: ApplicationRecord, cases: [CaseRow], target: ApplicationTarget, keys: KeyRing) throws
        -> DeliveryChoice
    {
        let address = application.deliveryAddress(keys)
        let body = DeliveryBody(
            methods: Dictionary(cases.compactMap { row in row.deliveryMethod.map { (row.itemCode, $0.rawValue) } }) { first, _ in first },
            together: application.deliveryTogether ?? false,
            address: address.map { .init(regionCode: $0.regionCode, detail: $0.detail, recipient: $0.recipient, mobile: $0.mobile) })
        return try body.checked(for: target)
    }

    /// What a form sent with its files (the web apply page) is checked for before any file is
    /// kept: the whole form, a file for every material required now, each file one of the items'
    /// materials and of a kind taken, and the e-licences offered. Every problem is named at once.
    package func checkBeforeKeeping(_ body: ApplyBody, files: [String: (data: ByteBuffer, contentType: HTTPMediaType?)]) async throws {
        let target = try await ApplicationTarget.resolve(body, parts: parts, on: context.db)
        if let caller = context.account, caller.kind != .staff {
            // said first, and before any file is kept: the form cannot be sent in an unproven name
            try context.authorize(
                .submit,
                .application(
                    applicantID: try caller.requireID(), regionCode: target.regionCode, assurance: target.assurance,
                    targetCode: target.code))
        }
        var problems = FieldErrors()
        var answers = body.form ?? [:]
        if let caller = context.account, let applicant = try? await Self.applicant(body, caller: caller, on: context.db) {
            do {
                answers = try Self.identified(answers, applicant: applicant, form: target.form, keys: context.keys, today: context.today)
            } catch let error as TongbanError {
                for problem in error.fields { problems.add(problem) }
            }
        }
        if case let .failure(formProblems) = FormCheck.check(answers, against: target.form, today: context.today) {
            for problem in formProblems.errors where !problems.errors.contains(where: { $0.field == problem.field }) {
                problems.add(problem)
            }
        }
        do {
            _ = try (body.delivery ?? DeliveryBody()).checked(for: target)
        } catch let error as TongbanError {
            for problem in error.fields { problems.add(problem) }
        }
        for key in Self.requiredUploads(target) where files[key] == nil {
            problems.add(Self.materialProblem("materials.\(key)", target))
        }
        // a copy of any of the items' materials (one an e-licence could stand in for too), as the upload API takes
        let brought = Set(target.items.flatMap(\.item.materials).map(\.key))
        for (key, file) in files {
            if !brought.contains(key) {
                problems.add("materials.\(key)", "material.unknownKey")
            } else if let problem = MaterialStore.problem(bytes: file.data, contentType: file.contentType) {
                problems.add("materials.\(key)", problem)
            }
        }
        if let account = context.account {
            do {
                _ = try await LicenseUse.resolve(
                    body.licenses, target: target, applicantID: try account.requireID(),
                    byHolder: account.kind != .staff, today: context.today, on: context.db)
            } catch let error as TongbanError {
                for field in error.fields { problems.add(field) }
            }
        }
        if !problems.isEmpty { throw TongbanError.invalid(problems) }
    }

    /// Whom the application is for: the caller, or (帮办) the person or enterprise a clerk names.
    package static func applicant(_ body: ApplyBody, caller: Account, on db: any Database) async throws -> Account {
        guard caller.kind == .staff else {
            guard body.applicantID == nil || body.applicantID == caller.id else { throw TongbanError.denied(.notOwner) }
            return caller
        }
        guard let id = body.applicantID else { throw TongbanError.invalid(field: "applicantID", "field.required") }
        guard let found = try await Account.find(id, on: db), found.kind != .staff else {
            throw TongbanError.invalid(field: "applicantID", "application.unknownApplicant")
        }
        return found
    }

    package static func checkedIdempotencyKey(_ key: String?) throws -> String? {
        guard let key else { return nil }
        guard (1...100).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw TongbanError.invalid(field: "Idempotency-Key", "application.badIdempotencyKey")
        }
        return key
    }

    package static func checkedForm(_ answers: [String: String], against fields: [FormField], today: CalendarDate) throws -> [String:
        String]
    {
        switch FormCheck.check(answers, against: fields, today: today) {
        case let .success(clean): return clean
        case let .failure(problems): throw TongbanError.invalid(problems)
        }
    }

    /// The answers with the applicant's verified identity in them (只询问一次): left out, it is
    /// filled; answered otherwise, the form is refused at that field.
    package static func identified(
        _ answers: [String: String], applicant: Account, form: [FormField], keys: KeyRing, today: CalendarDate
    ) throws -> [String: String] {
        let identity = FormPrefilling.identity(applicant, keys: keys)
        switch FormPrefill.withIdentity(answers, identity: identity, form: form, today: today) {
        case let .success(filled): return filled
        case let .failure(problems): throw TongbanError.invalid(problems)
        }
    }

    /// Refuses a submission that lacks a material the applicant must upload first.
    package static func requireUploads(_ target: ApplicationTarget, uploaded: Set<String>) throws {
        let missing = requiredUploads(target).filter { !uploaded.contains($0) }
        guard !missing.isEmpty else { return }
        var problems = FieldErrors()
        for key in missing {
            problems.add(materialProblem("materials.\(key)", target))
        }
        throw TongbanError.invalid(problems)
    }

    package static func replay(key: String, digest: String, applicantID: UUID, on db: any Database) async throws -> ApplicationRecord? {
        guard
            let earlier = try await ApplicationRecord.query(on: db).filter(\.$applicantID == applicantID)
                .filter(\.$idempotencyKey == key).first()
        else { return nil }
        guard earlier.requestDigest == digest else { throw TongbanError.conflict("application.idempotencyKeyReused") }
        return earlier
    }
}

extension ApplicationSubmission {
    /// Refuses a new draft to an applicant who keeps the most open already.
    static func checkDraftRoom(_ applicantID: UUID, on db: any Database) async throws {
        let open = try await ApplicationRecord.query(on: db).filter(\.$applicantID == applicantID).filter(\.$status == .draft).count()
        if open >= Quotas.openDrafts { throw TongbanError.conflict("quota.drafts", ["limit": String(Quotas.openDrafts)]) }
    }
}
