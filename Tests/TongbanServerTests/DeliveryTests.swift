import Fluent
import Foundation
import SQLKit
import Testing
import TongbanCases
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// Results that reach people: chosen when applying, posted in one parcel (统一出件), tracked by
/// the carrier's signed callbacks, collected at a window as one visit.
@Suite("delivering results: by post, together, at a window")
struct DeliveryTests {
    typealias Flow = ApplicationFlowTests
    static let answers = ["entity": "company", "signboard": "no", "gathering": "no", "tobacco": "no"]
    static let address = DeliveryBody.Address(regionCode: "330106", detail: "文三路90号东部软件园3号楼", recipient: "张晓明", mobile: "13800138000")

    /// The codes of the two items the answers apply: the registration, then the food licence.
    static func codes(_ app: Application) async throws -> (registration: String, food: String) {
        struct Evaluated: Decodable {
            struct Item: Decodable { let code: String }
            let items: [Item]
        }
        let items = try await app.send(.POST, "/api/v1/catalog/bundles/\(Flow.restaurant)/evaluate", json: ["answers": answers])
            .content.decode(Evaluated.self).items
        return (items[0].code, items[1].code)
    }

    /// 开办餐饮店 (registration and food licence) applied for with `delivery`: the answer.
    static func apply(_ app: Application, delivery: DeliveryBody) async throws -> TestingHTTPResponse {
        let enterprise = try await app.token(app.demoEnterpriseLogin)
        let evaluation = try await app.send(.POST, "/api/v1/catalog/bundles/\(Flow.restaurant)/evaluate", json: ["answers": answers])
            .content.decode(Flow.Evaluation.self)
        let form = Flow.fill(evaluation.form.map(\.field), app: app)
        var body = ApplyBody(bundle: Flow.restaurant, answers: answers, form: form, submit: false)
        body.delivery = delivery
        return try await app.send(.POST, "/api/v1/applications", json: body, bearer: enterprise)
    }

    /// Submitted with every material: its id and its two cases.
    static func submitted(_ app: Application, delivery: DeliveryBody) async throws -> (UUID, [Flow.Application_.Case]) {
        let draft = try await apply(app, delivery: delivery)
        #expect(draft.status == .created, "\(draft.body.string)")
        let id = try draft.content.decode(Flow.Application_.self).id
        let enterprise = try await app.token(app.demoEnterpriseLogin)
        let evaluation = try await app.send(.POST, "/api/v1/catalog/bundles/\(Flow.restaurant)/evaluate", json: ["answers": answers])
            .content.decode(Flow.Evaluation.self)
        for material in evaluation.materials.map(\.material) where material.required && material.source == .applicant && !material.tolerable
        {
            _ = try await app.send(
                .POST, "/api/v1/applications/\(id)/materials/\(material.key)?filename=\(material.key).pdf",
                headers: ["Content-Type": "application/pdf"], bearer: enterprise, raw: Flow.pdf)
        }
        let submitted = try await app.send(.POST, "/api/v1/applications/\(id)/submit", bearer: enterprise)
        #expect(submitted.status == .ok, "\(submitted.body.string)")
        return (id, try submitted.content.decode(Flow.Application_.self).cases)
    }

