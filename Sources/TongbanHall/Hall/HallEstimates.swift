import Fluent
import Foundation
import NIOConcurrencyHelpers
import TongbanCore
import TongbanPlatform
import Vapor

/// What every ticket's standing needs besides its own queue — how many windows serve its
/// category and the day's mean service time — read at most once every two seconds per hall and
/// category, in each process. They feed an estimate, which two seconds do not change; a hot
/// hall's ticket takers then cost one count each, not three more queries.
package final class HallEstimates: Sendable {
    package struct Entry: Sendable {
        package let openWindows: Int
        package let serviceMinutes: Double
        package let at: CacheAge
    }

    private let cache = NIOLockedValueBox<[String: Entry]>([:])
    package static let lifetime: TimeInterval = 2

    package func entry(hall: Hall, day: String, category: String, on db: any Database) async throws -> Entry {
        let key = "\(try hall.requireID())|\(day)|\(category)"
        if let known = cache.withLockedValue({ $0[key] }), known.at.isYoungerThan(Self.lifetime) { return known }
        let open = try await HallQueue.openWindows(hall: hall.requireID(), on: db).filter { $0.categories.contains(category) }.count
        let service = try await HallQueue.meanServiceMinutes(hall: hall, day: day, category: category, on: db)
        let entry = Entry(openWindows: open, serviceMinutes: service, at: CacheAge())
        cache.withLockedValue { $0[key] = entry }
        return entry
    }

    /// A window opened or closed here is seen at once by this process's estimates.
    package func forget(hall: UUID) {
        cache.withLockedValue { $0 = $0.filter { !$0.key.hasPrefix(hall.uuidString) } }
    }
}

extension Application {
    private struct HallEstimatesKey: StorageKey { typealias Value = HallEstimates }

    package var hallEstimates: HallEstimates {
        if let existing = storage[HallEstimatesKey.self] { return existing }
        let made = HallEstimates()
        storage[HallEstimatesKey.self] = made
        return made
    }
}
