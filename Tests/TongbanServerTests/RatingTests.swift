import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanPlatform
import TongbanRatings
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 好差评 over HTTP: rating an application once it is concluded and a window visit once served,
/// the follow-up a bad rating opens (call back, fix, schedule, explain, appeal and the
/// supervisor's decision), one revision after it, escalation past the deadline.
@Suite("ratings and follow-ups over HTTP")
struct RatingTests {
    struct FollowUpBody: Decodable {
        let id: UUID
        let state: String
        let dueOn: String
        let allowed: [String]
        let version: Int
        let escalated: Bool
    }
    struct RatingBody: Decodable {
        let id: UUID
        let level: Int
        let reasons: [String]
        let revisions: Int
        let counts: Bool
        let department: String
        let followUp: FollowUpBody?
    }

    /// A draft application of the demo person for 就业登记, marked closed as if concluded (the way
    /// there is tested in the application flow).
    static func application(_ app: Application, token: String, closed: Bool = true) async throws -> UUID {
        let item = try await InstantApprovalTests.item(app, named: "就业登记")
        let response = try await app.send(
            .POST, "/api/v1/applications",
            json: ApplyBody(item: item.code, form: ApplicationFlowTests.fill(item.form, app: app), submit: false), bearer: token)
        #expect(response.status == .created, "\(response.body.string)")
        struct Created: Decodable { let id: UUID }
        let id = try response.content.decode(Created.self).id
        if closed {
            let record = try #require(try await ApplicationRecord.find(id, on: app.db))
            record.status = .closed
            try await record.save(on: app.db)
        }
        return id
    }

    static func departmentStaff(_ app: Application, ratingDepartment name: String) async throws -> String {
        try await ApplicationFlowTests.reviewer(app, department: name, username: "reviewer.rating\(Int.random(in: 1000...9999))")
    }

