import Foundation

/// Where a message to a person goes. The inbox always has it; e-mail and SMS carry it further
/// when the person chose them for that kind of message and gave an address.
public enum MessageChannel: String, Codable, CaseIterable, Sendable {
    case inbox
    case email
    case sms
}

/// The kinds of message a person chooses channels for.
public enum MessageKind: String, Codable, CaseIterable, Sendable {
    /// Submission, acceptance, corrections, decisions, delivery of results.
    case progress
    /// Licences issued, changed, suspended or revoked.
    case licences
    /// Hall appointments and tickets.
    case appointments
    /// Answers to complaints and follow-ups of ratings.
    case complaints
    /// Staff: tasks, deadlines, escalations, handoffs.
    case work

    /// What a person gets when they have not chosen: SMS for their own applications, licences and
    /// appointments (what people expect of a government service), e-mail wherever they gave an address.
    public var standardChoice: ChannelChoice {
        switch self {
        case .progress, .licences, .appointments: ChannelChoice(email: true, sms: true)
        case .complaints, .work: ChannelChoice(email: true, sms: false)
        }
    }
}

/// The channels beyond the inbox a person chose for one kind of message.
public struct ChannelChoice: Sendable, Equatable, Codable {
    public var email: Bool
    public var sms: Bool

    public init(email: Bool, sms: Bool) {
        self.email = email
        self.sms = sms
    }

    public func includes(_ channel: MessageChannel) -> Bool {
        switch channel {
        case .inbox: true
        case .email: email
        case .sms: sms
        }
    }
}

/// Where a sent message stands. It only moves forward: a receipt that arrives late (a "sent"
/// after a "delivered") never takes a message back.
public enum SendStatus: String, Codable, CaseIterable, Sendable {
    case queued
    case sent
    case delivered
    case failed

    public var rank: Int {
        switch self {
        case .queued: 0
        case .sent: 1
        case .delivered, .failed: 2
        }
    }

    public var isFinal: Bool { rank == 2 }

    /// The status after a report of `next`: `next` when it is further on, nil when the report is
    /// stale or repeats what is known (it changes nothing).
    public func moved(to next: SendStatus) -> SendStatus? {
        next.rank > rank ? next : nil
    }
}

/// An e-mail address a person gives for their messages: one `@`, a domain with a dot, nothing
/// that could end a header line or open another address.
public struct EmailAddress: Sendable, Equatable, CustomStringConvertible {
    public let value: String

    /// The address exactly as given (a form trims what a person typed before it asks).
    public init?(_ typed: String) {
        let trimmed = typed
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard trimmed.utf8.count <= 254, parts.count == 2 else { return nil }
        let local = parts[0]
        let domain = parts[1]
        let forbidden = Set<Character>(" \t\r\n<>()[]\\,;:\"")
        guard !local.isEmpty, local.utf8.count <= 64, !local.contains(where: forbidden.contains),
            local.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2,
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            })
        else { return nil }
        value = String(local) + "@" + domain.lowercased()
    }

    /// `z***@example.com`: enough for its owner to recognise it.
    public var masked: String {
        let local = value.prefix { $0 != "@" }
        return String(local.prefix(1)) + "***" + value.dropFirst(local.count)
    }

    public var description: String { masked }
}

/// What an SMS may say: nothing personal beyond what the person already knows. Numbers that
/// identify them or their affairs are cut to their last digits.
public enum SMSText {
    /// The payload fields that identify a person's affairs.
    public static let maskedFields: Set<String> = ["application", "license", "account", "complaint", "case", "ticket"]

    /// The payload with identifying values cut to their tail (`****123456`).
    public static func masked(_ payload: [String: String]) -> [String: String] {
        payload.reduce(into: [:]) { result, entry in
            result[entry.key] = maskedFields.contains(entry.key) ? tail(entry.value) : entry.value
        }
    }

    /// `TB20261124330106000123` → `****000123`.
    public static func tail(_ value: String, keep: Int = 6) -> String {
        value.count > keep ? "****" + value.suffix(keep) : value
    }

    /// The message as sent (in Chinese, as the platform's SMS are): the platform's signature
    /// (required of Chinese SMS senders) first, the text filled from the masked payload, and where
    /// the rest is.
    public static func compose(_ text: String) -> String {
        "【一网通办】\(text)详情请登录一网通办查看。"
    }
}
