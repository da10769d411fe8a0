import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TongbanCore
import Vapor

/// What an applicant (or a clerk on their behalf) sends to apply.
struct ApplyBody: Content {
    /// The item's code, or
    var item: String?
    /// the bundle's code (then `answers` are the questionnaire's).
    var bundle: String?
    var answers: [String: String]?
    var form: [String: String]?
    /// A clerk entering the application for someone (帮办): that person's or enterprise's account.
    var applicantID: UUID?
    /// 帮办 only: the applicant is at the window (recorded as a visit).
    var applicantPresent: Bool?
    /// false: save a draft to finish later; true (default): submit now.
    var submit: Bool?
}

/// What the platform applies for: the items (with their published versions) and the form they
/// ask, for one item or for a bundle and a set of answers.
struct ApplicationTarget {
    var kind: ApplicationRecord.Target
    var code: String
    var version: Int
    var name: String
    var regionCode: RegionCode
    var items: [(item: ServiceItem, version: Int)]
    var form: [FormField]

    static func resolve(_ body: ApplyBody, on db: any Database) async throws -> ApplicationTarget {
        switch (body.item, body.bundle) {
        case let (code?, nil):
            guard let entry = try await CatalogStore.published(.item, code: code, on: db) else {
                // retired or never published: say which, so the applicant is not left guessing
                let exists = try await CatalogStore.entry(.item, code: code, version: nil, on: db) != nil
                throw TongbanError.invalid(field: "item", exists ? "application.itemNotAvailable" : "application.unknownItem")
            }
            guard body.answers?.isEmpty ?? true else { throw TongbanError.invalid(field: "answers", "application.answersForBundleOnly") }
            let item = try ApplicationCatalogCache.item(entry)
            return ApplicationTarget(kind: .item, code: entry.code, version: entry.version, name: item.displayName,
                                     regionCode: item.regionCode, items: [(item, entry.version)], form: item.form)
        case let (nil, code?):
            guard let entry = try await CatalogStore.published(.bundle, code: code, on: db) else {
                throw TongbanError.invalid(field: "bundle", "application.unknownBundle")
            }
            let bundle = try entry.bundle()
            let rows = try await CatalogEntry.query(on: db).filter(\.$kind == .item).filter(\.$status == .published)
                .filter(\.$code ~~ bundle.members.map(\.itemCode)).all()
            var byCode: [String: (ServiceItem, Int)] = [:]
            for row in rows { byCode[row.code] = (try ApplicationCatalogCache.item(row), row.version) }
            let evaluation: BundleEvaluation
            do {
                evaluation = try BundleComposer.evaluate(bundle, answers: body.answers ?? [:], items: byCode.mapValues(\.0))
            } catch {
                let field = switch error {
                case let .missingAnswer(key), let .unknownQuestion(key): "answers.\(key)"
                case let .unknownOption(question, _): "answers.\(question)"
                default: "bundle"
                }
                throw TongbanError.invalid(field: field, error.messageKey)
            }
            let items = evaluation.items.compactMap { item in byCode[item.code].map { (item: $0.0, version: $0.1) } }
            return ApplicationTarget(kind: .bundle, code: entry.code, version: entry.version, name: bundle.name,
                                     regionCode: bundle.regionCode, items: items, form: evaluation.form.map(\.field))
        default:
            throw TongbanError.invalid(field: "item", "application.itemOrBundle")
        }
    }
}

/// Published item versions never change, so each is decoded once per process.
enum ApplicationCatalogCache {
    private static let cache = NIOLockedValueBox([String: ServiceItem]())

    static func item(_ entry: CatalogEntry) throws -> ServiceItem {
        let key = "\(entry.code)#\(entry.version)"
        if entry.status != .draft, let hit = cache.withLockedValue({ $0[key] }) { return hit }
        let item = try entry.item()
        if entry.status != .draft { cache.withLockedValue { if $0.count > 5_000 { $0.removeAll() }; $0[key] = item } }
        return item
    }
}

enum ApplicationSubmission {
    struct Created {
        let application: ApplicationRecord
        /// false when an earlier request with the same idempotency key made it.
        let isNew: Bool
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
        let digest = SHA256.hash(data: try CatalogEntry.encoder.encode(body)).hex
        if let key, let earlier = try await replay(key: key, digest: digest, applicantID: applicantID, on: req.db) {
            return Created(application: earlier, isNew: false)
        }

