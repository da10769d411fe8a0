import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanCore
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// 经办人: the legal representative names a proven person to act for the enterprise, for listed
/// items until a day; the person acts in the enterprise's name within the mandate and nowhere
/// else; every act names them; a revocation ends it at once.
@Suite("enterprise handlers")
struct HandlerTests {
    struct Represented: Decodable {
        let enterpriseID: UUID
        let role: String
        let itemCodes: [String]?
    }
    struct Handler: Decodable {
        let id: UUID
        let personName: String
        let live: Bool
    }
    struct ActingToken: Decodable {
        let accessToken: String
        let itemCodes: [String]?
    }
    struct Act: Decodable {
        let action: String
        let actor: String
        let agentID: UUID?
    }

    static func representativeLogin(_ app: Application) -> String {
        IdentityNumber.completing(DemoSeed.representativeIDStem, today: app.today)!.value
    }

    /// A registered person (王丽) raised to Level 2, as the remote proof would (tested in RealNameTests).
    static func provenPerson(_ app: Application, stem: String) async throws -> (number: String, id: UUID, token: String) {
        let (number, _) = try await RealNameTests.unproven(app, stem: stem)
        let hash = app.keys.lookupHash(number, field: "identity_number")
        let account = try #require(try await Account.query(on: app.db).filter(\.$idNumberHash == hash).first())
        account.displayName = "王丽"
        account.assuranceLevel = AssuranceLevel.verifiedRemotely.rawValue
        account.version += 1
        try await account.update(on: app.db)
        return (number, try account.requireID(), try await app.token(number, password: "Registered-\(number.suffix(6))"))
    }

    @Test(
        "the representative names a proven handler for one item; acting, the handler drafts that item in the enterprise's name and no other; the enterprise sees who did it; revoked, the token stops at once",
        arguments: TestDatabase.available)
    func mandate(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let representative = try await app.token(Self.representativeLogin(app))
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let enterpriseID = try await app.accountID(login: app.demoEnterpriseLogin)
            let mine = try await app.send(.GET, "/api/v1/me/enterprises", bearer: representative).content.decode([Represented].self)
            #expect(mine.map(\.enterpriseID) == [enterpriseID] && mine.first?.role == "representative")

            let item = try await ApplicationRulesTests.simpleItem(app)
            let other = try #require(
                try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
                    .filter(\.$code != item.code).first()
            ).code
            let until = try #require(app.today.adding(days: 30)).description
            let (unprovenNumber, _) = try await RealNameTests.unproven(app, stem: "33010619900101002")
            let refused = try await app.send(
                .POST, "/api/v1/enterprises/\(enterpriseID)/handlers",
                json: ["identityNumber": unprovenNumber, "name": "登记人", "validUntil": until], bearer: representative)
            #expect(refused.errorBody?.error.details?.first?.code == "handlers.personNotProven", "\(refused.body.string)")

