import Fluent
import Foundation
import NIOCore
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// The rollup the dashboards read: one row per day, region, department and item with the
/// counters of `SupervisionTotals` (`supervision_daily`), and the same per calendar month
/// (`supervision_monthly`), so a period's figures are a sum over its months and its edge days
/// instead of a scan of every application.
///
/// How it is kept: each case's row carries what it counts for (state, decided_on, days_used,
/// promised_days, due_on; its application's day, channel, region and visits), and every change
/// of a case (a transition, a recorded visit) sets its `updated_at`; a rating has its day and
/// its `created_at`/`revised_at`, a follow-up and a complaint their `updated_at`. A refresh
/// finds the days touched since its last mark and recomputes those days whole (delete, then
/// insert the grouped sums), then their months, in one transaction that also moves the mark.
/// Recomputing a day is idempotent, so the refresh looks two minutes further back than its mark:
/// a change committed just after a refresh read is picked up by the next. On PostgreSQL the
/// mark's row is locked for the refresh, so processes running it at once take turns instead of
/// writing a day twice.
package enum SupervisionRollup {
    private struct Mark: Decodable { let mark: Date }
    package static let markName = "daily"
    /// How far before its mark a refresh looks again, for changes committed late.
    package static let overlap: TimeInterval = 120
    /// Seconds between refreshes in a serving process: the dashboards are at most this old.
    package static let interval: TimeInterval = 30

    package struct Summary: Sendable, Equatable {
        package var days = 0
        package var rows = 0
    }

    /// Brings the rollup up to date; returns how many days were recomputed.
    @discardableResult
    package static func refresh(app: Application, now: Date) async throws -> Summary {
        try await refresh(on: app.db, now: now)
    }

    /// The same on a database, inside the caller's transaction if it is in one (a purge of the
    /// demo's samples recomputes the figures in the transaction that removes them).
    @discardableResult
    package static func refresh(on db: any Database, now: Date) async throws -> Summary {
        guard db.inTransaction else {
            return try await db.write { tx in try await refresh(on: tx, now: now) }
        }
        let tx = db
        try await tx.sql.raw(
            """
            INSERT INTO supervision_marks (name, mark) VALUES (\(bind: markName), \(bind: Date(timeIntervalSince1970: 0)))
            ON CONFLICT (name) DO NOTHING
            """
        ).run()
        let lock = tx.isPostgres ? " FOR UPDATE" : ""
        let mark =
            try await tx.sql.raw("SELECT mark FROM supervision_marks WHERE name = \(bind: markName)\(unsafeRaw: lock)")
            .first(decoding: Mark.self)?.mark ?? Date(timeIntervalSince1970: 0)
        let days = try await dirtyDays(since: mark.addingTimeInterval(-overlap), on: tx)
        var summary = Summary()
        for chunk in stride(from: 0, to: days.count, by: 200).map({ Array(days[$0..<min($0 + 200, days.count)]) }) {
            summary.rows += try await recompute(days: chunk, on: tx)
        }
        try await recompute(months: Set(days.map { String($0.prefix(7)) }).sorted(), on: tx)
        summary.days = days.count
        try await tx.sql.raw("UPDATE supervision_marks SET mark = \(bind: now) WHERE name = \(bind: markName)").run()
        return summary
    }

    /// The time of the last refresh, for "figures as of".
    package static func lastRefresh(on db: any Database) async throws -> Date? {
        let mark = try await db.sql.raw("SELECT mark FROM supervision_marks WHERE name = \(bind: markName)").first(decoding: Mark.self)?
            .mark
        return mark.flatMap { $0.timeIntervalSince1970 > 0 ? $0 : nil }
    }

    package static func dirtyDays(since: Date, on db: any Database) async throws -> [String] {
        struct Day: Decodable { let day: String? }
        let days = try await db.sql.raw(
            """
            SELECT DISTINCT a.submitted_on AS day FROM cases c JOIN applications a ON a.id = c.application_id
              WHERE c.updated_at > \(bind: since) AND a.submitted_on IS NOT NULL
            UNION SELECT DISTINCT rated_on AS day FROM ratings WHERE created_at > \(bind: since) OR revised_at > \(bind: since)
            UNION SELECT DISTINCT r.rated_on AS day FROM rating_follow_ups f JOIN ratings r ON r.id = f.rating_id WHERE f.updated_at > \(bind: since)
            UNION SELECT DISTINCT sent_on AS day FROM complaints WHERE updated_at > \(bind: since)
            """
        ).all(decoding: Day.self)
        return Set(days.compactMap(\.day)).sorted()
    }

    /// Deletes the days' rows and writes them again from the cases and ratings; returns the rows written.
    package static func recompute(days: [String], on db: any Database) async throws -> Int {
        guard !days.isEmpty else { return 0 }
        let list = SQLList(days.map { SQLBind($0) })
        try await db.sql.raw("DELETE FROM supervision_daily WHERE day IN (\(list))").run()
        let decided =
            "c.decided_on IS NOT NULL AND c.state IN (\(CaseFacts.decidedStates.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")))"
        let caseCounters: [String: String] = [
            "cases": "COUNT(*)",
            "applications": "SUM(CASE WHEN c.position = 0 THEN 1 ELSE 0 END)",
            "online": "SUM(CASE WHEN a.channel = 'online' THEN 1 ELSE 0 END)",
            // 就近办: handled at a town (street) or village: taken in at a window there, or an item of that level
            "near": "SUM(CASE WHEN LENGTH(COALESCE(a.taken_in, a.region_code)) >= 9 THEN 1 ELSE 0 END)",
            "decided": "SUM(CASE WHEN \(decided) THEN 1 ELSE 0 END)",
            "immediate": "SUM(CASE WHEN \(decided) AND c.decided_on <= a.submitted_on THEN 1 ELSE 0 END)",
            "on_time": "SUM(CASE WHEN \(decided) AND (c.due_on IS NULL OR c.decided_on <= c.due_on) THEN 1 ELSE 0 END)",
            "days_used": "SUM(CASE WHEN \(decided) THEN COALESCE(c.days_used, 0) ELSE 0 END)",
            "days_promised": "SUM(CASE WHEN \(decided) THEN COALESCE(c.promised_days, 0) ELSE 0 END)",
            "one_visit": "SUM(CASE WHEN \(decided) AND a.visits <= 1 THEN 1 ELSE 0 END)",
            "zero_visit": "SUM(CASE WHEN \(decided) AND a.visits = 0 THEN 1 ELSE 0 END)",
            "saved": "COALESCE(SUM(m.n), 0)",
            "refused": "SUM(CASE WHEN c.state = 'refused' THEN 1 ELSE 0 END)",
            "withdrawn": "SUM(CASE WHEN c.state = 'withdrawn' THEN 1 ELSE 0 END)",
            // a boolean column: true on PostgreSQL, 1 on SQLite; both read it as a condition
            "samples": "SUM(CASE WHEN c.sample THEN 1 ELSE 0 END)",
        ]
        // a boolean column: true on PostgreSQL, 1 on SQLite; both read it as a condition
        let counts = "r.counts"
        let ratingCounters: [String: String] = [
            "very_poor": "SUM(CASE WHEN \(counts) AND r.level = 1 THEN 1 ELSE 0 END)",
            "poor": "SUM(CASE WHEN \(counts) AND r.level = 2 THEN 1 ELSE 0 END)",
            "fair": "SUM(CASE WHEN \(counts) AND r.level = 3 THEN 1 ELSE 0 END)",
            "good": "SUM(CASE WHEN \(counts) AND r.level = 4 THEN 1 ELSE 0 END)",
            "very_good": "SUM(CASE WHEN \(counts) AND r.level = 5 THEN 1 ELSE 0 END)",
            "bad": "SUM(CASE WHEN \(counts) AND r.level <= 2 THEN 1 ELSE 0 END)",
            "bad_followed_up": "SUM(CASE WHEN \(counts) AND r.level <= 2 AND f.state IN ('fixed', 'explained') THEN 1 ELSE 0 END)",
        ]
        func select(_ counters: [String: String]) -> String {
            SupervisionColumns.names.map { counters[$0] ?? "0" }.joined(separator: ", ")
        }
        let columns =
            "day, region_code, department_id, department_name, item_code, item_name, " + SupervisionColumns.names.joined(separator: ", ")
        try await db.sql.raw(
            """
            INSERT INTO supervision_daily (\(unsafeRaw: columns))
            SELECT a.submitted_on, a.region_code, c.department_id, MAX(c.department_name), c.item_code, MAX(c.item_name), \(unsafeRaw: select(caseCounters))
            FROM cases c JOIN applications a ON a.id = c.application_id
            LEFT JOIN (SELECT case_id, COUNT(*) AS n FROM material_reuses
                       WHERE application_id IN (SELECT id FROM applications WHERE submitted_on IN (\(list))) GROUP BY case_id) m ON m.case_id = c.id
            WHERE a.submitted_on IN (\(list)) AND a.status <> 'draft'
            GROUP BY a.submitted_on, a.region_code, c.department_id, c.item_code
            """
        ).run()
        try await db.sql.raw(
            """
            INSERT INTO supervision_daily (\(unsafeRaw: columns))
            SELECT r.rated_on, r.region_code, r.department_id, MAX(r.department_name), '', '', \(unsafeRaw: select(ratingCounters))
            FROM ratings r LEFT JOIN rating_follow_ups f ON f.rating_id = r.id
            WHERE r.rated_on IN (\(list))
            GROUP BY r.rated_on, r.region_code, r.department_id
            """
        ).run()
        let complaintCounters: [String: String] = [
            "complaints": "COUNT(*)",
            "complaints_answered": "SUM(CASE WHEN answered_on IS NOT NULL THEN 1 ELSE 0 END)",
            "complaints_on_time": "SUM(CASE WHEN answered_on IS NOT NULL AND answered_on <= due_on THEN 1 ELSE 0 END)",
        ]
        try await db.sql.raw(
            """
            INSERT INTO supervision_daily (\(unsafeRaw: columns))
            SELECT sent_on, region_code, department_id, MAX(department_name), COALESCE(item_code, ''), COALESCE(MAX(item_name), ''), \(unsafeRaw: select(complaintCounters))
            FROM complaints WHERE sent_on IN (\(list))
            GROUP BY sent_on, region_code, department_id, item_code
            """
        ).run()
        struct Count: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM supervision_daily WHERE day IN (\(list))").first(decoding: Count.self)?.n
            ?? 0
    }

    /// The months' rows summed again from their days (`day` holds the month's first day).
    package static func recompute(months: [String], on db: any Database) async throws {
        guard !months.isEmpty else { return }
        let starts = SQLList(months.map { SQLBind($0 + "-01") })
        // ranges rather than SUBSTR(day) so the index on day is used
        let ranges: SQLQueryString = months.map { m -> SQLQueryString in "(day >= \(bind: m + "-01") AND day <= \(bind: m + "-31"))" }
            .joined(separator: " OR ")
        try await db.sql.raw("DELETE FROM supervision_monthly WHERE day IN (\(starts))").run()
        let columns = SupervisionColumns.names.joined(separator: ", ")
        let sums = SupervisionColumns.names.map { "SUM(\($0))" }.joined(separator: ", ")
        try await db.sql.raw(
            """
            INSERT INTO supervision_monthly (day, region_code, department_id, department_name, item_code, item_name, \(unsafeRaw: columns))
            SELECT SUBSTR(day, 1, 7) || '-01', region_code, department_id, MAX(department_name), item_code, MAX(item_name), \(unsafeRaw: sums)
            FROM supervision_daily WHERE \(ranges)
            GROUP BY SUBSTR(day, 1, 7), region_code, department_id, item_code
            """
        ).run()
    }

    /// Runs every `interval` seconds in a serving process, from a few seconds after it starts.
    package static func schedule(_ app: Application, every interval: TimeInterval) {
        BackgroundJob.schedule(app, name: "supervision rollup", every: interval, firstAfter: min(interval, 5)) {
            let summary = try await refresh(app: app, now: app.clock.now())
            if summary.days > 0 { app.logger.debug("supervision rollup: \(summary.days) day(s), \(summary.rows) row(s)") }
        }
    }
}
