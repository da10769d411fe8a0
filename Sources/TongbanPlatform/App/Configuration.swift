import Foundation
import Vapor
import TongbanCore
import FluentPostgresDriver

/// Settings read from `TONGBAN_*` environment variables. A wrong value stops the start with a
/// message naming the variable; nothing falls back silently to a secret or a guess.
public struct TongbanConfiguration: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        /// A file path, or nil for an in-memory database (tests).
        case sqlite(path: String?)
        case postgres(url: String, searchPath: String? = nil)

        public var isSQLite: Bool { if case .sqlite = self { true } else { false } }
        public var engineName: String { isSQLite ? "SQLite" : "PostgreSQL" }
    }

    public var database: DatabaseChoice
    public var dataDirectory: String
    public var hostname: String
    public var port: Int
    public var logLevel: Logger.Level
    public var keyFile: String
    /// bcrypt cost. Tests lower it; production keeps the default.
    public var passwordCost: Int = 11
    public var sessionIdleTimeout: TimeInterval = 30 * 60
    public var sessionLifetime: TimeInterval = 12 * 3600
    public var accessTokenLifetime: TimeInterval = 15 * 60
    public var refreshTokenLifetime: TimeInterval = 30 * 24 * 3600
    public var loginFailureLimit = 5
    public var loginFailureWindow: TimeInterval = 15 * 60
    /// Failed sign-ins one client address may make in the window, whatever logins it tries.
    public var clientFailureLimit = 30
    /// Whether the server sits behind a proxy that appends the client's address to
    /// `X-Forwarded-For` (TONGBAN_TRUST_PROXY=on); otherwise the connection's address counts.
    public var trustProxy = false
    /// A bearer token that opens `/metrics` to a scraper elsewhere (TONGBAN_METRICS_TOKEN); without
    /// one only a direct connection from this machine reads it.
    public var metricsToken: String?
    /// The secrets a postal carrier signs its tracking callbacks with, Standard Webhooks style
    /// (TONGBAN_CARRIER_SECRETS, `whsec_…`, space-separated so a secret can be rotated); without
    /// one every callback is refused.
    public var carrierSecrets: [WebhookSecret] = []
    /// Whether `serve` seeds the demo data into an empty SQLite database (TONGBAN_DEMO); unset, it
    /// does so only when listening on a loopback address, where no one else can sign in.
    public var seedDemo: Bool?
    /// The share of a case's time limit after which it is flagged yellow (TONGBAN_WARN_AT).
    public var warnAt: Double = 0.8
    /// Seconds between runs of the deadline watch in a serving process (TONGBAN_DEADLINE_WATCH_SECONDS).
    public var deadlineWatchInterval: TimeInterval = 60
    /// For tests, demonstrations and browser checks outside office hours: the platform clock
    /// starts at this Shanghai wall-clock time (TONGBAN_CLOCK, "2026-11-24T10:00") and runs on
    /// from it. Unset: the real time.
    public var clockStart: Date? = nil
    /// Working days a department has to follow a bad rating up (TONGBAN_FOLLOW_UP_DAYS).
    public var followUpDays = FollowUpDeadline.defaultDays
    /// Working days a department has to answer a complaint, question or suggestion (TONGBAN_COMPLAINT_DAYS).
    public var complaintDays = ComplaintRules.defaultDays
    /// 审管衔接: working days a supervising department has to sign for a handoff before it turns
    /// yellow, and red and escalated (TONGBAN_HANDOFF_DAYS, "1,3").
    public var handoffRules = HandoffRules.standard
    /// Kiosk tickets one address may take a minute (TONGBAN_KIOSK_TICKETS_PER_MINUTE; 0: no limit).
    public var kioskTicketsPerMinute = 30
    /// Registrations one client address may attempt in an hour (TONGBAN_REGISTRATIONS_PER_HOUR,
    /// 0 for no limit); one identity number or credit code may be tried 5 times an hour whatever.
    public var registrationsPerHour = 10
    /// Where webhooks may point beyond the public internet (TONGBAN_WEBHOOK_ALLOW_LOOPBACK for a
    /// receiver on this machine in development, TONGBAN_WEBHOOK_ALLOW_PRIVATE for a department
    /// network the operator trusts).
    public var webhookEndpoints = WebhookEndpoint.Rules()
    /// When failed deliveries are tried again (TONGBAN_WEBHOOK_RETRY: first delay in seconds,
    /// factor, maximum delay in seconds, attempts; e.g. "5,2,3600,30").
    public var webhookRetry = RetryPolicy.standard
    /// How long a receiver may take to answer, in seconds (TONGBAN_WEBHOOK_TIMEOUT).
    public var webhookTimeout: TimeInterval = 10
    /// How often the audit sequencer places committed entries in the log and signs a tree head,
    /// in seconds (TONGBAN_AUDIT_BATCH_MS, in milliseconds: 10–5000, 200 by default).
    public var auditBatchInterval: TimeInterval = 0.2
    /// Whether this process relays the outbox to subscribers (TONGBAN_WEBHOOK_RELAY=off to leave it to others).
    public var webhookRelay = true
    /// How long a rotated-out webhook secret still signs, in seconds (TONGBAN_WEBHOOK_SECRET_GRACE).
    public var webhookSecretGrace: TimeInterval = 24 * 3600
    /// Where e-mail goes (TONGBAN_SMTP_URL): `smtp://user:password@host:587` (STARTTLS),
    /// `smtps://…:465`, or `file:FOLDER` (each message an .eml file); nil: `mail/` in the data folder.
    public var emailRoute: String? = nil
    /// A PEM file of the certificates the mail relay's is checked against (TONGBAN_SMTP_CA); nil: the system's.
    public var smtpTrustRoots: String? = nil
    /// The sender of the platform's e-mail (TONGBAN_MAIL_FROM).
    public var mailFrom = "noreply@tongban.localhost"
    /// Where SMS go (TONGBAN_SMS_URL): an HTTP gateway, or `file:PATH` (one JSON line each); nil:
    /// `sms.ndjson` in the data folder.
    public var smsRoute: String? = nil
    /// The key SMS gateway requests and receipts are signed with (TONGBAN_SMS_KEY, `whsec_…`).
    public var smsKey: String? = nil

    public init(
        database: DatabaseChoice, dataDirectory: String, hostname: String = "127.0.0.1", port: Int = 8080,
        logLevel: Logger.Level = .info, keyFile: String? = nil
    ) {
        self.database = database
        self.dataDirectory = dataDirectory
        self.hostname = hostname
        self.port = port
        self.logLevel = logLevel
        self.keyFile = keyFile ?? (dataDirectory as NSString).appendingPathComponent("keys.json")
    }

    public struct Problems: Error, CustomStringConvertible {
        public let lines: [String]
        public var description: String {
            "Tongban cannot start; fix these settings:\n" + lines.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Reads the environment; collects every problem before failing so one start shows them all.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(Problems)
        -> TongbanConfiguration
    {
        var problems: [String] = []
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        /// A whole number within `range`, else `fallback` and a problem saying it is not `what`.
        func integer(_ name: String, in range: ClosedRange<Int>, else fallback: Int, _ what: String) -> Int {
            guard let raw = value(name) else { return fallback }
            if let parsed = Int(raw), range.contains(parsed) { return parsed }
            problems.append("\(name): \"\(raw)\" is not \(what)")
            return fallback
        }

        let dataDirectory = value("TONGBAN_DATA_DIR") ?? "./tongban-data"
        var database = DatabaseChoice.sqlite(path: (dataDirectory as NSString).appendingPathComponent("tongban.sqlite"))
        if let url = value("TONGBAN_DATABASE_URL") {
            if url.hasPrefix("sqlite://") {
                let path = String(url.dropFirst("sqlite://".count))
                if path.isEmpty {
                    problems.append("TONGBAN_DATABASE_URL: sqlite:// needs a file path, e.g. sqlite:///var/lib/tongban/tongban.sqlite")
                }
                database = .sqlite(path: path)
            } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                if (try? SQLPostgresConfiguration(url: url)) == nil {
                    problems.append("TONGBAN_DATABASE_URL: not a valid PostgreSQL URL (postgres://user:password@host:5432/database)")
                }
                database = .postgres(url: url)
            } else {
                problems.append("TONGBAN_DATABASE_URL: must start with sqlite:// or postgres:// (got \"\(url.prefix(12))…\")")
            }
        }

        let port = integer("TONGBAN_PORT", in: 1...65535, else: 8080, "a port number between 1 and 65535")

        let hostname = value("TONGBAN_HOSTNAME") ?? "127.0.0.1"
        if hostname.contains(where: { $0.isWhitespace || $0 == "/" }) {
            problems.append("TONGBAN_HOSTNAME: \"\(hostname)\" is not a host name or address")
        }

        var logLevel = Logger.Level.info
        if let raw = value("TONGBAN_LOG_LEVEL") {
            if let parsed = Logger.Level(rawValue: raw.lowercased()) {
                logLevel = parsed
            } else {
                problems.append("TONGBAN_LOG_LEVEL: \"\(raw)\" is not one of trace, debug, info, notice, warning, error, critical")
            }
        }

        var warnAt = 0.8
        if let raw = value("TONGBAN_WARN_AT") {
            if let parsed = Double(raw), parsed > 0, parsed < 1 {
                warnAt = parsed
            } else {
                problems.append(
                    "TONGBAN_WARN_AT: \"\(raw)\" is not a share between 0 and 1 (e.g. 0.8 for a yellow warning at 80 % of the time used)")
            }
        }

        var watchInterval: TimeInterval = 60
        if let raw = value("TONGBAN_DEADLINE_WATCH_SECONDS") {
            if let parsed = Double(raw), parsed >= 1, parsed <= 86_400 {
                watchInterval = parsed
            } else {
                problems.append("TONGBAN_DEADLINE_WATCH_SECONDS: \"\(raw)\" is not a number of seconds between 1 and 86400")
            }
        }

        var clock: LocalTime?
        // TONGBAN_HALL_CLOCK: the older name, from when only the halls read the clock
        if let raw = value("TONGBAN_CLOCK") ?? value("TONGBAN_HALL_CLOCK") {
            let parts = raw.split(separator: "T")
            if parts.count == 2, let date = CalendarDate(iso: String(parts[0])), let minute = DaySpan.minutes(parts[1]), minute < 1440 {
                clock = LocalTime(date: date, minute: minute)
            } else {
                problems.append("TONGBAN_CLOCK: \"\(raw)\" is not a Shanghai date and time like 2026-11-24T10:00")
            }
        }

        let auditBatchInterval =
            Double(integer("TONGBAN_AUDIT_BATCH_MS", in: 10...5000, else: 200, "a number of milliseconds between 10 and 5000")) / 1000

        let followUpDays = integer(
            "TONGBAN_FOLLOW_UP_DAYS", in: 1...60, else: FollowUpDeadline.defaultDays, "a number of working days between 1 and 60")

        let complaintDays = integer(
            "TONGBAN_COMPLAINT_DAYS", in: 1...60, else: ComplaintRules.defaultDays, "a number of working days between 1 and 60")

        var handoffRules = HandoffRules.standard
        if let raw = value("TONGBAN_HANDOFF_DAYS") {
            let parts = raw.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if parts.count == 2, let yellow = parts[0], let red = parts[1], let rules = try? HandoffRules(yellowDays: yellow, redDays: red)
            {
                handoffRules = rules
            } else {
                problems.append(
                    "TONGBAN_HANDOFF_DAYS: \"\(raw)\" is not two numbers of working days, yellow then red (1 or more, red after yellow, at most 60), e.g. 1,3"
                )
            }
        }

        let kioskTickets = integer(
            "TONGBAN_KIOSK_TICKETS_PER_MINUTE", in: 0...1_000_000, else: 30, "a number of tickets a minute (0 for no limit)")

        let registrations = integer(
            "TONGBAN_REGISTRATIONS_PER_HOUR", in: 0...1_000_000, else: 10, "a number of registrations an hour (0 for no limit)")

        let webhooks = WebhookSettings.read(value, problems: &problems)
        let messageChannels = MessageChannelSettings.read(value, problems: &problems)

        let metricsToken = value("TONGBAN_METRICS_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        if let metricsToken, metricsToken.count < 24 { problems.append("TONGBAN_METRICS_TOKEN: at least 24 characters") }

        var carrierSecrets: [WebhookSecret] = []
        for text in (value("TONGBAN_CARRIER_SECRETS") ?? "").split(separator: " ") {
            do { carrierSecrets.append(try WebhookSecret(serialized: String(text))) } catch {
                problems.append("TONGBAN_CARRIER_SECRETS: each a whsec_ secret of 24 to 64 bytes, base64")
            }
        }

        guard problems.isEmpty else { throw Problems(lines: problems) }
        var configuration = TongbanConfiguration(
            database: database, dataDirectory: dataDirectory, hostname: hostname, port: port,
            logLevel: logLevel, keyFile: value("TONGBAN_KEY_FILE"))
        configuration.warnAt = warnAt
        configuration.deadlineWatchInterval = watchInterval
        configuration.clockStart = clock?.instant
        configuration.followUpDays = followUpDays
        configuration.auditBatchInterval = auditBatchInterval
        configuration.complaintDays = complaintDays
        configuration.kioskTicketsPerMinute = kioskTickets
        configuration.registrationsPerHour = registrations
        configuration.trustProxy = value("TONGBAN_TRUST_PROXY").map { ["on", "1", "true", "yes"].contains($0.lowercased()) } ?? false
        configuration.handoffRules = handoffRules
        configuration.metricsToken = metricsToken
        configuration.carrierSecrets = carrierSecrets
        configuration.seedDemo = value("TONGBAN_DEMO").map { ["on", "1", "true", "yes"].contains($0.lowercased()) }
        webhooks.apply(to: &configuration)
        messageChannels.apply(to: &configuration)
        return configuration
    }

    /// Whether the server listens only where this machine alone can reach it.
    public var listensOnLoopback: Bool {
        hostname == "localhost" || hostname == "::1" || hostname.hasPrefix("127.")
    }

    /// Where the public pages say the server is.
    public var baseURL: String {
        let host = hostname == "0.0.0.0" ? "127.0.0.1" : hostname
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
