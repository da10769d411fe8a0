import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 主题数据库, filled by its owner: a client system of the department that owns a resource loads
/// NDJSON batches of up to 10,000 records, each checked against the resource's fields; a batch
/// with a bad record writes nothing and names every bad line. Loading is idempotent by (subject,
/// version): a version already held changes nothing, an older one is passed over, a newer one
/// replaces the record. Lookups serve the newest version and say as of when. Every load is audited
/// with its counts.
package struct DataLoad {
    package let context: UseCaseContext
    package let resources: [String: DataResource]

    package init(context: UseCaseContext, resources: [String: DataResource]) {
        self.context = context
        self.resources = resources
    }

    package struct Outcome: Content, Equatable {
        package let resource: String
        package let received: Int
        package let inserted: Int
        package let updated: Int
        /// Records whose version was already held.
        package let unchanged: Int
        /// Records older than the version held.
        package let stale: Int
        package let loadedAt: Date
    }

    /// Who loads: a client system (its department must own the resource), or an operator's
    /// command on the server.
    package enum Loader {
        case client(SharingClients.Known)
        case operatorCommand(String)
    }

    package func load(_ code: String, _ bytes: Data, by loader: Loader) async throws -> Outcome {
        guard let resource = resources[code] else { throw TongbanError.notFound("data resource") }
        let label: String
        let actorID: UUID?
        switch loader {
        case let .client(client):
            guard let department = try await Department.find(client.departmentID, on: context.db),
                resource.owner.code == department.creditCode
            else { throw TongbanError.denied(.notOwner) }
            label = "\(client.departmentName) · \(client.name)"
            actorID = client.id
        case let .operatorCommand(name):
            label = "command:\(name)"
            actorID = nil
        }
        let batch: DataBatch
        switch DataBatch.parse(bytes, resource: resource, today: context.today) {
        case let .success(parsed): batch = parsed
        case let .failure(problems): throw TongbanError.invalid(Self.fieldErrors(problems.list))
        }
        let now = context.now
        let keys = context.keys
        let keyed = batch.records.map { (record: $0, key: DataResourceFile.subjectKey($0.subject, kind: resource.subject, keys: keys)) }
        let audit = AuditEvent(
            actorID: actorID, actorLabel: label, action: "data.load", resource: "data:\(code)", requestID: context.requestID)
        let today = context.today
        return try await context.db.write { tx in
            let held = try await Self.versions(of: code, keys: keyed.map(\.key), on: tx)
            var inserted = 0
            var updated = 0
            var unchanged = 0
            var stale = 0
            var writes: [(record: DataBatch.Record, key: String)] = []
            for entry in keyed {
                switch held[entry.key].map({ entry.record.version - $0 }) {
                case nil: inserted += 1
                case let difference? where difference > 0: updated += 1
                case 0: unchanged += 1
                default: stale += 1
                }
                if held[entry.key].map({ entry.record.version > $0 }) ?? true { writes.append(entry) }
            }
            let owners = try await Self.accounts(
                for: writes.map(\.record.subject), kind: resource.subject, keys: keys, today: today, on: tx)
            for chunk in writes.chunked(1_000) {
                try await Self.upsert(code, Array(chunk), owners: owners, at: now, keys: keys, on: tx)
            }
            var entry = audit
            entry.details =
                "\(batch.records.count) records: \(inserted) new, \(updated) newer, \(unchanged) unchanged, \(stale) older passed over"
            try await AuditLog.append(entry, on: tx, now: now)
            return Outcome(
                resource: code, received: batch.records.count, inserted: inserted, updated: updated, unchanged: unchanged, stale: stale,
                loadedAt: now)
        }
    }

    /// Each bad line as a field error: `line 12.subject`, `line 30.data.name`.
    static func fieldErrors(_ problems: [DataBatch.Problem]) -> FieldErrors {
        var errors = FieldErrors()
        for problem in problems.prefix(1_000) {
            let member = problem.field.isEmpty ? "" : " \(problem.field)"
            let field = problem.line == 0 ? "records" : "line \(problem.line)" + (problem.field.isEmpty ? "" : ".\(problem.field)")
            let label = problem.line == 0 ? "本批" : "第 \(problem.line) 行\(member)"
            let labelEn = problem.line == 0 ? "the batch" : "line \(problem.line)\(member)"
            errors.add(FieldError(field: field, key: problem.key, label: label, labelEn: labelEn))
        }
        return errors
    }

    private struct Held: Decodable {
        let subject_key: String
        let version: Int
    }

    /// The versions held of these subjects' records.
    private static func versions(of code: String, keys: [String], on db: any Database) async throws -> [String: Int] {
        var held: [String: Int] = [:]
        for slice in keys.chunked(1_000) {
            let chunk = SQLList(slice.map { SQLBind($0) })
            let rows = try await db.sql.raw(
                "SELECT subject_key, version FROM shared_records WHERE resource_code = \(bind: code) AND subject_key IN (\(chunk))"
            ).all(decoding: Held.self)
            for row in rows { held[row.subject_key] = row.version }
        }
        return held
    }

    private struct Owner: Decodable {
        let id: UUID
        let login_key: String
    }

    /// The accounts of the subjects who have one, by identity number or credit code: their
    /// record of who read their data lists reads of these rows.
    private static func accounts(
        for subjects: [String], kind: AccountKind, keys: KeyRing, today: CalendarDate, on db: any Database
    ) async throws -> [String: UUID] {
        let byLoginKey = Dictionary(
            subjects.map { (Account.loginKey(typed: $0, keys: keys, today: today), $0) }, uniquingKeysWith: { first, _ in first })
        var found: [String: UUID] = [:]
        let loginKeys = Array(byLoginKey.keys)
        for slice in loginKeys.chunked(1_000) {
            let chunk = SQLList(slice.map { SQLBind($0) })
            let rows = try await db.sql.raw("SELECT id, login_key FROM accounts WHERE login_key IN (\(chunk))").all(decoding: Owner.self)
            for row in rows { if let subject = byLoginKey[row.login_key] { found[subject] = row.id } }
        }
        return found
    }

    /// New records inserted, newer ones replacing what is held (never an older one: a batch
    /// loaded at the same time with a newer version wins whatever the order).
    private static func upsert(
        _ code: String, _ entries: [(record: DataBatch.Record, key: String)], owners: [String: UUID], at now: Date, keys: KeyRing,
        on db: any Database
    ) async throws {
        guard !entries.isEmpty else { return }
        let rows: [SQLQueryString] = try entries.map { entry in
            let json = String(decoding: try StoredJSON.encoder.encode(entry.record.data), as: UTF8.self)
            let data = SharedRecord.sealed(json, resource: code, subjectKey: entry.key, keys: keys)
            let owner = owners[entry.record.subject]
            return
                "(\(bind: UUID()), \(bind: code), \(bind: entry.key), \(bind: owner), \(bind: data), \(bind: now), \(bind: entry.record.version), \(bind: entry.record.asOf ?? now))"
        }
        try await db.sql.raw(
            """
            INSERT INTO shared_records (id, resource_code, subject_key, subject_id, data, updated_at, version, as_of)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (resource_code, subject_key) DO UPDATE SET
              data = excluded.data, updated_at = excluded.updated_at, version = excluded.version, as_of = excluded.as_of,
              subject_id = COALESCE(excluded.subject_id, shared_records.subject_id)
            WHERE shared_records.version < excluded.version
            """
        ).run()
    }
}

/// Records versioned by their owner and dated: which version is held, and as of when it was true.
package struct AddSharedRecordVersions: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE shared_records ADD COLUMN version INTEGER NOT NULL DEFAULT 1").run()
        try await database.schema(SharedRecord.schema).field("as_of", .datetime).update()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(SharedRecord.schema).deleteField("as_of").update()
        try await database.schema(SharedRecord.schema).deleteField("version").update()
    }
}
