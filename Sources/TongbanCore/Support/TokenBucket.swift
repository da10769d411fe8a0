import Foundation

/// A request limit of `capacity` per `period`, refilled continuously: a full bucket admits a burst
/// of `capacity`, after which one request is admitted every `period / capacity`. Unlike counting
/// per calendar minute, no burst of twice the limit fits across a minute boundary, and a test (or
/// a client) never sees its count reset because the clock turned to the next minute.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let period: TimeInterval
    public private(set) var tokens: Double
    public private(set) var updatedAt: Date

    public init(capacity: Int, period: TimeInterval = 60, now: Date) {
        precondition(capacity > 0 && period > 0)
        self.capacity = Double(capacity)
        self.period = period
        self.tokens = Double(capacity)
        self.updatedAt = now
    }

    private var refillPerSecond: Double { capacity / period }

    private mutating func refill(at now: Date) {
        // a clock that steps back never adds tokens
        let elapsed = max(0, now.timeIntervalSince(updatedAt))
        tokens = min(capacity, tokens + elapsed * refillPerSecond)
        updatedAt = max(updatedAt, now)
    }

    /// Takes one token when there is one; otherwise says how many whole seconds until the next
    /// (at least 1, for a `Retry-After` header).
    public mutating func take(at now: Date) -> Admission {
        refill(at: now)
        if tokens >= 1 {
            tokens -= 1
            return .admitted
        }
        let wait = (1 - tokens) / refillPerSecond
        return .refused(retryAfter: max(1, Int(wait.rounded(.up))))
    }

    public enum Admission: Sendable, Equatable {
        case admitted
        case refused(retryAfter: Int)
    }
}
