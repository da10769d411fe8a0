import Foundation
import NIOConcurrencyHelpers
import TongbanCore
import TongbanPlatform
import Vapor

/// Kiosk tickets need no sign-in, so nothing else stops a script from emptying a hall's numbers
/// into a queue no one stands in. Each address may take `TONGBAN_KIOSK_TICKETS_PER_MINUTE` a
/// minute (a burst of that many, then one every minute/limit): a real kiosk, with people queuing
/// at it, takes a few a minute. Counted in each process; 0 turns it off (load tests).
package final class KioskLimiter: Sendable {
    private let buckets = NIOLockedValueBox<[String: TokenBucket]>([:])
    package static let pruneAbove = 10_000

    package func admit(_ address: String, perMinute: Int, at now: Date) -> TokenBucket.Admission {
        guard perMinute > 0 else { return .admitted }
        return buckets.withLockedValue { buckets in
            if buckets.count > Self.pruneAbove {
                // a bucket idle for a minute is full again: forgetting it changes nothing
                buckets = buckets.filter { now.timeIntervalSince($0.value.updatedAt) < 60 }
            }
            var bucket =
                buckets[address].flatMap { $0.capacity == Double(perMinute) ? $0 : nil }
                ?? TokenBucket(capacity: perMinute, period: 60, now: now)
            let admission = bucket.take(at: now)
            buckets[address] = bucket
            return admission
        }
    }
}

extension Application {
    private struct KioskLimiterKey: StorageKey { typealias Value = KioskLimiter }

    package var kioskLimiter: KioskLimiter {
        if let existing = storage[KioskLimiterKey.self] { return existing }
        let made = KioskLimiter()
        storage[KioskLimiterKey.self] = made
        return made
    }
}
