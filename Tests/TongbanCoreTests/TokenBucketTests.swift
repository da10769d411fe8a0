import Foundation
import Testing
@testable import TongbanCore

/// The per-minute limit of client systems: a burst of the limit, then one request every
/// minute / limit; never more than limit + elapsed × rate in any stretch of time.
@Suite("token bucket")
struct TokenBucketTests {
    let start = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("a full bucket admits the limit at once, then refuses, saying when the next one comes; a clock that steps back adds nothing")
    func burst() {
        var bucket = TokenBucket(capacity: 3, period: 60, now: start)
        #expect((0..<3).map { _ in bucket.take(at: start) } == [.admitted, .admitted, .admitted])
        #expect(bucket.take(at: start) == .refused(retryAfter: 20))
        #expect(bucket.take(at: start.addingTimeInterval(19)) == .refused(retryAfter: 1))
        #expect(bucket.take(at: start.addingTimeInterval(20)) == .admitted)
        #expect(bucket.take(at: start.addingTimeInterval(-100)) == .refused(retryAfter: 20))
        // a minute boundary in the middle of a burst changes nothing
        let boundary = Date(timeIntervalSince1970: 1_795_000_020 - 0.001)
        var other = TokenBucket(capacity: 3, period: 60, now: boundary)
        #expect(
            [boundary, boundary.addingTimeInterval(0.0005), boundary.addingTimeInterval(0.0015), boundary.addingTimeInterval(0.002)]
                .map { other.take(at: $0) } == [.admitted, .admitted, .admitted, .refused(retryAfter: 20)])
    }

    @Test(
        "1,000 random request streams: admitted requests in any window never exceed the limit plus the refill; a request after its Retry-After is admitted"
    )
    func generated() {
        var rng = SplitMix64(seed: 41)
        for _ in 0..<1_000 {
            let capacity = Int.random(in: 1...120, using: &rng)
            let period = Double([1, 60, 3600].randomElement(using: &rng)!)
            var bucket = TokenBucket(capacity: capacity, period: period, now: start)
            var now = start
            var admitted: [Date] = []
            for _ in 0..<Int.random(in: 1...150, using: &rng) {
                now = now.addingTimeInterval(Double.random(in: 0...(period / Double(capacity) * 2), using: &rng))
                switch bucket.take(at: now) {
                case .admitted: admitted.append(now)
                case let .refused(retryAfter):
                    #expect(retryAfter >= 1 && Double(retryAfter) <= period / Double(capacity) + 1)
                    var copy = bucket
                    #expect(copy.take(at: now.addingTimeInterval(Double(retryAfter))) == .admitted)
                }
            }
            // sliding check: from each admitted request, the ones within t seconds after it
            for (i, first) in admitted.enumerated() {
                for (j, last) in admitted[i...].enumerated() {
                    let count = j + 1
                    let allowed = Double(capacity) + last.timeIntervalSince(first) * Double(capacity) / period
                    #expect(Double(count) <= allowed + 1e-9, "capacity \(capacity), period \(period)")
                    if last.timeIntervalSince(first) > period { break }
                }
            }
        }
    }
}
