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
    /// Sends the messages queued for e-mail and SMS, between the relay's rounds.
    package let dispatcher: MessageDispatcher?

    package init(
        relay: OutboxRelay, sender: any WebhookSender, dispatcher: MessageDispatcher? = nil, idleSleep: Duration = .milliseconds(50)
    ) {
        self.relay = relay
        self.sender = sender
        self.dispatcher = dispatcher
        self.idleSleep = idleSleep
    }

    /// The relay a serving process runs, as its settings say; nil when it leaves relaying to others.
    package static func start(_ app: Application) throws -> OutboxRelayLoop? {
        let settings = app.tongban
        guard settings.webhookRelay else { return nil }
        let dispatcher = try MessageDispatcher.make(app)
        let sender = HTTPWebhookSender(rules: settings.webhookEndpoints, group: app.eventLoopGroup)
        let relay = OutboxRelay(
            settings: .init(retry: settings.webhookRetry, timeout: settings.webhookTimeout), sender: sender, keys: app.keys,
            clock: app.clock, logger: app.logger, messages: MessageComposer(templates: app.messageTemplates, baseURL: settings.baseURL))
        let loop = OutboxRelayLoop(relay: relay, sender: sender, dispatcher: dispatcher)
        app.lifecycle.use(loop)
        loop.run(on: app.db, logger: app.logger)
        return loop
    }

    package func run(on db: any Database, logger: Logger) {
        let relay = relay
        let idleSleep = idleSleep
        let dispatcher = dispatcher
        let started = Task {
            while !Task.isCancelled {
                do {
                    let round = try await relay.round(on: db)
                    if round.subscriptionsDisabled > 0 || round.dead > 0 {
                        logger.notice("webhooks: \(round.dead) dead, \(round.subscriptionsDisabled) subscriptions disabled")
                    }
                    let sent = try await dispatcher?.round(on: db)
                    if let sent, sent.failed > 0 { logger.notice("messages: \(sent.failed) could not be sent") }
                    if !round.didWork && sent?.didWork != true { try? await Task.sleep(for: idleSleep) }
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
        await dispatcher?.shutdown()
    }
}
