import Fluent
import Foundation
import NIOConcurrencyHelpers
import TongbanPlatform
import Vapor

/// Halls and their windows as last read, kept two seconds in each process. Every ticket taken
/// and every call names its hall (and a call its window); reading those rows each time was a
/// third of a take's queries, for rows that change a few times a year. A change made here is
/// seen at once (`forget`); one made by another process within two seconds. The models handed
/// out are shared: read them, never change them (the manager's page loads its own).
package final class HallDirectory: Sendable {
    private struct Entry: @unchecked Sendable {
        let hall: Hall
        let windows: [HallWindow]
        let at: CacheAge
    }

    private let cache = NIOLockedValueBox<[UUID: Entry]>([:])
    package static let lifetime: TimeInterval = 2

    private func entry(_ id: UUID, on db: any Database) async throws -> Entry? {
        if let known = cache.withLockedValue({ $0[id] }), known.at.isYoungerThan(Self.lifetime) { return known }
        guard let hall = try await Hall.find(id, on: db) else { return nil }
        let windows = try await HallWindow.query(on: db).filter(\.$hallID == id).sort(\.$number).all()
        let entry = Entry(hall: hall, windows: windows, at: CacheAge())
        cache.withLockedValue { $0[id] = entry }
        return entry
    }

    package func hall(_ id: UUID, on db: any Database) async throws -> Hall? {
        try await entry(id, on: db)?.hall
    }

    /// The hall's windows in service, by number.
    package func windows(of hall: UUID, on db: any Database) async throws -> [HallWindow] {
        try await entry(hall, on: db)?.windows.filter { $0.retiredAt == nil } ?? []
    }

    /// A window of the hall, retired or not.
    package func window(_ id: UUID, of hall: UUID, on db: any Database) async throws -> HallWindow? {
        try await entry(hall, on: db)?.windows.first { $0.id == id }
    }

    package func forget(hall: UUID) {
        _ = cache.withLockedValue { $0.removeValue(forKey: hall) }
    }
}

extension Application {
    private struct HallDirectoryKey: StorageKey { typealias Value = HallDirectory }

    package var hallDirectory: HallDirectory {
        if let existing = storage[HallDirectoryKey.self] { return existing }
        let made = HallDirectory()
        storage[HallDirectoryKey.self] = made
        return made
    }
}