        let target = try await ApplicationTarget.resolve(body, on: req.db)
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
                for field in missing { problems.add(field, "application.materialMissing") }
                throw TongbanError.invalid(problems)
            }
        }

        let onBehalf = caller.kind == .staff
        let present = onBehalf && (body.applicantPresent ?? false)
        let tail = applicantTail(applicant, keys: req.application.keys)
        let departments = try await departmentIDs(for: target, on: req.db)
        let actorLabel = "\(caller.kind.rawValue):\(caller.displayName)"
        let event = req.auditEvent(submit ? "application.submit" : "application.draft", resource: "application")
        let encoder = CatalogEntry.encoder
        do {
            let application = try await req.db.write { tx in
                let now = Date()
                let application = ApplicationRecord()
                application.id = UUID()
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
                application.status = submit ? "submitted" : "draft"
                application.form = String(decoding: try encoder.encode(form), as: UTF8.self)
                application.answers = String(decoding: try encoder.encode(body.answers ?? [:]), as: UTF8.self)
                application.idempotencyKey = key
                application.requestDigest = key == nil ? nil : digest
                application.visits = present ? 1 : 0
                application.createdAt = now
                if submit {
                    let number = ApplicationNumber(region: target.regionCode, date: today, serial: try await tx.nextApplicationSerial())
                    application.number = number.value
                    application.submittedOn = today.description
                    application.submittedAt = now
                }
                try await application.create(on: tx)
                let applicationID = try application.requireID()
                for (position, (item, version)) in target.items.enumerated() {
                    var record = CaseRecord(limit: item.workingDays)
                    if submit {
                        record = try CaseMachine.apply(.submit, to: record, .init(actor: onBehalf ? .clerk : .applicant, today: today))
                    }
                    let row = CaseRow()
                    row.id = UUID()
                    row.applicationID = applicationID
                    row.position = position
                    row.itemCode = item.code
                    row.itemVersion = version
                    row.itemName = item.displayName
                    row.departmentName = item.department.name
                    row.departmentID = departments[item.department.name]
                    row.state = record.state
                    row.record = String(decoding: try encoder.encode(record), as: UTF8.self)
                    row.version = 1
                    row.clockRunning = false
                    row.warning = .none
                    row.updatedAt = now
                    try await row.create(on: tx)
                    for task in reviewTasks(item, caseID: row.id!, applicationID: applicationID, departments: departments) {
                        try await task.create(on: tx)
                    }
                    if submit {
                        try await CaseEvent(applicationID: applicationID, caseID: row.id, at: now, actor: actorLabel, action: "submit",
                                            from: .draft, to: record.state).create(on: tx)
                    }
                }
                if present {
                    let visit = ApplicationVisit()
                    visit.applicationID = applicationID
                    visit.at = now
                    visit.purpose = "submit"
                    visit.recordedBy = callerID
                    try await visit.create(on: tx)
                }
                if submit {
                    try await OutboxEvent(topic: "application.submitted", subject: application.number!,
                                          payload: ["application": application.number!, "target": target.code, "region": target.regionCode.value,
                                                    "cases": String(target.items.count)], at: now).create(on: tx)
                }
                // last: the audit chain's head is a hot row, locked from here to the commit
                var audit = event
                audit.resource = "application:\(application.number ?? applicationID.uuidString)"
                audit.details = "\(target.kind.rawValue) \(target.code) v\(target.version), \(target.items.count) case(s)\(onBehalf ? ", 帮办" : "")"
                try await AuditLog.append(audit, on: tx)
                return application
            }
            return Created(application: application, isNew: true)
        } catch where error.isConstraintViolation && key != nil {
            // the same key raced in from another request: answer as the winner did
            if let key, let earlier = try await replay(key: key, digest: digest, applicantID: applicantID, on: req.db) {
                return Created(application: earlier, isNew: false)
            }
            throw error
        }
    }

    static func replay(key: String, digest: String, applicantID: UUID, on db: any Database) async throws -> ApplicationRecord? {
        guard let earlier = try await ApplicationRecord.query(on: db).filter(\.$applicantID == applicantID)
            .filter(\.$idempotencyKey == key).first() else { return nil }
        guard earlier.requestDigest == digest else { throw TongbanError.conflict("application.idempotencyKeyReused") }
        return earlier
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
            task.id = UUID()
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

    /// Departments by name, for the target's items and their steps.
    static func departmentIDs(for target: ApplicationTarget, on db: any Database) async throws -> [String: UUID] {
        var names = Set(target.items.map(\.item.department.name))
        for (item, _) in target.items { names.formUnion(item.steps.compactMap(\.department)) }
        let rows = try await Department.query(on: db).filter(\.$name ~~ Array(names)).all()
        var ids: [String: UUID] = [:]
        for row in rows { if let id = row.id { ids[row.name] = id } }
        return ids
    }

    static func applicantTail(_ account: Account, keys: KeyRing) -> String {
        if let code = account.creditCode { return String(code.suffix(4)) }
        if let cipher = account.idNumberCipher, let number = keys.decrypt(cipher, field: "identity_number") { return String(number.suffix(4)) }
        return ""
    }
}

