import Foundation

/// The rules of the one-time code that proves a person holds the mobile the government has on
/// record for them (实名认证二级): six digits, good for five minutes and five tries. Five wrong
/// tries lock the subject out of new codes for half an hour; a subject gets a new code at most
/// once a minute and five a day, so the mobile cannot be flooded and the code cannot be guessed
/// (five tries in a million each time, at most five times a day).
public enum VerificationCode {
    public static let digits = 6
    public static let lifetime: TimeInterval = 5 * 60
    public static let tries = 5
    public static let lockOut: TimeInterval = 30 * 60
    public static let resendAfter: TimeInterval = 60
    public static let perDay = 5
    public static let day: TimeInterval = 24 * 60 * 60

    /// A fresh code, uniformly drawn: `000000` to `999999`.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let value = UInt32.random(in: 0..<1_000_000, using: &generator)
        let text = String(value)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// What was typed as a code, if it is one: six ASCII digits, spaces and full-width digits
    /// (as a Chinese input method types them) forgiven.
    public static func normalized(_ typed: String) -> String? {
        var digitsFound = ""
        for scalar in typed.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: digitsFound.unicodeScalars.append(scalar)
            case 0xFF10...0xFF19: digitsFound.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            case 0x20, 0x3000, 0x2D: continue
            default: return nil
            }
        }
        return digitsFound.count == digits ? digitsFound : nil
    }

    /// One attempt to get a code: when, whether a code was sent (a name unlike the record sends
    /// none, but counts towards the day's five), and when its tries ran out if they did.
    public struct Issued: Sendable, Equatable {
        public var at: Date
        public var codeSent: Bool
        /// When its tries ran out (the lock-out starts then).
        public var exhaustedAt: Date?

        public init(at: Date, codeSent: Bool = true, exhaustedAt: Date? = nil) {
            self.at = at
            self.codeSent = codeSent
            self.exhaustedAt = exhaustedAt
        }
    }

    /// Whether a new code may be sent to a subject now, given the codes sent before.
    public enum Issue: Sendable, Equatable {
        case allowed
        /// Five wrong tries: no code until then.
        case lockedOut(until: Date)
        /// Less than a minute since the last one.
        case tooSoon(until: Date)
        /// Five in the last 24 hours: the next when the oldest of them is a day old.
        case dailyLimit(until: Date)
    }

    public static func mayIssue(after earlier: [Issued], at now: Date) -> Issue {
        let locks = earlier.compactMap(\.exhaustedAt).map { $0.addingTimeInterval(lockOut) }.filter { $0 > now }
        if let until = locks.max() { return .lockedOut(until: until) }
        let recent = earlier.map(\.at).filter { $0 > now.addingTimeInterval(-day) && $0 <= now }.sorted()
        if recent.count >= perDay { return .dailyLimit(until: recent[recent.count - perDay].addingTimeInterval(day)) }
        let lastSent = earlier.filter { $0.codeSent && $0.at <= now }.map(\.at).max()
        if let lastSent, now < lastSent.addingTimeInterval(resendAfter) { return .tooSoon(until: lastSent.addingTimeInterval(resendAfter)) }
        return .allowed
    }

    /// A code sent and waiting to be typed.
    public struct Challenge: Sendable, Equatable {
        public enum State: String, Sendable, Codable { case open, passed, exhausted, expired }

        public enum Outcome: Sendable, Equatable {
            case accepted
            case wrong(remaining: Int)
            /// The last try was wrong: the code is dead and the lock-out begins.
            case exhausted
            case expired
            /// Already passed or dead: a code is used once.
            case closed
        }

        public let issuedAt: Date
        public private(set) var wrongTries: Int
        public private(set) var state: State

        public init(issuedAt: Date, wrongTries: Int = 0, state: State = .open) {
            self.issuedAt = issuedAt
            self.wrongTries = wrongTries
            self.state = state
        }

        public var expiresAt: Date { issuedAt.addingTimeInterval(lifetime) }

        /// One try: whether the typed code matched the one sent (compared by the caller, as hashes).
        public mutating func attempt(matches: Bool, at now: Date) -> Outcome {
            guard state == .open else { return .closed }
            guard now < expiresAt else {
                state = .expired
                return .expired
            }
            if matches {
                state = .passed
                return .accepted
            }
            wrongTries += 1
            guard wrongTries < tries else {
                state = .exhausted
                return .exhausted
            }
            return .wrong(remaining: tries - wrongTries)
        }
    }
}

/// Whether the name a person gives is the one on their record: the same characters, whatever
/// spaces were typed, and the separator dot of ethnic-minority and foreign names (·) written any
/// of the ways people type it.
public enum PersonName {
    public static func sameName(_ typed: String, _ recorded: String) -> Bool {
        let typedKey = key(typed)
        return !typedKey.isEmpty && typedKey == key(recorded)
    }

    static func key(_ name: String) -> String {
        var out = ""
        for character in name.precomposedStringWithCanonicalMapping {
            if character.isWhitespace { continue }
            if "·•・．.‧∙⋅".contains(character) {
                out.append("·")
                continue
            }
            out.append(character)
        }
        return out
    }
}
