import Foundation

/// What happened to one ticket, for the statistics: the hour it arrived in (local), and minutes.
public struct TicketOutcome: Sendable, Equatable {
    public enum Ending: String, Sendable, Equatable, Codable { case waiting, called, served, noShow, transferred, cancelled }

    public let date: CalendarDate
    public let hour: Int
    public let category: String
    /// From joining the queue to the first call; nil when never called.
    public let waitMinutes: Double?
    /// From the call to the end of service; only for served tickets.
    public let serviceMinutes: Double?
    public let ending: Ending

    public init(date: CalendarDate, hour: Int, category: String, waitMinutes: Double?, serviceMinutes: Double?, ending: Ending) {
        self.date = date
        self.hour = hour
        self.category = category
        self.waitMinutes = waitMinutes
        self.serviceMinutes = serviceMinutes
        self.ending = ending
    }
}

/// A window open for some minutes of one hour of a date, serving some categories.
public struct WindowHour: Sendable, Equatable {
    public let date: CalendarDate
    public let hour: Int
    public let categories: Set<String>
    public let minutesOpen: Double

    public init(date: CalendarDate, hour: Int, categories: Set<String>, minutesOpen: Double) {
        self.date = date
        self.hour = hour
        self.categories = categories
        self.minutesOpen = minutesOpen
    }
}

/// One hour of the day and one category over a period: what the hall saw.
public struct HourFigures: Sendable, Equatable, Codable {
    public let hour: Int
    public let category: String
    /// Days of the period on which the hall recorded anything in this hour (arrivals or an open
    /// window): the divisor of the rates.
    public let days: Int
    public let arrivals: Int
    public let arrivalsPerHour: Double
    public let meanWaitMinutes: Double?
    /// Nearest-rank 90th percentile.
    public let p90WaitMinutes: Double?
    public let meanServiceMinutes: Double?
    public let served: Int
    public let noShows: Int
    /// Windows serving the category, open on average in this hour (window-minutes / 60 / days).
    public let windowsOpen: Double
}

public enum HallStatistics {
    /// Nearest-rank percentile (p in 0…1) of unsorted values; nil for none.
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count) - 1e-9).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Figures per hour of the day and category, over all dates given.
    public static func figures(tickets: [TicketOutcome], windows: [WindowHour], categories: [String]) -> [HourFigures] {
        struct Key: Hashable {
            let hour: Int
            let category: String
        }
        var byKey: [Key: [TicketOutcome]] = [:]
        var activeDays: [Int: Set<Int>] = [:]  // hour → day numbers with anything recorded
        for t in tickets {
            byKey[Key(hour: t.hour, category: t.category), default: []].append(t)
            activeDays[t.hour, default: []].insert(t.date.dayNumber)
        }
        var windowMinutes: [Key: Double] = [:]
        for w in windows {
            activeDays[w.hour, default: []].insert(w.date.dayNumber)
            for category in w.categories { windowMinutes[Key(hour: w.hour, category: category), default: 0] += w.minutesOpen }
        }
        var rows: [HourFigures] = []
        for hour in activeDays.keys.sorted() {
            let days = activeDays[hour]!.count
            for category in categories {
                let key = Key(hour: hour, category: category)
                let list = byKey[key] ?? []
                let waits = list.compactMap(\.waitMinutes)
                let services = list.compactMap(\.serviceMinutes)
                rows.append(
                    HourFigures(
                        hour: hour, category: category, days: days, arrivals: list.count,
                        arrivalsPerHour: Double(list.count) / Double(days),
                        meanWaitMinutes: mean(waits), p90WaitMinutes: percentile(waits, 0.9),
                        meanServiceMinutes: mean(services), served: list.count { $0.ending == .served },
                        noShows: list.count { $0.ending == .noShow },
                        windowsOpen: (windowMinutes[key] ?? 0) / 60 / Double(days)))
            }
        }
        return rows
    }
}

/// 按需配置窗口: the windows each hour and category need to meet a target such as "90 % wait
/// under 15 minutes", by the Erlang C model from the recorded arrival rate and mean service
/// time, beside the windows actually open.
public struct StaffingTarget: Sendable, Equatable, Codable {
    /// Share of people (0…1) who should wait no longer than `withinMinutes`.
    public let share: Double
    public let withinMinutes: Double

    public init?(share: Double, withinMinutes: Double) {
        guard share > 0, share < 1, withinMinutes >= 0, withinMinutes <= 24 * 60 else { return nil }
        self.share = share
        self.withinMinutes = withinMinutes
    }

