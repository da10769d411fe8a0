import Fluent
import Foundation
import NIOCore
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// The deadline warnings (电子监察 yellow and red) and the 容缺 deadlines, moved on as the days
/// pass, each change audited with the watch as its actor. Each case carries its due date and the day its yellow warning starts, computed on the
/// working-day calendar whenever it changes state; what is left for the passing days is one
/// statement over the cases whose clock runs. Paused cases keep their colour: their clock
/// stands still.
///
/// Several server processes may run this at once on one PostgreSQL: an update only touches rows
/// whose colour is not yet the new one, so each change is made (and reported in the outbox)
/// once, by whichever process gets the row first; a suspension is a case transition under the
/// case's optimistic lock, so it too happens once.
package enum DeadlineWatch {
    package struct Summary: Sendable, Equatable {
        package var yellow = 0
        package var red = 0
        package var cleared = 0
        package var suspended = 0
        /// Follow-ups of bad ratings past their deadline, escalated to supervisors.
        package var escalated = 0
        /// Complaints, questions and suggestions unanswered past their deadline, escalated.
        package var complaintsEscalated = 0

        package init(yellow: Int = 0, red: Int = 0, cleared: Int = 0, suspended: Int = 0, escalated: Int = 0, complaintsEscalated: Int = 0)
        {
            self.yellow = yellow
            self.red = red
            self.cleared = cleared
            self.suspended = suspended
            self.escalated = escalated
            self.complaintsEscalated = complaintsEscalated
        }
    }

    package static func run(app: Application, today: CalendarDate? = nil) async throws -> Summary {
        let today = today ?? app.today
        let day = today.description
        var summary = Summary()
        struct Changed: Decodable {
            let id: UUID
            let application_id: UUID
            let warning: String
            let department_id: UUID?
            let region_code: String?
        }
        let colour = SQLQueryString(
            "CASE WHEN due_on < \(bind: day) THEN 'red' WHEN yellow_on <= \(bind: day) THEN 'yellow' ELSE 'none' END")
        let changed = try await app.db.write { tx in
            let rows = try await tx.sql.raw(
                """
                UPDATE cases SET warning = \(colour)
                WHERE clock_running = \(bind: true) AND warning <> \(colour)
                RETURNING id, application_id, warning, department_id,
                  (SELECT region_code FROM applications WHERE applications.id = cases.application_id) AS region_code
                """
            ).all(decoding: Changed.self)
            let now = app.clock.now()
            for chunk in stride(from: 0, to: rows.count, by: 500).map({ Array(rows[$0..<min($0 + 500, rows.count)]) }) {
                let events = chunk.filter { $0.warning != "none" }.map {
                    OutboxEvent(
                        .caseWarning, subject: $0.id.uuidString,
                        payload: ["case": $0.id.uuidString, "application": $0.application_id.uuidString, "warning": $0.warning],
                        audience: EventAudience(departmentID: $0.department_id, regionCode: $0.region_code.flatMap { try? RegionCode($0) }),
                        at: now)
                }
                if !events.isEmpty { try await events.create(on: tx) }
                // every colour change on the record, the cleared ones too: the figures and the
                // supervisors' warnings rest on them
                let entries = chunk.map { row in
                    AuditEvent.byDeadlineWatch(
                        "case.warning", resource: "case:\(row.id)",
                        details: "warning=\(row.warning); application:\(row.application_id); as of \(day)", region: row.region_code)
                }
                try await AuditLog.append(entries, on: tx, now: now)
            }
            return rows
        }
        for row in changed {
            switch row.warning {
            case "yellow": summary.yellow += 1
            case "red": summary.red += 1
            default: summary.cleared += 1
            }
        }
        // 容缺 materials past their due date: the case is suspended and both sides are told (outbox)
        let overdue = try await CaseRow.query(on: app.db).filter(\.$owedDue < day).filter(\.$state == .underReview).all()
        for row in overdue {
            let loaded = try await CaseWork.load(caseID: try row.requireID(), caches: app.applicationCaches, on: app.db)
            let audit = AuditEvent(
                actorID: nil, actorLabel: "system:deadline-watch", action: "case.suspendForOwed",
                resource: "application:\(loaded.application.number ?? "-")")
            do {
                let system = UseCaseContext(
                    db: app.db, clock: app.clock, calendar: app.workingDays, keys: app.keys,
                    settings: app.tongban, account: nil)
                try await CaseWork.perform(
                    .suspendForOwed, on: loaded, as: .system, actorLabel: "system", audit: audit,
                    context: system.reckoning(asOf: today), signer: app.licenseSigner)
                summary.suspended += 1
            } catch let error as TongbanError where error.status == .conflict {
                continue  // another process, or the applicant, got there first
            }
        }
        summary.escalated = try await Escalation.run(.followUps, app: app, today: today)
        summary.complaintsEscalated = try await Escalation.run(.complaints, app: app, today: today)
        return summary
    }

    /// Runs every `interval` seconds in a serving process, from a minute after it starts.
    package static func schedule(_ app: Application, every interval: TimeInterval) {
        BackgroundJob.schedule(app, name: "deadline watch", every: interval, firstAfter: min(interval, 60)) {
            let summary = try await run(app: app)
            if summary != Summary() {
                app.logger.info(
                    "deadline watch: \(summary.yellow) yellow, \(summary.red) red, \(summary.cleared) cleared, \(summary.suspended) suspended"
                )
            }
        }
    }
}

/// `tongban deadlines [--today YYYY-MM-DD]`: moves the warnings on once, now (operators, and the
/// benchmark).
package struct DeadlinesCommand: AsyncCommand {
    package init() {}

    package struct Signature: CommandSignature {
        package init() {}

        @Option(name: "today", help: "reckon as of this date (YYYY-MM-DD) instead of today")
        package var today: String?
    }
    package var help: String { "Moves the deadline warnings and the tolerant-acceptance deadlines on, once." }

    package func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var today: CalendarDate? = nil
        if let raw = signature.today {
            guard let date = CalendarDate(iso: raw) else {
                context.console.error("--today \(raw) is not a date (YYYY-MM-DD)")
                throw ExitCode(1)
            }
            today = date
        }
        try await app.autoMigrate()
        let clock = ContinuousClock.now
        let summary = try await DeadlineWatch.run(app: app, today: today)
        context.console.print(
            "deadlines: \(summary.yellow) turned yellow, \(summary.red) turned red, \(summary.cleared) cleared, \(summary.suspended) suspended (\(ContinuousClock.now - clock))"
        )
    }
}
