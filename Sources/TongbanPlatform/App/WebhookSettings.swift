import Foundation
import TongbanCore

/// The `TONGBAN_WEBHOOK_*` settings, read together.
struct WebhookSettings {
    var rules = WebhookEndpoint.Rules()
    var retry = RetryPolicy.standard
    var timeout: TimeInterval = 10
    var relay = true
    var grace: TimeInterval = 24 * 3600

    static func read(_ value: (String) -> String?, problems: inout [String]) -> WebhookSettings {
        var settings = WebhookSettings()
        func flag(_ name: String) -> Bool? {
            guard let raw = value(name) else { return nil }
            switch raw.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default:
                problems.append("\(name): \"\(raw)\" is not on or off")
                return nil
            }
        }
        settings.rules.allowLoopback = flag("TONGBAN_WEBHOOK_ALLOW_LOOPBACK") ?? false
        settings.rules.allowPrivateNetworks = flag("TONGBAN_WEBHOOK_ALLOW_PRIVATE") ?? false
        settings.relay = flag("TONGBAN_WEBHOOK_RELAY") ?? true
        if let raw = value("TONGBAN_WEBHOOK_RETRY") {
            let parts = raw.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            if parts.count == 4, let first = parts[0], let factor = parts[1], let maximum = parts[2], let attempts = parts[3],
                let policy = try? RetryPolicy(
                    firstDelay: first, factor: factor, maximumDelay: maximum, attempts: Int(attempts), jitter: RetryPolicy.standard.jitter)
            {
                settings.retry = policy
            } else {
                problems.append(
                    "TONGBAN_WEBHOOK_RETRY: \"\(raw)\" is not first delay (s), factor (1-10), maximum delay (s, up to a week), attempts (1-100), e.g. 5,2,3600,30"
                )
            }
        }
        if let raw = value("TONGBAN_WEBHOOK_TIMEOUT") {
            if let parsed = Double(raw), parsed >= 0.1, parsed <= 60 {
                settings.timeout = parsed
            } else {
                problems.append("TONGBAN_WEBHOOK_TIMEOUT: \"\(raw)\" is not a number of seconds between 0.1 and 60")
            }
        }
        if let raw = value("TONGBAN_WEBHOOK_SECRET_GRACE") {
            if let parsed = Double(raw), parsed >= 0, parsed <= 30 * 86_400 {
                settings.grace = parsed
            } else {
                problems.append("TONGBAN_WEBHOOK_SECRET_GRACE: \"\(raw)\" is not a number of seconds between 0 and 2592000 (30 days)")
            }
        }
        return settings
    }

    func apply(to configuration: inout TongbanConfiguration) {
        configuration.webhookEndpoints = rules
        configuration.webhookRetry = retry
        configuration.webhookTimeout = timeout
        configuration.webhookRelay = relay
        configuration.webhookSecretGrace = grace
    }
}
