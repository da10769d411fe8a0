import Fluent
import Foundation
import Testing
import TongbanHall
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// The hall's manager over HTTP and through the page: who may, what a change does at once
/// (hours, windows), what it may not take away (people waiting, appointments booked, open
/// windows), two managers at once, bad input, a new hall.
@Suite("hall management")
struct HallManagementTests {
    struct SetupBody: Decodable {
        let id: UUID
        let regionCode: String
        let version: Int
        let setup: HallSetup
    }
    struct Change: Encodable, Sendable {
        let version: Int?
        let setup: HallSetup
    }
    struct Create: Encodable, Sendable {
        let regionCode: String
        let setup: HallSetup
    }

    static func read(_ app: Application, _ hall: UUID, _ token: String) async throws -> SetupBody {
        let response = try await app.send(.GET, "/api/v1/halls/\(hall)/setup", bearer: token)
        #expect(response.status == .ok, "\(response.body.string)")
        return try response.content.decode(SetupBody.self)
    }

    static func audits(_ app: Application) async throws -> Int {
        try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["hall.setup", "hall.create"]).count()
    }

    @Test(
        "the manager changes hours and windows with effect at once; stale versions, open windows, people waiting and booked appointments are refused, nothing written",
        arguments: TestDatabase.available)
    func manage(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            HallTests.setClock(app, HallTests.at("10:00"))
            let hall = try await HallTests.hall(app)
            let admin = try await app.token("admin")
            let clerk = try await app.token("clerk")

            // who may: the region's system administrator only
            #expect(try await app.send(.GET, "/api/v1/halls/\(hall.id)/setup").status == .unauthorized)
            #expect(try await app.send(.GET, "/api/v1/halls/\(hall.id)/setup", bearer: clerk).status == .forbidden)
            #expect(
                try await app.send(.GET, "/api/v1/halls/\(hall.id)/setup", bearer: try await app.token("supervisor")).status == .forbidden)
            let start = try await Self.read(app, hall.id, admin)
            #expect(start.version == 1 && start.setup.categories.map(\.code) == ["A", "B", "C", "D"] && start.setup.windows.count == 6)
            #expect(
                try await app.send(.PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 1, setup: start.setup), bearer: clerk)
                    .status == .forbidden)

            // Tuesday afternoons only: at 10:00 on a Tuesday the kiosk refuses at once
            var afternoons = start.setup
            afternoons.hours.weekdays[2] = [DaySpan("13:00-17:30")!]
            let saved = try await app.send(
                .PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 1, setup: afternoons), bearer: admin)
            #expect(saved.status == .ok, "\(saved.body.string)")
            #expect(try saved.content.decode(SetupBody.self).version == 2)
            let closed = try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "A", "channel": "kiosk"])
            #expect(
                closed.status == .conflict && closed.errorBody?.error.code == "hall.closedNow" && closed.body.string.contains("13:00-17:30")
            )

            // a second manager saving over the first's change: refused, nothing written
            let audits = try await Self.audits(app)
            let stale = try await app.send(
                .PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 1, setup: start.setup), bearer: admin)
            #expect(stale.status == .conflict && stale.errorBody?.error.code == "hall.changedMeanwhile")
            #expect(try await Self.read(app, hall.id, admin).setup == afternoons.tidied)

            // every mistake at its field at once, nothing written
            var bad = start.setup
            bad.name = ""
            bad.windows[0].number = 0
            bad.slotMinutes = 1
            bad.categories[1] = HallCategory(code: "B", name: "商事登记", nameEn: "", departments: ["91330106MA2KXTW080"])
            let refused = try await app.send(.PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 2, setup: bad), bearer: admin)
            #expect(refused.status == .unprocessableEntity)
            let fields = Set(refused.errorBody?.error.details?.map(\.field) ?? [])
            #expect(fields == ["name", "windows[0].number", "slotMinutes", "categories[1].departments"], "\(refused.body.string)")
            let unchanged = try await Self.read(app, hall.id, admin).version
            let auditsAfter = try await Self.audits(app)
            #expect(unchanged == 2 && auditsAfter == audits)

            // back to the morning; window 6 is open, so it cannot be taken away; closed, it can
            let v3 = try await app.send(.PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 2, setup: start.setup), bearer: admin)
            #expect(v3.status == .ok)
            let w6 = try HallTests.window(hall, 6)
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w6)/open", bearer: clerk).status == .ok)
            var fiveWindows = start.setup
            fiveWindows.windows.removeAll { $0.number == 6 }
            let open = try await app.send(
                .PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 3, setup: fiveWindows), bearer: admin)
            #expect(open.status == .conflict && open.errorBody?.error.code == "hall.windowOpen")
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w6)/close", bearer: clerk).status == .noContent)
            #expect(
                try await app.send(.PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 3, setup: fiveWindows), bearer: admin)
                    .status == .ok)
            #expect(try await HallTests.hall(app).windows?.map(\.number) == [1, 2, 3, 4, 5])
            let retired = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w6)/open", bearer: clerk)
            #expect(retired.status == .conflict && retired.errorBody?.error.code == "hall.windowRetired")
            // the number again brings the same window back, with its new categories
            var six = start.setup
            six.windows[5] = HallSetup.Window(number: 6, name: "6号 商事登记", categories: ["B"])
            #expect(
                try await app.send(.PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 4, setup: six), bearer: admin).status
                    == .ok)
            let revived = try await HallTests.hall(app).windows?.first { $0.number == 6 }
            #expect(revived?.id == w6 && revived?.categories == ["B"])

            // a category with someone waiting stays
            _ = try await HallTests.kiosk(app, hall.id, "D")
            var noD = six
            noD.categories.removeAll { $0.code == "D" }
            noD.windows = noD.windows.filter { $0.number != 5 }.map {
                HallSetup.Window(number: $0.number, name: $0.name, categories: $0.categories.filter { $0 != "D" })
            }
            let inUse = try await app.send(.PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 5, setup: noD), bearer: admin)
            #expect(inUse.status == .conflict && inUse.errorBody?.error.code == "hall.categoryInUse" && inUse.body.string.contains("D"))

            // hours that would leave a booked appointment outside, or a new slot length, wait for it
            let item = try await HallTests.anItem(app)
            let person = try await app.token(app.demoPersonLogin)
            #expect(
                try await app.send(
                    .POST, "/api/v1/halls/\(hall.id)/appointments", json: ["date": "2026-11-25", "start": "09:30", "item": item],
                    bearer: person
                ).status == .created)
            var lateWednesday = six
            lateWednesday.hours.weekdays[3] = [DaySpan("13:00-19:30")!]
            let stranded = try await app.send(
                .PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 5, setup: lateWednesday), bearer: admin)
            #expect(
                stranded.status == .conflict && stranded.errorBody?.error.code == "hall.appointmentsOutsideHours"
                    && stranded.body.string.contains("2026-11-25"))
            var longer = six
            longer.slotMinutes = 60
            let slots = try await app.send(.PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: 5, setup: longer), bearer: admin)
            #expect(slots.status == .conflict && slots.errorBody?.error.code == "hall.slotLengthInUse")
            #expect(try await Self.read(app, hall.id, admin).version == 5)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "hall.setup").count() == 4)
        }
    }

    @Test("two managers saving at once: one wins, the other is told", arguments: TestDatabase.available)
    func concurrentSaves(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let hall = try await HallTests.hall(app)
            let admin = try await app.token("admin")
            let start = try await Self.read(app, hall.id, admin)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<6 {
                    var setup = start.setup
                    setup.address = "地址 \(i)"
                    group.addTask {
                        try await app.send(
                            .PUT, "/api/v1/halls/\(hall.id)/setup", json: Change(version: start.version, setup: setup), bearer: admin
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1 && statuses.filter { $0 == .conflict }.count == 5, "\(statuses)")
            #expect(try await Self.read(app, hall.id, admin).version == start.version + 1)
        }
    }

    @Test("a new hall for a street of the district; not for another city's region", arguments: TestDatabase.available)
    func newHall(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let admin = try await app.token("admin")
            let street = try #require(try await Region.query(on: app.db).filter(\.$parentCode == "330106").sort(\.$id).first())
            let setup = HallSetup(
                name: "\(street.name)便民服务中心", nameEn: "", address: "\(street.name)社区服务楼一楼",
                hours: OpeningHours(weekdays: [1: [DaySpan("09:00-12:00")!], 3: [DaySpan("09:00-12:00")!, DaySpan("13:30-17:00")!]]),
                categories: [HallCategory(code: "A", name: "综合", nameEn: "", departments: [])],
                windows: [HallSetup.Window(number: 1, name: "1号窗口", categories: ["A"])],
                slotMinutes: 20, slotCapacity: 2, bookingDays: 7, defaultServiceMinutes: 10)
            let made = try await app.send(.POST, "/api/v1/halls", json: Create(regionCode: street.id!, setup: setup), bearer: admin)
            #expect(made.status == .created, "\(made.body.string)")
            let body = try made.content.decode(SetupBody.self)
            #expect(body.regionCode == street.id && body.setup == setup.tidied)
            #expect(try await app.send(.GET, "/api/v1/halls").content.decode([HallTests.HallBody].self).contains { $0.id == body.id })
            // Ningbo is outside the city's administrator's region; an unknown region is named
            let ningbo = try await app.send(.POST, "/api/v1/halls", json: Create(regionCode: "330203", setup: setup), bearer: admin)
            #expect(ningbo.status == .forbidden)
            let unknown = try await app.send(.POST, "/api/v1/halls", json: Create(regionCode: "339999", setup: setup), bearer: admin)
            #expect(
                unknown.errorBody?.error.details?.first?.field == "regionCode"
                    && unknown.errorBody?.error.details?.first?.code == "hall.unknownRegion")
            #expect(
                try await app.send(
                    .POST, "/api/v1/halls", json: Create(regionCode: street.id!, setup: setup), bearer: try await app.token("clerk")
                ).status == .forbidden)
            // the demo's three halls (city, district, street centre) and the one made here
            #expect(try await Hall.query(on: app.db).count() == 4)
        }
    }

    @Test("the manager's page: the form shows the setup, names each mistake in Chinese, saves", arguments: TestDatabase.available)
    func page(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let hall = try await HallTests.hall(app)
            let browser = Browser(app)
            #expect(try await browser.get("/halls/\(hall.id)/manage").status == .seeOther)
            try await browser.post("/login", ["login": "admin", "password": demoPassword])
            let form = try await browser.get("/halls/\(hall.id)/manage")
            #expect(form.status == .ok && form.body.string.contains("大厅设置") && form.body.string.contains("value=\"08:30-19:30\""))
            #expect(try await browser.get("/halls/\(hall.id)").body.string.contains("/halls/\(hall.id)/manage"))

            var fields = HallManagePages.form(
                HallManagement.setup(
                    of: try #require(try await Hall.find(hall.id, on: app.db)),
                    windows: try await HallWindow.query(on: app.db).filter(\.$hallID == hall.id).all()))
            fields["version"] = "1"
            var wrong = fields
            wrong["hours2"] = "8:30-12:00"
            wrong["win0number"] = "一"
            wrong["cat1code"] = "b1"
            let refused = try await browser.post("/halls/\(hall.id)/manage", wrong)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("星期二的开放时间格式不对") && refused.body.string.contains("窗口编号须为数字"), "\(refused.body.string)")
            #expect(try await Hall.find(hall.id, on: app.db)?.version == 1)
            // stray fields that name no row's field are ignored, not a crash
            var stray = wrong
            stray["cat0"] = "x"
            stray["win"] = "y"
            stray["win99"] = ""
            stray["cat7dept."] = "on"
            #expect(try await browser.post("/halls/\(hall.id)/manage", stray).status == .unprocessableEntity)
            var letter = fields
            letter["cat1code"] = "b1"
            let badLetter = try await browser.post("/halls/\(hall.id)/manage", letter)
            #expect(
                badLetter.status == .unprocessableEntity && badLetter.body.string.contains("第 2 个类别的字母须为一个大写字母"), "\(badLetter.body.string)"
            )

            fields["hours6"] = ""
            fields["win6number"] = "7"
            fields["win6name"] = "7号 综合窗口"
            fields["win6categories"] = "a b c d"
            let saved = try await browser.post("/halls/\(hall.id)/manage", fields)
            #expect(saved.status == .seeOther && saved.headers.first(name: .location) == "/halls/\(hall.id)/manage?saved=1")
            let stored = try #require(try await Hall.find(hall.id, on: app.db))
            #expect(stored.version == 2 && stored.hours.weekdays[6] == [])
            #expect(
                try await HallWindow.query(on: app.db).filter(\.$hallID == hall.id).filter(\.$number == 7).first()?.categories == [
                    "A", "B", "C", "D",
                ])
            #expect(try await browser.get("/halls/\(hall.id)/manage?saved=1").body.string.contains("已保存大厅设置"))
        }
    }
}
