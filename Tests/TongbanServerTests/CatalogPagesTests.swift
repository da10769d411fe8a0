import Fluent
import Foundation
import Testing
import TongbanCatalog
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("catalog pages")
struct CatalogPagesTests {
    static let foodLicence = "331A0003000001-330106000000-000-11330106002489110L-1-00"

    @Test("search, guide, one-time notice and bundle pages show what a citizen needs", arguments: TestDatabase.available)
    func publicPages(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let browser = Browser(app)
            let search = try await browser.get("/catalog?q=" + "护照".formEncoded)
            #expect(search.status == .ok && search.body.string.contains("普通护照签发"))
            let browse = try await browser.get("/catalog")
            for text in ["开办餐饮店", "新生儿出生", "按部门", "行政许可"] { #expect(browse.body.string.contains(text), "\(text)") }
            let guide = try await browser.get("/catalog/items/\(Self.foodLicence)").body.string
            for text in [
                "食品经营许可（新办）", "食品经营许可申请书", "可容缺", "电子证照，授权后免提交", "10 个工作日", "3 个工作日",
                "《中华人民共和国食品安全法》", "现场核查", "最多跑一次",
            ] {
                #expect(guide.contains(text), "guide shows \(text)")
            }
            let notice = try await browser.get("/catalog/items/\(Self.foodLicence)/notice").body.string
            #expect(notice.contains("一次性告知单") && notice.contains("从业人员健康证明"))
            let english = Browser(app)
            english.language = "en"
            #expect(try await english.get("/catalog/items/\(Self.foodLicence)").body.string.contains("Statutory time limit"))
            let unanswered = try await browser.get("/catalog/bundles/ZJ-YJS-CYDK?go=1&entity=company").body.string
            #expect(unanswered.contains("请选择一项") && !unanswered.contains("为您节省"))
            let answered = try await browser.get(
                "/catalog/bundles/ZJ-YJS-CYDK?go=1&entity=individual&signboard=no&gathering=no&tobacco=yes"
            ).body.string
            #expect(answered.contains("个体工商户设立登记") && answered.contains("烟草专卖零售许可证核发") && !answered.contains("企业设立登记"))
            #expect(answered.contains("为您节省"))
            #expect(try await browser.get("/catalog/items/NOPE").status == .notFound)
            #expect(try await browser.get("/catalog?kind=99").body.string.contains("筛选条件不正确"))
        }
    }

    @Test(
        "the admin editor saves drafts, refuses bad JSON with the field named, and needs the catalog role and a CSRF token",
        arguments: TestDatabase.available)
    func adminPages(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let reviewer = Browser(app)
            try await reviewer.get("/login")
            try await reviewer.post("/login", ["login": "reviewer.amr", "password": demoPassword])
            #expect(try await reviewer.get("/admin/catalog").status == .forbidden)

            let admin = Browser(app)
            try await admin.get("/login")
            try await admin.post("/login", ["login": "catalog", "password": demoPassword])
            let editor = try await admin.get("/admin/catalog/items/\(Self.foodLicence)")
            #expect(editor.status == .ok && editor.body.string.contains("保存草稿"))
            let entry = try #require(try await CatalogStore.published(.item, code: Self.foodLicence, on: app.db))
            var item = try entry.item()
            let before = try await CatalogEntry.query(on: app.db).count()
            let broken = String(decoding: try JSONEncoder().encode(item), as: UTF8.self).replacingOccurrences(
                of: "\"eLicense\"", with: "\"rumour\"")
            let refused = try await admin.post("/admin/catalog/items?code=\(Self.foodLicence)", ["document": broken])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("materials[1].source") && refused.body.string.contains("rumour"))
            #expect(try await CatalogEntry.query(on: app.db).count() == before)
            item.promisedDays = 2
            let document = String(decoding: try JSONEncoder().encode(item), as: UTF8.self)
            let forged = try await admin.post(
                "/admin/catalog/items?code=\(Self.foodLicence)", ["document": document], csrf: "forged-forged-forged-forged-forged-forged-f"
            )
            #expect(forged.status == .forbidden)
            let saved = try await admin.post("/admin/catalog/items?code=\(Self.foodLicence)", ["document": document])
            #expect(saved.status == .seeOther)
            let draftPage = try await admin.get("/admin/catalog/items/\(Self.foodLicence)").body.string
            #expect(draftPage.contains("promisedDays") && draftPage.contains("草稿版本 2"))
            let preview = try await admin.get("/admin/catalog/items/\(Self.foodLicence)/preview").body.string
            #expect(preview.contains("2 个工作日"))
            #expect(try await admin.post("/admin/catalog/items/\(Self.foodLicence)/publish", ["version": "2"]).status == .seeOther)
            #expect(try await CatalogStore.published(.item, code: Self.foodLicence, on: app.db)?.version == 2)
        }
    }
}
