import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Supplying materials after submission on the application page, without JavaScript: what a
/// correction notice (补正) asks for, or what a tolerant acceptance (容缺) left owed. The file is
/// checked like any upload; then the applicant tells the case it is supplied with the case's own
/// action button.
package struct MaterialPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.form(.POST, "applications", ":id", "materials", max: "12mb", use: upload)
        routes.post("applications", ":id", "visits", use: visit)
        routes.get("materials", ":id", use: open)
        routes.get("materials", ":id", "preview", use: preview)
        routes.post("applications", ":id", "materials", ":material", "deficiency", use: markDeficient)
    }

    /// A reviewer's or clerk's mark on a file, from the checklist; the page again with the reason
    /// refused when it was.
    package func markDeficient(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        do {
            try await MaterialViewer(context: req.context).markDeficient(
                req.parameters.get("material", as: UUID.self), of: id, try req.content.decode(MaterialViewer.DeficiencyBody.self))
        } catch let error as TongbanError where Self.refusals.contains(error.status) {
            return try await ApplicationPages().renderDetail(req, refused: error)
        }
        return req.redirect(to: "/applications/\(id)#checklist")
    }

    /// An uploaded material's file in the browser (its page links to it).
    package func open(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        return try await MaterialViewer(context: req.context).open(req.parameters.get("id", as: UUID.self)).response()
    }

    /// The first page of an uploaded PDF as a picture (the checklist shows it).
    package func preview(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        return try await MaterialViewer(context: req.context).preview(
            req.parameters.get("id", as: UUID.self), previews: req.application.pdfPreviews,
            unavailable: req.t("material.previewUnavailable")
        ).response()
    }

    package struct Choice: Encodable {
        package let key: String
        package let name: String
    }

    /// One line of the items' material checklist beside what was uploaded: the window clerk's
    /// side-by-side view, and the applicant's view of what is still missing.
    package struct ChecklistLine: Encodable {
        package let name: String
        /// 必须 / 容缺 / 可选, or where the platform gets it instead.
        package let kind: String
        /// What the platform took instead of an upload (a licence, shared data), named.
        package let sources: String
        package let files: [FileLink]
        package let hasFiles: Bool
        /// ok, missing, owed, optional, fetched
        package let status: String
        package let statusLabel: String
    }

    /// An uploaded file on the checklist: a link to open it for those who may (`href`), an image
    /// shown small beside it.
    package struct FileLink: Encodable {
        package let id: String
        package let name: String
        package let href: String?
        package let isImage: Bool
        /// The first page of a PDF, as a picture, for those who may open it.
        package let previewHref: String?
        /// Why it was found deficient, and who found it.
        package let deficiency: String?
        /// Whether the viewer may mark it deficient (a reviewer or clerk of the case, while open).
        package let markable: Bool
    }

    package static func checklist(
        _ req: Request, items: [ServiceItem], uploads: [StoredMaterial], reuses: [MaterialReuse], posted: [PostedMaterial] = [],
        links: [UUID: String] = [:], markable: Bool = false
    ) -> [ChecklistLine] {
        var seen = Set<String>()
        return items.flatMap(\.materials).filter { seen.insert($0.key).inserted }.map { m in
            let uploaded = uploads.filter { $0.materialKey == m.key }
            let files = uploaded.map(\.filename)
            let reused = reuses.first { $0.materialKey == m.key }
            let mailed = posted.filter { $0.materialKey == m.key }
            let status: String
            switch m.source {
            case .applicant:
                status =
                    !files.isEmpty ? "ok" : !mailed.isEmpty ? "posted" : !m.required ? "optional" : m.tolerable ? "owed" : "missing"
            case .eLicense: status = reused != nil ? "license" : !files.isEmpty ? "ok" : !m.required ? "optional" : "toVerify"
            case .sharedData: status = reused != nil ? "data" : !m.required ? "optional" : "toVerify"
            case .department: status = "fetched"
            }
            let kind =
                m.source != .applicant
                ? req.t("source.\(m.source.rawValue)", ["who": m.producedBy ?? ""])
                : req.t(!m.required ? "checklist.optional" : m.tolerable ? "checklist.tolerable" : "checklist.required")
            // a licence by its type only: its identifier would open its verification to anyone who sees the page
            let byPost = mailed.map { row in
                req.t("posted.line", ["date": row.receivedOn, "tracking": row.trackingNumber.map { " · EMS \($0)" } ?? ""])
            }
            let sources =
                reused.map { $0.via == .license ? $0.sourceName : "\($0.sourceName) \($0.sourceRef)" }
                ?? (byPost.isEmpty ? nil : byPost.joined(separator: "；"))
            let links = uploaded.map { file in
                FileLink(
                    id: file.id?.uuidString ?? "", name: file.filename, href: file.id.flatMap { links[$0] },
                    isImage: file.contentType.hasPrefix("image/"),
                    previewHref: file.contentType == "application/pdf" ? file.id.flatMap { links[$0] }.map { $0 + "/preview" } : nil,
                    deficiency: file.deficiency.map { "\($0)（\(req.actorName(file.deficiencyBy ?? ""))）" },
                    markable: markable && file.id.flatMap { links[$0] } != nil)
            }
            return ChecklistLine(
                name: m.name, kind: kind, sources: sources ?? "", files: links, hasFiles: sources != nil || !files.isEmpty, status: status,
                statusLabel: req.t("checklist.\(status)"))
        }
    }

    package struct VisitForm: Decodable { var purpose: String? }

    /// 到场登记: the clerk records that the applicant came in person (every visit counts against
    /// "at most one visit").
    package func visit(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        do {
            let purpose = try req.content.decode(VisitForm.self).purpose
            try await ApplicationDesk(context: req.context).recordVisit(id, purpose: purpose)
        } catch let error as TongbanError where error.status == .unprocessableEntity {
            return try await ApplicationPages().renderDetail(req, refused: error)
        }
        return req.redirect(to: "/applications/\(id)?visit=1")
    }

    /// The materials the viewer may supply now, or none: the applicant (or a clerk of the region)
    /// while a case waits for a correction or still owes a material.
    package static func choices(_ req: Request, application: ApplicationRecord, cases: [CaseRow], items: [ServiceItem]) throws -> [Choice] {
        let waiting = cases.contains { row in
            if row.state == .awaitingCorrection { return true }
            let owes = (try? row.caseRecord().owed.isEmpty == false) ?? false
            return owes && MaterialStore.acceptingStates.contains(row.state)
        }
        guard waiting, req.currentAccount != nil else { return [] }
        let resource = try application.resource()
        let own = req.allows(.view, .holderRecords(holderID: application.applicantID))
        guard own || Policy.decide(req.currentActor, .handle, resource).isAllowed else { return [] }
        var seen = Set<String>()
        return items.flatMap(\.materials).filter { $0.source == .applicant && seen.insert($0.key).inserted }.map {
            Choice(key: $0.key, name: $0.name)
        }
    }

    /// What the page shows on the application instead of an error page.
    package static let refusals: Set<HTTPResponseStatus> = [.conflict, .unprocessableEntity, .payloadTooLarge, .unsupportedMediaType]

    package struct UploadForm: Decodable {
        package var key: String?
        package var file: File?
    }

    package func upload(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let form = try req.content.decode(UploadForm.self)
        do {
            guard let key = form.key, !key.isEmpty else { throw TongbanError.invalid(field: "key", "field.required") }
            let desk = MaterialDesk(context: req.context, caches: req.application.applicationCaches)
            let application = try await desk.checkUpload(applicationID: id, key: key)
            guard let file = form.file, file.data.readableBytes > 0 else { throw TongbanError.invalid(field: "file", "material.empty") }
            var names = FieldErrors()
            // the name as the browser sent it, never a path
            let filename = (names.text("filename", file.filename, maxLength: 200) ?? "upload").replacingOccurrences(of: "/", with: "_")
            _ = try await desk.store(file.data, contentType: file.contentType, filename: filename, key: key, application: application)
        } catch let error as TongbanError where Self.refusals.contains(error.status) {
            return try await ApplicationPages().renderDetail(req, refused: error)
        }
        return req.redirect(to: "/applications/\(id)?uploaded=1#materials")
    }
}
