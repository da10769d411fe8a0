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
        try await setRecordMobile(app, number, recordMobile)
        return (number, try await AssuranceTests.register(app, number))
    }

    /// The mobile the person's population record holds (none: nil).
    static func setRecordMobile(_ app: Application, _ number: String, _ mobile: String?) async throws {
        let hash = app.keys.lookupHash(number, field: "identity_number")
        let record = try #require(
            try await SharedRecord.query(on: app.db).filter(\.$resourceCode == "population_basic").filter(\.$subjectKey == hash).first())
        var values = record.values(app.keys)
        values["mobile"] = mobile
        record.data = SharedRecord.sealed(
            String(decoding: try StoredJSON.encoder.encode(values), as: UTF8.self), resource: record.resourceCode,
            subjectKey: record.subjectKey, keys: app.keys)
        try await record.update(on: app.db)
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

    /// An access token's claims, as any client reads them.
    static func claims(_ token: String) -> [String: Any] {
        let part = token.split(separator: ".").dropFirst().first.map(String.init) ?? ""
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return [:]
        }
        return object
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
            let (number, token) = try await Self.unproven(app)
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
            #expect(app.keys.decrypt(queued.addressCipher, field: "mobile") == Self.recordMobile)
            let delivered = try await Self.deliveredCodes(app, recorder)
            #expect(delivered.count == 1 && delivered[0].to == Self.recordMobile)
            // (the code itself: six digits in a row may occur in any ciphertext by chance)
            #expect(queued.textSealed && !queued.text.contains(delivered[0].code))
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
            let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "account.verified").all().map { $0.opened(app.keys) }
            #expect(entries.count == 1 && entries[0].details?.contains("level=2") == true)
            // the level is in the audit's name of the actor, and in the tokens issued from now on
            #expect(entries[0].actorLabel.hasSuffix("[L1]"))
            #expect(Self.claims(token)["acr"] as? String == "urn:tongban:loa:1")
            let fresh = try await app.token(number, password: "Registered-\(number.suffix(6))")
            #expect(Self.claims(fresh)["acr"] as? String == "urn:tongban:loa:2")

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
}
