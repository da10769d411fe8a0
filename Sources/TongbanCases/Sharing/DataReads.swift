import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Reads of personal data under a consent or a grant. Each is written twice in one transaction:
/// a row the data subject's access view lists, and an entry in the tamper-evident audit log
/// (action `data.read`, the purpose in its purpose) that the row names — so the subject can
/// check the read is in the log, and neither exists without the other.
package enum DataReads {
    package struct Read {
        /// nil when the subject has no account: the audit log still records the read.
        package let subjectID: UUID?
        package let readerID: UUID?
        package let readerLabel: String
        package let source: String
        package let sourceName: String
        package let fields: [String]
        package let purpose: String
        package let basis: String
    }

    /// Writes the reads with their audit entries. A single read outside a transaction (a
    /// client system's lookup) shares its commit with the others arriving meanwhile, as
    /// submissions do: one flush for the lot, each caller answered after it.
    package static func record(
        _ reads: [Read], requestID: String?, keys: KeyRing, on db: any Database, groupCommit: GroupCommit? = nil, at now: Date
    ) async throws {
        guard !reads.isEmpty else { return }
        var batch = InsertBatch()
        var events: [AuditEvent] = []
        for read in reads {
            let fields = read.fields.joined(separator: ",")
            let entryKey = UUID()
            if let subject = read.subjectID {
                let id = UUID.timeOrdered(at: now)
                // who read and why, sealed to their cells as the audit entry's are
                batch.add(
                    DataRead.schema,
                    [
                        ("id", id), ("subject_id", subject), ("reader_id", read.readerID),
                        ("reader_label", keys.seal(read.readerLabel, table: DataRead.schema, row: id, column: "reader_label")),
                        ("source", read.source), ("source_name", read.sourceName), ("fields", fields),
                        ("purpose", keys.seal(read.purpose, table: DataRead.schema, row: id, column: "purpose")), ("basis", read.basis),
                        ("at", now), ("audit_key", entryKey.uuidString),
                    ])
            }
            var event = AuditEvent(
                actorID: read.readerID, actorLabel: read.readerLabel, action: "data.read", resource: read.source,
                purpose: read.purpose, requestID: requestID,
                details: "subject \(read.subjectID?.uuidString ?? "-"); fields \(fields); basis \(read.basis)")
            event.keys = keys
            event.entryKey = entryKey
            events.append(event)
        }
        if let groupCommit, events.count == 1, !db.inTransaction {
            return try await groupCommit.write(on: db, GroupWrite(rows: batch, audit: events[0]))
        }
        try await AuditLog.append(events, on: db, with: batch, now: now)
    }

    /// The reads of a subject's data, newest first, who read and why opened.
    package static func of(subjectID: UUID, limit: Int = 200, keys: KeyRing, on db: any Database) async throws -> [DataRead] {
        let rows = try await DataRead.query(on: db).filter(\.$subjectID == subjectID).sort(\.$at, .descending).limit(limit).all()
        for row in rows { row.open(keys) }
        return rows
    }

    /// "杭州市西湖区市场监督管理局 · 陈审批" for a staff reader.
    package static func readerLabel(_ account: Account?, on db: any Database) async throws -> String {
        guard let account else { return "anonymous" }
        guard let departmentID = account.$department.id, let department = try await Department.find(departmentID, on: db) else {
            return account.displayName
        }
        return "\(department.name) · \(account.displayName)"
    }
}
