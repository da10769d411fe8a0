import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// The counters of `SupervisionTotals` as columns of the daily rollup, in the core's order.
package enum SupervisionColumns {
    nonisolated(unsafe) static let counters: [(column: String, key: WritableKeyPath<SupervisionTotals, Int>)] = zip(
        [
            "cases", "applications", "online", "near", "decided", "immediate", "on_time", "days_used", "days_promised", "one_visit",
            "zero_visit", "saved", "refused", "withdrawn", "very_poor", "poor", "fair", "good", "very_good", "bad", "bad_followed_up",
            "complaints", "complaints_answered", "complaints_on_time", "samples",
        ], SupervisionTotals.counterKeys
    ).map { ($0, $1) }

    package static var names: [String] { counters.map(\.column) }

    /// The counters the rollup tables were created with (migration 13): a migration's schema never
    /// follows later code. Columns added since come with their own migration (`samples`: 16).
    package static let namesAtCreation = [
        "cases", "applications", "online", "near", "decided", "immediate", "on_time", "days_used", "days_promised", "one_visit",
        "zero_visit", "saved", "refused", "withdrawn", "very_poor", "poor", "fair", "good", "very_good", "bad", "bad_followed_up",
        "complaints", "complaints_answered", "complaints_on_time",
    ]

    /// `CAST(COALESCE(SUM(x), 0) AS BIGINT) AS x, …`: PostgreSQL sums bigints to numeric.
    package static var sums: String { names.map { "CAST(COALESCE(SUM(\($0)), 0) AS BIGINT) AS \($0)" }.joined(separator: ", ") }

    /// A row of sums decoded into the core's totals.
    package static func totals(from row: any SQLRow) throws -> SupervisionTotals {
        var totals = SupervisionTotals()
        for (column, key) in counters { totals[keyPath: key] = try row.decode(column: column, as: Int.self) }
        return totals
    }
}

/// 13. Supervision: each case carries what the figures need (the day it was decided, the
/// working days it used, the days promised), a rating the day it was given; the daily rollup the
/// dashboards sum, and the mark of how far the rollup has caught up.
package struct CreateSupervision: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(CaseRow.schema).field("decided_on", .string).update()
        try await database.schema(CaseRow.schema).field("days_used", .int).update()
        try await database.schema(CaseRow.schema).field("promised_days", .int).update()
        try await database.schema(CaseRow.schema).field("region_code", .string).update()
        try await database.schema(RatingRecord.schema).field("rated_on", .string).update()
        // the same rows summed per calendar month (`day` is the month's first day): a year's
        // dashboard reads twelve months of them instead of 365 days
        for table in ["supervision_daily", "supervision_monthly"] {
            var rollup = database.schema(table)
                .field("day", .string, .required)
                .field("region_code", .string, .required)
                .field("department_id", .uuid)
                .field("department_name", .string, .required)
                .field("item_code", .string, .required)
                .field("item_name", .string, .required)
            for column in SupervisionColumns.namesAtCreation { rollup = rollup.field(FieldKey(stringLiteral: column), .int, .required) }
            try await rollup.create()
        }
        try await database.schema("supervision_marks")
            .field("name", .string, .identifier(auto: false))
            .field("mark", .datetime, .required)
            .create()
        for statement in [
            "CREATE INDEX supervision_daily_by_day ON supervision_daily (day, department_id)",
            "CREATE INDEX supervision_monthly_by_day ON supervision_monthly (day, department_id)",
            "CREATE INDEX cases_by_update ON cases (updated_at)",
            "CREATE INDEX applications_by_submission ON applications (submitted_on)",
            "CREATE INDEX ratings_by_day ON ratings (rated_on)",
            // the warnings board: counts per department and the reddest, soonest due, without reading the rest
            "CREATE INDEX cases_warned ON cases (warning, region_code, department_name) WHERE clock_running AND warning <> 'none'",
            "CREATE INDEX cases_warned_due ON cases (warning, due_on) WHERE clock_running AND warning <> 'none'",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
        try await database.sql.raw(
            "UPDATE cases SET region_code = (SELECT a.region_code FROM applications a WHERE a.id = cases.application_id)"
        ).run()
        // what the cases and ratings of an existing database already say
        // (only the columns this migration knows: later ones do not exist yet)
        for row in try await CaseRow.query(on: database).field(\.$id).field(\.$record).all() {
            let record = try row.caseRecord()
            try await database.sql.update(CaseRow.schema)
                .set("promised_days", to: record.limit)
                .set("decided_on", to: record.decision?.on.description)
                .set("days_used", to: record.decision.map { _ in 0 })
                .where("id", .equal, try row.requireID())
                .run()
        }
        for rating in try await RatingRecord.query(on: database).all() {
            rating.ratedOn = CalendarDate(rating.createdAt).description
            try await rating.save(on: database)
        }
    }

    package func revert(on database: Database) async throws {
        for index in ["cases_warned_due", "cases_warned", "ratings_by_day", "applications_by_submission", "cases_by_update"] {
            try await database.sql.raw(SQLQueryString("DROP INDEX \(index)")).run()
        }
        try await database.schema("supervision_marks").delete()
        try await database.schema("supervision_monthly").delete()
        try await database.schema("supervision_daily").delete()
        try await database.schema(RatingRecord.schema).deleteField("rated_on").update()
        for field in ["region_code", "promised_days", "days_used", "decided_on"] {
            try await database.schema(CaseRow.schema).deleteField(FieldKey(stringLiteral: field)).update()
        }
    }
}
