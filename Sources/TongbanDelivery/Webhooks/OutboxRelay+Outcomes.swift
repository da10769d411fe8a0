import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// What the relay does with the answers: each delivery's next state, written in one transaction.
extension OutboxRelay {
    // MARK: outcomes

    /// Writes every outcome in one transaction: delivered; retrying at the policy's next time;
    /// dead after the last attempt; a 410 kills the delivery, disables its subscription, and
    /// tells the owner (an event and an audit entry). A row no longer held by this claim (its
    /// lease ran out and another process took it) is left as it is.
    package func record(_ attempts: [Attempted], on db: any Database, into round: inout Round) async throws {
        let now = clock.now()
        var delivered: [Int: [UUID]] = [:]
        var retries: [(Attempted, Date?)] = []
        var gone: [Attempted] = []
        var rng = SystemRandomNumberGenerator()
        for attempt in attempts {
            switch DeliveryOutcome.of(status: attempt.answer.status, error: attempt.answer.error) {
            case .delivered:
                delivered[attempt.answer.status ?? 200, default: []].append(attempt.claimed.id)
            case .gone:
                gone.append(attempt)
            case .failed:
                let wait = settings.retry.delay(
                    afterFailures: attempt.claimed.attempts, retryAfter: attempt.answer.retryAfter, using: &rng)
                retries.append((attempt, wait.map { now.addingTimeInterval($0) }))
            }
        }
        round.attempted += attempts.count
        let deliveredRows = delivered
        let retryRows = retries
        let goneRows = gone
        let counts = try await db.write { tx -> (delivered: Int, failed: Int, dead: Int, disabled: Int) in
            var counts = (delivered: 0, failed: 0, dead: 0, disabled: 0)
            for (status, ids) in deliveredRows {
                let list = SQLList(ids.map { SQLBind($0) })
                try await tx.sql.raw(
                    """
                    UPDATE webhook_deliveries SET state = 'delivered', delivered_at = \(bind: now), last_status = \(bind: status),
                      last_error = NULL, leased_until = NULL, updated_at = \(bind: now)
                    WHERE id IN (\(list)) AND state = 'delivering'
                    """
                ).run()
                counts.delivered += ids.count
            }
            for (attempt, next) in retryRows {
                let reason = String((attempt.answer.error ?? attempt.answer.status.map { "HTTP \($0)" } ?? "no answer").prefix(500))
                try await tx.sql.raw(
                    """
                    UPDATE webhook_deliveries SET state = \(bind: next == nil ? "dead" : "retrying"),
                      next_attempt_at = \(bind: next ?? now), last_status = \(bind: attempt.answer.status), last_error = \(bind: reason),
                      leased_until = NULL, updated_at = \(bind: now)
                    WHERE id = \(bind: attempt.claimed.id) AND state = 'delivering' AND attempts = \(bind: attempt.claimed.attempts)
                    """
                ).run()
                if next == nil { counts.dead += 1 } else { counts.failed += 1 }
            }
            for attempt in goneRows {
                try await tx.sql.raw(
                    """
                    UPDATE webhook_deliveries SET state = 'dead', last_status = 410, last_error = 'HTTP 410: the receiver asked for no more',
                      leased_until = NULL, updated_at = \(bind: now)
                    WHERE id = \(bind: attempt.claimed.id) AND state = 'delivering'
                    """
                ).run()
                counts.dead += 1
                if try await self.disable(attempt.claimed.subscriptionID, reason: "HTTP 410 Gone", on: tx, now: now) {
                    counts.disabled += 1
                }
            }
            return counts
        }
        round.delivered += counts.delivered
        round.failed += counts.failed
        round.dead += counts.dead
        round.subscriptionsDisabled += counts.disabled
    }

    /// Disables an active subscription the relay may no longer deliver to; its owner is told.
    private func disable(_ id: UUID, reason: String, on tx: any Database, now: Date) async throws -> Bool {
        let changed = try await tx.sql.raw(
            """
            UPDATE webhook_subscriptions SET state = 'disabled', disabled_reason = \(bind: reason), version = version + 1,
              updated_at = \(bind: now)
            WHERE id = \(bind: id) AND state = 'active' RETURNING url, department_id, region_code
            """
        ).all(decoding: DisabledRow.self)
        guard let row = changed.first else { return false }
        try await OutboxEvent(
            .webhookDisabled, subject: id.uuidString, payload: ["subscription": id.uuidString, "url": row.url, "reason": reason],
            audience: EventAudience(departmentID: row.department_id, regionCode: try? RegionCode(row.region_code)), at: now
        ).create(on: tx)
        try await AuditLog.append(
            AuditEvent(actorLabel: "system", action: "webhook.disabled", resource: "webhook:\(id.uuidString)", details: reason), on: tx,
            now: now)
        logger.warning("webhook subscription \(id) disabled: \(reason)")
        return true
    }

    private struct DisabledRow: Decodable {
        let url: String
        let department_id: UUID
        let region_code: String
    }
}
