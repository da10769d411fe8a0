import Fluent
import Foundation
import TongbanCore
import TongbanPlatform

/// Writes the inbox messages of the outbox's events, oldest first, with a cursor of its own
/// (`OutboxCursor.inbox`): the webhook fan-out never waits for the messages, and a person is
/// told of every event exactly once (the messages and the mark commit together).
package struct InboxRelay: Sendable {
    package let composer: MessageComposer
    let clock: PlatformClock
    /// Events read per round.
    let batch: Int

    package init(composer: MessageComposer, clock: PlatformClock, batch: Int = 1_000) {
        self.composer = composer
        self.clock = clock
        self.batch = batch
    }

    /// One batch of events made messages: how many events were read and messages written.
    package func round(on db: any Database) async throws -> (events: Int, messages: Int) {
        let now = clock.now()
        let composer = composer
        let taken = try await OutboxCursor.inbox.advance(on: db, limit: batch, now: now, payloads: true) { events, tx in
            // only the events some template speaks of are read further
            let composed = events.filter { composer.templates.byTopic[$0.topic] != nil }.map { event in
                MessageComposer.Event(
                    id: event.id, topic: event.topic, payload: StoredJSON.stringMap(event.payload ?? "{}"), audience: event.audience,
                    createdAt: event.createdAt)
            }
            return try await composer.compose(composed, on: tx, now: now)
        }
        return (taken?.events ?? 0, taken?.result ?? 0)
    }
}
