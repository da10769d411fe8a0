import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// This process's search index of the published items. Every server process keeps its own and
/// rebuilds it when the catalog revision in the database moves on; it looks at the revision at
/// most once a second, and at once after a change made here.
package final class CatalogIndexHolder: CatalogRevisionSource {
    package struct State: Sendable {
        package var index = CatalogSearchIndex(documents: [])
        package var overview = CatalogOverview(documents: [])
        package var revision = -1
        /// When the revision was last compared; nil: compare at the next read.
        package var checkedAt: CacheAge? = nil
    }

    private let state = NIOLockedValueBox(State())
    private let rebuilding = AsyncSerialGate()
    package let recheckInterval: TimeInterval

    package init(recheckInterval: TimeInterval = 1) { self.recheckInterval = recheckInterval }

    package func invalidate() { state.withLockedValue { $0.checkedAt = nil } }

    package func index(on db: any Database) async throws -> CatalogSearchIndex {
        try await current(on: db).index
    }

    /// The catalog revision this process has seen (rechecked at most once a second).
    package func revision(on db: any Database) async throws -> Int {
        try await current(on: db).revision
    }

    package func overview(on db: any Database) async throws -> CatalogOverview {
        try await current(on: db).overview
    }

    private func current(on db: any Database) async throws -> State {
        let fresh = state.withLockedValue { $0.checkedAt?.isYoungerThan(recheckInterval) ?? false ? $0 : nil }
        if let fresh { return fresh }
        let (current, rebuilt) = try await rebuilding.run { try await self.refreshed(on: db) }
        // Only now are the rows read for the rebuild and the index it replaced freed.
        if rebuilt { FreedMemory.returnToSystem() }
        return current
    }

    /// The state after comparing the revision (and rebuilding when it moved on), and whether it was rebuilt.
    private func refreshed(on db: any Database) async throws -> (State, Bool) {
        let known = state.withLockedValue { $0 }
        if known.checkedAt?.isYoungerThan(recheckInterval) ?? false { return (known, false) }
        let revision = try await CatalogRevision.current(on: db)
        if revision == known.revision {
            state.withLockedValue { $0.checkedAt = CacheAge() }
            return (known, false)
        }
        let documents = try await Self.documents(on: db)
        let rebuilt = State(
            index: CatalogSearchIndex(documents: documents), overview: CatalogOverview(documents: documents),
            revision: revision, checkedAt: CacheAge())
        state.withLockedValue { $0 = rebuilt }
        return (rebuilt, true)
    }

    /// The published items as search documents, read from the columns beside the documents.
    package static func documents(on db: any Database) async throws -> [SearchDocument] {
        struct Row: Decodable {
            let code: String, name: String, region_code: String, kind: String?, department_code: String?, department_name: String?
            let level: String?, online: Bool, promised_days: Int?, visits: Int, search_text: String, version: Int
        }
        let rows = try await db.sql.select()
            .columns(
                "code", "name", "region_code", "kind", "department_code", "department_name", "level", "online",
                "promised_days", "visits", "search_text", "version"
            )
            .from(CatalogEntry.schema)
            .where("entry_type", .equal, CatalogEntry.Kind.item.rawValue)
            .where("status", .equal, CatalogEntry.Status.published.rawValue)
            .orderBy("code")
            .all(decoding: Row.self)
        return rows.compactMap { row in
            guard let kind = row.kind.flatMap(ItemKind.init(rawValue:)), let region = try? RegionCode(row.region_code),
                let level = row.level.flatMap(RegionLevel.init(rawValue:))
            else { return nil }
            let lines = row.search_text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let line = { (i: Int) in i < lines.count ? lines[i] : "" }
            let list = { (i: Int) in line(i).split(separator: "\t").map(String.init) }
            return SearchDocument(
                code: row.code, name: row.name, subItemName: line(0).isEmpty ? nil : line(0),
                keywords: list(1), departmentName: row.department_name ?? "",
                departmentCode: row.department_code ?? "", materials: list(2),
                kind: kind, regionCode: region, level: level, online: row.online,
                promisedDays: row.promised_days, visits: row.visits, version: row.version)
        }
    }
}

/// Runs one body at a time, in order; the others wait without blocking a thread.
package actor AsyncSerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    package func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiters.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}

extension Application {
    private struct CatalogIndexKey: StorageKey { typealias Value = CatalogIndexHolder }

    package var catalogIndex: CatalogIndexHolder {
        get { storage[CatalogIndexKey.self]! }
        set { storage[CatalogIndexKey.self] = newValue }
    }
}
