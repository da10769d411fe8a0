import Fluent
import Foundation
import NIOConcurrencyHelpers
import TongbanPlatform
import Vapor

/// The outbox's readers running in a serving process, side by side so that neither waits for
/// the other: the webhook relay, and the messages (the inbox written, then e-mail and SMS
/// sent). Each makes rounds back to back while there is work and sleeps a little when there is
/// none (so an event is on its way within about 50 ms of its commit); both stop at shutdown
/// with their clients closed.
package final class OutboxRelayLoop: LifecycleHandler, Sendable {
    package let relay: OutboxRelay
    private let sender: any WebhookSender
    package let inbox: InboxRelay
    /// Sends the messages queued for e-mail and SMS.
    package let dispatcher: MessageDispatcher?
    private let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])
    private let idleSleep: Duration

    package init(
        relay: OutboxRelay, sender: any WebhookSender, inbox: InboxRelay, dispatcher: MessageDispatcher? = nil,
        idleSleep: Duration = .milliseconds(50)
    ) {
        self.relay = relay
        self.sender = sender
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.idleSleep = idleSleep
    }

    /// The readers a serving process runs, as its settings say; nil when it leaves them to others.
    package static func start(_ app: Application) throws -> OutboxRelayLoop? {
        let settings = app.tongban
        guard settings.webhookRelay else { return nil }
        let dispatcher = try MessageDispatcher.make(app)
        let sender = HTTPWebhookSender(rules: settings.webhookEndpoints, group: app.eventLoopGroup)
        let relay = OutboxRelay(
            settings: .init(retry: settings.webhookRetry, timeout: settings.webhookTimeout), sender: sender, keys: app.keys,
            clock: app.clock, logger: app.logger)
        let inbox = InboxRelay(
            composer: MessageComposer(templates: app.messageTemplates, keys: app.keys, baseURL: settings.baseURL), clock: app.clock)
        let loop = OutboxRelayLoop(relay: relay, sender: sender, inbox: inbox, dispatcher: dispatcher)
        app.lifecycle.use(loop)
        loop.run(app)
        return loop
    }

    /// Starts both readers, each on an event loop of its own where there are two (its database
    /// connections are that loop's): the messages' work never takes the webhooks' thread.
    package func run(_ app: Application) {
        let relay = relay
        let inbox = inbox
        let dispatcher = dispatcher
        let logger = app.logger
        let loops = Array(app.eventLoopGroup.makeIterator())
        let webhooksLoop = loops[0]
        let messagesLoop = loops[loops.count > 1 ? 1 : 0]
        let webhooksDB = app.databases.database(logger: logger, on: webhooksLoop)!
        let messagesDB = app.databases.database(logger: logger, on: messagesLoop)!
        let inFlight = NIOLockedValueBox<OutboxRelay.InFlight?>(nil)
        let report: @Sendable (OutboxRelay.Round) -> Void = { round in
            if round.subscriptionsDisabled > 0 || round.dead > 0 {
                logger.notice("webhooks: \(round.dead) dead, \(round.subscriptionsDisabled) subscriptions disabled")
            }
        }
        start(on: webhooksLoop, "webhook relay", logger: logger) {
            // taken out first: a round that fails has written down what it could of it
            let previous = inFlight.withLockedValue { batch in
                defer { batch = nil }
                return batch
            }
            let (round, next) = try await relay.round(on: webhooksDB, after: previous)
            inFlight.withLockedValue { $0 = next }
            report(round)
            return round.didWork
        } stopping: {
            let last = inFlight.withLockedValue { $0 }
            if let round = try? await relay.finish(last, on: webhooksDB) { report(round) }
        }
        start(on: messagesLoop, "messages", logger: logger) {
            let written = try await inbox.round(on: messagesDB)
            let sent = try await dispatcher?.round(on: messagesDB)
            if let sent, sent.failed > 0 { logger.notice("messages: \(sent.failed) could not be sent") }
            return written.events > 0 || sent?.didWork == true
        }
    }

    /// Starts `round` repeated on `loop` (a task started there stays there while it can).
    private func start(
        on loop: any EventLoop, _ name: String, logger: Logger, _ round: @escaping @Sendable () async throws -> Bool,
        stopping: (@Sendable () async -> Void)? = nil
    ) {
        let tasks = tasks
        loop.execute {
            let task = self.repeatedly(name, logger: logger, round, stopping: stopping)
            tasks.withLockedValue { $0.append(task) }
        }
    }

    /// `round` again and again until cancelled: at once while it finds work, after the idle
    /// sleep when it did not, after a second when it failed; then `stopping`.
    private func repeatedly(
        _ name: String, logger: Logger, _ round: @escaping @Sendable () async throws -> Bool, stopping: (@Sendable () async -> Void)?
    ) -> Task<Void, Never> {
        let idleSleep = idleSleep
        return Task {
            while !Task.isCancelled {
                do {
                    if try await !round() { try? await Task.sleep(for: idleSleep) }
                } catch  where Self.isLockWait(error) {
                    // another process (a command) holds SQLite's write lock for a moment: soon again
                    try? await Task.sleep(for: .milliseconds(20))
                } catch {
                    logger.error("\(name): \(error)")
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            await stopping?()
        }
    }

    /// SQLite's answer when another process writes: the round is simply made again.
    static func isLockWait(_ error: any Error) -> Bool {
        String(describing: error).contains("database is locked")
    }

    package func shutdownAsync(_ application: Application) async {
        let running = tasks.withLockedValue { $0 }
        for task in running { task.cancel() }
        for task in running { await task.value }
        await sender.shutdown()
        await dispatcher?.shutdown()
    }
}