extension ApplicationSubmission {
    /// Submits a saved draft: the form (the one sent now, or the one saved) is checked in full
    /// against the item's current published version, the required materials must be uploaded,
    /// and then the number is given and every case moves to `submitted`, in one transaction.
    static func submitDraft(id: UUID, form newForm: [String: String]?, on req: Request) async throws -> ApplicationRecord {
        let caller = try req.requireAccount()
        guard let application = try await ApplicationRecord.find(id, on: req.db) else { throw TongbanError.notFound("application") }
        let resource = Resource.application(applicantID: application.applicantID, regionCode: try RegionCode(application.regionCode))
        guard Policy.decide(req.currentActor, .view, resource).isAllowed else { throw TongbanError.notFound("application") }
        let onBehalf = caller.kind == .staff
        if onBehalf { try req.authorize(.handle, resource) }
        guard application.status == "draft" else { throw TongbanError.conflict("application.notDraft", ["state": application.status]) }
        let answers = (try? JSONDecoder().decode([String: String].self, from: Data(application.answers.utf8))) ?? [:]
        let target = try await ApplicationTarget.resolve(
            ApplyBody(item: application.target == .item ? application.targetCode : nil,
                      bundle: application.target == .bundle ? application.targetCode : nil,
                      answers: application.target == .bundle ? answers : nil), on: req.db)
        let today = req.application.today
        let form: [String: String]
        switch FormCheck.check(newForm ?? application.formAnswers, against: target.form, today: today) {
        case let .success(clean): form = clean
        case let .failure(problems): throw TongbanError.invalid(problems)
        }
        if !onBehalf {
            let uploaded = Set(try await StoredMaterial.query(on: req.db).filter(\.$applicationID == id).all().map(\.materialKey))
            let missing = requiredUploads(target).filter { !uploaded.contains($0) }
            if !missing.isEmpty {
                var problems = FieldErrors()
                for key in missing { problems.add("materials.\(key)", "application.materialMissing") }
                throw TongbanError.invalid(problems)
            }
        }
        let versions = Dictionary(target.items.map { ($0.item.code, $0.version) }, uniquingKeysWith: { a, _ in a })
        let label = "\(caller.kind.rawValue):\(caller.displayName)"
        let encodedForm = String(decoding: try CatalogEntry.encoder.encode(form), as: UTF8.self)
        var audit = req.auditEvent("application.submit", resource: "application")
        audit.details = "draft \(id.uuidString) submitted"
        let event = audit
        return try await req.db.write { tx in
            let now = Date()
            guard let fresh = try await ApplicationRecord.find(id, on: tx), fresh.status == "draft" else {
                throw TongbanError.conflict("application.notDraft", ["state": "submitted"])
            }
            let number = ApplicationNumber(region: try RegionCode(fresh.regionCode), date: today, serial: try await tx.nextApplicationSerial())
            fresh.number = number.value
            fresh.status = "submitted"
            fresh.form = encodedForm
            fresh.submittedOn = today.description
            fresh.submittedAt = now
            try await fresh.save(on: tx)
            for row in try await CaseRow.query(on: tx).filter(\.$applicationID == id).all() {
                let record = try CaseMachine.apply(.submit, to: try row.caseRecord(), .init(actor: onBehalf ? .clerk : .applicant, today: today))
                row.record = String(decoding: try CatalogEntry.encoder.encode(record), as: UTF8.self)
                row.state = record.state
                row.itemVersion = versions[row.itemCode] ?? row.itemVersion
                row.version += 1
                row.updatedAt = now
                try await row.save(on: tx)
                try await CaseEvent(applicationID: id, caseID: row.id, at: now, actor: label, action: "submit", from: .draft, to: record.state).create(on: tx)
            }
            try await OutboxEvent(topic: "application.submitted", subject: number.value,
                                  payload: ["application": number.value, "target": fresh.targetCode, "region": fresh.regionCode], at: now).create(on: tx)
            var sealed = event
            sealed.resource = "application:\(number.value)"
            try await AuditLog.append(sealed, on: tx)
            return fresh
        }
    }
}
