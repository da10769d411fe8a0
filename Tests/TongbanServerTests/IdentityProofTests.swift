import Fluent
import Foundation
import SQLKit
import Testing
import TongbanCases
import TongbanDelivery
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// Identity proven beyond a person's own code: the takeover of a number an impostor registered
/// first, the window clerk's in-person check (Level 3), and an enterprise confirmed by its legal
/// representative.
@Suite("identity proven: takeover, in person, enterprises")
struct IdentityProofTests {
    typealias Sent = RealNameTests.Sent
    static let recordMobile = RealNameTests.recordMobile

    @Test(
        "the takeover: an impostor registers a number first and drafts; its real holder proves it on the reclaim path; the impostor is frozen with its draft kept, the holder's account is Level 2, both are told",
        arguments: TestDatabase.available)
    func takeover(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let (number, impostor) = try await RealNameTests.unproven(app, stem: "33010619880808004")
            let impostorID = try await app.accountID(login: number)
            let draft = try await SharedDataApplicationTests.draft(app, item: "失业保险金申领", token: impostor, consent: true)
            let applications = try await ApplicationRecord.query(on: app.db).count()
            let recorder = MessageChannelsTests.Recorder()

            // the real person cannot register the number, and is told how to take it back
            let registration: [String: String] = [
                "name": "王丽", "identityNumber": number, "mobile": "13700002222", "password": "Real-holder-2026",
            ]
            let taken = try await app.send(.POST, "/api/v1/register/person", json: registration)
            #expect(taken.status == .conflict && taken.errorBody?.error.details?.first?.code == "register.numberClaimed")
            #expect(taken.errorBody?.error.message.contains("/register/reclaim") == true)

            // a name unlike the record sends nothing; the right one, a code to the record's mobile
            var wrongName = registration
            wrongName["name"] = "王莉"
            let refused = try await app.send(.POST, "/api/v1/register/reclaim", json: wrongName)
            #expect(refused.status == .unprocessableEntity && refused.errorBody?.error.code == "realName.nameMismatch")
            let started = try await app.send(.POST, "/api/v1/register/reclaim", json: registration)
            #expect(started.status == .accepted, "\(started.body.string)")
            let sent = try started.content.decode(Sent.self)
            #expect(sent.mobile == "139****5678")
            let delivered = try await RealNameTests.deliveredCodes(app, recorder)
            #expect(delivered.count == 1 && delivered[0].to == Self.recordMobile)
            let code = delivered[0].code
            // the sealed registration holds no password or number in clear
            let pending = try #require(try await IdentityChallenge.find(sent.challengeID, on: app.db)?.pendingCipher)
            #expect(!pending.contains("Real-holder") && !pending.contains(number))

            // a wrong code changes nothing; the right one takes the number back
            let wrong = code == "000000" ? "000001" : "000000"
            let miss = try await app.send(
                .POST, "/api/v1/register/reclaim/code", json: ["challengeID": sent.challengeID.uuidString, "code": wrong])
            #expect(miss.status == .unprocessableEntity)
            #expect(try await Account.find(impostorID, on: app.db)?.status == .active)
            let taken2 = try await app.send(
                .POST, "/api/v1/register/reclaim/code", json: ["challengeID": sent.challengeID.uuidString, "code": code])
            #expect(taken2.status == .created, "\(taken2.body.string)")
            struct Made: Decodable {
                let id: UUID
                let assuranceLevel: Int
                let mobile: String?
            }
            let made = try taken2.content.decode(Made.self)
            #expect(made.assuranceLevel == 2 && made.mobile == "13700002222")
            // the code and its registration are spent
            let replay = try await app.send(
                .POST, "/api/v1/register/reclaim/code", json: ["challengeID": sent.challengeID.uuidString, "code": code])
            #expect(replay.status == .conflict)
            #expect(try await IdentityChallenge.find(sent.challengeID, on: app.db)?.pendingCipher == nil)

            // the impostor: frozen, signed out, unable to sign in; its draft kept, in its name
            let frozen = try #require(try await Account.find(impostorID, on: app.db))
            #expect(frozen.status == .frozen && frozen.frozenBy == made.id && frozen.idNumberHash == nil)
            #expect(try await app.send(.GET, "/api/v1/me", bearer: impostor).status == .unauthorized)
            let impostorLogin = try await app.send(
                .POST, "/api/v1/auth/login", json: ["login": number, "password": "Registered-\(number.suffix(6))"])
            #expect(impostorLogin.status == .unauthorized)
            #expect(try await ApplicationRecord.query(on: app.db).count() == applications)
            #expect(try await ApplicationRecord.find(draft, on: app.db)?.applicantID == impostorID)

            // the holder signs in with the number, at Level 2
            let holder = try await app.token(number, password: "Real-holder-2026")
            #expect(try await RealNameTests.level(app, holder) == 2)
            #expect(try await app.accountID(login: number) == made.id)

            // told: the holder, required; the region's supervisor; and the audit names both accounts
            #expect(try await WebhookTests.writeMessages(app) >= 2)
            let told = try await app.send(.GET, "/api/v1/messages", bearer: holder).content.decode(MessagesTests.Inbox.self)
            #expect(told.messages.contains { $0.topic == "account.reclaimed" && $0.required && $0.body.contains("1 份申请") })
            let supervisor = try await app.send(.GET, "/api/v1/messages", bearer: try await app.token("supervisor"))
                .content.decode(MessagesTests.Inbox.self)
            #expect(supervisor.messages.contains { $0.topic == "account.reclaimed" && $0.title.contains("冒名注册") })
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "account.frozen").count() == 1)
            // on the supervisors' list, masked, with what it made; nobody else's
            struct Frozen: Decodable {
                let accountID: UUID
                let identityNumber: String?
                let holderAccountID: UUID?
                let applications: Int
            }
            let supervisorToken = try await app.token("supervisor")
            let list = try await app.send(.GET, "/api/v1/supervision/frozen-accounts", bearer: supervisorToken)
            let frozenList = try list.content.decode([Frozen].self)
            #expect(frozenList.count == 1 && frozenList[0].accountID == impostorID && frozenList[0].applications == 1)
            #expect(frozenList[0].holderAccountID == made.id && frozenList[0].identityNumber == Masking.identityNumber(number))
            #expect(try await app.send(.GET, "/api/v1/supervision/frozen-accounts", bearer: holder).status == .forbidden)
            #expect(
                try await app.send(.GET, "/api/v1/supervision/frozen-accounts", bearer: try await app.token("clerk")).status == .forbidden)
            let reclaimed = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "account.reclaimed").first()?.opened(app.keys))
            #expect(reclaimed.details?.contains(impostorID.uuidString) == true)

            // a number whose holder is proven is not taken back online
            let proven = try await app.send(
                .POST, "/api/v1/register/reclaim",
                json: ["name": "张晓明", "identityNumber": app.demoPersonLogin, "mobile": "13700003333", "password": "Another-one-2026"])
            #expect(proven.status == .conflict && proven.errorBody?.error.details?.first?.code == "reclaim.holderProven")
        }
    }

    @Test(
        "实名认证三级: the person shows a window code, a clerk checks the card; a card of another number, an unknown code or a non-clerk change nothing",
        arguments: TestDatabase.available)
    func inPerson(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let clerk = try await app.token("clerk")
            let (number, person) = try await RealNameTests.unproven(app, stem: "33010619750303005")
            struct Code: Decodable {
                let code: String
                let expiresAt: Date
            }
            let issued = try await app.send(.POST, "/api/v1/me/window-code", bearer: person)
            #expect(issued.status == .created, "\(issued.body.string)")
            let code = try issued.content.decode(Code.self).code
            #expect(code.count == 8 && code.allSatisfy(\.isNumber))
            // nothing is sent anywhere: the person shows it
            #expect(try await MessageSend.query(on: app.db).count() == 0)

            let stem = "11010519700101001"
            let otherNumber = stem + String(IdentityNumber.checkCharacter(for: stem.compactMap(\.wholeNumberValue)))
            let otherCard = try await app.send(
                .POST, "/api/v1/identity-checks", json: ["code": code, "identityNumber": otherNumber, "name": "王丽"], bearer: clerk)
            #expect(otherCard.status == .unprocessableEntity && otherCard.errorBody?.error.code == "realName.cardMismatch")
            let unknown = try await app.send(
                .POST, "/api/v1/identity-checks", json: ["code": "12345678", "identityNumber": number, "name": "王丽"], bearer: clerk)
            #expect(unknown.status == .unprocessableEntity && unknown.errorBody?.error.code == "realName.windowCodeUnknown")
            let notClerk = try await app.send(
                .POST, "/api/v1/identity-checks", json: ["code": code, "identityNumber": number, "name": "王丽"],
                bearer: try await app.token("reviewer.amr"))
            #expect(notClerk.status == .forbidden)
            #expect(try await RealNameTests.level(app, person) == 1)
            // an item that asks for Level 3 (the demo's property transfer) is refused until the card is checked
            let transfer = try #require(
                try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).all()
                    .map { try $0.item() }.first { $0.name == "国有建设用地使用权及房屋所有权转移登记" })
            #expect(transfer.requiredAssurance == .verifiedInPerson)
            let apply = ApplyBody(item: transfer.code, form: ApplicationFlowTests.fill(transfer.form, app: app))
            let early = try await app.send(.POST, "/api/v1/applications", json: apply, bearer: person)
            #expect(early.status == .forbidden && early.errorBody?.error.code == "auth.inPersonRequired", "\(early.body.string)")

            let checked = try await app.send(
                .POST, "/api/v1/identity-checks",
                json: ["code": String(code.prefix(4)) + " " + String(code.suffix(4)), "identityNumber": number, "name": "王丽"],
                bearer: clerk)
            #expect(checked.status == .ok, "\(checked.body.string)")
            #expect(try await RealNameTests.level(app, person) == 3)
            // past the identity check now: what stops it is only what the item itself asks
            let later = try await app.send(.POST, "/api/v1/applications", json: apply, bearer: person)
            #expect(later.status != .forbidden, "\(later.body.string)")
            // the card's name replaces the one typed at registration; the clerk is the audit's actor
            #expect(try await Account.find(try await app.accountID(login: number), on: app.db)?.displayName == "王丽")
            let entry = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "account.verifiedInPerson").first()?.opened(app.keys))
            #expect(entry.actorLabel.hasPrefix("staff:") && entry.details?.contains("level=3") == true)
            // used once
            let again = try await app.send(
                .POST, "/api/v1/identity-checks", json: ["code": code, "identityNumber": number, "name": "王丽"], bearer: clerk)
            #expect(again.status == .unprocessableEntity)
            #expect(try await app.send(.POST, "/api/v1/me/window-code", bearer: person).status == .conflict)

            // the pages: the desk links to the check; the clerk's form says what was done
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            let desk = try await browser.get("/desk")
            #expect(desk.body.string.contains("/desk/identity"), "\(desk.status) \(desk.headers.first(name: .location) ?? "")")
            let form = try await browser.get("/desk/identity")
            #expect(form.status == .ok && form.body.string.contains("现场实名核验"))
            let wrong = try await browser.post("/desk/identity", ["code": "1234", "identityNumber": number, "name": "王丽"])
            #expect(wrong.status == .unprocessableEntity && wrong.body.string.contains("8 位数字"))
        }
    }

    @Test(
        "an enterprise is Level 2 once the legal representative its market registration names confirms, proven themselves; nobody else can",
        arguments: TestDatabase.available)
    func enterprise(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let (number, representative) = try await RealNameTests.unproven(app, stem: "33010619700707006")
            let code = try #require(CreditCode.completing("91330106MA2H00000")).value
            let record = SharedRecord()
            record.resourceCode = "enterprise_registration"
            record.subjectKey = DataResourceFile.subjectKey(code, kind: .enterprise, keys: app.keys)
            record.data = String(
                decoding: try StoredJSON.encoder.encode([
                    "name": "杭州示例商贸有限公司", "creditCode": code, "legalRepresentative": "王丽", "legalRepresentativeIdentityNumber": number,
                ]), as: UTF8.self)
            record.updatedAt = app.clock.now()
            try await record.create(on: app.db)
            let registered = try await app.send(
                .POST, "/api/v1/register/enterprise",
                json: ["name": "杭州示例商贸有限公司", "creditCode": code, "legalRepresentative": "王丽", "password": "Enterprise-2026x"])
            #expect(registered.status == .created, "\(registered.body.string)")
            let enterprise = try await app.token(code, password: "Enterprise-2026x")
            #expect(try await RealNameTests.level(app, enterprise) == 1)

            struct Asked: Decodable {
                let requestID: UUID
                let representative: String
            }
            let asked = try await app.send(.POST, "/api/v1/me/verification/representative", bearer: enterprise)
            #expect(asked.status == .accepted, "\(asked.body.string)")
            let request = try asked.content.decode(Asked.self)
            #expect(request.representative == "王*")

            // the representative sees it, and is told in the inbox
            struct Waiting: Decodable { let requestID: UUID }
            let waiting = try await app.send(.GET, "/api/v1/me/representations", bearer: representative).content.decode([Waiting].self)
            #expect(waiting.map(\.requestID) == [request.requestID])
            #expect(try await WebhookTests.writeMessages(app) >= 1)
            let told = try await app.send(.GET, "/api/v1/messages", bearer: representative).content.decode(MessagesTests.Inbox.self)
            #expect(told.messages.contains { $0.topic == "account.representativeAsked" && $0.title.contains("杭州示例商贸有限公司") })

            // nobody else confirms it; nor the representative before they are proven
            let other = try await app.send(
                .POST, "/api/v1/me/representations/\(request.requestID)/confirm", bearer: try await app.token(app.demoPersonLogin))
            #expect(other.status == .notFound)
            let unproven = try await app.send(.POST, "/api/v1/me/representations/\(request.requestID)/confirm", bearer: representative)
            #expect(unproven.status == .forbidden && unproven.errorBody?.error.code == "auth.assuranceTooLow")
            #expect(try await RealNameTests.level(app, enterprise) == 1)

            // proven (the person's own Level 2 flow), they confirm: the enterprise is Level 2
            #expect(try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"], bearer: representative).status == .accepted)
            let personCode = try #require(try await RealNameTests.deliveredCodes(app, MessageChannelsTests.Recorder()).first?.code)
            #expect(
                try await app.send(.POST, "/api/v1/me/verification/code", json: ["code": personCode], bearer: representative).status == .ok)
            let confirmed = try await app.send(.POST, "/api/v1/me/representations/\(request.requestID)/confirm", bearer: representative)
            #expect(confirmed.status == .noContent, "\(confirmed.body.string)")
            #expect(try await RealNameTests.level(app, enterprise) == 2)
            #expect(
                try await app.send(.POST, "/api/v1/me/representations/\(request.requestID)/confirm", bearer: representative).status
                    == .notFound)
            let entry = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "account.verified").sort(\.$id, .descending).first()?.opened(
                    app.keys))
            #expect(entry.details?.contains("legal representative") == true)
        }
    }
}

