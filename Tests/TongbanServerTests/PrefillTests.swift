import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanCore
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// 只询问一次 through the pages and the API: the form comes filled from what the platform holds,
/// each answer with its source; the verified identity is locked; shared data is read only when
/// the applicant asks, and the read is in their data-access view.
@Suite("forms that ask once")
struct PrefillTests {
    static let rental = "住房租赁合同登记备案"

    static func item(_ app: Application, named name: String) async throws -> ServiceItem {
        let rows = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).all()
        return try #require(try rows.map { try $0.item() }.first { $0.name == name })
    }

    /// The value of the input named `name` on a page, and whether it is read-only.
    static func input(_ page: String, _ name: String) -> (value: String, readonly: Bool)? {
        guard let start = page.range(of: "name=\"\(name)\"") else { return nil }
        let tag = page[start.lowerBound...].prefix { $0 != ">" }
        guard let value = tag.range(of: "value=\"") else { return nil }
        return (String(tag[value.upperBound...].prefix { $0 != "\"" }), tag.contains("readonly"))
    }

    @Test(
        "a verified person's form comes filled with their identity (locked), their account's mobile and, when they ask, their property record; the read is listed for them",
        arguments: TestDatabase.available)
    func personPrefill(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.item(app, named: Self.rental)
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": app.demoPersonLogin, "password": demoPassword])
            let page = try await browser.get("/apply?item=\(item.code)").body.string
            #expect(Self.input(page, "f_applicantName")! == ("张晓明", true))
            #expect(Self.input(page, "f_applicantId")! == (app.demoPersonLogin, true))
            #expect(Self.input(page, "f_mobile")?.value.count == 11 && Self.input(page, "f_mobile")?.readonly == false)
            #expect(Self.input(page, "f_propertyAddress")! == ("", false))
            #expect(page.contains("来源：实名认证信息（不可修改）") && page.contains("来源：账户资料，可修改"))
            #expect(page.contains("已按“只询问一次”为您预填 3 项"))
            // the property record is offered, not read: nothing is in the data-access view yet
            #expect(page.contains("不动产登记信息") && page.contains("同意读取并预填"))
            #expect(!(try await browser.get("/account/data").body.string.contains("申请表预填")))

            let filled = try await browser.post("/apply/prefill", ["item": item.code]).body.string
            #expect(Self.input(filled, "f_propertyAddress")! == ("西湖区文三路 90 号 3 幢 2 单元 501 室", false))
            #expect(filled.contains("来源：共享数据「不动产登记信息」"))
            #expect(!filled.contains("同意读取并预填"))
            let access = try await browser.get("/account/data").body.string
            #expect(access.contains("申请表预填：「住房租赁合同登记备案」") && access.contains("坐落"))
        }
    }

    @Test(
        "the API fills a verified identity left out and refuses another's, naming the field in the user's language; nothing is stored",
        arguments: TestDatabase.available)
    func identityLockedOverTheAPI(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.item(app, named: Self.rental)
            let person = try await app.token(app.demoPersonLogin)
            let before = try await ApplicationRecord.query(on: app.db).count()
            var form = ["propertyAddress": "西湖区文三路 90 号 3 幢 2 单元 501 室", "mobile": "13800138000", "applicantName": "李四"]
            let forged = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: form, submit: false), bearer: person)
            #expect(forged.status == .unprocessableEntity)
            #expect(forged.errorBody?.error.details?.map(\.field) == ["form.applicantName"])
            #expect(forged.body.string.contains("申请人姓名须与您的实名认证信息一致"))
            #expect(try await ApplicationRecord.query(on: app.db).count() == before)

            form["applicantName"] = nil
            form["applicantId"] = app.demoPersonLogin.lowercased()
            let draft = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: form, submit: false), bearer: person)
            #expect(draft.status == .created, "\(draft.body.string)")
            struct Saved: Decodable { let form: [String: String] }
            let saved = try draft.content.decode(Saved.self).form
            #expect(saved["applicantName"] == "张晓明" && saved["applicantId"] == app.demoPersonLogin)
        }
    }

    @Test("an applicant whose identity is not proven is offered nothing the government holds", arguments: TestDatabase.available)
    func unprovenGetsNothing(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.item(app, named: Self.rental)
            let registered = try await app.send(.POST, "/api/v1/register/person", json: RegistrationTests.person)
            #expect(registered.status == .created)
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post(
                "/login", ["login": RegistrationTests.person["identityNumber"]!, "password": RegistrationTests.person["password"]!])
            let page = try await browser.get("/apply?item=\(item.code)").body.string
            #expect(Self.input(page, "f_applicantName")! == ("", false))
            #expect(!page.contains("来源：") && !page.contains("同意读取并预填"))
            // asking anyway reads nothing
            let asked = try await browser.post("/apply/prefill", ["item": item.code]).body.string
            #expect(Self.input(asked, "f_propertyAddress")! == ("", false))
            #expect(!(try await browser.get("/account/data").body.string.contains("申请表预填")))
        }
    }
}