    /// Submitted with every material, accepted, reviewed and approved: its id and its two cases.
    static func decided(_ app: Application, delivery: DeliveryBody) async throws -> (UUID, [Flow.Application_.Case]) {
        let (id, cases) = try await submitted(app, delivery: delivery)
        try await BundleLinkTests.accept(app, id, cases: cases)
        let amr = try await app.token("reviewer.amr")
        for item in cases {
            try await BundleLinkTests.review(app, id, caseID: item.id, token: amr)
            _ = try await Flow.act(
                app, item.id, amr, CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《行政许可法》第三十八条", approved: true))
        }
        return (id, cases)
    }

    /// A carrier callback, signed with `secret` (the tests' own unless told).
    static func callback(
        _ app: Application, id: String, tracking: String, status: String, at: String, secret: WebhookSecret = TestStore.carrierSecret
    ) async throws -> TestingHTTPResponse {
        let body = try JSONEncoder().encode(["trackingNumber": tracking, "status": status, "at": at, "location": "杭州西湖投递部"])
        let timestamp = Int64(app.clock.now().timeIntervalSince1970)
        let signature = try WebhookSignature.symmetric(id: id, timestamp: timestamp, body: body, secret: secret)
        return try await app.send(
            .POST, "/api/v1/carrier/events",
            headers: [
                "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature,
                "Content-Type": "application/json",
            ],
            raw: String(decoding: body, as: UTF8.self))
    }

    @Test(
        "the choice is checked when applying: a way the item offers, an address for a parcel, one way for 统一出件; the address sealed",
        arguments: TestDatabase.available)
    func choosing(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let codes = try await Self.codes(app)
            let noAddress = try await Self.apply(app, delivery: DeliveryBody(methods: [codes.registration: "post"]))
            #expect(noAddress.status == .unprocessableEntity)
            #expect(noAddress.errorBody?.error.details?.map(\.field) == ["delivery.address"])
            let notOffered = try await Self.apply(
                app, delivery: DeliveryBody(methods: [codes.registration: "carrierPigeon", "nonsense": "post"]))
            #expect(
                Set(notOffered.errorBody?.error.details?.map(\.field) ?? []) == [
                    "delivery.methods.\(codes.registration)", "delivery.methods.nonsense",
                ])
            let badAddress = try await Self.apply(
                app,
                delivery: DeliveryBody(
                    methods: [codes.registration: "post"], address: .init(regionCode: "330100", detail: "1号", recipient: "", mobile: "123"))
            )
            #expect(
                Set(badAddress.errorBody?.error.details?.map(\.field) ?? []) == [
                    "delivery.address.regionCode", "delivery.address.detail", "delivery.address.recipient", "delivery.address.mobile",
                ])
            let mixed = try await Self.apply(
                app,
                delivery: DeliveryBody(methods: [codes.registration: "post", codes.food: "window"], together: true, address: Self.address))
            #expect(mixed.errorBody?.error.details?.map(\.field) == ["delivery.together"])
            #expect(try await ApplicationRecord.query(on: app.db).count() == 0)

