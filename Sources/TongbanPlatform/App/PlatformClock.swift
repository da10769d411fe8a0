import Foundation
import TongbanCore
import Vapor

/// The platform's one clock: every instant the server stores or compares comes from it, and
/// every "today" (working days, deadlines, birth dates) is its date in Shanghai. It runs at the
/// real pace; it may start elsewhere than now (`TONGBAN_CLOCK`), so the tests and the browser
/// check run on a fixed date, the same whenever they run. Caches measure their lifetimes on
/// the monotonic clock instead (`CacheAge`): how old a cached answer is has nothing to do with
/// the date the platform believes it is.
package struct PlatformClock: Sendable {
    private let offset: TimeInterval
    private var stopped: Date? = nil

    /// The real time.
    package static let system = PlatformClock(offset: 0)

    /// A clock that reads `start` now and runs on from it.
    package static func starting(at start: Date) -> PlatformClock {
        PlatformClock(offset: start.timeIntervalSince(Date()))
    }

    /// A clock that stands still at `instant` (tests of what happens at a given moment).
    package static func stopped(at instant: Date) -> PlatformClock {
        PlatformClock(offset: 0, stopped: instant)
    }

    package func now() -> Date { stopped ?? Date().addingTimeInterval(offset) }

    package var today: CalendarDate { CalendarDate(now()) }
}

/// The age of a cached value on the monotonic clock (never moved by a change of the wall clock).
package struct CacheAge: Sendable {
    private let started = ContinuousClock.now

    package init() {}

    package var seconds: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    package func isYoungerThan(_ seconds: TimeInterval) -> Bool { self.seconds < seconds }
}

extension Application {
    private struct ClockKey: StorageKey { typealias Value = PlatformClock }

    package var clock: PlatformClock {
        get { storage[ClockKey.self] ?? .system }
        set { storage[ClockKey.self] = newValue }
    }
}

extension Request {
    /// The platform clock's present instant.
    package var now: Date { application.clock.now() }
}
