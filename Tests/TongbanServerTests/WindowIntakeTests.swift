import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanCatalog
import TongbanPlatform
import TongbanSupervision
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 收受分离 and 就近办 over HTTP: windows at the city's hall, the district's centre and a street
/// centre take in items of every level offered in their area; the department that holds the
/// power decides; the hall's manager may narrow what its windows take in.
@Suite("accept anywhere, decide where the power lies")
struct WindowIntakeTests {
    typealias Flow = ApplicationFlowTests

    /// The fields of an application this suite looks at.
    struct Taken: Decodable {
        let id: UUID
        let regionCode: String
        let takenIn: String?
        let channel: String
        let status: String
    }

    struct Places: Decodable {
        struct Place: Decodable {
            let name: String
            let regionCode: String
            let nearby: Bool
            let steps: Int
        }
        let near: String
        let inPerson: Bool
        let total: Int
        let places: [Place]
    }

    /// The published implementation of a basic item (社会保障卡申领 is `332C0001000001`).
    static func code(_ app: Application, basic: String) async throws -> String {
        let entries = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$basicCode == basic).all()
        return try #require(entries.first { $0.code != basic }).code
    }
    static let socialSecurityCard = "332C0001000001"  // 社会保障卡申领, 杭州市人力资源和社会保障局
    static let foodProduction = "331A0008000001"  // 食品生产许可, 浙江省市场监督管理局
    static let certificate = "332C0009000001"  // 个人参保证明查询打印, 杭州市人力资源和社会保障局
    static let medicalDevices = "330A0006000001"  // 第二类医疗器械经营备案: online only

    /// The published item of a code, or of the implementation of a basic code.
    static func item(_ app: Application, _ code: String) async throws -> ServiceItem {
        if let entry = try await CatalogStore.published(.item, code: code, on: app.db), entry.code != entry.basicCode {
            return try entry.item()
        }
        return try #require(try await CatalogStore.published(.item, code: try await Self.code(app, basic: code), on: app.db)).item()
    }

    /// A clerk applies for the demo person, who is at the window.
    static func takeIn(_ app: Application, _ code: String, clerk: String) async throws -> TestingHTTPResponse {
        let item = try await item(app, code)
        let person = try await app.accountID(login: app.demoPersonLogin)
        return try await app.send(
            .POST, "/api/v1/applications",
            json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app), applicantID: person, applicantPresent: true),
            bearer: try await app.token(clerk))
    }

    static func streetHall(_ app: Application) async throws -> Hall {
        try #require(try await Hall.query(on: app.db).filter(\.$regionCode == "330106004").first())
    }

    @Test(
        "a street centre takes in a city item: the street's and the district's clerks work it, the city's department decides it, 就近办 is recorded",
        arguments: TestDatabase.available)
    func streetTakesCityItem(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let created = try await Self.takeIn(app, Self.socialSecurityCard, clerk: "clerk.street")
            #expect(created.status == .created, "\(created.body.string)")
            let taken = try created.content.decode(Taken.self)
            #expect(taken.regionCode == "330100" && taken.takenIn == "330106004" && taken.channel == "nearby", "\(taken)")
            let row = try #require(try await ApplicationRecord.find(taken.id, on: app.db))
            #expect(row.takenInHallID == (try await Self.streetHall(app)).id)

            // the windows that took it in (and those above them) work it; a department without a task there does not see it
            let street = try await app.token("clerk.street")
            for clerk in ["clerk.street", "clerk", "clerk.city"] {
                let seen = try await app.send(.GET, "/api/v1/applications/\(taken.id)", bearer: try await app.token(clerk))
                #expect(seen.status == .ok, "\(clerk) sees it")
            }
            #expect(
                try await app.send(.GET, "/api/v1/applications/\(taken.id)", bearer: try await app.token("reviewer.amr")).status
                    == .notFound)
            // the window desks that work it list it: the street's, and the district's above it
            for (clerk, listed) in [("clerk.street", true), ("clerk", true)] {
                let desk = Browser(app)
                _ = try await desk.get("/login")
                _ = try await desk.post("/login", ["login": clerk, "password": demoPassword])
                #expect(try await desk.get("/desk").body.string.contains("/applications/\(taken.id)") == listed, "\(clerk)'s desk")
            }
            var application = try await Flow.get(app, taken.id, street)
            let caseID = application.cases[0].id
            _ = try await Flow.act(app, caseID, street, CaseActionBody(action: "passPrereview"))
            _ = try await Flow.act(app, caseID, street, CaseActionBody(action: "accept"))

            // the city's department decides: the street clerk cannot, its reviewer can
            _ = try await Flow.act(
                app, caseID, street, CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《社会保险法》第五十八条", approved: true),
                expect: .forbidden)
            let city = try await app.token("reviewer.hrss.city")
            var current = try #require(try await Flow.get(app, taken.id, city).cases.first)
            while let task = current.tasks.first(where: { $0.status == "open" }) {
                let claim = try await app.send(.POST, "/api/v1/tasks/\(task.id)/claim", json: ["version": task.version], bearer: city)
                #expect(claim.status == .ok, "\(claim.body.string)")
                let done = try await app.send(.POST, "/api/v1/tasks/\(task.id)/complete", json: ["opinion": "材料齐全"], bearer: city)
                #expect(done.status == .ok, "\(done.body.string)")
                current = try #require(try await Flow.get(app, taken.id, city).cases.first)
            }
            _ = try await Flow.act(
                app, caseID, city, CaseActionBody(action: "decide", reason: "符合条件，准予办理", legalBasis: "《社会保险法》第五十八条", approved: true))

            // and the street centre hands the card over
            _ = try await Flow.act(app, caseID, street, CaseActionBody(action: "deliver", method: "window"))
            _ = try await Flow.act(app, caseID, street, CaseActionBody(action: "conclude"))
            application = try await Flow.get(app, taken.id, street)
            #expect(application.status == "closed")
            let actions = application.events.map(\.action)
            #expect(actions.contains("accept") && actions.contains("decide") && actions.contains("deliver"))
            // on one timeline: the street's clerk took it in and handed it over, the city's reviewer decided
            let events = try await CaseEvent.query(on: app.db).filter(\.$applicationID == taken.id).all()
            #expect(events.first { $0.action == "accept" }?.actorLabel.contains("黄便民") == true)
            #expect(events.first { $0.action == "decide" }?.actorLabel.contains("冯人社") == true)

            // 就近办 in the figures: taken in at a street centre, not online
            try await SupervisionRollup.refresh(app: app, now: app.clock.now())
            let figures = try await SupervisionQuery.totals(SupervisionScope(from: app.today, to: app.today), on: app.db)
            #expect(figures.cases == 1 && figures.near == 1 && figures.online == 0, "\(figures)")

            // the window desk of the street lists what its windows took in
            let browser = Browser(app)
            _ = try await browser.get("/login")
            _ = try await browser.post("/login", ["login": "clerk.street", "password": demoPassword])
            let page = try await browser.get("/applications/\(taken.id)").body.string
            #expect(page.contains("受理窗口：杭州市西湖区西溪街道便民服务中心") && page.contains("就近办"))
        }
    }

    @Test(
        "the district's centre takes in a province item; nobody takes in an item of another province; the data of the person served reaches the clerks who took it in",
        arguments: TestDatabase.available)
    func levels(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let created = try await Self.takeIn(app, Self.foodProduction, clerk: "clerk")
            #expect(created.status == .created, "\(created.body.string)")
            let taken = try created.content.decode(Taken.self)
            #expect(taken.regionCode == "330000" && taken.takenIn == "330106" && taken.channel == "window", "\(taken)")
            // a clerk of the city works it too (the district is inside the city)
            #expect(try await app.send(.GET, "/api/v1/applications/\(taken.id)", bearer: try await app.token("clerk.city")).status == .ok)
            // the street centre did not take it in and is not above the district: it does not see it
            #expect(
                try await app.send(.GET, "/api/v1/applications/\(taken.id)", bearer: try await app.token("clerk.street")).status
                    == .notFound)

            // an item of Guang'an (Sichuan) is offered in no Zhejiang hall: refused, nothing written
            let guangAn = try #require(
                try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
                    .filter(\.$regionCode, .custom("LIKE"), "51%").first())
            let before = try await ApplicationRecord.query(on: app.db).count()
            for clerk in ["clerk.street", "clerk", "clerk.city"] {
                let refused = try await Self.takeIn(app, guangAn.code, clerk: clerk)
                #expect(refused.status == .forbidden, "\(clerk): \(refused.body.string)")
                #expect(refused.errorBody?.error.code == "auth.outsideJurisdiction")
            }
            #expect(try await ApplicationRecord.query(on: app.db).count() == before)
        }
    }

    @Test(
        "the hall's manager narrows what its windows take in: an item left out is refused with the hall named and nothing written; a list naming what is not offered there is refused",
        arguments: TestDatabase.available)
    func narrowed(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let hall = try await Self.streetHall(app)
            let admin = try await app.token("admin")
            let start = try await HallManagementTests.read(app, try hall.requireID(), admin)
            #expect(start.setup.intakeCodes == nil)

            let certificate = try await Self.code(app, basic: Self.certificate)
            var wrong = start.setup
            wrong.intakeCodes = [certificate, "NOT-AN-ITEM"]
            let refused = try await app.send(
                .PUT, "/api/v1/halls/\(try hall.requireID())/setup", json: HallManagementTests.Change(version: start.version, setup: wrong),
                bearer: admin)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.errorBody?.error.details?.first?.field == "intakeCodes")
            #expect(refused.errorBody?.error.details?.first?.code == "hall.intakeNotOffered")
            #expect(refused.body.string.contains("NOT-AN-ITEM"))

            var narrowed = start.setup
            narrowed.intakeCodes = [certificate]
            let saved = try await app.send(
                .PUT, "/api/v1/halls/\(try hall.requireID())/setup",
                json: HallManagementTests.Change(version: start.version, setup: narrowed),
                bearer: admin)
            #expect(saved.status == .ok, "\(saved.body.string)")
            #expect(try await HallManagementTests.read(app, try hall.requireID(), admin).setup.intakeCodes == [certificate])
            #expect(try await app.send(.GET, "/halls/\(try hall.requireID())").body.string.contains("收件范围：大厅管理员指定的 1 个事项"))

            let before = try await ApplicationRecord.query(on: app.db).count()
            let left = try await Self.takeIn(app, Self.socialSecurityCard, clerk: "clerk.street")
            #expect(left.status == .conflict, "\(left.body.string)")
            #expect(left.errorBody?.error.code == "intake.notTaken")
            #expect(left.errorBody?.error.message.contains("西溪街道便民服务中心") == true)
            #expect(try await ApplicationRecord.query(on: app.db).count() == before)
            let kept = try await Self.takeIn(app, Self.certificate, clerk: "clerk.street")
            #expect(kept.status == .created, "\(kept.body.string)")
            // the district's centre still takes in everything offered in its area
            #expect(try await Self.takeIn(app, Self.socialSecurityCard, clerk: "clerk").status == .created)

            // where it can be handled: the street centre is no longer listed for the item it left out
            let card = try await Self.code(app, basic: Self.socialSecurityCard)
            let places = try await app.send(.GET, "/api/v1/catalog/items/\(card)/places?near=330106004")
                .content.decode(Places.self)
            #expect(!places.places.contains { $0.regionCode == "330106004" })
        }
    }

    @Test(
        "where an item can be handled in person: every hall that takes it in, nearest first; bad input named",
        arguments: TestDatabase.available)
    func places(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            func places(_ code: String, near: String?) async throws -> Places {
                let response = try await app.send(
                    .GET, "/api/v1/catalog/items/\(code)/places" + (near.map { "?near=\($0)" } ?? ""))
                #expect(response.status == .ok, "\(response.body.string)")
                return try response.content.decode(Places.self)
            }
            let card = try await Self.code(app, basic: Self.socialSecurityCard)
            let fromXixi = try await places(card, near: "330106004")
            #expect(fromXixi.inPerson && fromXixi.near == "330106004")
            #expect(fromXixi.places.map(\.regionCode) == ["330106004", "330106", "330100"])
            #expect(fromXixi.places.map(\.steps) == [0, 1, 2] && fromXixi.places.first?.nearby == true && fromXixi.total == 3)
            let nearest = try await app.send(.GET, "/api/v1/catalog/items/\(card)/places?near=330106004&limit=1").content.decode(
                Places.self)
            #expect(nearest.places.map(\.regionCode) == ["330106004"] && nearest.total == 3)
            #expect(try await app.send(.GET, "/api/v1/catalog/items/\(card)/places?limit=0").status == .unprocessableEntity)
            // from another street of West Lake the district's centre is nearest; the street centre (two steps, a street) before the city's hall (two steps)
            let fromBeishan = try await places(card, near: "330106002")
            #expect(fromBeishan.places.map(\.regionCode) == ["330106", "330106004", "330100"])
            // by default from the item's own region
            #expect(try await places(card, near: nil).places.first?.regionCode == "330100")
            // an online-only item has no place to go
            let online = try await places(try await Self.code(app, basic: Self.medicalDevices), near: "330106")
            #expect(!online.inPerson && online.places.isEmpty)

            let unknownRegion = try await app.send(.GET, "/api/v1/catalog/items/\(card)/places?near=339999")
            #expect(unknownRegion.status == .unprocessableEntity && unknownRegion.errorBody?.error.details?.first?.field == "near")
            #expect(try await app.send(.GET, "/api/v1/catalog/items/NOT-AN-ITEM/places").status == .notFound)

            // the guide lists them for the reader
            let guide = try await app.send(.GET, "/catalog/items/\(card)").body.string
            #expect(guide.contains("可以到这些地方办理") && guide.contains("杭州市西湖区西溪街道便民服务中心"))
        }
    }
}
