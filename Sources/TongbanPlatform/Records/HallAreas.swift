import Fluent
import Foundation
import NIOConcurrencyHelpers
import TongbanCore
import Vapor

/// Every hall's area and what its windows take in, as last read, kept 30 seconds in each process:
/// "where can I apply in person" reads all of them (a hall at every street of a province is some
/// 1,500, a read of them all costing more than the question), for rows that change a few times a
/// year. A change made in this process is seen at once (`forget`); one made by another process
/// within 30 seconds.
package final class HallAreas: Sendable {
    package struct Area: Sendable {
        package let id: UUID
        package let name: String
        package let nameEn: String
        package let address: String
        package let intake: HallIntake
    }

    private struct Entry: Sendable {
        let areas: [Area]
        let at: CacheAge
    }

    private let cache = NIOLockedValueBox<Entry?>(nil)
    package static let lifetime: TimeInterval = 30

    package func all(on db: any Database) async throws -> [Area] {
        if let known = cache.withLockedValue({ $0 }), known.at.isYoungerThan(Self.lifetime) { return known.areas }
        let areas = try await Hall.query(on: db).sort(\.$name).all().compactMap { hall -> Area? in
            guard let id = hall.id, let intake = hall.intake else { return nil }
            return Area(id: id, name: hall.name, nameEn: hall.nameEn, address: hall.address, intake: intake)
        }
        cache.withLockedValue { $0 = Entry(areas: areas, at: CacheAge()) }
        return areas
    }

    package func forget() {
        cache.withLockedValue { $0 = nil }
    }
}

extension Application {
    private struct HallAreasKey: StorageKey { typealias Value = HallAreas }

    package var hallAreas: HallAreas {
        if let existing = storage[HallAreasKey.self] { return existing }
        let made = HallAreas()
        storage[HallAreasKey.self] = made
        return made
    }
}