    public static let standard = StaffingTarget(share: 0.9, withinMinutes: 15)!
}

public struct StaffingAdvice: Sendable, Equatable, Codable {
    public let hour: Int
    public let category: String
    public let arrivalsPerHour: Double
    /// The service time used: the hour's own mean, else the category's over the period, else the
    /// hall's default.
    public let serviceMinutes: Double
    public let recommended: Int?
    public let windowsOpen: Double
    /// The share waiting under the target with the recommended windows.
    public let expectedShare: Double?

    /// Fewer windows open (on average) than recommended.
    public var isUnderstaffed: Bool { recommended.map { windowsOpen + 1e-9 < Double($0) } ?? true }
    /// At least one whole window more than recommended.
    public var isOverstaffed: Bool { recommended.map { windowsOpen >= Double($0) + 1 } ?? false }
}

public enum StaffingPlan {
    public static func advise(_ figures: [HourFigures], target: StaffingTarget, defaultServiceMinutes: Double) -> [StaffingAdvice] {
        var categoryService: [String: (sum: Double, count: Int)] = [:]
        for f in figures {
            if let m = f.meanServiceMinutes, f.served > 0 {
                categoryService[f.category, default: (0, 0)].sum += m * Double(f.served)
                categoryService[f.category, default: (0, 0)].count += f.served
            }
        }
        return figures.map { f in
            let service =
                f.meanServiceMinutes
                ?? categoryService[f.category].map { $0.sum / Double($0.count) }
                ?? defaultServiceMinutes
            let needed = ErlangC.windowsNeeded(
                arrivalsPerHour: f.arrivalsPerHour, serviceMinutes: service,
                target: target.share, within: target.withinMinutes)
            let share = needed.flatMap { n -> Double? in
                n == 0
                    ? nil
                    : ErlangC(arrivalsPerHour: f.arrivalsPerHour, serviceMinutes: service, windows: n).serviceLevel(
                        within: target.withinMinutes)
            }
            return StaffingAdvice(
                hour: f.hour, category: f.category, arrivalsPerHour: f.arrivalsPerHour, serviceMinutes: service,
                recommended: needed, windowsOpen: f.windowsOpen, expectedShare: share)
        }
    }
}

/// The whole hall in one hour: every category pooled, as comprehensive windows (无差别综合窗口)
/// serve them. Pooling needs fewer windows than dedicating some to each category, which is the
/// reform's case for comprehensive windows; both are shown.
public struct HourTotal: Sendable, Equatable, Codable {
    public let hour: Int
    public let arrivalsPerHour: Double
    /// Mean service time weighted by each category's arrivals.
    public let serviceMinutes: Double
    /// Distinct windows open on average (a window serving several categories counts once).
    public let windowsOpen: Double
    /// Windows needed if every window served every category.
    public let pooled: Int?
    /// Windows needed if each category had windows of its own (the sum of the categories').
    public let dedicated: Int?
}

extension StaffingPlan {
    public static func totals(_ advice: [StaffingAdvice], figures: [HourFigures], windows: [WindowHour], target: StaffingTarget)
        -> [HourTotal]
    {
        var days: [Int: Int] = [:]
        for f in figures { days[f.hour] = f.days }
        var minutes: [Int: Double] = [:]
        for w in windows { minutes[w.hour, default: 0] += w.minutesOpen }
        return Dictionary(grouping: advice, by: \.hour).keys.sorted().map { hour in
            let rows = advice.filter { $0.hour == hour }
            let rate = rows.reduce(0) { $0 + $1.arrivalsPerHour }
            let service =
                rate > 0 ? rows.reduce(0) { $0 + $1.arrivalsPerHour * $1.serviceMinutes } / rate : (rows.first?.serviceMinutes ?? 0)
            let pooled = ErlangC.windowsNeeded(
                arrivalsPerHour: rate, serviceMinutes: service, target: target.share, within: target.withinMinutes)
            let dedicated = rows.contains { $0.recommended == nil } ? nil : rows.reduce(0) { $0 + ($1.recommended ?? 0) }
            return HourTotal(
                hour: hour, arrivalsPerHour: rate, serviceMinutes: service,
                windowsOpen: (minutes[hour] ?? 0) / 60 / Double(max(1, days[hour] ?? 1)), pooled: pooled, dedicated: dedicated)
        }
    }
}
