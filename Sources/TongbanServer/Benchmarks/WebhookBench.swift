import Fluent
import Foundation
import TongbanCases
import TongbanCore
import TongbanDelivery
import TongbanPlatform
import Vapor

/// The delivery benchmark's two halves, run beside a serving process that relays
/// (`Benchmarks/delivery.sh`): `tongban bench webhooks --receiver URL` subscribes the market
/// regulator's client system to `case.*` at the receiver (the demo seeded first if the database
/// is empty) and prints the secret; `tongban bench webhook-events --events N [--rate R]
/// [--subjects K]` writes N events to the outbox (all at once, or R a second), `case.accept`
/// events whose payload numbers each subject's events in order, so the receiver can check it.
enum WebhookBench {
    static func prepare(_ app: Application, receiver: String, say: (String) -> Void) async throws {
        if try await Account.query(on: app.db).count() == 0 {
            _ = try await DemoSeed.run(app: app, db: app.db, regionsFolder: TongbanResources.regions)
            say("seeded the demo data")
        }
        guard let admin = try await Account.query(on: app.db).filter(\.$loginKey == Account.loginKey(staffUsername: "data.amr")).first()
        else { throw Abort(.internalServerError, reason: "no data.amr account: is this a demo database?") }
        app.tongban.webhookEndpoints.allowLoopback = true
        let context = UseCaseContext(application: app, db: app.db, account: admin)
        let client = try await SharingGrantDesk(context: context, resources: app.dataResources).createClient(
            .init(name: "bench receiver \(UUID().uuidString.prefix(6))", clearance: "internal", ratePerMinute: 6_000))
        let made = try await WebhookDesk(context: context).subscribe(
            .init(clientID: client.id, url: receiver, topics: ["case.*"], scope: "department"))
        say("subscription: \(made.subscription.id!.uuidString)")
        say("secret: \(made.secret)")
    }

    static func emit(_ app: Application, events: Int, rate: Int, subjects: Int, say: (String) -> Void) async throws {
        guard
            let department = try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区市场监督管理局").first()?.requireID()
        else { throw Abort(.internalServerError, reason: "no market regulator: is this a demo database?") }
        let run = UUID().uuidString.prefix(6)
        let audience = EventAudience(departmentID: department, regionCode: try RegionCode("330106"))
        var written = 0
        var sequence = [Int](repeating: 0, count: max(subjects, 1))
        let started = ContinuousClock.now
        // at a rate: a slice every 20 ms; all at once: slices of 1,000
        let slice = rate > 0 ? max(1, rate / 50) : 1_000
        while written < events {
            let count = min(slice, events - written)
            var rows = InsertBatch()
            let now = app.clock.now()
            for index in 0..<count {
                let subject = (written + index) % sequence.count
                sequence[subject] += 1
                let application = "BENCH-\(run)-\(subject)"
                rows.add(
                    OutboxEvent(
                        .caseAction(.accept), subject: application,
                        payload: [
                            "application": application, "item": String(sequence[subject]), "itemName": "bench", "from": "submitted",
                            "to": "accepted",
                        ],
                        audience: audience, at: now))
            }
            let batch = rows
            try await app.db.write { tx in try await batch.run(on: tx) }
            written += count
            if rate > 0 {
                let due = started + .milliseconds(Int64(written) * 1_000 / Int64(rate))
                try await Task.sleep(until: due, clock: .continuous)
            }
        }
        let seconds =
            Double((ContinuousClock.now - started).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - started).components.seconds)
        say(String(format: "wrote %d events for %d subjects in %.2f s", written, sequence.count, seconds))
    }
}
