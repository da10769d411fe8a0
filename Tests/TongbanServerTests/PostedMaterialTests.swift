import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanCore
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// 邮寄收件: paper materials posted in by the applicant, registered by the window — on the
/// checklist and the timeline, no visit counted; bad input and the wrong people change nothing.
@Suite("materials sent in by post")
struct PostedMaterialTests {
    typealias Flow = ApplicationFlowTests

    static func postedCount(_ app: Application) async throws -> Int { try await PostedMaterial.query(on: app.db).count() }

    @Test(
        "the region's clerk registers materials that came by post: listed as received by post, on the timeline, no visit; a wrong check digit, an unknown material, nothing chosen, the applicant and a reviewer change nothing",
        arguments: TestDatabase.available)
    func registered(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let (id, _, _) = try await MaterialViewingTests.applicationWithMaterials(app, person: person)
            let clerk = try await app.token("clerk")
            let reviewer = try await app.token("reviewer.amr")
            let before = try await Flow.get(app, id, person)
            let key = try #require(
                try await StoredMaterial.query(on: app.db).filter(\.$applicationID == id).first()?.materialKey)

            let wrongDigit = try await app.send(
                .POST, "/api/v1/applications/\(id)/posted-materials",
                json: PostedMaterialIntake.Body(materials: [key], trackingNumber: "EA123456784CN"), bearer: clerk)
            #expect(wrongDigit.status == .unprocessableEntity)
            #expect(wrongDigit.errorBody?.error.details?.map(\.field) == ["trackingNumber"])
            let unknown = try await app.send(
                .POST, "/api/v1/applications/\(id)/posted-materials", json: PostedMaterialIntake.Body(materials: ["no_such_material"]),
                bearer: clerk)
            #expect(unknown.status == .unprocessableEntity && unknown.errorBody?.error.details?.map(\.code) == ["material.unknownKey"])
            let nothing = try await app.send(
                .POST, "/api/v1/applications/\(id)/posted-materials", json: PostedMaterialIntake.Body(materials: []), bearer: clerk)
            #expect(nothing.status == .unprocessableEntity && nothing.body.string.contains("请选择收到的材料"))
            // the applicant may not say their own post arrived; a reviewer does not see the window's work
            for (token, status) in [(person, HTTPStatus.forbidden), (reviewer, .notFound)] {
                let refused = try await app.send(
                    .POST, "/api/v1/applications/\(id)/posted-materials", json: PostedMaterialIntake.Body(materials: [key]), bearer: token)
                #expect(refused.status == status, "\(refused.body.string)")
            }
            #expect(try await Self.postedCount(app) == 0)

            let received = try await app.send(
                .POST, "/api/v1/applications/\(id)/posted-materials",
                json: PostedMaterialIntake.Body(materials: [key, key], trackingNumber: "ea 12345678 5 cn", note: "原件核对后退回"), bearer: clerk)
            #expect(received.status == .ok, "\(received.body.string)")
            let after = try received.content.decode(Flow.Application_.self)
            #expect(after.visits == before.visits)
            #expect(after.events.last?.action == "material.postReceived")
            let rows = try await PostedMaterial.query(on: app.db).all()
            #expect(rows.count == 1 && rows[0].trackingNumber == "EA123456785CN" && rows[0].note == "原件核对后退回")

            // the applicant's page lists it as received by post and names the clerk in words
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": app.demoPersonLogin, "password": demoPassword])
            let page = try await browser.get("/applications/\(id)").body.string
            #expect(page.contains("邮寄收到 2026-11-24 · EMS EA123456785CN") && page.contains("收到邮寄材料"))
            #expect(page.contains("王晓窗（工作人员）") && !page.contains("staff:王晓窗") && !page.contains("[L2]"))
            // the window's form is the clerk's only
            #expect(!page.contains("action=\"/applications/\(id)/posted-materials\""))
        }
    }

    @Test("the window's page form registers post; a refusal is shown on the page in Chinese", arguments: TestDatabase.available)
    func throughThePage(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let (id, _, _) = try await MaterialViewingTests.applicationWithMaterials(app, person: person)
            let key = try #require(
                try await StoredMaterial.query(on: app.db).filter(\.$applicationID == id).first()?.materialKey)
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            let page = try await browser.get("/applications/\(id)").body.string
            #expect(page.contains("action=\"/applications/\(id)/posted-materials\"") && page.contains("不计跑动次数"))
            let refused = try await browser.post("/applications/\(id)/posted-materials", ["trackingNumber": "EA123456784CN"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("请选择收到的材料"))
            #expect(try await Self.postedCount(app) == 0)
            let done = try await browser.post("/applications/\(id)/posted-materials", ["materials[]": key])
            #expect(done.status == .seeOther)
            #expect(try await Self.postedCount(app) == 1)
        }
    }
}