/// The takeover for a person whose population record holds no mobile: the window.
@Suite("identity proven: a number taken back at a window")
struct WindowReclaimTests {
    struct Code: Decodable {
        let code: String
        let expiresAt: Date
    }

    @Test(
        "no mobile on the record: the real person seals their registration under a window code, a clerk checks the card, the impostor is frozen and the person's account is Level 3 in the card's name",
        arguments: TestDatabase.available)
    func takeover(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let (number, impostor) = try await RealNameTests.unproven(app, stem: "33010619660606007")
            let impostorID = try await app.accountID(login: number)
            // the population record holds no mobile: no code can go anywhere
            try await RealNameTests.setRecordMobile(app, number, nil)

            let registration: [String: String] = [
                "name": "王丽", "identityNumber": number, "mobile": "13700004444", "password": "Window-holder-2026",
            ]
            let online = try await app.send(.POST, "/api/v1/register/reclaim", json: registration)
            #expect(online.status == .unprocessableEntity && online.errorBody?.error.code == "reclaim.noMobile", "\(online.body.string)")
            #expect(online.errorBody?.error.message.contains("到窗口收回") == true)

            // bad input changes nothing; the registration as typed gets a window code, nothing sent
            var badMobile = registration
            badMobile["mobile"] = "12345"
            let bad = try await app.send(.POST, "/api/v1/register/reclaim/window", json: badMobile)
            #expect(bad.status == .unprocessableEntity && bad.errorBody?.error.details?.first?.field == "mobile")
            #expect(try await IdentityChallenge.query(on: app.db).filter(\.$purpose == .windowReclaim).count() == 0)
            let asked = try await app.send(.POST, "/api/v1/register/reclaim/window", json: registration)
            #expect(asked.status == .accepted, "\(asked.body.string)")
            let code = try asked.content.decode(Code.self)
            #expect(code.code.count == 8 && code.code.allSatisfy(\.isNumber))
            #expect(abs(code.expiresAt.timeIntervalSince(app.clock.now()) - NumberReclaim.windowLifetime) < 60)
            #expect(try await MessageSend.query(on: app.db).count() == 0)
            let pending = try #require(
                try await IdentityChallenge.query(on: app.db).filter(\.$purpose == .windowReclaim).first()?.pendingCipher)
            #expect(!pending.contains("Window-holder") && !pending.contains(number))
            // a few codes may wait at once, not more
            let second = try await app.send(.POST, "/api/v1/register/reclaim/window", json: registration)
            let spare = try second.content.decode(Code.self).code
            #expect(try await app.send(.POST, "/api/v1/register/reclaim/window", json: registration).status == .accepted)
            let flood = try await app.send(.POST, "/api/v1/register/reclaim/window", json: registration)
            #expect(flood.status == .tooManyRequests && flood.errorBody?.error.code == "reclaim.windowCodes")

