import Foundation
import NIOConcurrencyHelpers
import TongbanCore
import Vapor

/// Requests that need no sign-in are limited per key (a client address, a looked-up number):
/// each key may make `limit` a `period` (a burst of that many, then one every period/limit).
/// Counted in each process, in memory: a cheap first line in front of the database. A limit of
/// 0 turns it off (load tests).
package final class AddressLimiter: Sendable {
    private let buckets = NIOLockedValueBox<[String: TokenBucket]>([:])
    package let period: TimeInterval
    package static let pruneAbove = 10_000

    package init(period: TimeInterval = 60) {
        self.period = period
    }

    package func admit(_ key: String, limit: Int, at now: Date) -> TokenBucket.Admission {
        guard limit > 0 else { return .admitted }
        let period = self.period
        return buckets.withLockedValue { buckets in
            if buckets.count > Self.pruneAbove {
                // a bucket idle for a whole period is full again: forgetting it changes nothing
                buckets = buckets.filter { now.timeIntervalSince($0.value.updatedAt) < period }
            }
            var bucket =
                buckets[key].flatMap { $0.capacity == Double(limit) ? $0 : nil }
                ?? TokenBucket(capacity: limit, period: period, now: now)
            let admission = bucket.take(at: now)
            buckets[key] = bucket
            return admission
        }
    }
}

extension AddressLimiter {
    /// Admits `key` or refuses with 429, `code` (its message takes `minutes`) and `Retry-After`.
    package func admitOrRefuse(_ key: String, limit: Int, at now: Date, code: String) throws {
        if case let .refused(retryAfter) = admit(key, limit: limit, at: now) {
            throw TongbanError(
                status: .tooManyRequests, code: code, arguments: ["minutes": String(max(1, (retryAfter + 59) / 60))],
                headers: ["Retry-After": String(retryAfter)])
        }
    }
}

extension Application {
    private struct AddressLimitersKey: StorageKey { typealias Value = NIOLockedValueBox<[String: AddressLimiter]> }

    /// The process's limiter called `name` (made on first use, with `period`).
    package func addressLimiter(_ name: String, period: TimeInterval = 60) -> AddressLimiter {
        if storage[AddressLimitersKey.self] == nil { storage[AddressLimitersKey.self] = .init([:]) }
        return storage[AddressLimitersKey.self]!.withLockedValue { limiters in
            if let existing = limiters[name] { return existing }
            let made = AddressLimiter(period: period)
            limiters[name] = made
            return made
        }
    }
}
