import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TongbanCore
import Vapor

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
                      answers: application.target == .bundle ? answers : nil), on: req)
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
                for key in missing { problems.add(materialProblem("materials.\(key)", target)) }
                throw TongbanError.invalid(problems)
            }
        }
        let versions = Dictionary(target.items.map { ($0.item.code, $0.version) }, uniquingKeysWith: { a, _ in a })
        let items = Dictionary(target.items.map { ($0.item.code, $0.item) }, uniquingKeysWith: { a, _ in a })
        let label = "\(caller.kind.rawValue):\(caller.displayName)"
        let encodedForm = String(decoding: try CatalogEntry.encoder.encode(form), as: UTF8.self)
        var audit = req.auditEvent("application.submit", resource: "application")
        audit.details = "draft \(id.uuidString) submitted"
        let event = audit
        let serial = try await req.application.applicationSerials.next(on: req.db)
        return try await req.db.write { tx in
            let now = Date()
            guard let fresh = try await ApplicationRecord.find(id, on: tx), fresh.status == "draft" else {
                throw TongbanError.conflict("application.notDraft", ["state": "submitted"])
            }
            let number = ApplicationNumber(region: try RegionCode(fresh.regionCode), date: today, serial: serial)
            fresh.number = number.value
            fresh.status = "submitted"
            fresh.form = encodedForm
            fresh.submittedOn = today.description
            fresh.submittedAt = now
            try await fresh.save(on: tx)
            for row in try await CaseRow.query(on: tx).filter(\.$applicationID == id).all() {
                var record = try CaseMachine.apply(.submit, to: try row.caseRecord(), .init(actor: onBehalf ? .clerk : .applicant, today: today))
                var instant: InstantRules.Outcome? = nil
                if let item = items[row.itemCode] { (record, instant) = InstantRules.decide(record, item: item, form: form, today: today) }
                try row.setRecord(record, encoder: CatalogEntry.encoder)
                row.state = record.state
                row.itemVersion = versions[row.itemCode] ?? row.itemVersion
                row.version += 1
                row.updatedAt = now
                try await row.save(on: tx)
                for event in ApplicationSubmission.submitEvents(applicationID: id, caseID: try row.requireID(), at: now, actor: label,
                                                                record: record, instant: instant) {
                    try await event.create(on: tx)
                }
                if record.state == .decided {
                    // decided by its rules: no reviewer will take its tasks
                    try await ReviewTask.query(on: tx).filter(\.$caseID == row.requireID()).delete()
                    fresh.status = "inProgress"
                    try await fresh.save(on: tx)
                }
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
