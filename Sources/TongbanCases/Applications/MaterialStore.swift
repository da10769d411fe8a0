import Crypto
import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Uploaded materials: PDF, JPEG or PNG (checked by their first bytes, not only by the header
/// that claims them), at most 10 MB, kept in the database under their SHA-256
/// (`MaterialContents`), committed before the row that acknowledges them.
package enum MaterialStore {
    package static let maxBytes = 10 * 1024 * 1024
    package static let kinds: [(type: HTTPMediaType, magic: [UInt8])] = [
        (.pdf, Array("%PDF-".utf8)), (.jpeg, [0xFF, 0xD8, 0xFF]), (.png, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
    ]

    package struct MaterialDTO: Content {
        package let id: UUID
        package let key: String
        package let filename: String
        package let contentType: String
        package let size: Int
        package let sha256: String
    }

    /// Where files were kept before they moved into the database (migration 40 reads them there).
    package static func folder(_ app: Application) -> String { app.tongban.dataDirectory + "/materials" }

    /// The states in which the applicant (or a clerk) may still add materials.
    package static let acceptingStates: Set<CaseState> = [
        .draft, .returned, .submitted, .prereviewed, .awaitingCorrection, .underReview, .suspended,
    ]

    package static func upload(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let key = try req.parameters.require("key")
        let desk = MaterialDesk(context: req.context, caches: req.application.applicationCaches)
        let application = try await desk.checkUpload(applicationID: id, key: key)
        var problems = FieldErrors()
        let filename = problems.text("filename", req.query[String.self, at: "filename"], maxLength: 200) ?? ""
        if filename.contains("/") || filename.contains("\\") { problems.add("filename", "field.wrongType") }
        if !problems.isEmpty { throw TongbanError.invalid(problems) }
        let bytes = req.body.data ?? ByteBuffer()
        let dto = try await desk.store(bytes, contentType: req.headers.contentType, filename: filename, key: key, application: application)
        return try await dto.encodeResponse(status: .created, for: req)
    }

    /// What is wrong with a file offered as a material, as a message key; nil when nothing is.
    package static func problem(bytes: ByteBuffer, contentType: HTTPMediaType?) -> String? {
        guard bytes.readableBytes > 0 else { return "material.empty" }
        guard bytes.readableBytes <= maxBytes else { return "material.tooLarge" }
        guard let declared = contentType,
            let kind = kinds.first(where: { $0.type.type == declared.type && $0.type.subType == declared.subType }),
            bytes.readableBytesView.starts(with: kind.magic)
        else { return "material.forbiddenType" }
        return nil
    }
}
