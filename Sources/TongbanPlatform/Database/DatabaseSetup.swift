import Fluent
import SQLKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import NIOPosix
import Vapor

extension Application {
    /// Connects Fluent to the configured engine. Every model and migration is the same on both.
    package func useDatabase(_ choice: TongbanConfiguration.DatabaseChoice) throws {
        switch choice {
        case let .sqlite(path):
            // SQLite waits for its write lock by blocking a pool thread. With the shared pool of
            // one thread per core, two waiting connections could starve the one holding the lock;
            // a pool of its own, larger than the number of connections, always leaves a thread free.
            threadPool = NIOThreadPool(numberOfThreads: max(4, 2 * System.coreCount))
            if let path {
                let folder = (path as NSString).deletingLastPathComponent
                if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
                databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
                // The driver keeps one connection per event loop, and a write transaction holds it
                // to the commit: hot reads get connections of their own (WAL lets them read while
                // another connection writes), so they do not queue behind the writes.
                databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqliteReads, isDefault: false)
            } else {
                databases.use(.sqlite(.memory, sqlLogLevel: .trace), as: .sqlite)
            }
        case let .postgres(url, searchPath):
            var configuration = try SQLPostgresConfiguration(url: url)
            if let searchPath { configuration.searchPath = [searchPath] }
            postgresConfiguration = configuration
            // A write that counts a quota waits for the holder's lock with its connection held, so
            // a burst of one holder's requests keeps the pool busy while they pass one by one: 28
            // drafts at once took over 30 s on the loaded CI machine (about 1.3 s each; why a draft
            // takes that long under the lock is open). A request waits for a connection (up to 60 s)
            // rather than failing.
            databases.use(
                .postgres(
                    configuration: configuration, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace),
                as: .psql)
        }
    }
}

extension Application {
    /// A SQLite file is written ahead (WAL), by `serve` and by whatever measures it: readers do
    /// not wait for the writer, and a commit appends to the log. The mode stays with the file.
    package func useWriteAheadLog() async throws {
        guard tongban.database.isSQLite else { return }
        try await db.sql.raw("PRAGMA journal_mode=WAL").run()
    }
}

extension DatabaseID {
    package static let sqliteReads = DatabaseID(string: "sqlite-reads")
}

extension Request {
    /// For hot read-only queries: on a SQLite file, connections that never wait behind a write
    /// transaction; elsewhere the usual database.
    package var readDB: any Database {
        application.hasReadPool ? db(.sqliteReads) : db
    }
}

extension Application {
    /// `Request.readDB`, for reads made on behalf of several requests.
    package var readDB: any Database {
        hasReadPool ? db(.sqliteReads) : db
    }

    /// Whether hot reads have connections of their own (a SQLite file).
    package var hasReadPool: Bool { databases.ids().contains(.sqliteReads) }
}

extension Database {
    package var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else { fatalError("Tongban runs on SQL databases only") }
        return sql
    }

    package var isPostgres: Bool { sql.dialect.name == "postgresql" }
}

extension Error {
    /// A unique or foreign-key constraint refused the write (a concurrent duplicate, usually).
    package var isConstraintViolation: Bool {
        if let error = self as? any DatabaseError { return error.isConstraintFailure }
        return false
    }
}
