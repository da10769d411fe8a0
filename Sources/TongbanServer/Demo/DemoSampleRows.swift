import Fluent
import Foundation
import SQLKit
import TongbanCases
import TongbanHall
import TongbanPlatform

/// The tables that can hold a demo database's sample rows (演示数据), each marked in its own
/// `sample` column: figures made with them say so, and `tongban demo purge` removes them.
enum SampleTables {
    /// Children first, so a purge deletes in this order without breaking a foreign key.
    static let marked = [MaterialReuse.schema, CaseRow.schema, ApplicationRecord.schema, HallTicket.schema, WindowSession.schema]
    /// The rollup tables: how many sample cases each row sums.
    static let rollups = ["supervision_daily", "supervision_monthly"]
}

/// 16. Sample rows marked as such: a `sample` column on the tables the demo fills with made-up
/// history, a `samples` count in the supervision rollup. Rows an earlier demo seeded are marked
/// by what only the seed ever wrote (the sample applicant, the sample licences, the demo clerk's
/// sessions, tickets older than the database), and the rollup is recomputed from the start.
struct MarkSampleRows: AsyncMigration {
    func prepare(on database: Database) async throws {
        for table in SampleTables.marked {
            try await database.schema(table).field("sample", .bool, .required, .sql(.default(false))).update()
        }
        for table in SampleTables.rollups {
            try await database.schema(table).field("samples", .int, .required, .sql(.default(0))).update()
        }
        let sql = database.sql
        try await sql.raw("UPDATE applications SET sample = true WHERE applicant_name = '样本申请人' AND applicant_tail = '0000'").run()
        try await sql.raw("UPDATE cases SET sample = true WHERE application_id IN (SELECT id FROM applications WHERE sample)").run()
        try await sql.raw("UPDATE material_reuses SET sample = true WHERE source_ref = 'sample' AND purpose = '样本'").run()
        try await sql.raw("UPDATE hall_window_sessions SET sample = true WHERE clerk_name = '演示'").run()
        struct Seeded: Decodable { let at_millis: Int64? }
        let seeded = try await sql.raw("SELECT MIN(at_millis) AS at_millis FROM audit_entries WHERE action = 'seed.demo'")
            .first(decoding: Seeded.self)
        if let millis = seeded?.at_millis {
            // no ticket can have been taken before the database was seeded
            let seedTime = Date(timeIntervalSince1970: Double(millis) / 1000)
            try await sql.raw("UPDATE hall_tickets SET sample = true WHERE queued_at < \(bind: seedTime)").run()
        }
        // the next refresh recomputes every day, now with its sample count
        try await sql.raw("DELETE FROM supervision_marks").run()
    }

    func revert(on database: Database) async throws {
        for table in SampleTables.rollups + SampleTables.marked {
            let column = table.hasPrefix("supervision_") ? "samples" : "sample"
            try await database.schema(table).deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}