            let good = try await Self.apply(app, delivery: DeliveryBody(methods: [codes.registration: "post"], address: Self.address))
            #expect(good.status == .created)
            let application = try good.content.decode(Flow.Application_.self)
            let rows = try await CaseRow.query(on: app.db).filter(\.$applicationID == application.id).sort(\.$position).all()
            // the registration posted, the food licence electronic (the default where offered)
            #expect(rows.map(\.deliveryMethod) == [.post, .electronic])
            let record = try #require(try await ApplicationRecord.find(application.id, on: app.db))
            #expect(
                record.deliveryAddress(app.keys)
                    == PostalAddress(regionCode: "330106", detail: "文三路90号东部软件园3号楼", recipient: "张晓明", mobile: "13800138000"))
            #expect(!(record.deliveryAddressCipher ?? "").contains("文三路"))
        }
    }

    @Test(
        "统一出件 by post: one parcel once both are decided, an S10 number checked, the carrier's callbacks forward only; no visit",
        arguments: TestDatabase.available)
    func postedTogether(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let codes = try await Self.codes(app)
            let delivery = DeliveryBody(
                methods: [codes.registration: "post", codes.food: "post"], together: true, address: Self.address)
            let (id, cases) = try await Self.decided(app, delivery: delivery)
            let clerk = try await app.token("clerk")
            // the desk lists both as to post, due ten working days after today's decision
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            let desk = try await browser.get("/desk").body.string
            #expect(desk.contains("待邮寄送达的结果") && desk.contains("待邮寄"))

            let wrongDigit = try await Flow.act(
                app, cases[0].id, clerk, CaseActionBody(action: "deliver", method: "post", trackingNumber: "EA123456784CN"),
                expect: .unprocessableEntity)
            #expect(wrongDigit.errorBody?.error.details?.first?.code == "tracking.checkDigit")
            _ = try await Flow.act(
                app, cases[0].id, clerk, CaseActionBody(action: "deliver", method: "post", trackingNumber: "EA 12345678 5 CN"))
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            var application = try await Flow.get(app, id, enterprise)
            #expect(application.cases.map(\.state) == ["delivered", "delivered"])
            let parcel = try #require(try await Parcel.query(on: app.db).filter(\.$applicationID == id).first())
            #expect(parcel.trackingNumber == "EA123456785CN" && parcel.cases().count == 2 && parcel.status == .dispatched)
            #expect(!(parcel.addressCipher ?? "").contains("文三路") && parcel.addressCipher != nil)

            // forged, unknown, malformed: refused, nothing changes
            let forged = try await Self.callback(
                app, id: "evt_1", tracking: "EA123456785CN", status: "delivered", at: "2026-11-25T10:00:00+08:00",
                secret: WebhookSecret.random())
            #expect(forged.status == .unauthorized)
            let unknown = try await Self.callback(
                app, id: "evt_2", tracking: "RR473124829GB", status: "inTransit", at: "2026-11-25T10:00:00+08:00")
            #expect(unknown.status == .notFound)
            let malformed = try await Self.callback(app, id: "evt_3", tracking: "EA123456785CN", status: "lost", at: "yesterday")
            #expect(malformed.status == .unprocessableEntity)
            #expect(try await ParcelEvent.query(on: app.db).count() == 0)

            // out of order: delivered arrives before in-transit; in-transit moves nothing back; a repeat is harmless
            let delivered = try await Self.callback(
                app, id: "evt_5", tracking: "EA123456785CN", status: "delivered", at: "2026-11-26T15:00:00+08:00")
            #expect(delivered.status == .ok && delivered.body.string.contains("\"moved\":true"))
            let late = try await Self.callback(
                app, id: "evt_4", tracking: "EA123456785CN", status: "inTransit", at: "2026-11-25T09:00:00+08:00")
            #expect(late.body.string.contains("\"status\":\"delivered\"") && late.body.string.contains("\"moved\":false"))
            let again = try await Self.callback(
                app, id: "evt_5", tracking: "EA123456785CN", status: "delivered", at: "2026-11-26T15:00:00+08:00")
            #expect(again.status == .ok && again.body.string.contains("\"moved\":false"))
            #expect(try await ParcelEvent.query(on: app.db).count() == 2)

            // delivered: both cases concluded by the platform; posted, so no visit at all (零跑腿)
            application = try await Flow.get(app, id, enterprise)
            #expect(application.cases.map(\.state) == ["concluded", "concluded"] && application.status == "closed")
            #expect(application.visits == 0)
            #expect(try await app.checkedAuditLog().entries == (try await AuditEntry.query(on: app.db).count()))
        }
    }

    @Test(
        "统一出件 waits for the last decision; a returned parcel opens delivery again and tells the applicant; a window pickup is one visit",
        arguments: TestDatabase.available)
    func returnedThenCollected(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let codes = try await Self.codes(app)
            let delivery = DeliveryBody(
                methods: [codes.registration: "post", codes.food: "post"], together: true, address: Self.address)
            let (application, cases) = try await Self.decided(app, delivery: delivery)
            let clerk = try await app.token("clerk")
            _ = try await Flow.act(
                app, cases[1].id, clerk, CaseActionBody(action: "deliver", method: "post", trackingNumber: "RR473124829GB"))
            let returned = try await Self.callback(
                app, id: "ret_1", tracking: "RR473124829GB", status: "returned", at: "2026-11-27T11:00:00+08:00")
            #expect(returned.body.string.contains("\"status\":\"returned\""))
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            var seen = try await Flow.get(app, application, enterprise)
            #expect(seen.cases.map(\.state) == ["decided", "decided"])
            #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "case.reopenDelivery").count() == 2)
            // a number already used is refused
            let reused = try await Flow.act(
                app, cases[0].id, clerk, CaseActionBody(action: "deliver", method: "post", trackingNumber: "RR473124829GB"),
                expect: .conflict)
            #expect(reused.errorBody?.error.code == "parcel.trackingInUse")
            // collected at the window instead: one visit for both
            _ = try await Flow.act(app, cases[0].id, clerk, CaseActionBody(action: "deliver", method: "window"))
            seen = try await Flow.get(app, application, enterprise)
            #expect(seen.cases.map(\.state) == ["delivered", "delivered"] && seen.visits == 1)
        }
    }

    @Test("统一出件 refuses to hand over one result while another is undecided", arguments: TestDatabase.available)
    func togetherWaits(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let codes = try await Self.codes(app)
            let delivery = DeliveryBody(methods: [codes.registration: "window", codes.food: "window"], together: true)
            let (id, cases) = try await Self.submitted(app, delivery: delivery)
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            try await BundleLinkTests.accept(app, id, cases: cases)
            let amr = try await app.token("reviewer.amr")
            try await BundleLinkTests.review(app, id, caseID: cases[0].id, token: amr)
            _ = try await Flow.act(
                app, cases[0].id, amr, CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《行政许可法》第三十八条", approved: true))
            let clerk = try await app.token("clerk")
            let early = try await Flow.act(app, cases[0].id, clerk, CaseActionBody(action: "deliver", method: "window"), expect: .conflict)
            #expect(early.errorBody?.error.code == "delivery.waitForTogether")
            #expect(try await Flow.get(app, id, enterprise).visits == 0)
        }
    }
}
