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

/// 实名认证二级 over HTTP: the name is checked against the population record, the code goes to
/// the mobile that record holds (never the one typed at registration), is stored only sealed,
/// works once, for five minutes and five tries; then the account is Level 2.
@Suite("real-name verification (Level 2)")
struct RealNameTests {
    struct Sent: Decodable {
        let challengeID: UUID
        let mobile: String
        let expiresAt: Date
        let tries: Int
    }
    struct Me: Decodable { let assuranceLevel: Int }

    static let recordMobile = "13912345678"

    /// A person registered at Level 1 (typing mobile 13800001111) whose population record holds
    /// `recordMobile`; their number and token.
    static func unproven(_ app: Application, stem: String = "33010619850601002") async throws -> (number: String, token: String) {
        let number = stem + String(IdentityNumber.checkCharacter(for: stem.compactMap(\.wholeNumberValue)))
        try await AssuranceTests.seedRecords(app, for: number, name: "王丽")
        let hash = app.keys.lookupHash(number, field: "identity_number")
        let record = try #require(
            try await SharedRecord.query(on: app.db).filter(\.$resourceCode == "population_basic").filter(\.$subjectKey == hash).first())
        var values = record.values
        values["mobile"] = recordMobile
        record.data = String(decoding: try StoredJSON.encoder.encode(values), as: UTF8.self)
        try await record.update(on: app.db)
        return (number, try await AssuranceTests.register(app, number))
    }

    /// The codes handed to the SMS gateway since the last call.
    static func deliveredCodes(_ app: Application, _ recorder: MessageChannelsTests.Recorder) async throws -> [(to: String, code: String)] {
        _ = try await MessageChannelsTests.dispatcher(app, recorder).round(on: app.db)
        let texts = recorder.texts.withLockedValue { texts in
            defer { texts.removeAll() }
            return texts
        }
        return texts.compactMap { text in
            guard let range = text.text.range(of: #"\d{6}"#, options: .regularExpression) else { return nil }
            return (text.to, String(text.text[range]))
        }
    }

    static func level(_ app: Application, _ token: String) async throws -> Int {
        try await app.send(.GET, "/api/v1/me", bearer: token).content.decode(Me.self).assuranceLevel
    }

    @Test(
        "a person proves their identity: a name unlike the record is refused and sends nothing; the code goes sealed to the record's mobile, a wrong one counts down, the right one makes Level 2, once",
        arguments: TestDatabase.available)
    func levelTwo(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            // signed in before the clock is set back (a token older than the account's credentials is refused)
            let clerk = try await app.token("clerk")
            let start = Date(timeIntervalSince1970: 1_795_000_000)
            app.clock = .stopped(at: start)
            let (_, token) = try await Self.unproven(app)
            let recorder = MessageChannelsTests.Recorder()
            #expect(try await Self.level(app, token) == 1)
            #expect(try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"]).status == .unauthorized)

            // a name unlike the record: refused, nothing sent
            let sendsBefore = try await MessageSend.query(on: app.db).count()
            let wrongName = try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王莉"], bearer: token)
            #expect(wrongName.status == .unprocessableEntity && wrongName.errorBody?.error.code == "realName.nameMismatch")
            #expect(wrongName.errorBody?.error.message.contains("户籍") == true)
            #expect(try await MessageSend.query(on: app.db).count() == sendsBefore)

            // the name as on the card (spaces forgiven), straight after: a code to the record's mobile, masked
            let started = try await app.send(.POST, "/api/v1/me/verification", json: ["name": " 王 丽 "], bearer: token)
            #expect(started.status == .accepted, "\(started.body.string)")
            let sent = try started.content.decode(Sent.self)
            #expect(sent.mobile == "139****5678" && sent.tries == 5)
            #expect(sent.expiresAt == start.addingTimeInterval(300))

            // stored sealed: no code in clear in the queue or the challenge
            let queued = try #require(try await MessageSend.find(sent.challengeID, on: app.db))
            #expect(queued.textSealed && queued.text.range(of: #"\d{6}"#, options: .regularExpression) == nil)
            #expect(app.keys.decrypt(queued.addressCipher, field: "mobile") == Self.recordMobile)
            let delivered = try await Self.deliveredCodes(app, recorder)
            #expect(delivered.count == 1 && delivered[0].to == Self.recordMobile)
            let code = try #require(delivered.first?.code)
            #expect(try await MessageSend.find(sent.challengeID, on: app.db)?.text == "")
            let challenge = try #require(try await IdentityChallenge.find(sent.challengeID, on: app.db))
            #expect(challenge.codeHash != nil && challenge.codeHash?.contains(code) == false)

            // another code within the minute: not yet
            let tooSoon = try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"], bearer: token)
            #expect(tooSoon.status == .tooManyRequests && tooSoon.headers.first(name: "Retry-After") != nil)

            // a wrong code counts down; a malformed one is not a try
            let wrong = code == "000000" ? "000001" : "000000"
            let first = try await app.send(.POST, "/api/v1/me/verification/code", json: ["code": wrong], bearer: token)
            #expect(first.status == .unprocessableEntity && first.errorBody?.error.code == "realName.wrongCode")
            #expect(first.errorBody?.error.message.contains("4") == true)
            let malformed = try await app.send(.POST, "/api/v1/me/verification/code", json: ["code": "12ab"], bearer: token)
            #expect(malformed.status == .unprocessableEntity && malformed.errorBody?.error.code != "realName.wrongCode")
            #expect(try await IdentityChallenge.find(sent.challengeID, on: app.db)?.wrongTries == 1)
            #expect(try await Self.level(app, token) == 1)

            // the right code, typed as a phone's keyboard may: Level 2, audited
            let spaced = String(code.prefix(3)) + " " + String(code.suffix(3))
            let passed = try await app.send(.POST, "/api/v1/me/verification/code", json: ["code": spaced], bearer: token)
            #expect(passed.status == .ok, "\(passed.body.string)")
            #expect(try passed.content.decode(Me.self).assuranceLevel == 2)
            #expect(try await Self.level(app, token) == 2)
            let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "account.verified").all()
            #expect(entries.count == 1 && entries[0].details?.contains("level=2") == true)

            // a code works once
            let again = try await app.send(.POST, "/api/v1/me/verification/code", json: ["code": code], bearer: token)
            #expect(again.status == .conflict)
            // staff have nothing to prove
            let staff = try await app.send(.POST, "/api/v1/me/verification", json: ["name": "x"], bearer: clerk)
            #expect(staff.status == .forbidden, "\(staff.body.string)")
        }
    }

    @Test(
        "five wrong codes lock the number out for half an hour, whoever asks; a code is dead after five minutes; five codes a day at most",
        arguments: TestDatabase.available)
    func lockOut(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let start = Date(timeIntervalSince1970: 1_795_000_000)
            app.clock = .stopped(at: start)
            let (_, token) = try await Self.unproven(app)
            let recorder = MessageChannelsTests.Recorder()
            #expect(try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"], bearer: token).status == .accepted)
            let code = try #require(try await Self.deliveredCodes(app, recorder).first?.code)
            let wrong = code == "000000" ? "000001" : "000000"
            var last: TestingHTTPResponse?
            for _ in 0..<5 {
                last = try await app.send(.POST, "/api/v1/me/verification/code", json: ["code": wrong], bearer: token)
            }
            #expect(last?.status == .tooManyRequests && last?.errorBody?.error.code == "realName.lockedOut")
            // dead: the right code no longer works, and no new one comes for 30 minutes
            let late = try await app.send(.POST, "/api/v1/me/verification/code", json: ["code": code], bearer: token)
            #expect(late.status == .conflict)
            app.clock = .stopped(at: start.addingTimeInterval(29 * 60))
            let locked = try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"], bearer: token)
            #expect(locked.status == .tooManyRequests && locked.errorBody?.error.code == "realName.lockedOut")
            #expect(try await Self.level(app, token) == 1)

            // after the lock-out: a new code, which dies unused after five minutes
            app.clock = .stopped(at: start.addingTimeInterval(31 * 60))
            #expect(try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"], bearer: token).status == .accepted)
            let second = try #require(try await Self.deliveredCodes(app, recorder).first?.code)
            app.clock = .stopped(at: start.addingTimeInterval(31 * 60 + 301))
            let expired = try await app.send(.POST, "/api/v1/me/verification/code", json: ["code": second], bearer: token)
            #expect(expired.status == .unprocessableEntity && expired.errorBody?.error.code == "realName.codeExpired")

            // three more codes a minute apart make five in the day; the sixth waits for the first to be a day old
            for minute in 1...3 {
                app.clock = .stopped(at: start.addingTimeInterval(Double(40 + 2 * minute) * 60))
                #expect(try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"], bearer: token).status == .accepted)
            }
            app.clock = .stopped(at: start.addingTimeInterval(60 * 60))
            let sixth = try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"], bearer: token)
            #expect(sixth.status == .tooManyRequests && sixth.errorBody?.error.code == "realName.dailyLimit")
            app.clock = .stopped(at: start.addingTimeInterval(24 * 60 * 60 + 1))
            #expect(try await app.send(.POST, "/api/v1/me/verification", json: ["name": "王丽"], bearer: token).status == .accepted)
            #expect(try await Self.level(app, token) == 1)
        }
    }

    @Test("the verification page: the name, then the code, then Level 2 on the account page", arguments: TestDatabase.available)
    func page(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let (number, _) = try await Self.unproven(app, stem: "33010619900202003")
            let browser = Browser(app)
            try await browser.get("/login")
            #expect(try await browser.post("/login", ["login": number, "password": "Registered-\(number.suffix(6))"]).status == .seeOther)
            let account = try await browser.get("/account")
            #expect(account.body.string.contains("/account/verify"))
            let form = try await browser.get("/account/verify")
            #expect(form.status == .ok && form.body.string.contains("实名认证"))
            let refused = try await browser.post("/account/verify", ["name": "李四"])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("姓名与户籍信息不一致"))
            let sent = try await browser.post("/account/verify", ["name": "王丽"])
            #expect(sent.status == .seeOther)
            let waiting = try await browser.get("/account/verify")
            #expect(waiting.body.string.contains("139****5678") && waiting.body.string.contains("one-time-code"))
            let code = try #require(try await Self.deliveredCodes(app, MessageChannelsTests.Recorder()).first?.code)
            let done = try await browser.post("/account/verify/code", ["code": code])
            #expect(done.status == .seeOther && done.headers.first(name: .location) == "/account?done=verified")
            let after = try await browser.get("/account?done=verified")
            #expect(after.body.string.contains("二级") && !after.body.string.contains("href=\"/account/verify\""))
            // Level 2 may still go to a window for Level 3: the page gives the code to show
            let shown = try await browser.post("/account/window-code", [:])
            #expect(shown.status == .ok && shown.body.string.range(of: #"\d{4} \d{4}"#, options: .regularExpression) != nil)
        }
    }

    @Test(
        "the takeover: an impostor registers a number first and drafts; its real holder proves it on the reclaim path; the impostor is frozen with its draft kept, the holder's account is Level 2, both are told",
        arguments: TestDatabase.available)
    func takeover(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let (number, impostor) = try await Self.unproven(app, stem: "33010619880808004")
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
            let delivered = try await Self.deliveredCodes(app, recorder)
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
            #expect(try await Self.level(app, holder) == 2)
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
            let reclaimed = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "account.reclaimed").first())
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
            let (number, person) = try await Self.unproven(app, stem: "33010619750303005")
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
            #expect(try await Self.level(app, person) == 1)

            let checked = try await app.send(
                .POST, "/api/v1/identity-checks",
                json: ["code": String(code.prefix(4)) + " " + String(code.suffix(4)), "identityNumber": number, "name": "王丽"],
                bearer: clerk)
            #expect(checked.status == .ok, "\(checked.body.string)")
            #expect(try await Self.level(app, person) == 3)
            // the card's name replaces the one typed at registration; the clerk is the audit's actor
            #expect(try await Account.find(try await app.accountID(login: number), on: app.db)?.displayName == "王丽")
            let entry = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "account.verifiedInPerson").first())
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
}
