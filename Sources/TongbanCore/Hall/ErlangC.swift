import Foundation

/// The Erlang C queueing model (M/M/N: random arrivals, exponential service, N windows, one
/// queue): how likely a person is to wait, how long, and how many windows meet a target such as
/// "90 % wait under 15 minutes". Staffing a service hall from recorded demand is the same problem
/// as staffing a call centre, where this model is the standard.
public struct ErlangC: Sendable, Equatable {
    /// Offered load in Erlangs: arrivals per hour × mean service time in hours.
    public let load: Double
    public let windows: Int
    /// Mean service time, in minutes.
    public let serviceMinutes: Double

    public init(arrivalsPerHour: Double, serviceMinutes: Double, windows: Int) {
        self.load = arrivalsPerHour * serviceMinutes / 60
        self.windows = windows
        self.serviceMinutes = serviceMinutes
    }

    /// Whether the queue is stable (the windows can keep up at all).
    public var isStable: Bool { Double(windows) > load }

    /// The probability that an arrival waits (Erlang C), computed through the Erlang B
    /// recursion, which stays accurate for hundreds of windows where factorials overflow.
    public var probabilityOfWaiting: Double {
        guard isStable else { return 1 }
        guard load > 0 else { return 0 }
        var b = 1.0
        for k in 1...windows { b = load * b / (Double(k) + load * b) }
        let n = Double(windows)
        return n * b / (n - load * (1 - b))
    }

    /// The share of arrivals that wait no longer than `minutes`.
    public func serviceLevel(within minutes: Double) -> Double {
        guard isStable else { return 0 }
        return 1 - probabilityOfWaiting * exp(-(Double(windows) - load) * minutes / serviceMinutes)
    }

    /// Mean wait over all arrivals, in minutes.
    public var averageWaitMinutes: Double {
        guard isStable else { return .infinity }
        return probabilityOfWaiting * serviceMinutes / (Double(windows) - load)
    }

    /// The fewest windows for which at least `target` (0…1) of arrivals wait no longer than
    /// `minutes`; zero when nobody arrives; nil when even `limit` windows cannot.
    public static func windowsNeeded(
        arrivalsPerHour: Double, serviceMinutes: Double, target: Double, within minutes: Double,
        limit: Int = 500
    ) -> Int? {
        guard arrivalsPerHour > 0, serviceMinutes > 0 else { return 0 }
        let load = arrivalsPerHour * serviceMinutes / 60
        var n = max(1, Int(load.rounded(.down)) + 1)
        while n <= limit {
            if ErlangC(arrivalsPerHour: arrivalsPerHour, serviceMinutes: serviceMinutes, windows: n).serviceLevel(within: minutes) >= target
            {
                return n
            }
            n += 1
        }
        return nil
    }
}