            // at the window: another card, or no clerk, changes nothing
            let clerk = try await app.token("clerk")
            let stem = "11010519700101001"
            let otherNumber = stem + String(IdentityNumber.checkCharacter(for: stem.compactMap(\.wholeNumberValue)))
            let otherCard = try await app.send(
                .POST, "/api/v1/identity-checks", json: ["code": code.code, "identityNumber": otherNumber, "name": "王丽"], bearer: clerk)
            #expect(otherCard.status == .unprocessableEntity && otherCard.errorBody?.error.code == "realName.cardMismatch")
            let notClerk = try await app.send(
                .POST, "/api/v1/identity-checks", json: ["code": code.code, "identityNumber": number, "name": "王丽"], bearer: impostor)
            #expect(notClerk.status == .forbidden)
            #expect(try await Account.find(impostorID, on: app.db)?.status == .active)

            // the card checked: the impostor frozen, the person's account made at Level 3 in the card's name
            let checked = try await app.send(
                .POST, "/api/v1/identity-checks", json: ["code": code.code, "identityNumber": number, "name": "王 丽"], bearer: clerk)
            #expect(checked.status == .ok, "\(checked.body.string)")
            struct Made: Decodable {
                let id: UUID
                let assuranceLevel: Int
            }
            let made = try checked.content.decode(Made.self)
            #expect(made.assuranceLevel == 3)
            let frozen = try #require(try await Account.find(impostorID, on: app.db))
            #expect(frozen.status == .frozen && frozen.frozenBy == made.id)
            #expect(try await app.send(.GET, "/api/v1/me", bearer: impostor).status == .unauthorized)
            let holder = try await app.token(number, password: "Window-holder-2026")
            #expect(try await RealNameTests.level(app, holder) == 3)
            #expect(try await Account.find(made.id, on: app.db)?.displayName == "王 丽")
            // the clerk is the actor; the person's region sees it; the other codes died with it
            let entry = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "account.reclaimed").first()?.opened(app.keys))
            #expect(entry.actorLabel.hasPrefix("staff:") && entry.details?.contains("level=3") == true)
            #expect(entry.details?.contains(impostorID.uuidString) == true)
            #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "account.reclaimed").count() == 1)
            for used in [code.code, spare] {
                let again = try await app.send(
                    .POST, "/api/v1/identity-checks", json: ["code": used, "identityNumber": number, "name": "王丽"], bearer: clerk)
                #expect(again.status == .unprocessableEntity && again.errorBody?.error.code == "realName.windowCodeUnknown")
            }
            #expect(
                try await IdentityChallenge.query(on: app.db).filter(\.$purpose == .windowReclaim).filter(\.$state == .open).count() == 0)
            // the number is proven now: no window code takes it back
            let late = try await app.send(.POST, "/api/v1/register/reclaim/window", json: registration)
            #expect(late.status == .conflict && late.errorBody?.error.details?.first?.code == "reclaim.holderProven")
        }
    }

    @Test("the reclaim page offers the window and shows the code to take there", arguments: TestDatabase.available)
    func page(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let (number, _) = try await RealNameTests.unproven(app, stem: "33010619660606008")
            let browser = Browser(app)
            let form = try await browser.get("/register/reclaim")
            #expect(form.status == .ok && form.body.string.contains("到窗口收回"))
            let shown = try await browser.post(
                "/register/reclaim",
                [
                    "name": "王丽", "identityNumber": number, "mobile": "13700005555", "password": "Window-holder-2026",
                    "passwordConfirm": "Window-holder-2026", "via": "window",
                ])
            #expect(shown.status == .ok, "\(shown.body.string)")
            let body = shown.body.string
            #expect(body.contains("您的现场核验码") && body.contains("class=\"big-code\""))
            #expect(try await IdentityChallenge.query(on: app.db).filter(\.$purpose == .windowReclaim).count() == 1)
        }
    }
}
