import Fluent
import Foundation
import SQLKit
import TongbanCases
import TongbanCore
import TongbanPlatform
import TongbanSupervision
import Vapor

/// `tongban bench supervision [--applications N]`: the supervision budgets, in process, on the
/// configured database (an empty one). Writes N applications over the year to 2026-11-20 across
/// 40 departments × 25 items in West Lake District and five of its streets, builds the rollup
/// from nothing, then times each kind of dashboard (region, department, item, street, public;
/// a year and a quarter) 15 times; then opens every case (those decided at once get a deadline a
/// month ahead) and times the deadline watch for a day on which some of them turn yellow or red, and for a day with no change.
/// Prints figures; `Benchmarks/supervision.sh` adds the HTTP side. Not a test.
enum SupervisionBench {
    static let last = CalendarDate(year: 2026, month: 11, day: 20)!
    static let first = last.adding(days: -364)!

    static func places() -> [SupervisionSample.Place] {
        var rng = SupervisionSample.Random(seed: 40)
        let streets = DemoFigures.streets
        return (0..<40).flatMap { d -> [SupervisionSample.Place] in
            let department = UUID(uuid: (UInt8(d), 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1))
            let name = "基准测试部门\(d + 1)"
            return (0..<25).map { i in
                let street = Int.random(in: 0..<10, using: &rng) < 3
                return SupervisionSample.Place(
                    regionCode: street ? streets[(d + i) % streets.count] : "330106", departmentID: department,
                    departmentName: name, itemCode: String(format: "BENCH-%02d-%02d", d, i), itemName: "基准事项 \(d + 1)-\(i + 1)")
            }
        }
    }

    static func run(_ app: Application, applications: Int, watchOnly: Bool = false, say: (String) -> Void) async throws {
        try await app.autoMigrate()
        if watchOnly { return try await watch(app, say: say) }
        // the demo accounts (no catalog, no history), so that serving this database afterwards
        // does not seed half a year of demo applications into it while it is being measured
        if try await Account.query(on: app.db).count() == 0 {
            _ = try await DemoSeed.run(app: app, db: app.db, regionsFolder: TongbanResources.regions, catalog: false)
        }
        let places = places()
        var rng = SupervisionSample.Random(seed: 2027)
        var clock = ContinuousClock.now
        var written = 0
        while written < applications {
            let chunk = SupervisionSample.random(min(50_000, applications - written), from: first, to: last, places: places, using: &rng)
            try await SupervisionSample.insert(chunk, on: app.db, now: Date(timeIntervalSince1970: 1_700_000_000))
            written += chunk.count
            say(String(format: "wrote %d cases (%.0f s)", written, seconds(ContinuousClock.now - clock)))
        }
        struct Count: Decodable { let n: Int }
        let rowsTotal = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM applications").first(decoding: Count.self)?.n ?? 0
        say(String(format: "%d applications, %d cases written in %.0f s", rowsTotal, written, seconds(ContinuousClock.now - clock)))
        if app.db.isPostgres { try await app.db.sql.raw("ANALYZE").run() }

        clock = .now
        let built = try await SupervisionRollup.refresh(app: app, now: app.clock.now())
        say(
            String(
                format: "rollup built from nothing: %d days, %d rows in %.1f s", built.days, built.rows,
                seconds(ContinuousClock.now - clock)))
        clock = .now
        let again = try await SupervisionRollup.refresh(app: app, now: app.clock.now().addingTimeInterval(1))
        say(String(format: "refresh with nothing changed: %d days in %.1f ms", again.days, seconds(ContinuousClock.now - clock) * 1000))
        // one day's cases changed (a busy day's transitions): what a 30-second refresh redoes
        let day = last.adding(days: -3)!.description
        try await app.db.sql.raw(
            """
            UPDATE cases SET updated_at = \(bind: app.clock.now()) WHERE application_id IN (SELECT id FROM applications WHERE submitted_on = \(bind: day))
            """
        ).run()
        clock = .now
        let oneDay = try await SupervisionRollup.refresh(app: app, now: app.clock.now().addingTimeInterval(2))
        say(
            String(
                format: "refresh after a day's cases changed: %d day(s) in %.1f ms", oneDay.days,
                seconds(ContinuousClock.now - clock) * 1000))
        if app.db.isPostgres { try await app.db.sql.raw("ANALYZE supervision_daily").run() }

        let west = try RegionCode("330106")
        let department = places[5].departmentID
        let scopes: [(String, SupervisionScope)] = [
            ("region, a year", SupervisionScope(from: first, to: last, region: west)),
            ("region, a quarter", SupervisionScope(from: last.adding(days: -89)!, to: last, region: west)),
            ("department, a year", SupervisionScope(from: first, to: last, region: west, departmentID: department)),
            ("item, a year", SupervisionScope(from: first, to: last, region: west, itemCode: places[0].itemCode)),
            ("street, a year", SupervisionScope(from: first, to: last, region: try RegionCode(DemoFigures.streets[0]))),
            ("public (everything), a year", SupervisionScope(from: first, to: last)),
        ]
        var worst = 0.0
        for (label, scope) in scopes {
            var times: [Double] = []
            var report: SupervisionReport?
            for _ in 0..<15 {
                let started = ContinuousClock.now
                report = try await SupervisionReport.make(scope, on: app.db)
                times.append(seconds(ContinuousClock.now - started) * 1000)
            }
            times.sort()
            worst = max(worst, times[times.count - 1])
            say(
                String(
                    format: "dashboard %@: median %.1f ms, max %.1f ms (%d cases, %d departments, %d items, %d trend points)", label,
                    times[times.count / 2], times[times.count - 1], report?.totals.cases ?? 0, report?.departments.count ?? 0,
                    report?.items.count ?? 0, report?.trend.count ?? 0))
        }
        say(String(format: "dashboards: slowest of all %.1f ms", worst))

        try await watch(app, say: say)
    }

