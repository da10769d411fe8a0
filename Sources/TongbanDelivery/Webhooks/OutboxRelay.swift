import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Reads the outbox and delivers it: each event becomes one delivery per active subscription it
/// reaches (fan-out, `OutboxCursor.webhooks`), due deliveries are claimed in batches, sent concurrently, and their
/// outcomes written back in one transaction. Several processes on one PostgreSQL share the work:
/// fan-out runs in one of them at a time (an advisory lock) so deliveries are made in event
/// order, and claims skip rows another process holds (`FOR UPDATE SKIP LOCKED`). On SQLite the
/// serving process is the only relay.
///
/// A subject's events reach a subscriber in the order they were written: a delivery waits
/// while an earlier event of the same subject for the same subscription is pending, being
/// delivered or being retried (a dead one no longer holds the later ones back).
package final class OutboxRelay: Sendable {
    package struct Settings: Sendable {
        package var retry: RetryPolicy
        package var timeout: TimeInterval
        /// Events read per fan-out, deliveries claimed per round.
        package var batch: Int = 500
        /// Deliveries in flight at once.
        package var concurrency: Int = 256

        package init(retry: RetryPolicy, timeout: TimeInterval) {
            self.retry = retry
            self.timeout = timeout
        }

        /// How long a claim holds a delivery: a process that dies mid-attempt leaves it to be
        /// claimed again after this.
        package var lease: TimeInterval { timeout * 2 + 5 }
    }

    /// What a round did.
    package struct Round: Sendable, Equatable {
        package var eventsFannedOut = 0
        package var deliveriesMade = 0
        package var claimed = 0
        package var attempted = 0
        package var delivered = 0
        package var failed = 0
        package var dead = 0
        package var subscriptionsDisabled = 0

        package var didWork: Bool { eventsFannedOut > 0 || claimed > 0 || attempted > 0 }

        package init() {}
    }

    package let settings: Settings
    private let sender: any WebhookSender
    private let keys: KeyRing
    private let signingKey: Curve25519.Signing.PrivateKey
    let clock: PlatformClock
    /// The wall clock the `webhook-timestamp` is read from: receivers check it against their own
    /// real time, whatever instant the platform clock is set to in a demonstration.
    private let wallClock: @Sendable () -> Date
    let logger: Logger
    private let secrets = NIOLockedValueBox<[UUID: (version: Int, secrets: [WebhookSecret], until: Date?)]>([:])

    package init(
        settings: Settings, sender: any WebhookSender, keys: KeyRing, clock: PlatformClock, logger: Logger,
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.sender = sender
        self.keys = keys
        signingKey = keys.webhookSigningKey
        self.clock = clock
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Fan-out, then one batch of due deliveries, sent and their outcomes written: the
    /// overlapped round with no batch before it, waited for.
    package func round(on db: any Database) async throws -> Round {
        var (round, inFlight) = try await round(on: db, after: nil)
        if let inFlight { try await record(await inFlight.value, on: db, into: &round) }
        return round
    }

    /// A claimed batch being sent.
    package typealias InFlight = Task<[Attempted], Never>

    /// A round as the serving loop makes it, the database's work overlapping the network's:
    /// fan-out and the next claim while `previous` is still being sent, the new batch sent off,
    /// then `previous`'s outcomes written. Order per subject holds as in `round`: a batch's
    /// deliveries stay `delivering` until their outcomes are written, so no later event of their
    /// subjects is claimed beside them. Returns the round and the batch now in flight, for the
    /// next call (or `finish`). Should writing `previous`'s outcomes fail, the batch in flight is
    /// claimed again when its lease ends, as after a crash (at least once, the same `webhook-id`).
    package func round(on db: any Database, after previous: InFlight?) async throws -> (round: Round, inFlight: InFlight?) {
        var round = Round()
        var next: InFlight?
        var failure: (any Error)?
        do {
            let fanned = try await fanOut(on: db)
            round.eventsFannedOut = fanned.events
            round.deliveriesMade = fanned.deliveries
            let claimed = try await claim(on: db)
            round.claimed = claimed.count
            if !claimed.isEmpty { next = Task { await self.attempt(claimed) } }
        } catch {
            // the batch already sent is still written down before the error is reported
            failure = error
        }
        if let previous { try await record(await previous.value, on: db, into: &round) }
        if let failure { throw failure }
        return (round, next)
    }

    /// Writes down the outcomes of the batch last in flight (when the loop stops).
    package func finish(_ inFlight: InFlight?, on db: any Database) async throws -> Round {
        var round = Round()
        if let inFlight { try await record(await inFlight.value, on: db, into: &round) }
        return round
    }

    // MARK: fan-out

    /// The events not yet handed on, oldest first, each copied to the subscriptions it reaches;
    /// then marked handed on. Returns the events read and the deliveries made.
    package func fanOut(on db: any Database) async throws -> (events: Int, deliveries: Int) {
        let now = clock.now()
        let taken = try await OutboxCursor.webhooks.advance(on: db, limit: settings.batch, now: now, payloads: false) { events, tx in
            let subscriptions = try await WebhookSubscription.query(on: tx).filter(\.$state == .active).all()
            var rows = InsertBatch()
            var made = 0
            for event in events {
                guard let topic = EventTopic.byName[event.topic] else { continue }
                let audience = event.audience
                for subscription in subscriptions where Self.reaches(subscription, topic: topic, audience: audience) {
                    rows.add(
                        WebhookDelivery.schema,
                        [
                            ("id", UUID.timeOrdered(at: now)), ("event_id", event.id), ("subscription_id", subscription.id!),
                            ("department_id", subscription.departmentID), ("topic", event.topic), ("subject", event.subject),
                            ("state", DeliveryState.pending.rawValue), ("attempts", 0), ("next_attempt_at", now),
                            ("created_at", now), ("updated_at", now),
                        ])
                    made += 1
                    if rows.bindCount > 20_000 {
                        try await rows.run(on: tx)
                        rows = InsertBatch()
                    }
                }
            }
            try await rows.run(on: tx)
            return made
        }
        return (taken?.events ?? 0, taken?.result ?? 0)
    }

    /// Whether an event of `topic` concerning `audience` goes to the subscription.
    package static func reaches(_ subscription: WebhookSubscription, topic: EventTopic, audience: EventAudience) -> Bool {
        guard subscription.patterns.contains(where: { $0.matches(topic) }), let region = try? RegionCode(subscription.regionCode) else {
            return false
        }
        return subscription.scope.reaches(audience, departmentID: subscription.departmentID, regionCode: region)
    }

    // MARK: claiming

    package struct Claimed: Sendable {
        let id: UUID
        let subscriptionID: UUID
        let attempts: Int
        let eventID: UUID
        let topic: String
        let payload: String
        let createdAt: Date
        let url: String
        let secrets: [WebhookSecret]
    }

    private struct DueRow: Decodable {
        let id: UUID
        let subscription_id: UUID
        let attempts: Int
        let event_id: UUID
    }

    private struct EventRow: Decodable {
        let id: UUID
        let topic: String
        let payload: String
        let created_at: Date
    }

    /// Takes up to a batch of due deliveries, marking them `delivering` with a lease: pending or
    /// retrying ones whose time has come, and ones a dead process was delivering, each only if
    /// no earlier event of its subject is still open for its subscription.
    package func claim(on db: any Database) async throws -> [Claimed] {
        let now = clock.now()
        let leaseEnd = now.addingTimeInterval(settings.lease)
        let batch = settings.batch
        let due = try await db.write { tx -> [DueRow] in
            let lock: SQLQueryString = tx.isPostgres ? "FOR UPDATE OF d SKIP LOCKED" : ""
            let rows = try await tx.sql.raw(
                """
                SELECT d.id, d.subscription_id, d.attempts, d.event_id FROM webhook_deliveries d
                WHERE d.state IN ('pending', 'retrying', 'delivering') AND d.next_attempt_at <= \(bind: now)
                  AND (d.state <> 'delivering' OR d.leased_until < \(bind: now))
                  AND NOT EXISTS (
                    SELECT 1 FROM webhook_deliveries e
                    WHERE e.subscription_id = d.subscription_id AND e.subject = d.subject AND e.event_id < d.event_id
                      AND e.state IN ('pending', 'retrying', 'delivering'))
                ORDER BY d.next_attempt_at LIMIT \(bind: batch) \(lock)
                """
            ).all(decoding: DueRow.self)
            guard !rows.isEmpty else { return [] }
            let ids = SQLList(rows.map { SQLBind($0.id) })
            try await tx.sql.raw(
                """
                UPDATE webhook_deliveries SET state = 'delivering', attempts = attempts + 1, leased_until = \(bind: leaseEnd),
                  next_attempt_at = \(bind: leaseEnd), updated_at = \(bind: now)
                WHERE id IN (\(ids))
                """
            ).run()
            return rows
        }
        guard !due.isEmpty else { return [] }
        let eventIDs = SQLList(Set(due.map(\.event_id)).map { SQLBind($0) })
        let events = try await db.sql.raw("SELECT id, topic, payload, created_at FROM outbox_events WHERE id IN (\(eventIDs))")
            .all(decoding: EventRow.self)
        let byID = Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0) })
        let subscriptions = try await subscriptionSecrets(Set(due.map(\.subscription_id)), on: db, now: now)
        return due.compactMap { row in
            guard let event = byID[row.event_id], let subscription = subscriptions[row.subscription_id] else { return nil }
            return Claimed(
                id: row.id, subscriptionID: row.subscription_id, attempts: row.attempts + 1, eventID: row.event_id, topic: event.topic,
                payload: event.payload, createdAt: event.created_at, url: subscription.url, secrets: subscription.secrets)
        }
    }

    /// The subscriptions' endpoints and the secrets that sign for them now (the current one, and
    /// the previous one during its grace), decrypted once per version.
    private func subscriptionSecrets(_ ids: Set<UUID>, on db: any Database, now: Date) async throws -> [UUID: (
        url: String, secrets: [WebhookSecret]
    )] {
        let rows = try await WebhookSubscription.query(on: db).filter(\.$id ~~ ids).all()
        var result: [UUID: (url: String, secrets: [WebhookSecret])] = [:]
        for row in rows {
            let id = try row.requireID()
            var known = secrets.withLockedValue { $0[id] }
            if known?.version != row.version {
                var list: [WebhookSecret] = []
                if let secret = keys.decrypt(row.secretCipher, field: WebhookSubscription.secretField).flatMap({
                    try? WebhookSecret(serialized: $0)
                }) {
                    list.append(secret)
                }
                if let cipher = row.previousSecretCipher,
                    let previous = keys.decrypt(cipher, field: WebhookSubscription.secretField).flatMap({
                        try? WebhookSecret(serialized: $0)
                    })
                {
                    list.append(previous)
                }
                let fresh = (version: row.version, secrets: list, until: row.previousUntil)
                secrets.withLockedValue { $0[id] = fresh }
                known = fresh
            }
            guard let known else { continue }
            // the previous secret signs only until its grace ends
            let current = known.until.map { $0 > now } ?? false ? known.secrets : Array(known.secrets.prefix(1))
            result[id] = (row.url, current)
        }
        return result
    }

    // MARK: sending

    package struct Attempted: Sendable {
        let claimed: Claimed
        let answer: WebhookAnswer
    }

    /// Sends each claimed delivery, at most `concurrency` at once.
    package func attempt(_ claimed: [Claimed]) async -> [Attempted] {
        await withTaskGroup(of: Attempted.self) { group in
            var results: [Attempted] = []
            results.reserveCapacity(claimed.count)
            var iterator = claimed.makeIterator()
            var inFlight = 0
            while inFlight < settings.concurrency, let next = iterator.next() {
                group.addTask { await self.send(next) }
                inFlight += 1
            }
            while let done = await group.next() {
                results.append(done)
                if let next = iterator.next() { group.addTask { await self.send(next) } }
            }
            return results
        }
    }

    /// The Standard Webhooks message: `{"data": …, "timestamp": …, "type": …}`, the same body on
    /// every attempt; the signature covers the attempt's own timestamp.
    package static func body(topic: String, payload: String, createdAt: Date) -> String {
        let stamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(createdAt)
        return "{\"data\":\(payload),\"timestamp\":\"\(stamp)\",\"type\":\"\(topic)\"}"
    }

    /// The `webhook-id`: the delivery's own, stable across its retries.
    package static func messageID(_ delivery: UUID) -> String { "msg_" + delivery.uuidString.lowercased() }

    private func send(_ claimed: Claimed) async -> Attempted {
        guard let target = try? WebhookEndpoint.check(claimed.url, rules: .init(allowLoopback: true, allowPrivateNetworks: true)) else {
            return Attempted(claimed: claimed, answer: WebhookAnswer(error: "not a URL"))
        }
        let body = Self.body(topic: claimed.topic, payload: claimed.payload, createdAt: claimed.createdAt)
        let id = Self.messageID(claimed.id)
        let timestamp = Int64(wallClock().timeIntervalSince1970)
        let bytes = Data(body.utf8)
        guard
            let signature = try? WebhookSignature.header(
                id: id, timestamp: timestamp, body: bytes, secrets: claimed.secrets, key: signingKey)
        else {
            return Attempted(claimed: claimed, answer: WebhookAnswer(error: "could not sign"))
        }
        let headers = [
            ("content-type", "application/json"), ("user-agent", "Tongban-Webhooks/1.0"), ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature),
        ]
        let answer = await sender.post(target, headers: headers, body: ByteBuffer(string: body), timeout: settings.timeout)
        return Attempted(claimed: claimed, answer: answer)
    }
}
