import Foundation
import NIOCore
import Vapor

/// Work a serving process repeats on its own: run every `interval` seconds from `firstAfter`
/// seconds after start, a failure logged and the next run attempted as usual, stopped at shutdown.
package enum BackgroundJob {
    package static func schedule(
        _ app: Application, name: String, every interval: TimeInterval, firstAfter delay: TimeInterval,
        _ body: @escaping @Sendable () async throws -> Void
    ) {
        let task = app.eventLoopGroup.next().scheduleRepeatedAsyncTask(
            initialDelay: .milliseconds(Int64(delay * 1000)),
            delay: .milliseconds(Int64(interval * 1000))
        ) { _ in
            app.eventLoopGroup.next().makeFutureWithTask {
                do { try await body() } catch { app.logger.error("\(name) failed: \(error)") }
            }
        }
        app.lifecycle.use(StopOnShutdown(task: task))
    }

    package struct StopOnShutdown: LifecycleHandler {
        package let task: RepeatedTask
        package func shutdown(_ application: Application) { task.cancel() }
    }
}
