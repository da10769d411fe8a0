import Fluent
import Foundation
import NIOConcurrencyHelpers
import TongbanPlatform
import Vapor

/// The relay running in a serving process: rounds back to back while there is work, a short
/// sleep when there is none (so an event is on its way within about 50 ms of its commit),
/// stopped at shutdown with the HTTP client closed.
package final class OutboxRelayLoop: LifecycleHandler, Sendable {
    package let relay: OutboxRelay
    private let sender: any WebhookSender
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let idleSleep: Duration

    package init(relay: OutboxRelay, sender: any WebhookSender, idleSleep: Duration = .milliseconds(50)) {
        self.relay = relay
        self.sender = sender
        self.idleSleep = idleSleep
    }

    /// The relay a serving process runs, as its settings say; nil when it leaves relaying to others.
    package static func start(_ app: Application) -> OutboxRelayLoop? {
        let settings = app.tongban
        guard settings.webhookRelay else { return nil }
        let sender = HTTPWebhookSender(rules: settings.webhookEndpoints, group: app.eventLoopGroup)
        let relay = OutboxRelay(
            settings: .init(retry: settings.webhookRetry, timeout: settings.webhookTimeout), sender: sender, keys: app.keys,
            clock: app.clock, logger: app.logger, messages: MessageComposer(templates: app.messageTemplates))
        let loop = OutboxRelayLoop(relay: relay, sender: sender)
        app.lifecycle.use(loop)
        loop.run(on: app.db, logger: app.logger)
        return loop
    }

    package func run(on db: any Database, logger: Logger) {
        let relay = relay
        let idleSleep = idleSleep
        let started = Task {
            while !Task.isCancelled {
                do {
                    let round = try await relay.round(on: db)
                    if round.subscriptionsDisabled > 0 || round.dead > 0 {
                        logger.notice("webhooks: \(round.dead) dead, \(round.subscriptionsDisabled) subscriptions disabled")
                    }
                    if !round.didWork { try? await Task.sleep(for: idleSleep) }
                } catch  where Self.isLockWait(error) {
                    // another process (a command) holds SQLite's write lock for a moment: soon again
                    try? await Task.sleep(for: .milliseconds(20))
                } catch {
                    logger.error("webhook relay: \(error)")
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        task.withLockedValue { $0 = started }
    }

    /// SQLite's answer when another process writes: the round is simply made again.
    static func isLockWait(_ error: any Error) -> Bool {
        String(describing: error).contains("database is locked")
    }

    package func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
        await sender.shutdown()
    }
}
