import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 证照联办: the cases of one bundle application linked by their prerequisites.
@Suite("bundle cases linked by prerequisites")
struct BundleLinkTests {
    typealias Flow = ApplicationFlowTests

    /// 开办餐饮店 submitted by the demo enterprise with every required material: its id.
    static func submitRestaurant(_ app: Application, answers: [String: String] = Flow.answers) async throws -> UUID {
        let enterprise = try await app.token(app.demoEnterpriseLogin)
        let evaluation = try await app.send(.POST, "/api/v1/catalog/bundles/\(Flow.restaurant)/evaluate", json: ["answers": answers])
            .content.decode(Flow.Evaluation.self)
        let form = Flow.fill(evaluation.form.map(\.field), app: app)
        let draft = try await app.send(
            .POST, "/api/v1/applications", json: ApplyBody(bundle: Flow.restaurant, answers: answers, form: form, submit: false),
            bearer: enterprise)
        let id = try draft.content.decode(Flow.Application_.self).id
        let required = evaluation.materials.map(\.material).filter { $0.required && $0.source == .applicant && !$0.tolerable }
        for material in required {
            let upload = try await app.send(
                .POST, "/api/v1/applications/\(id)/materials/\(material.key)?filename=\(material.key).pdf",
                headers: ["Content-Type": "application/pdf"], bearer: enterprise, raw: Flow.pdf)
            #expect(upload.status == .created, "\(material.key): \(upload.body.string)")
        }
        let submitted = try await app.send(.POST, "/api/v1/applications/\(id)/submit", bearer: enterprise)
        #expect(submitted.status == .ok, "\(submitted.body.string)")
        return id
    }

    /// The cases of an application but one.
    static func others(_ application: Flow.Application_, than id: UUID) -> [Flow.Application_.Case] {
        application.cases.filter { $0.id != id }
    }

    static func accept(_ app: Application, _ id: UUID, cases: [Flow.Application_.Case]) async throws {
        let clerk = try await app.token("clerk")
        for item in cases {
            _ = try await Flow.act(app, item.id, clerk, CaseActionBody(action: "passPrereview"))
            _ = try await Flow.act(app, item.id, clerk, CaseActionBody(action: "accept"))
        }
    }

    /// Completes the registration's open tasks as the AMR reviewer.
    static func review(_ app: Application, _ id: UUID, caseID: UUID, token: String) async throws {
        while let task = try await Flow.get(app, id, token).cases.first(where: { $0.id == caseID })?.tasks.first(where: {
            $0.status == "open"
        }) {
            _ = try await app.send(.POST, "/api/v1/tasks/\(task.id)/claim", json: ["version": task.version], bearer: token)
            _ = try await app.send(.POST, "/api/v1/tasks/\(task.id)/complete", json: ["opinion": "审查完毕"], bearer: token)
        }
    }

