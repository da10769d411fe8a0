import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanCatalog
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("deadline warnings")
struct DeadlineWatchTests {
    typealias Flow = ApplicationFlowTests

    @Test(
        "yellow at 80 % of the working days, red after the due date, once per case even with two processes; paused cases keep their colour",
        arguments: TestDatabase.available)
    func warnings(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, store in
            let item = try await ApplicationRulesTests.simpleItem(app, minimumDays: 5)
            let person = try await app.token(app.demoPersonLogin)
            let clerk = try await app.token("clerk")
            var cases: [UUID] = []
            for _ in 0..<6 {
                let created = try await app.send(
                    .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app)), bearer: person)
                let id = try created.content.decode(Flow.Application_.self).cases[0].id
                _ = try await Flow.act(app, id, clerk, CaseActionBody(action: "passPrereview"))
                _ = try await Flow.act(app, id, clerk, CaseActionBody(action: "accept"))
                cases.append(id)
            }
            let row = try #require(try await CaseRow.find(cases[0], on: app.db))
            let accepted = app.today
            let due = try app.workingDays.adding(workingDays: item.workingDays, to: accepted).value
            let yellow = try app.workingDays.adding(
                workingDays: CaseClock.yellowThreshold(limit: item.workingDays, warnAt: 0.8), to: accepted
            ).value
            #expect(row.dueOn == due.description && row.yellowOn == yellow.description && row.clockRunning && row.warning == .none)

            // one case waits for an inspection that pauses its clock: its colour stays
            let paused = try #require(try await CaseRow.find(cases[5], on: app.db))
            paused.clockRunning = false
            try await paused.save(on: app.db)

            #expect(try await DeadlineWatch.run(app: app, today: yellow.adding(days: -1)!) == .init())
            #expect(try await DeadlineWatch.run(app: app, today: yellow) == .init(yellow: 5))
            // two "processes" at once, after the due date: each case turns red once, one outbox event each
            let second = try await store.makeApp(migrate: false)
            let outboxBefore = try await OutboxEvent.query(on: app.db).filter(\.$topic == "case.warning").count()
            let after = due.adding(days: 1)!
            async let a = DeadlineWatch.run(app: app, today: after)
            async let b = DeadlineWatch.run(app: second, today: after)
            let (first, other) = try await (a, b)
            try await second.asyncShutdown()
            #expect(first.red + other.red == 5)
            #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "case.warning").count() == outboxBefore + 5)
            #expect(try await CaseRow.query(on: app.db).filter(\.$warning == .red).count() == 5)
            #expect(try await CaseRow.find(cases[5], on: app.db)?.warning == CaseClock.Warning.none)
            #expect(try await DeadlineWatch.run(app: app, today: after) == .init())
            // each change on the audit record, once, the watch its actor, readable in the case's region
            let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "case.warning").all().map { $0.opened(app.keys) }
            #expect(entries.count == 10)
            #expect(entries.filter { $0.details?.hasPrefix("warning=red") == true }.count == 5)
            #expect(Set(entries.map(\.resource)) == Set(cases.prefix(5).map { "case:\($0)" }))
            #expect(entries.allSatisfy { $0.actorLabel == "system:deadline-watch" && $0.regionCode != nil })
        }
    }

    @Test("容缺 materials past their due date suspend the case and stop its clock", arguments: TestDatabase.available)
    func owedOverdue(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let rows = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).filter(
                \.$regionCode == "330106"
            ).all()
            let items = try rows.map { try $0.item() }
            let item = try #require(items.first { $0.materials.contains { $0.tolerable } })
            let clerk = try await app.token("clerk")
            let created = try await app.send(
                .POST, "/api/v1/applications",
                json: ApplyBody(
                    item: item.code, form: Flow.fill(item.form, app: app),
                    applicantID: try await app.accountID(login: app.demoPersonLogin), applicantPresent: true), bearer: clerk)
            let id = try created.content.decode(Flow.Application_.self).cases[0].id
            _ = try await Flow.act(app, id, clerk, CaseActionBody(action: "passPrereview"))
            let due = try app.workingDays.adding(workingDays: 3, to: app.today).value
            _ = try await Flow.act(
                app, id, clerk,
                CaseActionBody(action: "acceptTolerantly", owed: [item.materials.first { $0.tolerable }!.key], due: due.description))
            #expect(try await DeadlineWatch.run(app: app, today: due).suspended == 0)
            #expect(try await DeadlineWatch.run(app: app, today: due.adding(days: 1)!).suspended == 1)
            let suspended = try #require(try await CaseRow.find(id, on: app.db))
            #expect(suspended.state == .suspended && !suspended.clockRunning)
            #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "case.suspendForOwed").count() == 1)
            #expect(try await DeadlineWatch.run(app: app, today: due.adding(days: 2)!).suspended == 0)
        }
    }
}