            let (number, personID, person) = try await Self.provenPerson(app, stem: "33010619900202004")
            let before = try await EnterpriseMandate.query(on: app.db).count()
            for (body, field) in [
                (EnterpriseHandlers.GrantBody(identityNumber: number, name: "王丽", validUntil: "2020-01-01"), "validUntil"),
                (
                    EnterpriseHandlers.GrantBody(identityNumber: number, name: "王丽", itemCodes: ["NO-SUCH-ITEM"], validUntil: until),
                    "itemCodes"
                ),
                (EnterpriseHandlers.GrantBody(identityNumber: number, name: "李四", validUntil: until), "identityNumber"),
            ] {
                let bad = try await app.send(.POST, "/api/v1/enterprises/\(enterpriseID)/handlers", json: body, bearer: representative)
                #expect(bad.status == .unprocessableEntity && bad.errorBody?.error.details?.first?.field == field, "\(bad.body.string)")
            }
            // only the representative names handlers: not the enterprise's own sign-in, not a stranger
            let body = EnterpriseHandlers.GrantBody(identityNumber: number, name: "王丽", itemCodes: [item.code], validUntil: until)
            #expect(
                try await app.send(.POST, "/api/v1/enterprises/\(enterpriseID)/handlers", json: body, bearer: enterprise).status
                    == .forbidden)
            #expect(
                try await app.send(.POST, "/api/v1/enterprises/\(enterpriseID)/handlers", json: body, bearer: person).status == .notFound)
            #expect(try await EnterpriseMandate.query(on: app.db).count() == before)
            let granted = try await app.send(.POST, "/api/v1/enterprises/\(enterpriseID)/handlers", json: body, bearer: representative)
            #expect(granted.status == .created, "\(granted.body.string)")
            let handler = try granted.content.decode(Handler.self)
            #expect(handler.personName == "王丽" && handler.live)

            // the handler sees the enterprise and takes a token to act for it
            let theirs = try await app.send(.GET, "/api/v1/me/enterprises", bearer: person).content.decode([Represented].self)
            #expect(theirs.map(\.enterpriseID) == [enterpriseID] && theirs.first?.itemCodes == [item.code])
            let issued = try await app.send(.POST, "/api/v1/me/enterprises/\(enterpriseID)/token", bearer: person)
            #expect(issued.status == .created, "\(issued.body.string)")
            let acting = try issued.content.decode(ActingToken.self).accessToken
            let claims = try RealNameTests.claims(acting)
            #expect(claims["sub"] as? String == enterpriseID.uuidString)
            #expect((claims["act"] as? [String: Any])?["sub"] as? String == personID.uuidString)

            // within the mandate: a draft in the enterprise's name; outside it: refused, nothing written
            let draft = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: [:], submit: false), bearer: acting)
            #expect(draft.status == .created, "\(draft.body.string)")
            let made = try draft.content.decode(ApplicationFlowTests.Application_.self)
            let row = try #require(try await ApplicationRecord.find(made.id, on: app.db))
            #expect(row.applicantID == enterpriseID)
            let applications = try await ApplicationRecord.query(on: app.db).count()
            let outside = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: other, form: [:], submit: false), bearer: acting)
            #expect(outside.status == .forbidden && outside.errorBody?.error.code == "auth.outsideMandate", "\(outside.body.string)")
            #expect(try await ApplicationRecord.query(on: app.db).count() == applications)
            // never the enterprise's own credentials
            let password = try await app.send(
                .POST, "/api/v1/me/password", json: ["currentPassword": demoPassword, "newPassword": "Handler-takes-over-2026"],
                bearer: acting)
            #expect(password.status == .forbidden && password.errorBody?.error.code == "auth.outsideMandate")

            // the audit names the person behind the enterprise; the enterprise sees who did what
            let entry = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "application.draft").sort(\.$id, .descending).first()?.opened(
                    app.keys))
            #expect(entry.actorID == enterpriseID.uuidString && entry.agentID == personID.uuidString)
            #expect(entry.actorLabel.hasPrefix("enterprise:") && entry.actorLabel.contains("by person:王丽 [L2]"))
            let acts = try await app.send(.GET, "/api/v1/enterprises/\(enterpriseID)/acts", bearer: enterprise).content.decode([Act].self)
            #expect(acts.contains { $0.action == "application.draft" && $0.agentID == personID && $0.actor.contains("王丽") })
            #expect(try await app.send(.GET, "/api/v1/enterprises/\(enterpriseID)/acts", bearer: person).status == .notFound)
            let listed = try await app.send(.GET, "/api/v1/enterprises/\(enterpriseID)/handlers", bearer: enterprise)
                .content.decode([Handler].self)
            #expect(listed.contains { $0.id == handler.id && $0.live })

            // revoked: the acting token stops on its next request; the mandate is listed as ended
            let revoked = try await app.send(
                .POST, "/api/v1/enterprises/\(enterpriseID)/handlers/\(handler.id)/revoke", bearer: representative)
            #expect(revoked.status == .noContent, "\(revoked.body.string)")
            let after = try await app.send(.GET, "/api/v1/applications", bearer: acting)
            #expect(after.status == .unauthorized && after.errorBody?.error.code == "auth.mandateEnded")
            #expect(
                try await app.send(.POST, "/api/v1/enterprises/\(enterpriseID)/handlers/\(handler.id)/revoke", bearer: representative)
                    .status == .conflict)
            #expect(try await app.send(.POST, "/api/v1/me/enterprises/\(enterpriseID)/token", bearer: person).status == .forbidden)
            #expect(try await app.send(.GET, "/api/v1/me/enterprises", bearer: person).content.decode([Represented].self).isEmpty)
        }
    }

    @Test("a mandate holds through its last day and not after; a later one adds its items", arguments: TestDatabase.available)
    func expiry(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let (_, personID, _) = try await Self.provenPerson(app, stem: "33010619900303006")
            let person = try #require(try await Account.find(personID, on: app.db))
            let enterprise = try #require(
                try await Account.query(on: app.db).filter(\.$loginKey == Account.loginKey(typed: app.demoEnterpriseLogin, app: app))
                    .first())
            let today = app.today
            let grantor = try #require(enterprise.representativeID)
            for (codes, days) in [(["A-1"], 10), (["B-2"], 20)] {
                try await EnterpriseMandate(
                    enterpriseID: try enterprise.requireID(), person: person,
                    terms: try MandateTerms(itemCodes: codes, validUntil: try #require(today.adding(days: days)), today: today),
                    grantedBy: grantor, at: app.clock.now()
                ).create(on: app.db)
            }
            for (offset, expected) in [(0, Set(["A-1", "B-2"])), (10, ["A-1", "B-2"]), (11, ["B-2"]), (20, ["B-2"]), (21, nil)]
                as [(Int, Set<String>?)]
            {
                let day = try #require(today.adding(days: offset))
                let agency = try await Agency.resolve(person: person, enterprise: enterprise, on: day, db: app.db)
                #expect(agency?.agent.itemCodes == expected, "day +\(offset)")
            }
        }
    }

    @Test("the web: a handler switches to the enterprise, every page says so, the switch back ends it", arguments: TestDatabase.available)
    func pages(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let enterpriseID = try await app.accountID(login: app.demoEnterpriseLogin)
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": app.demoPersonLogin, "password": demoPassword])
            let list = try await browser.get("/account/enterprises")
            #expect(list.status == .ok && list.body.string.contains("杭州西湖云帆科技有限公司") && list.body.string.contains("经办人"))
            let switched = try await browser.post("/account/acting/\(enterpriseID)", [:])
            #expect(switched.status == .seeOther && switched.headers.first(name: .location) == "/applications", "\(switched.body.string)")
            let applications = try await browser.get("/applications")
            #expect(applications.body.string.contains("您正在代表企业办理") && applications.body.string.contains("张晓明"))
            // acting, the person still sees their enterprises (to switch to another)
            let whileActing = try await browser.get("/account/enterprises")
            #expect(whileActing.status == .ok && whileActing.body.string.contains("您正在以该企业身份办理"))
            // and the account page offers no password change: the enterprise's credentials are its own
            #expect(try await browser.get("/account").body.string.contains("name=\"currentPassword\"") == false)
            // the enterprise's handlers page is its representative's: a handler is told it is not theirs
            #expect(try await browser.get("/account/enterprises/\(enterpriseID)/handlers").status == .notFound)
            let back = try await browser.post("/account/acting/end", [:])
            #expect(back.headers.first(name: .location) == "/account/enterprises")
            #expect(try await browser.get("/applications").body.string.contains("您正在代表企业办理") == false)

            // the representative's page: the handler listed, the form to name another
            let representative = Browser(app)
            try await representative.get("/login")
            try await representative.post("/login", ["login": Self.representativeLogin(app), "password": demoPassword])
            let page = try await representative.get("/account/enterprises/\(enterpriseID)/handlers")
            #expect(page.status == .ok && page.body.string.contains("张晓明") && page.body.string.contains("授权经办人"))
            let bad = try await representative.post(
                "/account/enterprises/\(enterpriseID)/handlers", ["name": "王丽", "identityNumber": "123", "validUntil": ""])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("身份证号码"))
        }
    }
}