    @Test(
        "a denied registration stops the food and tobacco licences waiting for it, with the reason, and tells the applicant",
        arguments: TestDatabase.available)
    func denialStopsDependents(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let id = try await Self.submitRestaurant(app)
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            var application = try await Flow.get(app, id, enterprise)
            try await Self.accept(app, id, cases: application.cases)
            let registration = try #require(application.cases.first { $0.itemName.contains("设立登记") })
            let registrationID = registration.id
            let amr = try await app.token("reviewer.amr")
            try await Self.review(app, id, caseID: registrationID, token: amr)
            _ = try await Flow.act(
                app, registration.id, amr,
                CaseActionBody(action: "decide", reason: "名称与已登记企业近似", legalBasis: "《企业名称登记管理规定》第十一条", approved: false))

            application = try await Flow.get(app, id, enterprise)
            let dependents = Self.others(application, than: registrationID)
            #expect(dependents.map(\.state) == ["stopped", "stopped"])
            #expect(dependents.map(\.allowedActions) == [[], []])
            let rows = try await CaseRow.query(on: app.db).filter(\.$applicationID == id).all().filter { $0.id != registrationID }
            for row in rows {
                let stop = try #require(try row.caseRecord().stop)
                #expect(stop.reason.contains("企业设立登记") && stop.reason.contains("名称与已登记企业近似") && !row.clockRunning)
            }
            // no licence was issued, so none was passed on
            #expect(try await MaterialReuse.query(on: app.db).filter(\.$applicationID == id).count() == 0)
            let told = try await OutboxEvent.query(on: app.db).filter(\.$topic == "case.stopForPrerequisite").all()
            #expect(told.count == 2 && told.allSatisfy { $0.subject == application.number })
            #expect(application.events.filter { $0.action == "stopForPrerequisite" }.count == 2)
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            let page = try await browser.get("/applications/\(id)").body.string
            #expect(page.contains("已终止（") && page.contains("名称与已登记企业近似"))
            // the registration itself still gets its decision delivered; then the application closes
            let clerk = try await app.token("clerk")
            _ = try await Flow.act(app, registration.id, clerk, CaseActionBody(action: "deliver", method: "electronic"))
            _ = try await Flow.act(app, registration.id, clerk, CaseActionBody(action: "conclude"))
            #expect(try await Flow.get(app, id, enterprise).status == "closed")
            #expect(try await app.checkedAuditLog().entries == (try await AuditEntry.query(on: app.db).count()))
        }
    }

    @Test(
        "withdrawing the registration, or its refusal at the window, stops what depends on it; a case with nothing pending is left alone",
        arguments: TestDatabase.available)
    func withdrawalAndRefusal(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let clerk = try await app.token("clerk")

            // withdrawn while the dependents wait at the window, before acceptance
            let first = try await Self.submitRestaurant(app)
            var application = try await Flow.get(app, first, enterprise)
            let registration = try #require(application.cases.first { $0.itemName.contains("设立登记") })
            _ = try await Flow.act(app, registration.id, enterprise, CaseActionBody(action: "withdraw"))
            application = try await Flow.get(app, first, enterprise)
            #expect(Self.others(application, than: registration.id).allSatisfy { $0.state == "stopped" })
            #expect(application.status == "closed")

            // refused at the window (不予受理) after the others were accepted and wait
            let second = try await Self.submitRestaurant(app)
            application = try await Flow.get(app, second, enterprise)
            let refused = try #require(application.cases.first { $0.itemName.contains("设立登记") })
            try await Self.accept(app, second, cases: Self.others(application, than: refused.id))
            let waiting = Self.others(try await Flow.get(app, second, enterprise), than: refused.id)
            #expect(waiting.allSatisfy { $0.state == "waiting" })
            _ = try await Flow.act(app, refused.id, clerk, CaseActionBody(action: "passPrereview"))
            _ = try await Flow.act(
                app, refused.id, clerk, CaseActionBody(action: "refuse", reason: "不属于本机关职权范围", legalBasis: "《行政许可法》第三十二条"))
            let after = try await Flow.get(app, second, enterprise)
            #expect(Self.others(after, than: refused.id).allSatisfy { $0.state == "stopped" } && after.status == "closed")

            // without the tobacco question, the food licence still waits only for the registration
            let third = try await Self.submitRestaurant(app, answers: Flow.answers.merging(["tobacco": "no"]) { $1 })
            #expect(try await Flow.get(app, third, enterprise).cases.count == 2)
        }
    }

    @Test(
        "a registration approved before the licences are accepted: its licence is passed on at once and they start on acceptance",
        arguments: TestDatabase.available)
    func approvedBeforeAcceptance(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let id = try await Self.submitRestaurant(app)
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let application = try await Flow.get(app, id, enterprise)
            let registration = try #require(application.cases.first { $0.itemName.contains("设立登记") })
            let dependents = Self.others(application, than: registration.id)
            try await Self.accept(app, id, cases: [registration])
            let amr = try await app.token("reviewer.amr")
            try await Self.review(app, id, caseID: registration.id, token: amr)
            _ = try await Flow.act(
                app, registration.id, amr,
                CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《市场主体登记管理条例》第十九条", approved: true))
            // passed into the dependents still at the window; they have not moved
            #expect(try await MaterialReuse.query(on: app.db).filter(\.$applicationID == id).count() == 2)
            let atWindow = Self.others(try await Flow.get(app, id, enterprise), than: registration.id)
            #expect(atWindow.allSatisfy { $0.state == "submitted" })
            // a clerk acting on what they read before the approval is asked to look again
            let stale = try #require(dependents.first)
            let clerk = try await app.token("clerk")
            _ = try await Flow.act(app, stale.id, clerk, CaseActionBody(action: "passPrereview", version: stale.version), expect: .conflict)
            // the page shows the bundle as one piece of work: what waits for what, the critical path, the promise
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            let page = try await browser.get("/applications/\(id)").body.string
            #expect(page.contains("联办进度") && page.contains("关键路径") && page.contains("承诺沿关键路径"))
            #expect(page.contains("class=\"critical\"") && page.contains("企业设立登记"))
            try await Self.accept(app, id, cases: dependents)
            let started = try await Flow.get(app, id, enterprise)
            #expect(Self.others(started, than: registration.id).allSatisfy { $0.state == "underReview" && $0.dueOn != nil })
        }
    }

    @Test(
        "the lead department's page lists its open bundles with each case's state and deadline; other departments and applicants see none",
        arguments: TestDatabase.available)
    func leadDepartmentPage(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let id = try await Self.submitRestaurant(app)
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let application = try await Flow.get(app, id, enterprise)
            try await Self.accept(app, id, cases: application.cases)
            let number = try #require(application.number)
            let record = try #require(try await ApplicationRecord.find(id, on: app.db))
            let amr = try #require(try await Department.query(on: app.db).filter(\.$name == application.cases[0].department).first())
            #expect(record.leadDepartmentID == amr.id)

            func page(_ login: String) async throws -> (HTTPStatus, String) {
                let browser = Browser(app)
                try await browser.get("/login")
                try await browser.post("/login", ["login": login, "password": demoPassword])
                let response = try await browser.get("/lead")
                return (response.status, response.body.string)
            }
            let (status, lead) = try await page("reviewer.amr")
            #expect(status == .ok && lead.contains(number) && lead.contains("企业设立登记") && lead.contains("href=\"/lead\""))
            #expect(lead.contains("已受理，等待前置事项结果") && lead.contains("审查中") && lead.contains("承诺沿关键路径"))
            _ = try await Flow.reviewer(app, department: application.cases[2].department, username: "reviewer.tobacco")
            let (_, tobacco) = try await page("reviewer.tobacco")
            #expect(!tobacco.contains(number) && tobacco.contains("目前没有本部门牵头"))
            let (applicantStatus, _) = try await page(app.demoPersonLogin)
            #expect(applicantStatus == .forbidden)
        }
    }
}
