import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanDelivery
import TongbanPlatform
import TongbanSupervision
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 审管衔接: an approval of an item that names a supervising department is handed to it; it counts
/// as received only when that department signs for it; unsigned it turns yellow after one working
/// day and red after three, escalated to the supervisors and on the warnings board.
@Suite("handoffs to supervision (审管衔接)")
struct HandoffTests {
    struct Handoff: Decodable {
        let id: UUID
        let application: String
        let itemName: String
        let department: String
        let yellowOn: String
        let redOn: String
        let light: String
        let escalated: Bool
        let signedBy: String?
    }

    /// The food business licence (新办) of 西湖区, which the demo has its market regulator supervise.
    static func foodLicence(_ app: Application) async throws -> ServiceItem {
        let rows = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$regionCode == "330106").all()
        return try #require(try rows.map { try $0.item() }.first { $0.name == "食品经营许可" && $0.subItemName == "新办" })
    }

    @Test(
        "an approval handed over: its department sees and signs it, no other; unsigned it turns yellow, then red and escalated, once each",
        arguments: TestDatabase.available)
    func handoffLife(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.foodLicence(app)
            #expect(item.supervisingDepartment?.name == "杭州市西湖区市场监督管理局")
            let person = try await app.token(app.demoPersonLogin)
            let draftID = try await RatingTests.application(app, token: person, closed: false)
            let application = try #require(try await ApplicationRecord.find(draftID, on: app.db))
            application.number = "3301062026112400000777"
            try await application.save(on: app.db)
            let today = app.today
            let rules = app.tongban.handoffRules
            try await app.db.write { tx in
                try await SupervisionHandoff.handOver(
                    caseID: UUID(), application: application, item: item, decidingDepartmentID: nil, rules: rules,
                    calendar: app.workingDays, today: today, now: app.clock.now(), on: tx)
            }

            let amr = try await app.token("reviewer.amr")
            let health = try await app.token("reviewer.health")
            let supervisor = try await app.token("supervisor")
            let listed = try await app.send(.GET, "/api/v1/handoffs", bearer: amr).content.decode([Handoff].self)
            let handoff = try #require(listed.first)
            #expect(listed.count == 1 && handoff.light == "waiting" && handoff.application == "3301062026112400000777")
            let deadlines = try rules.deadlines(handedOver: today, calendar: app.workingDays)
            #expect(handoff.yellowOn == deadlines.yellow.description && handoff.redOn == deadlines.red.description)
            #expect(try await app.send(.GET, "/api/v1/handoffs", bearer: health).content.decode([Handoff].self).isEmpty)
            #expect(try await app.send(.GET, "/api/v1/handoffs", bearer: supervisor).content.decode([Handoff].self).count == 1)
            #expect(try await app.send(.GET, "/api/v1/handoffs", bearer: person).status == .forbidden)
            #expect(try await app.send(.GET, "/api/v1/handoffs").status == .unauthorized)
            #expect(try await app.send(.GET, "/api/v1/handoffs?state=lost", bearer: amr).status == .unprocessableEntity)
            // another department's handoff reads as absent; a supervisor sees but does not sign
            #expect(try await app.send(.POST, "/api/v1/handoffs/\(handoff.id)/sign", bearer: health).status == .notFound)
            #expect(try await app.send(.POST, "/api/v1/handoffs/\(handoff.id)/sign", bearer: supervisor).status == .forbidden)

            // the watch: nothing before the first working day has passed, yellow on it, red on the third; each once
            let now = app.clock.now()
            #expect(try await HandoffWatch.run(db: app.db, today: today, now: now) == HandoffWatch.Summary())
            #expect(try await HandoffWatch.run(db: app.db, today: deadlines.yellow, now: now).yellow == 1)
            #expect(try await HandoffWatch.run(db: app.db, today: deadlines.yellow, now: now) == HandoffWatch.Summary())
            #expect(try await HandoffWatch.run(db: app.db, today: deadlines.red, now: now).red == 1)
            #expect(try await HandoffWatch.run(db: app.db, today: deadlines.red, now: now) == HandoffWatch.Summary())
            let red = try #require(try await app.send(.GET, "/api/v1/handoffs", bearer: amr).content.decode([Handoff].self).first)
            #expect(red.light == "red" && red.escalated)
            let topics = try await OutboxEvent.query(on: app.db).filter(\.$subject == handoff.id.uuidString).all().map(\.topic)
            #expect(topics.sorted() == ["handoff.created", "handoff.escalated", "handoff.warning", "handoff.warning"])

            // on the supervisors' warnings board, late and escalated
            struct Board: Decodable {
                struct Count: Decodable {
                    let department: String
                    let handoffs: Int
                }
                struct Late: Decodable {
                    let kind: String
                    let escalated: Bool
                }
                let counts: [Count]
                let late: [Late]
            }
            HallTests.setClock(app, HallTests.at("10:00", on: deadlines.red.description))
            // days later: signed in again
            let supervisorLater = try await app.token("supervisor")
            let amrLater = try await app.token("reviewer.amr")
            let board = try await app.send(.GET, "/api/v1/supervision/warnings", bearer: supervisorLater).content.decode(Board.self)
            #expect(board.late.contains { $0.kind == "handoff" && $0.escalated })
            #expect(board.counts.first { $0.department == "杭州市西湖区市场监督管理局" }?.handoffs == 1)

            // signed for: received; a second signature is a conflict naming the first
            let signed = try await app.send(.POST, "/api/v1/handoffs/\(handoff.id)/sign", bearer: amrLater).content.decode(Handoff.self)
            #expect(signed.light == "signed" && signed.signedBy == "陈审批")
            let again = try await app.send(.POST, "/api/v1/handoffs/\(handoff.id)/sign", bearer: amrLater)
            #expect(again.status == .conflict && again.errorBody?.error.code == "handoff.alreadySigned")
            #expect(try await app.send(.GET, "/api/v1/handoffs", bearer: amrLater).content.decode([Handoff].self).isEmpty)
            #expect(try await app.send(.GET, "/api/v1/handoffs?state=signed", bearer: amrLater).content.decode([Handoff].self).count == 1)
            #expect(try await HandoffWatch.run(db: app.db, today: deadlines.red, now: now) == HandoffWatch.Summary())
            let afterSigning = try await app.send(.GET, "/api/v1/supervision/warnings", bearer: supervisorLater).content.decode(Board.self)
            #expect(!afterSigning.late.contains { $0.kind == "handoff" })

            // who was told: the department's reviewer of each step, the supervisors of the escalation
            try await WebhookTests.writeMessages(app)
            let amrID = try await app.accountID(login: "reviewer.amr")
            let supervisorID = try await app.accountID(login: "supervisor")
            let healthID = try await app.accountID(login: "reviewer.health")
            let told = try await InboxMessage.query(on: app.db).filter(
                \.$topic ~~ ["handoff.created", "handoff.warning", "handoff.escalated"]
            ).all()
            #expect(Set(told.filter { $0.accountID == amrID }.map(\.topic)) == ["handoff.created", "handoff.warning"])
            #expect(told.filter { $0.accountID == supervisorID }.map(\.topic) == ["handoff.escalated"])
            #expect(!told.contains { $0.accountID == healthID })
        }
    }

    @Test("an item naming a supervising department that is not registered cannot be published")
    func unknownSupervisor() async throws {
        try await withTongban(.sqlite, catalog: true) { app, _ in
            var item = try await Self.foodLicence(app)
            item.supervisingDepartment = ItemDepartment(name: "不存在的部门", code: "11330106000000000X")
            let problems = try await CatalogStore.publishProblems(item, on: app.db)
            #expect(problems.errors.contains { $0.field == "supervisingDepartment" && $0.key == "catalog.unknownSupervisingDepartment" })
            item.supervisingDepartment = ItemDepartment(name: "杭州市西湖区卫生健康局", code: try await Self.departmentCode(app, "杭州市西湖区卫生健康局"))
            #expect(!(try await CatalogStore.publishProblems(item, on: app.db)).errors.contains { $0.field == "supervisingDepartment" })
        }
    }

    static func departmentCode(_ app: Application, _ name: String) async throws -> String {
        try #require(try await Department.query(on: app.db).filter(\.$name == name).first()).creditCode
    }
}
