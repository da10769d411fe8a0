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

/// 首问负责 over HTTP and the pages: the first staff member to take an application in hand owns
/// it until the next acknowledges the handoff; an offer not answered in time is on the warnings
/// board.
@Suite("first responsibility")
struct OwnershipTests {
    typealias Flow = ApplicationFlowTests

    static func signedIn(_ app: Application, _ login: String) async throws -> Browser {
        let browser = Browser(app)
        try await browser.get("/login")
        try await browser.post("/login", ["login": login, "password": demoPassword])
        return browser
    }

    static func application(_ app: Application, _ id: UUID) async throws -> ApplicationRecord {
        try #require(try await ApplicationRecord.find(id, on: app.db))
    }

    @Test(
        "the clerk who takes it in owns it; a handoff waits for the recipient, who acknowledges or declines; strangers and the wrong staff are refused",
        arguments: TestDatabase.available)
    func handoff(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            HallTests.setClock(app, HallTests.at("10:00"))
            let created = try await WindowIntakeTests.takeIn(app, WindowIntakeTests.socialSecurityCard, clerk: "clerk")
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.decode(WindowIntakeTests.Taken.self).id
            let clerkID = try await app.accountID(login: "clerk")
            #expect(try await Self.application(app, id).ownerID == clerkID)

            let clerk = try await Self.signedIn(app, "clerk")
            let page = try await clerk.get("/applications/\(id)").body.string
            #expect(page.contains("首问负责人") && page.contains("action=\"/applications/\(id)/owner\""))

            // to nobody, to one who cannot work it, to oneself: the page says why, nothing is offered
            for (to, message) in [("nobody.here", "没有这个在职工作人员"), ("catalog", "无权办理此件"), ("clerk", "不能移交给自己")] {
                let refused = try await clerk.post("/applications/\(id)/owner", ["to": to, "note": ""])
                #expect(refused.status == .unprocessableEntity && refused.body.string.contains(message), "\(to)")
            }
            #expect(try await OwnerHandoff.query(on: app.db).count() == 0)
            // a staff member who does not own it cannot hand it on
            let other = try await Self.signedIn(app, "reviewer.hrss.city")
            #expect(try await other.post("/applications/\(id)/owner", ["to": "clerk.hall", "note": ""]).status == .forbidden)

            let offered = try await clerk.post("/applications/\(id)/owner", ["to": "reviewer.hrss.city", "note": "社保卡制卡问题由市人社跟进"])
            #expect(offered.status == .seeOther)
            let again = try await clerk.post("/applications/\(id)/owner", ["to": "clerk.hall", "note": ""])
            #expect(again.status == .conflict && again.body.string.contains("已有待确认的移交"))
            let handoff = try #require(try await OwnerHandoff.query(on: app.db).first())
            #expect(handoff.state == .offered && handoff.dueOn == "2026-11-25")
            // until acknowledged the clerk stays the owner
            #expect(try await Self.application(app, id).ownerID == clerkID)
            let waitingPage = try await other.get("/owner-handoffs").body.string
            #expect(waitingPage.contains(try #require(try await Self.application(app, id).number)))

            // a stranger learns nothing; the offerer cannot acknowledge for the recipient; a decline needs its reason
            let stranger = try await Self.signedIn(app, "clerk.hall")
            #expect(try await stranger.post("/owner-handoffs/\(handoff.id!)/acknowledge", [:]).status == .notFound)
            #expect(try await clerk.post("/owner-handoffs/\(handoff.id!)/acknowledge", [:]).status == .forbidden)
            #expect(try await other.post("/owner-handoffs/\(handoff.id!)/decline", ["note": ""]).status == .unprocessableEntity)

            #expect(try await other.post("/owner-handoffs/\(handoff.id!)/acknowledge", [:]).status == .seeOther)
            let taken = try await Self.application(app, id)
            #expect(taken.ownerID == (try await app.accountID(login: "reviewer.hrss.city")) && taken.ownerName != nil)
            #expect(try await other.post("/owner-handoffs/\(handoff.id!)/decline", ["note": "晚了"]).status == .conflict)
            // the timeline says who handed it to whom, and the applicant sees who answers for it now
            let person = try await app.token(app.demoPersonLogin)
            let events = try await Flow.get(app, id, person).events.map(\.action)
            #expect(events.contains("owner.offered") && events.contains("owner.acknowledged"))
            let seen = try await Self.signedIn(app, app.demoPersonLogin).get("/applications/\(id)").body.string
            #expect(seen.contains("首问负责人：\(taken.ownerName!)") && !seen.contains("action=\"/applications/\(id)/owner\""))
            #expect(try await app.checkedAuditLog().entries == (try await AuditEntry.query(on: app.db).count()))
        }
    }

    @Test(
        "an application made online is owned by the first staff member who acts on it; an offer unanswered past its day is on the warnings board",
        arguments: TestDatabase.available)
    func firstActorAndBoard(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            HallTests.setClock(app, HallTests.at("10:00"))
            let (id, cases) = try await DeliveryTests.submitted(app, delivery: DeliveryBody())
            #expect(try await Self.application(app, id).ownerID == nil)
            _ = try await Flow.act(app, cases[0].id, try await app.token("clerk"), CaseActionBody(action: "passPrereview"))
            let owned = try await Self.application(app, id)
            #expect(owned.ownerID == (try await app.accountID(login: "clerk")) && owned.ownerName == "王晓窗")
            // a later staff member's action does not take it
            _ = try await Flow.act(app, cases[0].id, try await app.token("clerk.hall"), CaseActionBody(action: "accept"))
            #expect(try await Self.application(app, id).ownerID == owned.ownerID)

            let browser = try await Self.signedIn(app, "clerk")
            // a street centre's clerk does not work a district application made online
            let street = try await browser.post("/applications/\(id)/owner", ["to": "clerk.street", "note": ""])
            #expect(street.status == .unprocessableEntity)
            #expect(try await browser.post("/applications/\(id)/owner", ["to": "clerk.hall", "note": ""]).status == .seeOther)
            let supervisor = try await app.token("supervisor")
            func board() async throws -> WarningBoard.Board {
                try await app.send(.GET, "/api/v1/supervision/warnings", bearer: supervisor).content.decode(WarningBoard.Board.self)
            }
            #expect(try await board().late.allSatisfy { $0.kind != "ownerHandoff" })
            HallTests.setClock(app, HallTests.at("10:00", on: "2026-11-26"))
            let late = try await board()
            let line = try #require(late.late.first { $0.kind == "ownerHandoff" })
            #expect(line.id == id && line.title.contains("李叫号") && line.dueOn == "2026-11-25")
            #expect(late.counts.contains { $0.ownerHandoffs == 1 })
            let page = try await Self.signedIn(app, "supervisor").get("/warnings").body.string
            #expect(page.contains("/applications/\(id)#owner") && page.contains("首问负责移交超期未确认"))
        }
    }

    @Test(
        "an enquiry is owned by the staff member who takes it; a colleague of the answering department acknowledges the handoff; a late offer is on the board",
        arguments: TestDatabase.available)
    func enquiry(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            HallTests.setClock(app, HallTests.at("10:00"))
            let person = try await app.token(app.demoPersonLogin)
            let amr = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区市场监督管理局").first())
            let sent = try await app.send(
                .POST, "/api/v1/complaints", json: ComplaintTests.Body(target: amr.id!.uuidString), bearer: person)
            let id = try sent.content.decode(ComplaintDTO.self).id
            func record() async throws -> ComplaintRecord { try #require(try await ComplaintRecord.find(id, on: app.db)) }

            let reviewer = try await Self.signedIn(app, "reviewer.amr")
            let page = try await reviewer.get("/complaints/\(id)").body.string
            #expect(page.contains("action=\"/complaints/\(id)/take\""))
            // nobody owns it yet, so nobody can hand it on
            #expect(try await reviewer.post("/complaints/\(id)/owner", ["to": "data.amr", "note": ""]).status == .forbidden)
            #expect(try await reviewer.post("/complaints/\(id)/take", [:]).status == .seeOther)
            #expect(try await record().ownerName == "陈审批")
            let other = try await Self.signedIn(app, "data.amr")
            #expect(try await other.post("/complaints/\(id)/take", [:]).status == .conflict)
            // a window clerk does not answer for the market regulator
            let refused = try await reviewer.post("/complaints/\(id)/owner", ["to": "clerk", "note": ""])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("无权办理此件"))
            #expect(try await reviewer.post("/complaints/\(id)/owner", ["to": "data.amr", "note": "涉及登记数据"]).status == .seeOther)

            let supervisor = try await app.token("supervisor")
            HallTests.setClock(app, HallTests.at("10:00", on: "2026-11-26"))
            let board = try await app.send(.GET, "/api/v1/supervision/warnings", bearer: supervisor).content.decode(WarningBoard.Board.self)
            let line = try #require(board.late.first { $0.kind == "enquiryHandoff" })
            #expect(line.id == id && line.title.contains("孙登记") && line.department == amr.name)

            let handoff = try #require(try await OwnerHandoff.query(on: app.db).filter(\.$subjectID == id).first())
            // two days on, the colleague signs in again (a web session ends after 30 idle minutes)
            let colleague = try await Self.signedIn(app, "data.amr")
            #expect(
                try await colleague.post("/owner-handoffs/\(handoff.id!)/acknowledge", [:]).headers.first(name: .location)
                    == "/complaints/\(id)#owner")
            #expect(try await record().ownerName == "孙登记")
            let cleared = try await app.send(.GET, "/api/v1/supervision/warnings", bearer: supervisor).content.decode(
                WarningBoard.Board.self)
            #expect(cleared.late.allSatisfy { $0.kind != "enquiryHandoff" })
            let audit = try await AuditEntry.query(on: app.db).filter(\.$resource == "complaint:\(id)").all().map(\.action)
            #expect(audit.contains("owner.offered") && audit.contains("owner.acknowledged"))
        }
    }
}
