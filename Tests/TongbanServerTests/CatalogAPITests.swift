import Fluent
import Foundation
import Testing
import TongbanCatalog
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("service catalog over HTTP")
struct CatalogAPITests {
    struct Page: Decodable {
        let total: Int
        let items: [Summary]
    }
    struct Summary: Decodable {
        let code: String
        let name: String
        let kind: String
        let regionCode: String
        let online: Bool
        let promisedDays: Int?
        let version: Int
    }
    struct Entry: Decodable {
        let code: String
        let version: Int
        let status: String
        let item: ServiceItem?
    }
    struct Version: Decodable {
        let version: Int
        let status: String
    }

    static func search(_ app: Application, _ query: String) async throws -> Page {
        let response = try await app.send(.GET, "/api/v1/catalog/items?" + query)
        #expect(response.status == .ok, "\(query): \(response.body.string)")
        return try response.content.decode(Page.self)
    }

    static func xihuFoodLicence(_ app: Application) async throws -> ServiceItem {
        let page = try await search(app, "q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5%E8%AE%B8%E5%8F%AF&region=330106&per=50")
        let hit = try #require(page.items.first { $0.regionCode == "330106" && $0.code.hasPrefix("331A0003000001-") })
        return try #require(try await app.send(.GET, "/api/v1/catalog/items/\(hit.code)").content.decode(Entry.self).item)
    }

    static func entryCount(_ app: Application) async throws -> (Int, Int) {
        (try await CatalogEntry.query(on: app.db).count(), try await AuditEntry.query(on: app.db).count())
    }

