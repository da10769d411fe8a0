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

    package func open(_ materialID: UUID?) async throws -> Opened {
        let account = try context.requireAccount()
        let db = context.db
        guard let materialID, let material = try await StoredMaterial.find(materialID, on: db),
            let application = try await ApplicationRecord.find(material.applicationID, on: db)
        else { throw TongbanError.notFound("material") }
        let applicationID = try application.requireID()
        let cases = try await CaseRow.query(on: db).filter(\.$applicationID == applicationID).all()
        let tasks = try await ReviewTask.query(on: db).filter(\.$applicationID == applicationID).all()
        let resource = try ApplicationDesk.resource(application, cases: cases, tasks: tasks)
        guard context.allows(.viewPersonalData, resource) else { throw TongbanError.notFound("material") }
        guard let bytes = try await MaterialContents.read(material.sha256, on: db) else { throw TongbanError.notFound("material") }
        if !context.allows(.view, .holderRecords(holderID: application.applicantID)) {
            let number = application.number ?? applicationID.uuidString
            let read = DataReads.Read(
                subjectID: application.applicantID, readerID: try account.requireID(),
                readerLabel: try await DataReads.readerLabel(account, on: db), source: "material:\(number)/\(material.materialKey)",
                sourceName: material.filename, fields: [material.materialKey], purpose: "审查申请材料（申请编号 \(number)）",
                basis: "case:\(number)")
            try await DataReads.record([read], requestID: context.requestID, keys: context.keys, on: db, at: context.now)
        }
        return Opened(filename: material.filename, contentType: material.contentType, bytes: bytes)
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
