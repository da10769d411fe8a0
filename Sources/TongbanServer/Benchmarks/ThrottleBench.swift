import Fluent
import Foundation
import TongbanIdentity
import TongbanPlatform
import Vapor

/// `tongban bench throttle`: how long a throttling decision takes (issue 20's budget: ≤ 1 ms).
/// The in-memory limiters (status lookups, kiosk tickets, registrations) decide in the process;
/// a sign-in's reservation (`LoginThrottle.reserve`: the login's and the client's recent
/// failures counted and the attempt stored, in one statement) decides in the database, one
/// decision after another and from 16 tasks at once on distinct logins. Prints figures; not a test.
enum ThrottleBench {
    static func run(_ app: Application, say: (String) -> Void) async throws {
        try await app.autoMigrate()
        let now = app.clock.now()

        // in memory: 1,000,000 decisions over 10,000 keys, most admitted, some refused
        let limiter = AddressLimiter()
        var refused = 0
        var clock = ContinuousClock.now
        for i in 0..<1_000_000 {
            if case .refused = limiter.admit("203.0.\(i % 100).\(i % 97)", limit: 20, at: now) { refused += 1 }
        }
        let memory = ContinuousClock.now - clock
        say(
            String(
                format: "in-memory limiter: 1,000,000 decisions in %.0f ms, %.2f µs each (%d refused) (budget ≤ 1 ms)",
                Self.ms(memory), Self.ms(memory) * 1000 / 1_000_000, refused))

        // in the database: one decision after another
        let config = app.tongban
        var latencies: [Double] = []
        for i in 0..<2_000 {
            let started = ContinuousClock.now
            let reservation = try await LoginThrottle.reserve(
                loginKey: "bench:\(i % 200)", client: "198.51.100.\(i % 250)", config: config, on: app.db, now: now)
            latencies.append(Self.ms(ContinuousClock.now - started))
            try await LoginThrottle.release(reservation, on: app.db)
        }
        say("sign-in reservation, one at a time: \(Self.summary(latencies)) (budget ≤ 1 ms)")

        // from 16 tasks at once, each on its own logins (a locked login is refused, not queued)
        clock = ContinuousClock.now
        let concurrent = try await withThrowingTaskGroup(of: [Double].self) { group in
            for task in 0..<16 {
                group.addTask {
                    var own: [Double] = []
                    for i in 0..<250 {
                        let started = ContinuousClock.now
                        let reservation = try await LoginThrottle.reserve(
                            loginKey: "bench:\(task):\(i % 20)", client: "198.51.\(task).\(i % 250)", config: config, on: app.db,
                            now: now)
                        own.append(Self.ms(ContinuousClock.now - started))
                        try await LoginThrottle.release(reservation, on: app.db)
                    }
                    return own
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = Self.ms(ContinuousClock.now - clock)
        say(
            String(
                format: "sign-in reservation, 16 at once: %@; %.0f decisions/s", Self.summary(concurrent),
                Double(concurrent.count) / elapsed * 1000))
        try await LoginFailure.query(on: app.db).filter(\.$loginKey, .custom("LIKE"), "bench:%").delete()
    }

    static func ms(_ duration: Duration) -> Double { CatalogBenchCommand.ms(duration) }

    static func summary(_ latencies: [Double]) -> String {
        let sorted = latencies.sorted()
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        return String(format: "%d decisions, p50 %.2f ms, p99 %.2f ms, max %.2f ms", sorted.count, at(0.5), at(0.99), sorted.last ?? 0)
    }
}
