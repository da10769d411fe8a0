import Foundation

/// One event's delivery to one subscription: pending → delivering → delivered, or → retrying
/// (and delivering again) → … → dead after the last attempt. A dead letter can be replayed
/// (back to pending); a delivered one is final.
public enum DeliveryState: String, Codable, Sendable, CaseIterable {
    case pending
    case delivering
    case delivered
    case retrying
    case dead

    public func canMove(to next: DeliveryState) -> Bool {
        switch (self, next) {
        case (.pending, .delivering), (.retrying, .delivering): true
        case (.delivering, .delivered), (.delivering, .retrying), (.delivering, .dead): true
        // a process that died mid-attempt leaves `delivering`; the attempt is made again
        case (.delivering, .pending): true
        case (.dead, .pending): true
        default: false
        }
    }
}

/// What a receiver's answer means for the delivery.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    /// 410 Gone: the receiver asks not to be sent anything more; the subscription is disabled and its owner told.
    case gone
    /// Anything else: tried again later. Redirects are not followed (they could lead into a private network).
    case failed(reason: String)

    /// `status` nil: no answer (refused, reset, timed out).
    public static func of(status: Int?, error: String? = nil) -> DeliveryOutcome {
        guard let status else { return .failed(reason: error ?? "no answer") }
        switch status {
        case 200...299: return .delivered
        case 410: return .gone
        case 300...399: return .failed(reason: "HTTP \(status): redirects are not followed")
        default: return .failed(reason: "HTTP \(status)")
        }
    }
}

/// When to try again: exponential backoff from `firstDelay`, multiplied by `factor` after each
/// failure up to `maximumDelay`, each wait spread by ± `jitter` (so that a receiver coming back
/// is not met by every retry at once), and dead after `attempts` attempts in all.
public struct RetryPolicy: Sendable, Equatable {
    public enum Problem: Error, Sendable, Equatable {
        case invalid(String)
    }

    public let firstDelay: TimeInterval
    public let factor: Double
    public let maximumDelay: TimeInterval
    public let attempts: Int
    public let jitter: Double

    /// 5 s, 10 s, 20 s, … up to an hour, 30 attempts: about 21 hours before a delivery is dead, so a
    /// department's system that is down overnight still receives its events.
    public static let standard = try! RetryPolicy(firstDelay: 5, factor: 2, maximumDelay: 3_600, attempts: 30, jitter: 0.2)

    public init(firstDelay: TimeInterval, factor: Double, maximumDelay: TimeInterval, attempts: Int, jitter: Double) throws(Problem) {
        guard firstDelay > 0, firstDelay.isFinite else { throw .invalid("firstDelay") }
        guard factor >= 1, factor <= 10 else { throw .invalid("factor") }
        guard maximumDelay >= firstDelay, maximumDelay <= 7 * 86_400 else { throw .invalid("maximumDelay") }
        guard (1...100).contains(attempts) else { throw .invalid("attempts") }
        guard jitter >= 0, jitter < 1 else { throw .invalid("jitter") }
        self.firstDelay = firstDelay
        self.factor = factor
        self.maximumDelay = maximumDelay
        self.attempts = attempts
        self.jitter = jitter
    }

    /// The wait before the next attempt, without jitter, after `failures` failed attempts (1 or more).
    public func nominalDelay(afterFailures failures: Int) -> TimeInterval {
        let exponent = Double(max(failures, 1) - 1)
        return min(maximumDelay, firstDelay * pow(factor, exponent))
    }

    /// The wait before the next attempt after `failures` failed attempts, or nil when that was
    /// the last attempt (the delivery is dead). A receiver's `Retry-After` lengthens the wait,
    /// never beyond `maximumDelay`.
    public func delay(
        afterFailures failures: Int, retryAfter: TimeInterval? = nil, using rng: inout some RandomNumberGenerator
    ) -> TimeInterval? {
        guard failures < attempts else { return nil }
        let nominal = nominalDelay(afterFailures: failures)
        let spread = jitter == 0 ? 1 : Double.random(in: (1 - jitter)...(1 + jitter), using: &rng)
        let wait = min(maximumDelay, nominal * spread)
        guard let retryAfter, retryAfter > wait else { return wait }
        return min(maximumDelay, retryAfter)
    }
}