    @Test(
        "a bad rating opens a follow-up; the department calls back and fixes; the rater revises once, only then",
        arguments: TestDatabase.available)
    func badRatingFollowedUp(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let open = try await Self.application(app, token: person, closed: false)
            #expect(
                try await app.send(.POST, "/api/v1/applications/\(open)/rating", json: ["level": 5], bearer: person).errorBody?.error.code
                    == "rating.notConcluded")
            let id = try await Self.application(app, token: person)
            // bad input, nothing written
            let auditBefore = try await AuditEntry.query(on: app.db).count()
            #expect(
                try await app.send(.POST, "/api/v1/applications/\(id)/rating", json: ["level": 9], bearer: person).errorBody?.error.details?
                    .first?.code == "rating.badLevel")
            let noReason = try await app.send(
                .POST, "/api/v1/applications/\(id)/rating", json: RatingDesk.RatingBody(level: 2, reasons: [], comment: nil), bearer: person
            )
            #expect(noReason.errorBody?.error.details?.first?.code == "rating.reasonRequired")
            let wrongReason = try await app.send(
                .POST, "/api/v1/applications/\(id)/rating", json: RatingDesk.RatingBody(level: 5, reasons: ["overdue"], comment: nil),
                bearer: person)
            #expect(wrongReason.errorBody?.error.details?.first?.code == "rating.badReason")
            #expect(
                try await app.send(
                    .POST, "/api/v1/applications/\(id)/rating", json: ["level": 5], bearer: try await app.token(app.demoEnterpriseLogin)
                ).status == .notFound)
            let (ratings, followUps) = (try await RatingRecord.query(on: app.db).count(), try await FollowUp.query(on: app.db).count())
            #expect(ratings == 0 && followUps == 0)
            #expect(try await AuditEntry.query(on: app.db).count() == auditBefore + 1)  // the enterprise's sign-in

            let rated = try await app.send(
                .POST, "/api/v1/applications/\(id)/rating",
                json: RatingDesk.RatingBody(level: 2, reasons: ["overdue", "repeatedVisits"], comment: "跑了两次"), bearer: person)
            #expect(rated.status == .created, "\(rated.body.string)")
            let rating = try rated.content.decode(RatingBody.self)
            let followUp = try #require(rating.followUp)
            let fiveWorkingDays = try app.workingDays.adding(workingDays: 5, to: app.today).value.description
            #expect(followUp.state == "open" && followUp.dueOn == fiveWorkingDays)
            #expect(
                try await app.send(.POST, "/api/v1/applications/\(id)/rating", json: ["level": 5], bearer: person).errorBody?.error.code
                    == "rating.alreadyRated")
            #expect(
                try await app.send(.PUT, "/api/v1/ratings/\(rating.id)", json: ["level": 5], bearer: person).errorBody?.error.code
                    == "rating.followUpOpen")
            #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "followUp.opened").count() == 1)

            // only the answerable department works it; actions out of order name what is allowed
            let staff = try await Self.departmentStaff(app, ratingDepartment: rating.department)
            let other = try await app.token("reviewer.health")
            #expect(
                try await app.send(
                    .POST, "/api/v1/follow-ups/\(followUp.id)/actions", json: ["action": "callBack", "note": "x"], bearer: other
                ).status == .forbidden)
            let early = try await app.send(
                .POST, "/api/v1/follow-ups/\(followUp.id)/actions", json: ["action": "fix", "note": "已改"], bearer: staff)
            #expect(early.status == .conflict && early.errorBody?.error.message.contains("callBack") == true)
            #expect(
                try await app.send(.POST, "/api/v1/follow-ups/\(followUp.id)/actions", json: ["action": "callBack"], bearer: staff).status
                    == .unprocessableEntity)
            #expect(
                try await app.send(.GET, "/api/v1/follow-ups", bearer: staff).content.decode([FollowUpBody].self).map(\.id) == [followUp.id]
            )
            // a due day given with another action is still checked: not a day, refused, nothing changed
            let badDue = try await app.send(
                .POST, "/api/v1/follow-ups/\(followUp.id)/actions", json: ["action": "callBack", "note": "电话无人接听", "due": "AAA"],
                bearer: staff)
            #expect(badDue.status == .unprocessableEntity && badDue.errorBody?.error.details?.map(\.field) == ["due"])
            #expect(
                try await app.send(
                    .POST, "/api/v1/follow-ups/\(followUp.id)/actions", json: ["action": "callBack", "note": "已电话回访，申请人反映补正往返两次"],
                    bearer: staff
                ).status == .ok)
            let scheduled = try await app.send(
                .POST, "/api/v1/follow-ups/\(followUp.id)/actions",
                json: ["action": "schedule", "note": "一次性告知补正材料清单", "due": app.today.adding(days: 10)!.description], bearer: staff)
            #expect(try scheduled.content.decode(FollowUpBody.self).state == "scheduled")
            let fixed = try await app.send(
                .POST, "/api/v1/follow-ups/\(followUp.id)/actions", json: ["action": "fix", "note": "补正清单已上线"], bearer: staff)
            #expect(try fixed.content.decode(FollowUpBody.self).state == "fixed")

            let revised = try await app.send(
                .PUT, "/api/v1/ratings/\(rating.id)", json: RatingDesk.RatingBody(level: 4, reasons: ["fast"], comment: "整改后满意"),
                bearer: person)
            #expect(revised.status == .ok && (try? revised.content.decode(RatingBody.self).revisions) == 1)
            let reread = try await app.send(.GET, "/api/v1/ratings/\(rating.id)", bearer: person)
            #expect(reread.status == .ok && (try? reread.content.decode(RatingBody.self).revisions) == 1)
            #expect(
                try await app.send(.PUT, "/api/v1/ratings/\(rating.id)", json: ["level": 5], bearer: person).errorBody?.error.code
                    == "rating.alreadyRevised")
            let verdict = try await app.checkedAuditLog()
            if case .broken = verdict { Issue.record("audit chain broken: \(verdict)") }
        }
    }

    @Test(
        "appeals: the supervisor rejects one (back to where it was) and upholds another (the rating stops counting); overdue follow-ups are escalated once",
        arguments: TestDatabase.available)
    func appealsAndEscalation(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let id = try await Self.application(app, token: person)
            let rating = try await app.send(
                .POST, "/api/v1/applications/\(id)/rating", json: RatingDesk.RatingBody(level: 1, reasons: ["other"], comment: "恶意测试"),
                bearer: person
            )
            .content.decode(RatingBody.self)
            let followUp = try #require(rating.followUp)
            let staff = try await Self.departmentStaff(app, ratingDepartment: rating.department)
            let supervisor = try await app.token("supervisor")
            func act(_ body: [String: String], _ token: String) async throws -> TestingHTTPResponse {
                try await app.send(.POST, "/api/v1/follow-ups/\(followUp.id)/actions", json: body, bearer: token)
            }
            _ = try await act(["action": "callBack", "note": "电话无人接听，已短信告知"], staff)
            #expect(try await act(["action": "appeal", "note": "评价内容与办件无关"], staff).status == .ok)
            #expect(try await act(["action": "rejectAppeal", "note": "x"], staff).status == .forbidden)
            let rejected = try await act(["action": "rejectAppeal", "note": "证据不足"], supervisor)
            #expect(try rejected.content.decode(FollowUpBody.self).state == "calledBack")
            _ = try await act(["action": "appeal", "note": "补充证据：申请人承认误评"], staff)
            #expect(try await act(["action": "upholdAppeal", "note": "属实"], supervisor).status == .ok)
            #expect(try await RatingRecord.find(rating.id, on: app.db)?.counts == false)

            // a second bad rating left alone past its deadline: escalated once, whichever run gets there
            let second = try await Self.application(app, token: person)
            let late = try await app.send(
                .POST, "/api/v1/applications/\(second)/rating", json: RatingDesk.RatingBody(level: 2, reasons: ["attitude"], comment: nil),
                bearer: person
            )
            .content.decode(RatingBody.self)
            let lateFollowUp = try #require(late.followUp)
            let due = try #require(CalendarDate(iso: lateFollowUp.dueOn))
            #expect(try await DeadlineWatch.run(app: app, today: due).escalated == 0)
            #expect(try await DeadlineWatch.run(app: app, today: due.adding(days: 1)!).escalated == 1)
            #expect(try await DeadlineWatch.run(app: app, today: due.adding(days: 2)!).escalated == 0)
            #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "followUp.escalated").count() == 1)
            let escalations = try await AuditEntry.query(on: app.db).filter(\.$action == "followUp.escalated").all()
            #expect(escalations.count == 1)
            let escalation = try #require(escalations.first?.opened(app.keys))
            #expect(escalation.resource == "followUp:\(late.followUp!.id)" && escalation.actorLabel == "system:deadline-watch")
            let board = try await app.send(.GET, "/api/v1/follow-ups", bearer: supervisor).content.decode([FollowUpBody].self)
            #expect(board.contains { $0.id == late.followUp!.id && $0.escalated })
            // the work still to do first, the ended one after it (it was due first)
            #expect(board.map(\.id) == [late.followUp!.id, followUp.id] && board.last?.state == "void", "\(board.map(\.state))")
            // the city's supervisor sees its counties' follow-ups too
            let city = Account(
                kind: .staff, loginKey: Account.loginKey(staffUsername: "supervisor.city"), displayName: "市级监察",
                passwordHash: try await app.hashPassword(demoPassword), at: app.clock.now())
            city.roles = [.supervisor]
            city.regionCode = "330100"
            try await city.create(on: app.db)
            let cityBoard = try await app.send(.GET, "/api/v1/follow-ups", bearer: try await app.token("supervisor.city"))
                .content.decode([FollowUpBody].self)
            #expect(cityBoard.map(\.id) == board.map(\.id))
        }
    }

    @Test(
        "一次一评: a served window visit is rated by the ticket's holder, not the clerk; not before it is served",
        arguments: TestDatabase.available)
    func visits(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            HallTests.setClock(app, HallTests.at("10:00"))
            let hall = try await HallTests.hall(app)
            let kiosk = try await HallTests.kiosk(app, hall.id, "A")
            let person = try await app.token(app.demoPersonLogin)
            let online = try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "B"], bearer: person).content
                .decode(HallTests.Ticket.self)
            #expect(
                try await app.send(.POST, "/api/v1/hall-tickets/\(kiosk.id)/rating", json: ["level": 5]).errorBody?.error.code
                    == "rating.notServed")
            let clerk = try await app.token("clerk")
            let w1 = try HallTests.window(hall, 1)
            _ = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w1)/open", bearer: clerk)
            for _ in 0..<2 {
                let t = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w1)/call", bearer: clerk).content.decode(
                    HallTests.Ticket.self)
                _ = try await app.send(.POST, "/api/v1/hall-tickets/\(t.id)/finish", json: ["outcome": "served"], bearer: clerk)
            }
            #expect(
                try await app.send(.POST, "/api/v1/hall-tickets/\(kiosk.id)/rating", json: ["level": 5], bearer: clerk).status == .forbidden
            )
            let anonymous = try await app.send(
                .POST, "/api/v1/hall-tickets/\(kiosk.id)/rating",
                json: RatingDesk.RatingBody(level: 5, reasons: ["friendly", "fast"], comment: nil))
            #expect(anonymous.status == .created && (try? anonymous.content.decode(RatingBody.self).followUp) == nil)
            #expect(
                try await app.send(
                    .POST, "/api/v1/hall-tickets/\(online.id)/rating", json: ["level": 4],
                    bearer: try await app.token(app.demoEnterpriseLogin)
                ).status == .forbidden)
            let mine = try await app.send(
                .POST, "/api/v1/hall-tickets/\(online.id)/rating",
                json: RatingDesk.RatingBody(level: 2, reasons: ["attitude"], comment: nil), bearer: person)
            #expect(mine.status == .created)
            #expect(try mine.content.decode(RatingBody.self).department == "杭州市西湖区政务服务中心")
            #expect(
                try await app.send(.POST, "/api/v1/hall-tickets/\(online.id)/rating", json: ["level": 5], bearer: person).errorBody?.error
                    .code == "rating.alreadyRated")
        }
    }
}