    /// Every case of the database opened, coloured as of the day before the last day; then the
    /// deadline watch for the last day (some turn yellow or red) and once more (nothing changes).
    static func watch(_ app: Application, say: (String) -> Void) async throws {
        struct Count: Decodable { let n: Int }
        var clock = ContinuousClock.now
        let today = last
        let yesterday = last.adding(days: -1)!.description
        let colour = SQLQueryString(
            "CASE WHEN due_on < \(bind: yesterday) THEN 'red' WHEN yellow_on <= \(bind: yesterday) THEN 'yellow' ELSE 'none' END")
        // cases decided at once have no deadline: they get one a month ahead, so every case is open
        try await app.db.sql.raw(
            """
            UPDATE cases SET due_on = \(bind: today.adding(days: 30)!.description), yellow_on = \(bind: today.adding(days: 29)!.description) WHERE due_on IS NULL
            """
        ).run()
        try await app.db.sql.raw(
            """
            UPDATE cases SET state = 'underReview', clock_running = \(bind: true), warning = \(colour)
            """
        ).run()
        let open =
            try await app.db.sql.raw("SELECT COUNT(*) AS n FROM cases WHERE clock_running = \(bind: true)").first(decoding: Count.self)?.n
            ?? 0
        if app.db.isPostgres { try await app.db.sql.raw("ANALYZE cases").run() }
        clock = .now
        let moved = try await DeadlineWatch.run(app: app, today: today)
        say(
            String(
                format: "deadline watch over %d open cases, a day with changes: %.2f s (%d yellow, %d red)", open,
                seconds(ContinuousClock.now - clock), moved.yellow, moved.red))
        clock = .now
        let still = try await DeadlineWatch.run(app: app, today: today)
        say(
            String(
                format: "deadline watch over %d open cases, nothing changed: %.2f s (%d changes)", open,
                seconds(ContinuousClock.now - clock), still.yellow + still.red + still.cleared))
        // the warnings board a supervisor opens: with most of the year's cases overdue (every case
        // opened, a year of due dates behind), and as a month into the year (a few per cent warned)
        try await board(app, today: today, label: "every case open", say: say)
        let early = first.adding(days: 30)!.description
        let earlyColour = SQLQueryString(
            "CASE WHEN due_on < \(bind: early) THEN 'red' WHEN yellow_on <= \(bind: early) THEN 'yellow' ELSE 'none' END")
        try await app.db.sql.raw("UPDATE cases SET warning = \(earlyColour)").run()
        if app.db.isPostgres { try await app.db.sql.raw("VACUUM ANALYZE cases").run() }
        try await board(app, today: today, label: "a month into the year", say: say)
    }

    static func board(_ app: Application, today: CalendarDate, label: String, say: (String) -> Void) async throws {
        var times: [Double] = []
        var board: WarningBoard.Board?
        for _ in 0..<7 {
            let clock = ContinuousClock.now
            board = try await WarningBoard.board(.init(region: try RegionCode("330106"), departmentID: nil), today: today, on: app.db)
            times.append(seconds(ContinuousClock.now - clock) * 1000)
        }
        times.sort()
        say(
            String(
                format: "warnings board, %@: median %.0f ms, max %.0f ms (%d red, %d yellow)", label, times[times.count / 2],
                times[times.count - 1],
                board?.totalRed ?? 0, board?.totalYellow ?? 0))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
