import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Opening an uploaded material in the browser: for the applicant, the window clerks who take
/// the application in, and the reviewers of its departments (the policy's `viewPersonalData` on
/// the application); anyone else is told it does not exist. A view by staff is a read of the
/// applicant's data: recorded for them (their data-access view) with its audit entry before the
/// bytes are served.
package struct MaterialViewer {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct Opened: Sendable {
        package let filename: String
        package let contentType: String
        package let bytes: ByteBuffer
    }

    /// The material, its application and cases, and the application as the policy sees it, for
    /// one who may open its files; "not found" for anyone else.
    private struct Found {
        let material: StoredMaterial
        let application: ApplicationRecord
        let applicationID: UUID
        let cases: [CaseRow]
        let resource: Resource
    }

    private func find(_ materialID: UUID?, of applicationID: UUID? = nil) async throws -> Found {
        _ = try context.requireAccount()
        let db = context.db
        guard let materialID, let material = try await StoredMaterial.find(materialID, on: db),
            applicationID == nil || applicationID == material.applicationID,
            let application = try await ApplicationRecord.find(material.applicationID, on: db)
        else { throw TongbanError.notFound("material") }
        let id = try application.requireID()
        let cases = try await CaseRow.query(on: db).filter(\.$applicationID == id).all()
        let tasks = try await ReviewTask.query(on: db).filter(\.$applicationID == id).all()
        let resource = try ApplicationDesk.resource(application, cases: cases, tasks: tasks)
        guard context.allows(.viewPersonalData, resource) else { throw TongbanError.notFound("material") }
        return Found(material: material, application: application, applicationID: id, cases: cases, resource: resource)
    }

    package func open(_ materialID: UUID?) async throws -> Opened {
        let found = try await find(materialID)
        let material = found.material
        guard let bytes = try await MaterialContents.read(material.sha256, on: context.db) else { throw TongbanError.notFound("material") }
        try await recordView(found)
        return Opened(filename: material.filename, contentType: material.contentType, bytes: bytes)
    }

    /// 首页预览: the first page of an uploaded PDF as a picture, to those who may open the file
    /// (a staff view recorded as opening it is); a picture saying so where it cannot be drawn.
    package func preview(_ materialID: UUID?, previews: PDFPreviews, unavailable: String) async throws -> Opened {
        let found = try await find(materialID)
        let material = found.material
        guard material.contentType == "application/pdf" else { throw TongbanError.notFound("material") }
        let png = try await previews.firstPage(sha256: material.sha256, on: context.db)
        try await recordView(found)
        let name = (material.filename as NSString).deletingPathExtension
        guard let png else {
            return Opened(filename: name + ".svg", contentType: "image/svg+xml", bytes: PDFPreviews.unavailable(unavailable))
        }
        return Opened(filename: name + ".png", contentType: "image/png", bytes: png)
    }

    /// A view by anyone but the applicant goes into the applicant's data-access record.
    private func recordView(_ found: Found) async throws {
        let account = try context.requireAccount()
        let db = context.db
        let material = found.material
        let application = found.application
        let applicationID = found.applicationID
        if !context.allows(.view, .holderRecords(holderID: application.applicantID)) {
            let number = application.number ?? applicationID.uuidString
            let read = DataReads.Read(
                subjectID: application.applicantID, readerID: try account.requireID(),
                readerLabel: try await DataReads.readerLabel(account, on: db), source: "material:\(number)/\(material.materialKey)",
                sourceName: material.filename, fields: [material.materialKey], purpose: "审查申请材料（申请编号 \(number)）",
                basis: "case:\(number)")
            try await DataReads.record([read], requestID: context.requestID, keys: context.keys, on: db, at: context.now)
        }
    }

    package struct DeficiencyBody: Content {
        package var reason: String?
    }

    /// 不合格: a reviewer of the application's departments, or a window clerk who handles it, marks
    /// an uploaded file deficient with the reason (a later mark replaces it); the reason is on
    /// the timeline and in the audit, and the correction request the clerk sends names it.
    package func markDeficient(_ materialID: UUID?, of applicationID: UUID? = nil, _ body: DeficiencyBody) async throws {
        let db = context.db
        let found = try await find(materialID, of: applicationID)
        let material = found.material
        let application = found.application
        let applicationID = found.applicationID
        let cases = found.cases
        let resource = found.resource
        guard context.allows(.review, resource) || context.allows(.handle, resource) else { throw TongbanError.denied(.roleMissing) }
        var problems = FieldErrors()
        let reason = problems.text("reason", body.reason, maxLength: 200)
        try problems.throwIfAny()
        guard let reason else { throw problems }
        guard cases.contains(where: { MaterialStore.acceptingStates.contains($0.state) }) else {
            throw TongbanError.conflict("material.closed", ["state": cases.first?.state.rawValue ?? "-"])
        }
        let now = context.now
        let label = context.timelineLabel ?? "staff"
        material.deficiency = reason
        material.deficiencyBy = label
        material.deficiencyAt = now
        let entry = CaseEvent(
            applicationID: applicationID, caseID: nil, at: now, actor: label, action: "material.deficient", from: nil, to: nil,
            detail: "\(material.filename)：\(reason)")
        let audit = context.auditEvent(
            "material.deficient", resource: "application:\(application.number ?? applicationID.uuidString)",
            details: "\(material.materialKey) \(material.sha256.prefix(12)): \(reason)")
        try await db.write { tx in
            try await material.update(on: tx)
            try await entry.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
    }

    /// What the clerk's correction request says by default: each file found deficient, why.
    package static func correctionDraft(_ materials: [StoredMaterial], names: [String: String]) -> String {
        materials.filter { $0.deficiency != nil }.map { m in
            "\(names[m.materialKey] ?? m.materialKey)（\(m.filename)）：\(m.deficiency ?? "")"
        }.joined(separator: "\n")
    }

    /// Links to the application's materials for the acting account, by material id; none for one
    /// who may not open them.
    package static func links(_ materials: [StoredMaterial], resource: Resource, context: UseCaseContext) -> [UUID: String] {
        guard context.allows(.viewPersonalData, resource) else { return [:] }
        return Dictionary(materials.compactMap { m in m.id.map { ($0, "/materials/\($0)") } }, uniquingKeysWith: { first, _ in first })
    }
}

extension MaterialViewer.Opened {
    /// The file as the browser gets it: shown inline, never sniffed into another type, and in a
    /// sandbox of its own (no script, no form, no origin), which only this application's pages
    /// may frame.
    package func response() -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: contentType)
        let ascii =
            filename.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 } ? filename : "material"
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "material"
        headers.replaceOrAdd(name: .contentDisposition, value: "inline; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.policy)
        headers.replaceOrAdd(name: "X-Frame-Options", value: "SAMEORIGIN")
        headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return Response(status: .ok, headers: headers, body: .init(buffer: bytes))
    }

    package static let policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
}
