import FluentPostgresDriver
import Foundation
import Logging
import NIOCore
import Vapor

/// What a process caches, told by PostgreSQL when another transaction changed it: a connection of
/// its own `LISTEN`s on a channel that a trigger notifies at commit (so every writer, whatever its
/// path or process, is heard), and reports each notice's payload. A cache may trust what it read
/// only while the feed is live (`onLive(true)`, said once the `LISTEN` took effect); the feed says
/// `onLive(false)` as soon as its connection fails or a heartbeat goes unanswered, and reconnects.
/// A notice reaches every listener shortly after the commit (on one machine, well under a
/// millisecond): until then a request may still be answered from the cache, as one already under
/// way would have been.
package enum PostgresChangeFeed {
    /// How often the listening connection is asked to answer, so that a silent network failure
    /// ends the trust within this time.
    package static let heartbeat: TimeAmount = .seconds(5)
    package static let reconnectAfter: TimeAmount = .seconds(1)

    package static func applicationName(_ channel: String) -> String { "tongban feed \(channel)" }

    package struct Handlers: Sendable {
        package let onLive: @Sendable (Bool) -> Void
        package let onNotice: @Sendable (String) -> Void

        package init(onLive: @escaping @Sendable (Bool) -> Void, onNotice: @escaping @Sendable (String) -> Void) {
            self.onLive = onLive
            self.onNotice = onNotice
        }
    }

    /// Listens for the application's life (nothing on SQLite, which one process serves).
    package static func start(_ app: Application, channel: String, _ handlers: Handlers) {
        guard let configuration = app.postgresConfiguration else { return }
        let logger = Logger(label: "tongban.change-feed.\(channel)")
        let loop = app.eventLoopGroup.next()
        var settings = configuration.coreConfiguration
        // operators (and the tests) tell the listening connection apart in pg_stat_activity
        settings.options.additionalStartupParameters.append(("application_name", applicationName(channel)))
        let task = Task {
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(
                        on: loop, configuration: settings, id: 0, logger: logger
                    ).get()
                    do {
                        try await listen(connection, channel: channel, handlers, logger: logger)
                    } catch {
                        try? await connection.close()
                        throw error
                    }
                    try? await connection.close()
                } catch {
                    if !Task.isCancelled { logger.warning("change feed \(channel) lost: \(String(reflecting: error))") }
                }
                handlers.onLive(false)
                try? await Task.sleep(nanoseconds: UInt64(reconnectAfter.nanoseconds))
            }
        }
        app.lifecycle.use(CancelOnShutdown(task: task))
    }

    private static func listen(_ connection: PostgresConnection, channel: String, _ handlers: Handlers, logger: Logger) async throws {
        try await connection.listen(on: channel) { notices in
            handlers.onLive(true)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await notice in notices { handlers.onNotice(notice.payload) }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(nanoseconds: UInt64(heartbeat.nanoseconds))
                        _ = try await connection.query("SELECT 1", logger: logger).get()
                    }
                }
                // whichever ends first (the connection closed, a heartbeat failed) ends the trust
                try await group.next()
                group.cancelAll()
            }
        }
    }

    private struct CancelOnShutdown: LifecycleHandler {
        let task: Task<Void, Never>
        func shutdown(_ application: Application) { task.cancel() }
    }
}

extension Application {
    private struct PostgresConfigurationKey: StorageKey { typealias Value = SQLPostgresConfiguration }

    /// The PostgreSQL connection settings, for connections outside the pool (nil on SQLite).
    package var postgresConfiguration: SQLPostgresConfiguration? {
        get { storage[PostgresConfigurationKey.self] }
        set { storage[PostgresConfigurationKey.self] = newValue }
    }
}
