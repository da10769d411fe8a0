import Fluent
import Foundation
import SQLKit
import Testing
import TongbanCases
import TongbanHall
import TongbanPlatform
import TongbanSupervision
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 演示数据 said as such: a demo database's made-up history is marked row by row, every figure
/// made with it says "含演示数据" with the count, and `tongban demo purge` takes it all away in
/// one transaction, leaving the real rows and figures made from them alone.
@Suite("demo data labelled and purged")
struct DemoDataTests {
    static let demoBanner = "含演示数据"

    static func sampleCount(_ app: Application, _ table: String) async throws -> Int {
        struct Count: Decodable { let n: Int }
        return try await app.db.sql.raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE sample").first(decoding: Count.self)?.n ?? 0
    }

    @Test(
        "the first start's samples are labelled on every figure, and a purge leaves only the real ones", arguments: TestDatabase.available)
    func labelledThenPurged(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            // setup: the demo as `serve` seeds it on a first start, and one real application beside it
            _ = try await DemoSeed.run(app: app, db: app.db, regionsFolder: TongbanResources.regions, catalog: true, hallHistory: true)
            let item = try await InstantApprovalTests.item(app, named: "就业登记")
            var form = ApplicationFlowTests.fill(item.form, app: app)
            form["hireDate"] = try #require(app.today.adding(days: -5)).description
            form["monthlyWage"] = "3000"
            let clerk = try await app.token("clerk")
            let enterpriseID = try #require(try await Account.query(on: app.db).filter(\.$kind == .enterprise).first()?.id)
            let real = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: form, applicantID: enterpriseID),
                bearer: clerk)
            #expect(real.status == .created, "\(real.body.string)")
            _ = try await SupervisionRollup.refresh(app: app, now: app.clock.now())
            let sampleCases = try await Self.sampleCount(app, CaseRow.schema)
            // 4,000 sample cases, in applications of one to three of them
            #expect(sampleCases == 4_000)
            let sampleApplications = try await Self.sampleCount(app, ApplicationRecord.schema)
            #expect(sampleApplications > 3_000 && sampleApplications < 4_000)
            #expect(try await Self.sampleCount(app, HallTicket.schema) > 100)
            #expect(try await CaseRow.query(on: app.db).count() == sampleCases + 1)

            // check: every figure counting them says so, with the count
            let period = "from=\(try #require(app.today.adding(days: -179)))&to=\(app.today)"
            let page = try await app.send(.GET, "/transparency?\(period)").body.string
            #expect(page.contains(Self.demoBanner) && page.contains(String(sampleCases)))
            let csv = try await app.send(.GET, "/transparency.csv?\(period)").body.string
            let firstLine = try #require(csv.split(separator: "\n").first)
            #expect(firstLine.contains("notice") && firstLine.contains(Self.demoBanner))
            let json = try await app.send(.GET, "/api/v1/public/figures?\(period)").content.decode(SupervisionFiguresDTO.self)
            #expect(json.totals.sampleCases == sampleCases && json.totals.cases == sampleCases + 1)
            #expect(json.demoData?.contains(Self.demoBanner) == true)
            let english = try await app.send(.GET, "/transparency?\(period)", headers: ["Accept-Language": "en"]).body.string
            #expect(english.contains("Includes demo data"))
            struct Busiest: Decodable { let item_code: String }
            let busiest = try #require(
                try await app.db.sql.raw(
                    """
                    SELECT item_code FROM cases WHERE sample GROUP BY item_code ORDER BY COUNT(*) DESC LIMIT 1
                    """
                ).first(decoding: Busiest.self)
            ).item_code
            #expect(try await app.send(.GET, "/catalog/items/\(busiest)").body.string.contains(Self.demoBanner))
            let hall = try #require(try await Hall.query(on: app.db).filter(\.$regionCode == "330106").first())
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "supervisor", "password": demoPassword])
            let statistics = try await browser.get("/halls/\(try hall.requireID())/statistics").body.string
            #expect(statistics.contains(Self.demoBanner))

            // act: the purge, with the demo accounts
            let summary = try await DemoPurge.run(app: app, accounts: true, now: app.clock.now())

            // check: no sample row left, the real application and its figures kept, no banner
            #expect(summary.applications == sampleApplications && summary.cases == sampleCases && summary.tickets > 100)
            #expect(summary.accounts == DemoSeed.staff.count + DemoSeed.bundleReviewers.count + 3)
            for table in SampleTables.marked {
                #expect(try await Self.sampleCount(app, table) == 0, "\(table)")
            }
            #expect(try await CaseRow.query(on: app.db).count() == 1)
            let after = try await app.send(.GET, "/api/v1/public/figures?\(period)").content.decode(SupervisionFiguresDTO.self)
            #expect(after.totals.cases == 1 && after.totals.decided == 1 && after.totals.sampleCases == 0 && after.demoData == nil)
            #expect(try await app.send(.GET, "/transparency?\(period)").body.string.contains(Self.demoBanner) == false)
            #expect(try await app.send(.GET, "/catalog/items/\(busiest)").body.string.contains(Self.demoBanner) == false)
            // the published demo password signs nobody in any more; the purge is in the audit trail
            for login in ["supervisor", app.demoPersonLogin, app.demoEnterpriseLogin] {
                let signIn = try await app.send(.POST, "/api/v1/auth/login", json: ["login": login, "password": demoPassword])
                #expect(signIn.status == .unauthorized, "\(login)")
            }
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "demo.purge").count() == 1)
            guard case .ok = try await app.checkedAuditLog() else {
                Issue.record("the audit chain does not verify after the purge")
                return
            }
        }
    }

    @Test("a database never seeded as a demo: no banner, and a purge refuses and changes nothing", arguments: TestDatabase.available)
    func neverADemo(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            let page = try await app.send(.GET, "/transparency").body.string
            #expect(page.contains(Self.demoBanner) == false)
            do {
                _ = try await DemoPurge.run(app: app, accounts: true, now: app.clock.now())
                Issue.record("a database never seeded as a demo was purged")
            } catch DemoPurge.Refusal.neverADemo {
                // expected: refused, nothing written
            }
            let purges = try await AuditEntry.query(on: app.db).filter(\.$action == "demo.purge").count()
            #expect(purges == 0)
        }
    }

    @Test(
        "every department that decides a member item of a demo bundle has a demo reviewer, who signs in", arguments: TestDatabase.available)
    func bundleReviewers(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let bundles = try await CatalogEntry.query(on: app.db).filter(\.$kind == .bundle).filter(\.$status == .published).all()
                .map { try $0.bundle() }
            #expect(bundles.count == 9)
            let items = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).all()
                .map { try $0.item() }
            var departments = Set<String>()
            for bundle in bundles {
                for member in bundle.members {
                    let item = try #require(items.first { $0.code == member.itemCode }, "\(bundle.name): \(member.itemCode)")
                    departments.insert(item.department.code)
                }
            }
            let reviewers = try await Account.query(on: app.db).filter(\.$kind == .staff).all().filter { $0.roles.contains(.reviewer) }
            for code in departments.sorted() {
                let department = try #require(try await Department.query(on: app.db).filter(\.$creditCode == code).first(), "\(code)")
                #expect(reviewers.contains { $0.$department.id == department.id }, "no demo reviewer for \(department.name)")
            }
            #expect(departments.count == DemoSeed.bundleReviewers.count + 2)
            _ = try await app.token("reviewer.tobacco")
        }
    }
}
