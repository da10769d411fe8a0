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

/// 秒批 and 告知承诺 over HTTP: a case whose answers pass its item's rules is decided at once by
/// the platform with the trace kept; one that fails goes to people; a commitment approval puts a
/// verification on the department's list until it is made.
@Suite("instant approval and commitment verification over HTTP")
struct InstantApprovalTests {
    typealias Flow = ApplicationFlowTests

    static func item(_ app: Application, named name: String) async throws -> ServiceItem {
        let rows = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$regionCode == "330106").all()
        return try #require(try rows.map { try $0.item() }.first { $0.name == name })
    }

    struct Trace: Decodable {
        struct Event: Decodable {
            let action: String
            let from: String?
            let to: String?
            let detail: String?
        }
        let events: [Event]
    }

    @Test(
        "就业登记: answers within the rules are decided at once with the trace; outside them the case waits for people",
        arguments: TestDatabase.available)
    func instant(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.item(app, named: "就业登记")
            #expect(item.instantRules.count == 3)
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let clerk = try await app.token("clerk")
            let enterpriseID = try #require(try await Account.query(on: app.db).filter(\.$kind == .enterprise).first()?.id)
            var form = Flow.fill(item.form, app: app)
            form["hireDate"] = try #require(app.today.adding(days: -5)).description
            form["monthlyWage"] = "3000"

            // online: a draft, the materials, then submit — decided by the rules, no task for anyone
            let draft = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: form, submit: false), bearer: enterprise)
            #expect(draft.status == .created, "\(draft.body.string)")
            let draftID = try draft.content.decode(Flow.Application_.self).id
            let target = ApplicationTarget(
                kind: .item, code: item.code, version: 1, name: "", regionCode: item.regionCode, items: [(item, 1)], form: item.form)
            for key in ApplicationSubmission.requiredUploads(target) {
                let upload = try await app.send(
                    .POST, "/api/v1/applications/\(draftID)/materials/\(key)?filename=\(key).pdf",
                    headers: ["Content-Type": "application/pdf"], bearer: enterprise, raw: Flow.pdf)
                #expect(upload.status == .created, "\(key): \(upload.body.string)")
            }
            let submitted = try await app.send(.POST, "/api/v1/applications/\(draftID)/submit", bearer: enterprise)
            #expect(submitted.status == .ok, "\(submitted.body.string)")
            let online = try await Flow.get(app, draftID, enterprise)
            #expect(online.cases.map(\.state) == ["decided"] && online.status == "inProgress")
            #expect(online.cases[0].tasks.isEmpty)
            let onlineEvents = try await app.send(.GET, "/api/v1/applications/\(draftID)", bearer: enterprise).content.decode(Trace.self)
                .events
            let approval = try #require(onlineEvents.first { $0.action == "approveInstantly" })
            #expect(approval.from == "submitted" && approval.to == "decided")
            #expect(approval.detail?.split(separator: "\n").count == 3 && approval.detail?.contains("✗") == false)
            let record = try #require(try await CaseRow.query(on: app.db).filter(\.$applicationID == draftID).first()).caseRecord()
            #expect(record.decision?.route == .instant && record.decision?.approved == true && record.decision?.trace.count == 3)

            // at the window (帮办): a wage under the minimum — submitted, waiting for people, the failed rule named
            form["monthlyWage"] = "2000"
            let low = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: form, applicantID: enterpriseID), bearer: clerk)
            #expect(low.status == .created, "\(low.body.string)")
            let lowApp = try low.content.decode(Flow.Application_.self)
            #expect(lowApp.cases.map(\.state) == ["submitted"] && lowApp.status == "submitted")
            let lowEvents = try await app.send(.GET, "/api/v1/applications/\(lowApp.id)", bearer: clerk).content.decode(Trace.self).events
            #expect(!lowEvents.contains { $0.action == "approveInstantly" })
            let note = try #require(lowEvents.first { $0.action == "submit" }?.detail)
            #expect(note.contains("2000") && note.contains("✗") && !note.contains("✓"))

            // hired 31 days ago: outside the 30 days the rules allow
            form["monthlyWage"] = "3000"
            form["hireDate"] = try #require(app.today.adding(days: -31)).description
            let late = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: form, applicantID: enterpriseID), bearer: clerk)
            #expect(try late.content.decode(Flow.Application_.self).cases.map(\.state) == ["submitted"])
            // the same answers the day after tomorrow's hire date would be in the future: refused by the rules too
            form["hireDate"] = try #require(app.today.adding(days: 2)).description
            let future = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: form, applicantID: enterpriseID), bearer: clerk)
            #expect(try future.content.decode(Flow.Application_.self).cases.map(\.state) == ["submitted"])
        }
    }

    @Test(
        "告知承诺: approved at once on the commitment; the verification is on the department's list until it is made",
        arguments: TestDatabase.available)
    func commitmentVerification(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.item(app, named: "公共场所卫生许可")
            #expect(item.commitmentAllowed)
            let clerk = try await app.token("clerk")
            let health = try await app.token("reviewer.health")
            let amr = try await app.token("reviewer.amr")
            let enterpriseID = try #require(try await Account.query(on: app.db).filter(\.$kind == .enterprise).first()?.id)
            // without the applicant's signed commitment the window cannot approve on one
            let unsigned = try await app.send(
                .POST, "/api/v1/applications",
                json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app), applicantID: enterpriseID, applicantPresent: true),
                bearer: clerk)
            let unsignedCase = try unsigned.content.decode(Flow.Application_.self).cases[0].id
            _ = try await Flow.act(app, unsignedCase, clerk, CaseActionBody(action: "passPrereview"))
            let refused = try await Flow.act(app, unsignedCase, clerk, CaseActionBody(action: "approveOnCommitment"), expect: .conflict)
            #expect(refused.errorBody?.error.code == "case.commitmentNotSigned")
            // a clerk cannot sign for an absent applicant
            let absent = try await app.send(
                .POST, "/api/v1/applications",
                json: ApplyBody(
                    item: item.code, form: Flow.fill(item.form, app: app),
                    applicantID: enterpriseID, commitment: true), bearer: clerk)
            #expect(
                absent.status == .unprocessableEntity
                    && absent.errorBody?.error.details?.first?.code == "application.commitmentNeedsApplicant")
            let created = try await app.send(
                .POST, "/api/v1/applications",
                json: ApplyBody(
                    item: item.code, form: Flow.fill(item.form, app: app), applicantID: enterpriseID, applicantPresent: true,
                    commitment: true), bearer: clerk)
            #expect(created.status == .created, "\(created.body.string)")
            let application = try created.content.decode(Flow.Application_.self)
            let caseID = application.cases[0].id
            // the applicant came to the window: the item's guide counts the visit
            let guide = try await app.send(.GET, "/catalog/items/\(item.code)", headers: ["Accept-Language": "zh-CN"]).body.string
            #expect(guide.contains("实际跑动：已提交 2 件，平均每件到现场 1.00 次"))
            // the signed text is kept with the case, intact, signed in person
            let row = try #require(try await CaseRow.find(caseID, on: app.db))
            let signed = try #require(try row.caseRecord().commitment)
            #expect(signed.isIntact && signed.inPerson && signed.text.contains(item.name) && signed.text.contains("告知承诺书"))
            _ = try await Flow.act(app, caseID, clerk, CaseActionBody(action: "passPrereview"))
            _ = try await Flow.act(app, caseID, clerk, CaseActionBody(action: "approveOnCommitment"))

            struct Line: Decodable {
                let caseID: UUID
                let dueOn: String
                let overdue: Bool
            }
            let listed = try await app.send(.GET, "/api/v1/verifications", bearer: health)
            #expect(listed.status == .ok, "\(listed.body.string)")
            let lines = try listed.content.decode([Line].self)
            let line = try #require(lines.first { $0.caseID == caseID })
            let expected = try app.workingDays.adding(workingDays: max(item.workingDays, 20), to: app.today).value
            #expect(line.dueOn == expected.description && !line.overdue)
            // another department does not see it; a person may not ask
            #expect(
                try await app.send(.GET, "/api/v1/verifications", bearer: amr).content.decode([Line].self).allSatisfy {
                    $0.caseID != caseID
                })
            #expect(
                try await app.send(.GET, "/api/v1/verifications", bearer: try await app.token(app.demoPersonLogin)).status == .forbidden)
            let browser = Browser(app)
            try await browser.get("/login")
            _ = try await browser.post("/login", ["login": "reviewer.health", "password": demoPassword])
            let page = try await browser.get("/inbox")
            #expect(page.body.string.contains(application.number ?? "?") && page.body.string.contains("承诺核查"))

            _ = try await Flow.act(app, caseID, health, CaseActionBody(action: "passVerification"))
            #expect(
                try await app.send(.GET, "/api/v1/verifications", bearer: health).content.decode([Line].self).allSatisfy {
                    $0.caseID != caseID
                })
        }
    }
}
