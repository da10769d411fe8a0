import Foundation
import TongbanCore

/// The `TONGBAN_SMTP_*`, `TONGBAN_MAIL_FROM` and `TONGBAN_SMS_*` settings, read together: where
/// e-mail and SMS go. Unset, a demonstration writes them to files in its data folder.
struct MessageChannelSettings {
    var email: String?
    var trustRoots: String?
    var from: String?
    var sms: String?
    var smsKey: String?

    static func read(_ value: (String) -> String?, problems: inout [String]) -> MessageChannelSettings {
        var settings = MessageChannelSettings()
        if let raw = value("TONGBAN_SMTP_URL") {
            let lower = raw.lowercased()
            if lower.hasPrefix("file:") || lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") {
                settings.email = raw
            } else {
                problems.append("TONGBAN_SMTP_URL: \"\(raw)\" is not smtp://user:password@host:587, smtps://…:465 or file:FOLDER")
            }
        }
        if let raw = value("TONGBAN_SMTP_CA") {
            if FileManager.default.isReadableFile(atPath: raw) {
                settings.trustRoots = raw
            } else {
                problems.append("TONGBAN_SMTP_CA: \(raw) is not a readable PEM file")
            }
        }
        if let raw = value("TONGBAN_MAIL_FROM") {
            if let address = EmailAddress(raw) {
                settings.from = address.value
            } else {
                problems.append("TONGBAN_MAIL_FROM: \"\(raw)\" is not an e-mail address")
            }
        }
        if let raw = value("TONGBAN_SMS_URL") {
            let lower = raw.lowercased()
            if lower.hasPrefix("file:") || lower.hasPrefix("https://") || lower.hasPrefix("http://") {
                settings.sms = raw
            } else {
                problems.append("TONGBAN_SMS_URL: \"\(raw)\" is not an https:// gateway or file:PATH")
            }
        }
        if let raw = value("TONGBAN_SMS_KEY") {
            if (try? WebhookSecret(serialized: raw)) != nil {
                settings.smsKey = raw
            } else {
                problems.append("TONGBAN_SMS_KEY: not a whsec_ key (base64 of 24 to 64 bytes)")
            }
        }
        if let sms = settings.sms, !sms.lowercased().hasPrefix("file:"), settings.smsKey == nil {
            problems.append("TONGBAN_SMS_URL: a gateway needs TONGBAN_SMS_KEY, the key its requests and receipts are signed with")
        }
        return settings
    }

    func apply(to configuration: inout TongbanConfiguration) {
        if let email { configuration.emailRoute = email }
        configuration.smtpTrustRoots = trustRoots
        if let from { configuration.mailFrom = from }
        if let sms { configuration.smsRoute = sms }
        configuration.smsKey = smsKey
    }
}
