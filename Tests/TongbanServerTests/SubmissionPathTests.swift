import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanPlatform
import TongbanSupervision
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// One submission for every way in: the web apply page (files and form in one post), a draft
/// submitted through the API after its uploads, and a clerk's direct submission (帮办) leave
/// the same rows, and each instant approval (秒批) counts as decided at once (马上办) in the
/// supervision figures.
@Suite("one submission path for the page, the draft and the API")
struct SubmissionPathTests {
    typealias Flow = ApplicationFlowTests

    /// What supervision and the applicant see of a case, whichever way it came in.
    struct CaseFacts: Equatable {
        let state: CaseState
        let decidedOn: String?
        let daysUsed: Int?
        let promisedDays: Int?
        let departmentID: UUID?
        let itemVersion: Int
        let clockRunning: Bool
        let route: DecisionRoute?
        let tasks: Int
        let timeline: [String]
    }

    static func facts(_ app: Application, application id: UUID) async throws -> (ApplicationRecord, CaseFacts) {
        let application = try #require(try await ApplicationRecord.find(id, on: app.db))
        let row = try #require(try await CaseRow.query(on: app.db).filter(\.$applicationID == id).first())
        let tasks = try await ReviewTask.query(on: app.db).filter(\.$applicationID == id).count()
        let timeline = try await CaseEvent.query(on: app.db).filter(\.$applicationID == id).sort(\.$at).all()
            .map(\.action).filter { $0 != "material.upload" }
        let facts = CaseFacts(
            state: row.state, decidedOn: row.decidedOn, daysUsed: row.daysUsed, promisedDays: row.promisedDays,
            departmentID: row.departmentID, itemVersion: row.itemVersion, clockRunning: row.clockRunning,
            route: try row.caseRecord().decision?.route, tasks: tasks, timeline: timeline)
        return (application, facts)
    }

    @Test(
        "an instant approval through the web page, a draft and the API: the same rows, each counted as 马上办",
        arguments: TestDatabase.available)
    func samePath(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            // setup: 就业登记 with answers its 秒批 rules accept
            let item = try await InstantApprovalTests.item(app, named: "就业登记")
            var form = Flow.fill(item.form, app: app)
            form["hireDate"] = try #require(app.today.adding(days: -5)).description
            form["monthlyWage"] = "3000"
            let required = item.materials.filter { $0.required && $0.source == .applicant && !$0.tolerable }.map(\.key)
            #expect(!required.isEmpty)

            // act 1: the web page, as the enterprise's browser sends it
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": app.demoEnterpriseLogin, "password": demoPassword])
            #expect(try await browser.get("/apply?item=\(item.code)").status == .ok)
            var fields = ["item": item.code]
            for (key, value) in form { fields["f_\(key)"] = value }
            var files: [String: (filename: String, type: String, bytes: String)] = [:]
            for key in required { files["m_\(key)"] = ("\(key).pdf", "application/pdf", Flow.pdf) }
            let posted = try await browser.postMultipart("/apply", fields, files: files)
            #expect(posted.status == .seeOther, "\(posted.body.string)")
            let location = try #require(posted.headers.first(name: .location))
            let webID = try #require(UUID(uuidString: String(location.dropFirst("/applications/".count).prefix(36))))

            // act 2: a draft through the API, its materials, then its submission
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let draftBody = ApplyBody(item: item.code, form: form, submit: false)
            let draft = try await app.send(.POST, "/api/v1/applications", json: draftBody, bearer: enterprise)
            #expect(draft.status == .created, "\(draft.body.string)")
            let draftID = try draft.content.decode(Flow.Application_.self).id
            for key in required {
                let upload = try await app.send(
                    .POST, "/api/v1/applications/\(draftID)/materials/\(key)?filename=\(key).pdf",
                    headers: ["Content-Type": "application/pdf"], bearer: enterprise, raw: Flow.pdf)
                #expect(upload.status == .created, "\(key): \(upload.body.string)")
            }
            #expect(try await app.send(.POST, "/api/v1/applications/\(draftID)/submit", bearer: enterprise).status == .ok)
            // a second submission of the same draft changes nothing and says why
            let again = try await app.send(.POST, "/api/v1/applications/\(draftID)/submit", bearer: enterprise)
            #expect(again.status == .conflict && again.errorBody?.error.code == "application.notDraft")

            // act 3: a clerk submits directly for the enterprise (帮办)
            let clerk = try await app.token("clerk")
            let enterpriseID = try #require(try await Account.query(on: app.db).filter(\.$kind == .enterprise).first()?.id)
            let forEnterprise = ApplyBody(item: item.code, form: form, applicantID: enterpriseID)
            let direct = try await app.send(.POST, "/api/v1/applications", json: forEnterprise, bearer: clerk)
            #expect(direct.status == .created, "\(direct.body.string)")
            let directID = try direct.content.decode(Flow.Application_.self).id

            // check: the same case rows whichever way it came in
            let (web, webCase) = try await Self.facts(app, application: webID)
            let (submitted, draftCase) = try await Self.facts(app, application: draftID)
            let (_, directCase) = try await Self.facts(app, application: directID)
            #expect(webCase.state == .decided && webCase.route == .instant)
            #expect(webCase.decidedOn == app.today.description && webCase.daysUsed == 0)
            #expect(webCase.tasks == 0 && webCase.timeline == ["submit", "approveInstantly"] && webCase.departmentID != nil)
            #expect(draftCase == webCase)
            #expect(directCase == webCase)
            for application in [web, submitted] {
                #expect(application.status == .inProgress && application.number != nil && application.submittedOn == app.today.description)
            }
            // the page's files are the application's materials, stored with it
            let materials = try await StoredMaterial.query(on: app.db).filter(\.$applicationID == webID).all()
            #expect(Set(materials.map(\.materialKey)) == Set(required))
            for material in materials {
                #expect(try await MaterialContents.read(material.sha256, on: app.db) != nil)
            }
            // one submission audit entry per application, the draft's saying it was a draft
            let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "application.submit").all().map { $0.opened(app.keys) }
            #expect(entries.count == 3)
            #expect(entries.filter { $0.details?.contains("draft \(draftID.uuidString) submitted") == true }.count == 1)

