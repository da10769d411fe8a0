import Crypto
import Fluent
import Foundation
import SQLKit
import TongbanPlatform
import Vapor

/// The bytes of uploaded materials, in the database in parts of 1 MB under their SHA-256: every
/// serving process reads what any of them took in (files on one process's disk were not), and a
/// backup of the database is a backup of the materials. The same file uploaded twice is kept
/// once. The bytes are committed in a transaction of their own before any row names them, so an
/// acknowledged upload is never a row without its file.
package enum MaterialContents {
    package static let table = "material_contents"
    package static let partSize = 1 << 20

    /// Stores the bytes (nothing new when a file of that hash is there already) and returns the hash.
    package static func keep(_ bytes: [UInt8], on db: any Database) async throws -> String {
        let sha = SHA256.hash(data: bytes).hex
        try await db.write { tx in
            try await insert(bytes, sha256: sha, on: tx)
        }
        return sha
    }

    /// Stores bytes made from a material (its preview) under a key of their own, once.
    package static func keep(_ bytes: [UInt8], as key: String, on db: any Database) async throws {
        try await db.write { tx in
            try await insert(bytes, sha256: key, on: tx)
        }
    }

    static func insert(_ bytes: [UInt8], sha256: String, on tx: any Database) async throws {
        var part = 0
        for start in stride(from: 0, to: max(bytes.count, 1), by: partSize) {
            let piece = Data(bytes[start..<min(start + partSize, bytes.count)])
            try await tx.sql.raw(
                """
                INSERT INTO material_contents (sha256, part, bytes) VALUES (\(bind: sha256), \(bind: part), \(bind: piece))
                ON CONFLICT DO NOTHING
                """
            ).run()
            part += 1
        }
    }

    /// The file of this hash, whole; nil when the database does not hold it. The parts come as
    /// the drivers' own buffers, joined without another copy when there is one.
    package static func read(_ sha256: String, on db: any Database) async throws -> ByteBuffer? {
        let rows = try await db.sql.raw("SELECT bytes FROM material_contents WHERE sha256 = \(bind: sha256) ORDER BY part").all()
        let parts = try rows.map { try $0.decode(column: "bytes", as: ByteBuffer.self) }
        guard var whole = parts.first else { return nil }
        guard parts.count > 1 else { return whole }
        whole.reserveCapacity(parts.reduce(0) { $0 + $1.readableBytes })
        for var part in parts.dropFirst() { whole.writeBuffer(&part) }
        return whole
    }
}

/// 40. Materials in the database (`MaterialContents`): the table, and every file the data
/// folder holds for a material row copied into it, a page of files at a time (the files stay
/// where they were, for the operator to remove once a backup of the database is made).
package struct CreateMaterialContents: AsyncMigration {
    /// The data folder's `materials`, where files were kept before.
    let folder: String

    package init(folder: String) { self.folder = folder }

    private struct Hash: Decodable { let sha256: String }

    package func prepare(on database: any Database) async throws {
        let bytes = database.isPostgres ? "BYTEA" : "BLOB"
        try await database.sql.raw(
            """
            CREATE TABLE material_contents (
              sha256 TEXT NOT NULL, part INTEGER NOT NULL, bytes \(unsafeRaw: bytes) NOT NULL, PRIMARY KEY (sha256, part))
            """
        ).run()
        var after = ""
        while true {
            let page = try await database.sql.raw(
                """
                SELECT DISTINCT sha256 FROM application_materials WHERE sha256 > \(bind: after) ORDER BY sha256 LIMIT 100
                """
            ).all(decoding: Hash.self)
            guard let last = page.last else { return }
            try await database.transaction { tx in
                for row in page {
                    let path = "\(folder)/\(row.sha256.prefix(2))/\(row.sha256)"
                    guard let data = FileManager.default.contents(atPath: path) else { continue }
                    try await MaterialContents.insert(Array(data), sha256: row.sha256, on: tx)
                }
            }
            after = last.sha256
        }
    }

    package func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP TABLE material_contents").run()
    }
}
