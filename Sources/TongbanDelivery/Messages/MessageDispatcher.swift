import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Sends the messages queued for e-mail and SMS: takes the due ones (one process each, `SKIP
/// LOCKED` on PostgreSQL), hands each to its channel, and records what came of it. A send is
/// tried again with backoff after a passing failure and marked failed after a permanent one or
/// the last attempt; its status only moves forward, whatever order reports come in.
package struct MessageDispatcher: Sendable {
    package struct Settings: Sendable {
        package var retry: RetryPolicy
        package var from: EmailAddress
        package var fromName = "一网通办 Tongban"
        package var batch = 50
        /// How long a send taken by a process is left to it before another may take it.
        package var lease: TimeInterval = 120

        package init(retry: RetryPolicy, from: EmailAddress) {
            self.retry = retry
            self.from = from
        }
    }

    package struct Round: Sendable, Equatable {
        package var sent = 0
        package var retrying = 0
        package var failed = 0

        package var didWork: Bool { sent + retrying + failed > 0 }
    }

    let settings: Settings
    let email: any EmailSender
    let sms: any SMSGateway
    let keys: KeyRing
    let clock: PlatformClock
    let wallClock: @Sendable () -> Date

    package init(
        settings: Settings, email: any EmailSender, sms: any SMSGateway, keys: KeyRing, clock: PlatformClock,
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.email = email
        self.sms = sms
        self.keys = keys
        self.clock = clock
        self.wallClock = wallClock
    }

    private struct Due: Decodable {
        let id: UUID
        let channel: String
        let address_cipher: String
        let subject: String
        let text: String
        let text_sealed: Bool
        let attempts: Int
    }

    private struct Outcome {
        let due: Due
        let accepted: SendAccepted?
        let error: SendFailure?
    }

    /// 30 s, 1 min, 2 min, … up to an hour, 12 attempts: a relay down for the afternoon still
    /// carries the morning's news.
    package static let standardRetry = try! RetryPolicy(firstDelay: 30, factor: 2, maximumDelay: 3_600, attempts: 12, jitter: 0.2)

    /// The dispatcher the settings describe: SMTP or an .eml folder for e-mail, an HTTP gateway or
    /// a file for SMS (a demonstration's data folder when nothing is set).
    package static func make(_ app: Application) throws -> MessageDispatcher {
        let settings = app.tongban
        let data = settings.dataDirectory as NSString
        let emailRoute = settings.emailRoute ?? "file:" + data.appendingPathComponent("mail")
        let email: any EmailSender
        if emailRoute.lowercased().hasPrefix("file:") {
            email = FileEmailSender(folder: String(emailRoute.dropFirst(5)))
        } else {
            switch SMTPSettings.parse(emailRoute, trustRoots: settings.smtpTrustRoots) {
            case let .success(smtp): email = SMTPClient(settings: smtp, group: app.eventLoopGroup)
            case let .failure(problem): throw problem
            }
        }
        let smsRoute = settings.smsRoute ?? "file:" + data.appendingPathComponent("sms.ndjson")
        let sms: any SMSGateway
        if smsRoute.lowercased().hasPrefix("file:") {
            sms = FileSMSGateway(path: String(smsRoute.dropFirst(5)))
        } else {
            guard let raw = settings.smsKey, let key = try? WebhookSecret(serialized: raw) else {
                throw SendFailure(permanent: true, "TONGBAN_SMS_URL: a gateway needs TONGBAN_SMS_KEY")
            }
            sms = HTTPSMSGateway(url: smsRoute, key: key, callback: settings.baseURL + "/api/v1/sms/receipts", group: app.eventLoopGroup)
        }
        guard let from = EmailAddress(settings.mailFrom) else { throw SendFailure(permanent: true, "TONGBAN_MAIL_FROM: not an address") }
        return MessageDispatcher(
            settings: Settings(retry: standardRetry, from: from), email: email, sms: sms, keys: app.keys, clock: app.clock)
    }

    package func shutdown() async {
        await sms.shutdown()
    }

    package func round(on db: any Database) async throws -> Round {
        let claimed = try await claim(on: db)
        guard !claimed.isEmpty else { return Round() }
        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            for due in claimed { group.addTask { await self.send(due) } }
            var all: [Outcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        return try await record(outcomes, on: db)
    }

    private struct Found: Decodable { let id: UUID }

    private func claim(on db: any Database) async throws -> [Due] {
        let now = clock.now()
        // a read on the partial index first: the relay's loop asks every round, and most rounds
        // have nothing to send, so they take no write lock for it
        let anyDue = try await db.sql.raw(
            "SELECT id FROM message_sends WHERE status = 'queued' AND next_attempt_at <= \(bind: now) LIMIT 1"
        ).first(decoding: Found.self)
        guard anyDue != nil else { return [] }
        let leaseEnd = now.addingTimeInterval(settings.lease)
        let batch = settings.batch
        return try await db.write { tx in
            let lock: SQLQueryString = tx.isPostgres ? "FOR UPDATE SKIP LOCKED" : ""
            let rows = try await tx.sql.raw(
                """
                SELECT id, channel, address_cipher, subject, text, text_sealed, attempts FROM message_sends
                WHERE status = 'queued' AND next_attempt_at <= \(bind: now) ORDER BY next_attempt_at LIMIT \(bind: batch) \(lock)
                """
            ).all(decoding: Due.self)
            guard !rows.isEmpty else { return [] }
            let ids = SQLList(rows.map { SQLBind($0.id) })
            try await tx.sql.raw(
                """
                UPDATE message_sends SET attempts = attempts + 1, next_attempt_at = \(bind: leaseEnd), updated_at = \(bind: now)
                WHERE id IN (\(ids))
                """
            ).run()
            return rows
        }
    }

    private func send(_ due: Due) async -> Outcome {
        let channel = MessageChannel(rawValue: due.channel)
        let field = channel == .sms ? "mobile" : MessageContact.emailField
        guard let address = keys.decrypt(due.address_cipher, field: field) else {
            return Outcome(due: due, accepted: nil, error: SendFailure(permanent: true, "the address cannot be read with this key ring"))
        }
        let unsealed = due.text_sealed ? keys.decrypt(due.text, field: MessageSend.sealedTextField) : due.text
        guard let text = unsealed else {
            return Outcome(due: due, accepted: nil, error: SendFailure(permanent: true, "the text cannot be read with this key ring"))
        }
        do throws(SendFailure) {
            switch channel {
            case .sms:
                return Outcome(due: due, accepted: try await sms.send(to: address, text: text, messageID: due.id), error: nil)
            case .email:
                guard let to = EmailAddress(address) else { throw SendFailure(permanent: true, "not an e-mail address") }
                let messageID = "<\(due.id.uuidString.lowercased())@\(settings.from.value.split(separator: "@").last ?? "tongban")>"
                let message = MailMessage(
                    from: settings.from, fromName: settings.fromName, to: to, subject: due.subject, body: text, date: wallClock(),
                    messageID: messageID)
                try await email.send(message)
                return Outcome(due: due, accepted: SendAccepted(reference: messageID, delivered: false), error: nil)
            case .inbox, nil:
                throw SendFailure(permanent: true, "\(due.channel) is not sent")
            }
        } catch {
            return Outcome(due: due, accepted: nil, error: error)
        }
    }

    /// A sealed text (a one-time code) is kept only until its channel took it or refused it for good.
    private static let eraseSealed: SQLQueryString = "text = CASE WHEN text_sealed THEN '' ELSE text END"

    private func record(_ outcomes: [Outcome], on db: any Database) async throws -> Round {
        let now = clock.now()
        return try await db.write { tx in
            var round = Round()
            var rng = SystemRandomNumberGenerator()
            for outcome in outcomes {
                let id = outcome.due.id
                if let accepted = outcome.accepted {
                    let status: SendStatus = accepted.delivered ? .delivered : .sent
                    try await tx.sql.raw(
                        """
                        UPDATE message_sends SET status = \(bind: status.rawValue), provider_ref = \(bind: accepted.reference),
                          last_error = NULL, updated_at = \(bind: now), \(Self.eraseSealed)
                        WHERE id = \(bind: id) AND status = 'queued'
                        """
                    ).run()
                    round.sent += 1
                    continue
                }
                let error = outcome.error ?? SendFailure(permanent: false, "no answer")
                let attempts = outcome.due.attempts + 1
                let wait = error.permanent ? nil : settings.retry.delay(afterFailures: attempts, using: &rng)
                if let wait {
                    try await tx.sql.raw(
                        """
                        UPDATE message_sends SET next_attempt_at = \(bind: now.addingTimeInterval(wait)),
                          last_error = \(bind: String(error.description.prefix(500))), updated_at = \(bind: now)
                        WHERE id = \(bind: id) AND status = 'queued'
                        """
                    ).run()
                    round.retrying += 1
                } else {
                    try await tx.sql.raw(
                        """
                        UPDATE message_sends SET status = 'failed', last_error = \(bind: String(error.description.prefix(500))),
                          updated_at = \(bind: now), \(Self.eraseSealed)
                        WHERE id = \(bind: id) AND status = 'queued'
                        """
                    ).run()
                    round.failed += 1
                }
            }
            return round
        }
    }

    /// A gateway's report on a message it was handed: applied only if it moves the status
    /// forward. False when no send has that reference (yet: the gateway tries again later).
    package static func receipt(reference: String, status: SendStatus, error: String?, on db: any Database, now: Date) async throws -> Bool
    {
        try await db.write { tx in
            guard let row = try await MessageSend.query(on: tx).filter(\.$providerRef == reference).first() else { return false }
            let earlier = SendStatus.allCases.filter { $0.moved(to: status) != nil }.map { SQLBind($0.rawValue) }
            guard !earlier.isEmpty else { return true }
            try await tx.sql.raw(
                """
                UPDATE message_sends SET status = \(bind: status.rawValue), last_error = \(bind: error.map { String($0.prefix(500)) }),
                  updated_at = \(bind: now)
                WHERE id = \(bind: row.id!) AND status IN (\(SQLList(earlier)))
                """
            ).run()
            return true
        }
    }
}
