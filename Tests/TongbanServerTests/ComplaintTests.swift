import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanPlatform
import TongbanRatings
import TongbanSupervision
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 民呼我应 over HTTP: routed to the answerable department, answered there once, rated by the
/// sender once, escalated when overdue, counted by supervision; bad input changes nothing.
@Suite("complaints over HTTP")
struct ComplaintTests {
    struct Body: Encodable {
        var kind = "complaint"
        var subject = "department"
        var target: String
        var title = "窗口办理推诿"
        var body = "在窗口办理营业执照变更时被要求补交已经提交过的材料。"
    }

    @Test(
        "send, route, see, answer once (two at once: one wins), rate once, escalate the overdue once, count it",
        arguments: TestDatabase.available)
    func lifecycle(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let amr = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区市场监督管理局").first())
            let sent = try await app.send(.POST, "/api/v1/complaints", json: Body(target: amr.id!.uuidString), bearer: person)
            #expect(sent.status == .created, "\(sent.body.string)")
            let complaint = try sent.content.decode(ComplaintDTO.self)
            #expect(complaint.department == amr.name && complaint.state == "open" && complaint.body.contains("营业执照"))
            #expect(complaint.dueOn == (try app.workingDays.adding(workingDays: 5, to: app.today).value.description))

            // about an item: routed to the item's department
            let item = try await InstantApprovalTests.item(app, named: "就业登记")
            let aboutItem = try await app.send(
                .POST, "/api/v1/complaints",
                json: Body(
                    kind: "consultation", subject: "item", target: item.code,
                    title: "就业登记要带什么", body: "请问办理就业登记需要本人到场吗？"), bearer: person)
            #expect(aboutItem.status == .created)
            let routed = try aboutItem.content.decode(ComplaintDTO.self).department
            #expect(routed == item.department.name)

            // who sees it: the sender, the department, supervisors of the region; not another department
            let reviewer = try await app.token("reviewer.amr")
            let other = try await app.token("reviewer.health")
            let supervisor = try await app.token("supervisor")
            #expect(try await app.send(.GET, "/api/v1/complaints/\(complaint.id)", bearer: other).status == .notFound)
            #expect(
                try await app.send(.GET, "/api/v1/complaints", bearer: reviewer).content.decode([ComplaintDTO].self).map(\.id) == [
                    complaint.id
                ])
            #expect(
                try await app.send(.GET, "/api/v1/complaints", bearer: supervisor).content.decode([ComplaintDTO].self).contains {
                    $0.id == complaint.id
                })
            #expect(try await app.send(.GET, "/api/v1/complaints", bearer: person).content.decode([ComplaintDTO].self).count == 2)

            // rating before an answer: refused; the sender cannot answer, another department cannot find it
            #expect(
                try await app.send(.POST, "/api/v1/complaints/\(complaint.id)/rating", json: ["level": 5], bearer: person).errorBody?.error
                    .code == "complaint.notAnswered")
            #expect(
                try await app.send(.POST, "/api/v1/complaints/\(complaint.id)/answer", json: ["answer": "我们已经核实并纠正了这个问题。"], bearer: person)
                    .status == .forbidden)
            #expect(
                try await app.send(.POST, "/api/v1/complaints/\(complaint.id)/answer", json: ["answer": "我们已经核实并纠正了这个问题。"], bearer: other)
                    .status == .notFound)
            #expect(
                try await app.send(.POST, "/api/v1/complaints/\(complaint.id)/answer", json: ["answer": "好的"], bearer: reviewer).status
                    == .unprocessableEntity)

            // two answers at once: exactly one wins
            struct Answer: Encodable, Sendable {
                let answer: String
                let version: Int
            }
            async let a = app.send(
                .POST, "/api/v1/complaints/\(complaint.id)/answer",
                json: Answer(answer: "已核实：材料已在系统中，窗口不应要求重复提交，已对窗口人员批评教育。", version: complaint.version), bearer: reviewer)
            async let b = app.send(
                .POST, "/api/v1/complaints/\(complaint.id)/answer",
                json: Answer(answer: "另一位同事的答复：已经处理完毕，感谢您的反馈意见。", version: complaint.version), bearer: reviewer)
            let statuses = [try await a.status, try await b.status].sorted { $0.code < $1.code }
            #expect(statuses == [.ok, .conflict])
            let answered = try await app.send(.GET, "/api/v1/complaints/\(complaint.id)", bearer: person).content.decode(ComplaintDTO.self)
            #expect(answered.state == "answered" && answered.answeredBy == "陈审批" && answered.answeredOn == app.today.description)

            // the sender rates once; nobody else can
            #expect(
                try await app.send(.POST, "/api/v1/complaints/\(complaint.id)/rating", json: ["level": 4], bearer: reviewer).status
                    == .forbidden)
            #expect(
                try await app.send(.POST, "/api/v1/complaints/\(complaint.id)/rating", json: ["level": 9], bearer: person).status
                    == .unprocessableEntity)
            #expect(
                try await app.send(.POST, "/api/v1/complaints/\(complaint.id)/rating", json: ["level": 4], bearer: person).status == .ok)
            #expect(
                try await app.send(.POST, "/api/v1/complaints/\(complaint.id)/rating", json: ["level": 5], bearer: person).errorBody?.error
                    .code == "complaint.alreadyRated")

            // the question about the item goes unanswered past its day: escalated once
            let open = try #require(try await ComplaintRecord.query(on: app.db).filter(\.$state == .open).first())
            open.dueOn = app.today.adding(days: -1)!.description
            try await open.save(on: app.db)
            #expect(try await DeadlineWatch.run(app: app).complaintsEscalated == 1)
            #expect(try await DeadlineWatch.run(app: app).complaintsEscalated == 0)
            #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "complaint.escalated").count() == 1)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "complaint.escalated").count() == 1)
            #expect(try await app.send(.GET, "/api/v1/complaints/\(open.id!)", bearer: person).content.decode(ComplaintDTO.self).overdue)

            // supervision counts both: one answered on time, one not answered
            try await SupervisionRollup.refresh(app: app, now: app.clock.now())
            let totals = try await SupervisionQuery.totals(SupervisionScope(from: app.today, to: app.today), on: app.db)
            #expect(totals.complaints == 2 && totals.complaintsAnswered == 1 && totals.complaintsOnTimeRate == Rate(1, of: 2))
            let audited = try await AuditEntry.query(on: app.db).filter(
                \.$action ~~ ["complaint.send", "complaint.answer", "complaint.rate"]
            ).count()
            #expect(audited == 4)
        }
    }

    @Test(
        "bad input: each a clear message in the user's language, nothing written; another's application reads as unknown; the pages send, answer and show errors",
        arguments: TestDatabase.available)
    func badInput(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let theirs = try await RatingTests.application(app, token: enterprise, closed: false)
            for body in [
                Body(kind: "rant", target: "x"), Body(subject: "mayor", target: "x"), Body(target: UUID().uuidString),
                Body(subject: "item", target: "330XXXX"), Body(subject: "application", target: theirs.uuidString),
                Body(target: "x", title: ""), Body(target: "x", body: "短"),
            ] {
                let response = try await app.send(
                    .POST, "/api/v1/complaints", headers: ["Accept-Language": "zh-CN"], json: body, bearer: person)
                #expect(response.status == .unprocessableEntity, "\(body)")
            }
            let another = try await app.send(
                .POST, "/api/v1/complaints", headers: ["Accept-Language": "zh-CN"],
                json: Body(subject: "application", target: theirs.uuidString), bearer: person)
            #expect(another.body.string.contains("请选择您自己的一件申请"))
            #expect(try await app.send(.POST, "/api/v1/complaints", json: Body(target: "x")).status == .unauthorized)
            #expect(try await ComplaintRecord.query(on: app.db).count() == 0)

            // the pages: send through the form, the department answers through its form
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": app.demoPersonLogin, "password": demoPassword])
            let form = try await browser.get("/complaints/new")
            #expect(form.status == .ok && form.body.string.contains("杭州市西湖区卫生健康局"))
            let health = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区卫生健康局").first())
            let refused = try await browser.post(
                "/complaints",
                ["kind": "suggestion", "subject": "department", "department": health.id!.uuidString, "title": "建议", "body": "短"])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("内容太短"))
            let sent = try await browser.post(
                "/complaints",
                [
                    "kind": "suggestion", "subject": "department", "department": health.id!.uuidString,
                    "title": "建议延长周六服务", "body": "希望卫生健康局窗口周六也能办理健康证。",
                ])
            #expect(sent.status == .seeOther)
            let id = try #require(try await ComplaintRecord.query(on: app.db).first()?.id)
            let clerk = Browser(app)
            try await clerk.get("/login")
            try await clerk.post("/login", ["login": "reviewer.health", "password": demoPassword])
            let page = try await clerk.get("/complaints/\(id)")
            #expect(
                page.status == .ok && page.body.string.contains("希望卫生健康局窗口周六也能办理健康证")
                    && page.body.string.contains("/complaints/\(id)/answer"))
            #expect(
                try await clerk.post("/complaints/\(id)/answer", ["answer": "感谢建议，自下月起周六上午开放健康证办理。", "version": "1"]).status == .seeOther)
            let shown = try await browser.get("/complaints/\(id)")
            #expect(shown.body.string.contains("自下月起周六上午开放健康证办理") && shown.body.string.contains("/complaints/\(id)/rating"))
        }
    }
}
