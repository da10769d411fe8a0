import Crypto
import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Uploaded materials: PDF, JPEG or PNG (checked by their first bytes, not only by the header
/// that claims them), at most 10 MB, kept in the data folder under their SHA-256. The file is
/// written to a temporary name, synced, renamed into place and the folder synced before the row
/// that acknowledges it is committed, so an acknowledged upload survives a crash.
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

    package static func folder(_ app: Application) -> String { app.tongban.dataDirectory + "/materials" }

    package static func path(_ app: Application, sha256: String) -> String { MaterialFiles(app).path(sha256: sha256) }

    /// The states in which the applicant (or a clerk) may still add materials.
    package static let acceptingStates: Set<CaseState> = [
        .draft, .returned, .submitted, .prereviewed, .awaitingCorrection, .underReview, .suspended,
    ]

    package static func upload(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        let key = try req.parameters.require("key")
        let desk = MaterialDesk(context: req.context, caches: req.application.applicationCaches, files: MaterialFiles(req.application))
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

    /// Stores the bytes durably under their SHA-256 (before any row names them) and returns it.
    package static func keep(_ bytes: [UInt8], app: Application) async throws -> String {
        try await MaterialFiles(app).keep(bytes)
    }

    /// Write, fsync, rename, fsync the folder. A file already there under its hash is the same
    /// bytes, so it is kept.
    package static func durableWrite(_ bytes: [UInt8], to path: String) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) { return }
        let folder = (path as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = "\(path).\(UUID().uuidString).part"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Abort(.internalServerError, reason: "cannot write \(temporary)") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else {
                close(fd)
                unlink(temporary)
                throw Abort(.internalServerError, reason: "short write")
            }
            written += n
        }
        guard fsync(fd) == 0, close(fd) == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Abort(.internalServerError, reason: "cannot store \(path)")
        }
        let dir = open(folder, O_RDONLY)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }
}