            // check: supervision counts all three as decided at once (马上办)
            _ = try await SupervisionRollup.refresh(app: app, now: app.clock.now())
            let supervisor = try await app.token("supervisor")
            let day = app.today.description
            let query = "from=\(day)&to=\(day)&item=\(item.code)"
            let response = try await app.send(.GET, "/api/v1/supervision/figures?\(query)", bearer: supervisor)
            #expect(response.status == .ok, "\(response.body.string)")
            let figures = try response.content.decode(SupervisionFiguresDTO.self)
            #expect(figures.totals.decided == 3)
            #expect(figures.totals.immediate == Rate(3, of: 3))
        }
    }

    @Test(
        "the page takes a copy of any of the item's materials (one an e-licence could replace too), and refuses a file for none of them",
        arguments: TestDatabase.available)
    func pageUploads(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            // setup: 居住证签发, whose identity card an e-licence may stand in for
            let item = try await InstantApprovalTests.item(app, named: "居住证签发")
            let keys = item.materials.map(\.key)
            #expect(item.materials.contains { $0.source != .applicant })
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": app.demoPersonLogin, "password": demoPassword])
            try await browser.get("/apply?item=\(item.code)")
            var fields = ["item": item.code]
            for (key, value) in ApplicationFlowTests.fill(item.form, app: app) { fields["f_\(key)"] = value }
            let pdf = (filename: "copy.pdf", type: "application/pdf", bytes: ApplicationFlowTests.pdf)

            // act and check: a file for a material the item does not ask for is refused, nothing written
            var files = Dictionary(uniqueKeysWithValues: keys.map { ("m_\($0)", pdf) })
            files["m_nosuchmaterial"] = pdf
            let refused = try await browser.postMultipart("/apply", fields, files: files)
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("提交的内容有误"))
            #expect(try await ApplicationRecord.query(on: app.db).count() == 0)

            // a copy of every material, the e-licence one included: submitted, each file stored with it
            files["m_nosuchmaterial"] = nil
            let posted = try await browser.postMultipart("/apply", fields, files: files)
            #expect(posted.status == .seeOther, "\(posted.body.string)")
            let stored = try await StoredMaterial.query(on: app.db).all().map(\.materialKey)
            #expect(Set(stored) == Set(keys))
        }
    }
}