    @Test("two-character Chinese queries find items, ranked, filtered and paged", arguments: TestDatabase.available)
    func search(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let all = try await Self.search(app, "per=1")
            #expect(all.total == 76 + 1135)  // 70 items, 3 basic items, 3 other-region implementations; the Guang'an list
            for (query, expected) in [
                ("护照", "普通护照签发"), ("社保卡", "社会保障卡申领"), ("网吧", "互联网上网服务营业场所经营单位设立审批"),
                ("公积金", "住房公积金"), ("食品", "食品"),
            ] {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
                let page = try await Self.search(app, "q=\(encoded)&region=330000")
                #expect(page.total > 0, "\(query)")
                #expect(page.items.first?.name.contains(expected) == true, "\(query): \(page.items.first?.name ?? "-")")
            }
            let food = try await Self.search(app, "q=%E9%A3%9F%E5%93%81&kind=01&region=330106&online=true&per=100")
            #expect(!food.items.isEmpty && food.items.allSatisfy { $0.kind == "01" && $0.regionCode.hasPrefix("330106") && $0.online })
            let guangAn = try await Self.search(app, "region=510000&per=1")
            #expect(guangAn.total == 1135)
            let pageTwo = try await Self.search(app, "q=%E8%AE%B8%E5%8F%AF&per=5&page=2")
            let firstTen = try await Self.search(app, "q=%E8%AE%B8%E5%8F%AF&per=10")
            #expect(pageTwo.items.map(\.code) == Array(firstTen.items.dropFirst(5)).map(\.code))
            for bad in ["kind=99", "level=planet", "region=12", "online=perhaps", "page=0", "per=500"] {
                #expect(try await app.send(.GET, "/api/v1/catalog/items?" + bad).status == .unprocessableEntity, "\(bad)")
            }
            #expect(try await app.send(.GET, "/api/v1/catalog/items/NO-SUCH-CODE").status == .notFound)
        }
    }

    @Test("editing a published item makes a new version; the old one stays readable", arguments: TestDatabase.available)
    func versions(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let token = try await app.token("catalog")
            var item = try await Self.xihuFoodLicence(app)
            item.promisedDays = 2
            item.windows.append(ServiceWindow(name: "转塘街道便民服务中心", address: "西湖区转塘街道"))
            let saved = try await app.send(.PUT, "/api/v1/catalog/items/\(item.code)/draft", json: item, bearer: token)
            #expect(saved.status == .ok, "\(saved.body.string)")
            let draft = try saved.content.decode(Entry.self)
            #expect(draft.version == 2 && draft.status == "draft")
            let reread = try await app.send(.GET, "/api/v1/catalog/items/\(item.code)/draft", bearer: token).content.decode(Entry.self)
            #expect(reread.version == 2 && reread.item?.promisedDays == 2)
            #expect(try await app.send(.GET, "/api/v1/catalog/items/\(item.code)").content.decode(Entry.self).item?.promisedDays == 3)
            let published = try await app.send(.POST, "/api/v1/catalog/items/\(item.code)/publish", json: ["version": 2], bearer: token)
            #expect(published.status == .ok, "\(published.body.string)")
            #expect(try await app.send(.GET, "/api/v1/catalog/items/\(item.code)").content.decode(Entry.self).item?.promisedDays == 2)
            let old = try await app.send(.GET, "/api/v1/catalog/items/\(item.code)?version=1").content.decode(Entry.self)
            #expect(old.status == "superseded" && old.item?.promisedDays == 3)
            let versions = try await app.send(.GET, "/api/v1/catalog/items/\(item.code)/versions").content.decode([Version].self)
            #expect(versions.map(\.version) == [2, 1] && versions.map(\.status) == ["published", "superseded"])
            let hit = try await Self.search(app, "q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5&region=330106&per=50").items.first {
                $0.code == item.code
            }
            #expect(hit?.version == 2 && hit?.promisedDays == 2)
            // publishing the same version again is a conflict; retiring removes it from search
            #expect(
                try await app.send(.POST, "/api/v1/catalog/items/\(item.code)/publish", json: ["version": 2], bearer: token).status
                    == .notFound)
            #expect(try await app.send(.POST, "/api/v1/catalog/items/\(item.code)/retire", bearer: token).status == .noContent)
            #expect(
                try await Self.search(app, "q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5&region=330106&per=50").items.allSatisfy {
                    $0.code != item.code
                })
            #expect(try await app.send(.GET, "/api/v1/catalog/items/\(item.code)").content.decode(Entry.self).status == "retired")
        }
    }

    @Test("bad items are refused with the field named, and nothing is written", arguments: TestDatabase.available)
    func badInput(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let token = try await app.token("catalog")
            let item = try await Self.xihuFoodLicence(app)
            let before = try await Self.entryCount(app)
            var tooLong = item
            tooLong.promisedDays = 11
            var response = try await app.send(.PUT, "/api/v1/catalog/items/\(item.code)/draft", json: tooLong, bearer: token)
            #expect(response.status == .unprocessableEntity)
            #expect(response.errorBody?.error.details?.map(\.field) == ["promisedDays"])
            #expect(response.errorBody?.error.details?.first?.message == "承诺时限不能超过法定时限")
            let json = String(decoding: try JSONEncoder().encode(item), as: UTF8.self)
            for (broken, field) in [
                (json.replacingOccurrences(of: "\"source\":\"applicant\"", with: "\"source\":\"neighbour\""), "materials[0].source"),
                (json.replacingOccurrences(of: "\"type\":\"text\"", with: "\"type\":\"colour\""), "form[0].type"),
                (json.replacingOccurrences(of: item.code, with: "331A0003000001-330106000000-00-X-1-00"), "implementationCode"),
            ] {
                #expect(broken != json)
                response = try await app.send(
                    .PUT, "/api/v1/catalog/items/\(item.code)/draft", headers: ["Content-Type": "application/json"], bearer: token,
                    raw: broken)
                #expect(response.status == .unprocessableEntity, "\(field): \(response.body.string)")
                #expect(response.errorBody?.error.details?.first?.field == field)
            }
            #expect(try await Self.entryCount(app) == before)
            // a standard field changed in an implementation is saved as a draft but refused at publication
            var renamed = item
            renamed.name = "食品经营许可（西湖特色版）"
            response = try await app.send(.PUT, "/api/v1/catalog/items/\(item.code)/draft", json: renamed, bearer: token)
            #expect(response.status == .ok)
            let countWithDraft = try await Self.entryCount(app)
            response = try await app.send(.POST, "/api/v1/catalog/items/\(item.code)/publish", json: ["version": 2], bearer: token)
            #expect(response.status == .unprocessableEntity)
            #expect(response.errorBody?.error.details?.map(\.field) == ["name"])
            #expect(response.errorBody?.error.details?.first?.message == "实施清单不能修改基本目录的标准要素“名称”")
            #expect(try await Self.entryCount(app) == countWithDraft)
            #expect(try await app.send(.GET, "/api/v1/catalog/items/\(item.code)").content.decode(Entry.self).version == 1)
        }
    }

    @Test("only catalog administrators of the item's region edit, publish and retire", arguments: TestDatabase.available)
    func authorisation(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.xihuFoodLicence(app)
            let cityItem = try #require(try await Self.search(app, "q=%E6%8A%A4%E7%85%A7&region=330100").items.first)
            let city = try #require(try await app.send(.GET, "/api/v1/catalog/items/\(cityItem.code)").content.decode(Entry.self).item)
            #expect(try await app.send(.PUT, "/api/v1/catalog/items/\(item.code)/draft", json: item).status == .unauthorized)
            for login in [app.demoPersonLogin, "reviewer.amr", "admin"] {
                let token = try await app.token(login)
                #expect(
                    try await app.send(.PUT, "/api/v1/catalog/items/\(item.code)/draft", json: item, bearer: token).status == .forbidden,
                    "\(login)")
                #expect(
                    try await app.send(.POST, "/api/v1/catalog/items/\(item.code)/retire", bearer: token).status == .forbidden, "\(login)")
            }
            let catalog = try await app.token("catalog")
            let response = try await app.send(.PUT, "/api/v1/catalog/items/\(city.code)/draft", json: city, bearer: catalog)
            #expect(response.status == .forbidden)
            #expect(response.errorBody?.error.code == "auth.outsideJurisdiction")
        }
    }

    @Test("two publications of one draft at once: exactly one wins", arguments: TestDatabase.available)
    func concurrentPublish(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let token = try await app.token("catalog")
            var item = try await Self.xihuFoodLicence(app)
            item.promisedDays = 1
            #expect(try await app.send(.PUT, "/api/v1/catalog/items/\(item.code)/draft", json: item, bearer: token).status == .ok)
            let code = item.code
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await app.send(.POST, "/api/v1/catalog/items/\(code)/publish", json: ["version": 2], bearer: token).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { [.conflict, .notFound].contains($0) }.count == 1, "\(statuses)")
            let published = try await CatalogEntry.query(on: app.db).filter(\.$code == item.code).filter(\.$status == .published).count()
            #expect(published == 1)
        }
    }

    @Test(
        "a bundle yields its items, one form, one set of materials and the citizen's cost for the answers",
        arguments: TestDatabase.available)
    func bundles(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            struct Bundle: Decodable {
                let code: String
                let name: String
            }
            let bundles = try await app.send(.GET, "/api/v1/catalog/bundles").content.decode([Bundle].self)
            #expect(bundles.count >= 8)
            for name in ["开办餐饮店", "开办企业", "新生儿出生", "二手房转移登记及水电气网联动过户", "退休", "员工录用", "企业信息变更", "开办网吧"] {
                #expect(bundles.contains { $0.name == name }, "\(name)")
            }
            struct Evaluation: Decodable {
                struct Item: Decodable {
                    let code: String
                    let name: String
                }
                struct Field: Decodable {
                    let field: FormField
                    let askedBy: [String]
                }
                struct Cost: Decodable {
                    let items: Int
                    let materialsSeparately: Int
                    let materialsToSupply: Int
                    let daysInSequence: Int
                    let daysCriticalPath: Int
                    let visits: Int
                }
                let items: [Item]
                let form: [Field]
                let cost: Cost
            }
            func evaluate(_ answers: [String: String]) async throws -> TestingHTTPResponse {
                try await app.send(.POST, "/api/v1/catalog/bundles/ZJ-YJS-CYDK/evaluate", json: ["answers": answers])
            }
            let base = ["entity": "company", "signboard": "yes", "gathering": "yes"]
            let without = try await evaluate(base.merging(["tobacco": "no"]) { $1 }).content.decode(Evaluation.self)
            let with = try await evaluate(base.merging(["tobacco": "yes"]) { $1 }).content.decode(Evaluation.self)
            #expect(with.items.count == without.items.count + 1)
            #expect(with.items.contains { $0.name.contains("烟草专卖零售许可证") } && !without.items.contains { $0.name.contains("烟草") })
            #expect(Set(with.form.map(\.field.key)).count == with.form.count)
            #expect(with.cost.materialsToSupply < with.cost.materialsSeparately)
            #expect(with.cost.daysCriticalPath < with.cost.daysInSequence)
            #expect(with.cost.visits <= 1)
            var response = try await evaluate(base)
            #expect(response.status == .unprocessableEntity)
            #expect(response.errorBody?.error.details?.first?.field == "answers.tobacco")
            response = try await evaluate(base.merging(["tobacco": "maybe"]) { $1 })
            #expect(response.errorBody?.error.details?.first?.field == "answers.tobacco")
            #expect(
                try await app.send(.POST, "/api/v1/catalog/bundles/NOPE/evaluate", json: ["answers": [String: String]()]).status
                    == .notFound)
            // a bundle naming an item that is not published cannot be published
            let token = try await app.token("catalog")
            let bundle = ServiceBundle(
                code: "XH-TEST", name: "测试一件事", category: .other, summary: "测试",
                leadDepartment: ItemDepartment(name: "西湖区", code: "11330106002489110L"), regionCode: try RegionCode("330106"),
                members: [
                    BundleMember(itemCode: "331A0001000001-330106000000-000-11330106002489110L-1-00"),
                    BundleMember(itemCode: "330X0000000000"),
                ])
            // a draft is held to the bundle's own rules when saved: without a name it is refused, nothing written
            var nameless = bundle
            nameless.name = " "
            let refused = try await app.send(.PUT, "/api/v1/catalog/bundles/XH-TEST/draft", json: nameless, bearer: token)
            #expect(refused.status == .unprocessableEntity && refused.errorBody?.error.details?.map(\.field) == ["name"])
            #expect(try await CatalogEntry.query(on: app.db).filter(\.$code == "XH-TEST").count() == 0)
            #expect(try await app.send(.PUT, "/api/v1/catalog/bundles/XH-TEST/draft", json: bundle, bearer: token).status == .created)
            response = try await app.send(.POST, "/api/v1/catalog/bundles/XH-TEST/publish", json: ["version": 1], bearer: token)
            #expect(response.status == .unprocessableEntity)
            #expect(response.errorBody?.error.details?.map(\.code) == ["bundle.unknownItem"])
            // with its members published it is, and anyone reads it
            var published = bundle
            published.members.removeLast()
            let redrafted = try await app.send(.PUT, "/api/v1/catalog/bundles/XH-TEST/draft", json: published, bearer: token)
            #expect(redrafted.status == .created, "\(redrafted.body.string)")  // still the first version's draft
            response = try await app.send(.POST, "/api/v1/catalog/bundles/XH-TEST/publish", json: ["version": 1], bearer: token)
            #expect(response.status == .ok, "\(response.body.string)")
            let read = try await app.send(.GET, "/api/v1/catalog/bundles/XH-TEST").content.decode(Entry.self)
            #expect(read.status == "published" && read.version == 1)
        }
    }
}
