import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Work past its deadline, escalated to supervisors once: the rows still in one of the open
/// states whose due day has passed are flagged in one statement (so of several processes running
/// the watch, each row is escalated by exactly one) and an outbox event and an audit entry are
/// written for each.
package enum Escalation {
    package struct Kind: Sendable {
        package let table: String
        package let openStates: [String]
        package let topic: EventTopic
        /// The payload key naming the row (`followUp`, `complaint`).
        package let key: String

        /// Follow-ups of bad ratings not yet fixed, explained or appealed.
        package static let followUps = Kind(
            table: "rating_follow_ups", openStates: ["open", "calledBack", "scheduled"], topic: .followUpEscalated, key: "followUp")
        /// Complaints, questions and suggestions not yet answered.
        package static let complaints = Kind(
            table: "complaints", openStates: [ComplaintState.open.rawValue], topic: .complaintEscalated, key: "complaint")
    }

    package static func run(_ kind: Kind, app: Application, today: CalendarDate) async throws -> Int {
        struct Row: Decodable {
            let id: UUID
            let department_name: String
            let due_on: String
            let department_id: UUID?
            let region_code: String
        }
        return try await app.db.write { tx in
            let states = SQLList(kind.openStates.map { SQLBind($0) })
            let rows = try await tx.sql.raw(
                """
                UPDATE \(unsafeRaw: kind.table) SET escalated = \(bind: true)
                WHERE escalated = \(bind: false) AND due_on < \(bind: today.description) AND state IN (\(states))
                RETURNING id, department_name, due_on, department_id, region_code
                """
            ).all(decoding: Row.self)
            let now = app.clock.now()
            let events = rows.map {
                OutboxEvent(
                    kind.topic, subject: $0.id.uuidString,
                    payload: [kind.key: $0.id.uuidString, "department": $0.department_name, "due": $0.due_on],
                    audience: EventAudience(departmentID: $0.department_id, regionCode: try? RegionCode($0.region_code)), at: now)
            }
            if !events.isEmpty { try await events.create(on: tx) }
            let entries = rows.map { row in
                AuditEvent.byDeadlineWatch(
                    "\(kind.key).escalated", resource: "\(kind.key):\(row.id)",
                    details: "due \(row.due_on); department \(row.department_name)", region: row.region_code)
            }
            for start in stride(from: 0, to: entries.count, by: 500) {
                try await AuditLog.append(Array(entries[start..<min(start + 500, entries.count)]), on: tx, now: now)
            }
            return rows.count
        }
    }
}

extension AuditEvent {
    /// An entry of the deadline watch's own (no one acted): read by the supervisors of `region`.
    static func byDeadlineWatch(_ action: String, resource: String, details: String, region: String?) -> AuditEvent {
        var entry = AuditEvent(actorLabel: "system:deadline-watch", action: action, resource: resource, details: details)
        entry.regionCode = region
        return entry
    }
}
