import Fluent
import Foundation
import Testing
import TongbanDelivery
import TongbanPlatform
import Vapor
@testable import TongbanCore
@testable import TongbanServer

/// The serving loop's rounds overlap: the next batch is claimed while the previous one is
/// still being sent. Whatever the batch size and however the subjects' events interleave,
/// each event reaches the subscriber (once, counted by webhook-id as a receiver does) and a
/// subject's events arrive in the order written.
@Suite("webhook rounds overlapped")
struct WebhookPipelineTests {
    @Test(
        "generated backlogs (up to 40 subjects, batches of 3–17): overlapped rounds deliver every event once, in order per subject",
        arguments: TestDatabase.available)
    func overlapped(database: TestDatabase) async throws {
        let receiver = try await WebhookReceiver.start()
        try await withTongban(database) { app, _ in
            let (amrID, _) = try await WebhookTests.subscribeMarketRegulator(app, receiver)
            let sender = HTTPWebhookSender(rules: .init(allowLoopback: true), group: app.eventLoopGroup)
            var rng = Xorshift(state: 0x0DE1_1FE2)
            let kinds: [CaseActionKind] = [.accept, .requestCorrection, .supplyCorrection, .decide]
            let start = app.clock.now()
            var written = 0
            for backlog in 0..<4 {
                let before = receiver.received.count
                // a timeout long enough that a loaded machine does not turn a slow answer into a retry
                var settings = OutboxRelay.Settings(retry: .standard, timeout: 60)
                settings.batch = Int.random(in: 3...17, using: &rng)
                settings.concurrency = Int.random(in: 1...8, using: &rng)
                let relay = OutboxRelay(settings: settings, sender: sender, keys: app.keys, clock: app.clock, logger: app.logger)
                // events of many subjects, interleaved at random, each a millisecond after the last
                let subjects = (0..<Int.random(in: 1...40, using: &rng)).map { "330106-\(backlog)-\($0)" }
                let count = Int.random(in: 20...120, using: &rng)
                var rows = InsertBatch()
                for index in 0..<count {
                    let at = start.addingTimeInterval(Double(written + index) / 1_000)
                    rows.add(
                        WebhookTests.event(
                            .caseAction(kinds.randomElement(using: &rng)!), subjects.randomElement(using: &rng)!, department: amrID, at: at)
                    )
                }
                written += count
                let batch = rows
                try await app.db.write { tx in try await batch.run(on: tx) }

                var inFlight: OutboxRelay.InFlight?
                for _ in 0..<2_000 {
                    let (_, next) = try await relay.round(on: app.db, after: inFlight)
                    inFlight = next
                    if inFlight == nil, Set(receiver.received.dropFirst(before).map(\.id)).count >= count { break }
                }
                _ = try await relay.finish(inFlight, on: app.db)

                // as a receiver keeps them: by webhook-id, the first arrival of each (at least once is the promise)
                var seen = Set<String>()
                let arrived = receiver.received.dropFirst(before).filter { seen.insert($0.id).inserted }
                #expect(arrived.count == count, "backlog \(backlog): \(arrived.count) of \(count)")
                var bySubject = 0
                for subject in subjects {
                    let stamps = arrived.filter { $0.data["application"] == "application-\(subject)" }.map(Self.timestamp)
                    #expect(stamps == stamps.sorted(), "backlog \(backlog), \(subject) out of order")
                    bySubject += stamps.count
                }
                #expect(bySubject == count)
                #expect(try await WebhookDelivery.query(on: app.db).filter(\.$state != .delivered).count() == 0)
            }
            await sender.shutdown()
        }
        await receiver.stop()
    }

    /// The event's time as the body gives it (ISO 8601 with milliseconds, which sort as text).
    static func timestamp(_ message: WebhookReceiver.Received) -> String {
        ((try? JSONSerialization.jsonObject(with: message.body) as? [String: Any])?["timestamp"] as? String) ?? ""
    }
}

/// A seeded generator (xorshift64), so the generated backlogs are the same on every run.
struct Xorshift: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
