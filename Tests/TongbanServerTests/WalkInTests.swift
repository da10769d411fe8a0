import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 帮办 on the pages: a window clerk finds the person at the window by their identity card (with
/// a purpose, on the audit log), registers one who has no account (Level 3: the card is in the
/// clerk's hands), and applies on their behalf; the hall ticket being served leads to what was
/// done for it.
@Suite("the person at the window")
struct WalkInTests {
    typealias Flow = ApplicationFlowTests
    static let newcomer = (number: "11010519491231002X", name: "李四")

    static func auditEntries(_ app: Application, _ action: String) async throws -> [AuditEntry] {
        try await AuditEntry.query(on: app.db).filter(\.$action == action).all().map { $0.opened(app.keys) }
    }

    @Test(
        "a clerk finds a walk-in by card number only with a purpose, audited found or not, and registers one with no account at Level 3",
        arguments: TestDatabase.available)
    func findAndRegister(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            #expect(try await browser.get("/desk/walk-in").body.string.contains("帮办"))
            let reads = try await Self.auditEntries(app, "personalData.read").count

            // no purpose, or a number with a wrong check character: the form says which, nothing is read
            let noPurpose = try await browser.post("/desk/walk-in", ["identityNumber": app.demoPersonLogin, "purpose": ""])
            #expect(noPurpose.status == .unprocessableEntity && noPurpose.body.string.contains("purpose-error"))
            let badNumber = try await browser.post("/desk/walk-in", ["identityNumber": "110105194912310021", "purpose": "帮办申请"])
            #expect(badNumber.status == .unprocessableEntity && badNumber.body.string.contains("校验"))
            #expect(try await Self.auditEntries(app, "personalData.read").count == reads)

            let found = try await browser.post("/desk/walk-in", ["identityNumber": app.demoPersonLogin, "purpose": "帮办申请社保卡"])
            let page = found.body.string
            #expect(found.status == .ok && page.contains("张晓明") && !page.contains(app.demoPersonLogin))
            let person = try await app.accountID(login: app.demoPersonLogin)
            let read = try await Self.auditEntries(app, "personalData.read").filter { $0.resource == "account:\(person)" }
            #expect(read.count == 1 && read.first?.purpose == "帮办申请社保卡")
            #expect(page.contains("/desk/walk-in/items") && page.contains(person.uuidString))

            // not registered: the look-up is on the log too, and the page offers the registration
            let missing = try await browser.post("/desk/walk-in", ["identityNumber": Self.newcomer.number, "purpose": "帮办注册"])
            #expect(missing.status == .ok && missing.body.string.contains("尚未注册"))
            #expect(try await Self.auditEntries(app, "personalData.read").count == reads + 2)

            let incomplete = try await browser.post(
                "/desk/walk-in/register",
                ["identityNumber": Self.newcomer.number, "name": Self.newcomer.name, "mobile": "", "password": "short", "purpose": "帮办注册"])
            #expect(incomplete.status == .unprocessableEntity)
            #expect(incomplete.body.string.contains("mobile-error") && incomplete.body.string.contains("password-error"))
            let hash = app.keys.lookupHash(Self.newcomer.number, field: "identity_number")
            #expect(try await Account.query(on: app.db).filter(\.$idNumberHash == hash).count() == 0)

            let registration = [
                "identityNumber": Self.newcomer.number, "name": Self.newcomer.name, "mobile": "139 1234 5678",
                "password": "Lisi-password-1", "purpose": "帮办注册",
            ]
            let registered = try await browser.post("/desk/walk-in/register", registration)
            #expect(registered.status == .ok && registered.body.string.contains("三级"))
            let account = try #require(try await Account.query(on: app.db).filter(\.$idNumberHash == hash).first())
            #expect(account.assurance == .verifiedInPerson && account.displayName == Self.newcomer.name && account.kind == .person)
            let entry = try #require(try await Self.auditEntries(app, "account.registeredAtWindow").first)
            #expect(entry.resource == "account:\(try account.requireID())" && entry.purpose == "帮办注册")
            // the person signs in online later with their card's number and their own password
            let signIn = try await app.send(
                .POST, "/api/v1/auth/login", json: ["login": Self.newcomer.number, "password": "Lisi-password-1"])
            #expect(signIn.status == .ok)

            // the same number twice: refused, nothing more made
            let again = try await browser.post("/desk/walk-in/register", registration)
            #expect(again.status == .conflict)
            #expect(try await Account.query(on: app.db).filter(\.$idNumberHash == hash).count() == 1)
        }
    }

    @Test(
        "only a window clerk serves walk-ins: a reviewer or a person gets 403, nobody signed in is sent to sign in",
        arguments: TestDatabase.available)
    func onlyClerks(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let anonymous = try await Browser(app).get("/desk/walk-in")
            #expect(anonymous.status == .seeOther && anonymous.headers.first(name: .location)?.hasPrefix("/login") == true)
            for login in ["reviewer.amr", app.demoPersonLogin] {
                let browser = Browser(app)
                try await browser.get("/login")
                try await browser.post("/login", ["login": login, "password": demoPassword])
                #expect(try await browser.get("/desk/walk-in").status == .forbidden)
                let posted = try await browser.post("/desk/walk-in", ["identityNumber": app.demoPersonLogin, "purpose": "看看"])
                #expect(posted.status == .forbidden)
            }
            #expect(try await Self.auditEntries(app, "personalData.read").isEmpty)
        }
    }

    @Test(
        "the clerk picks an item the window takes in and applies on the pages for the person present; the ticket served leads to it",
        arguments: TestDatabase.available)
    func applyOnBehalf(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            HallTests.setClock(app, HallTests.at("10:00"))
            let hall = try await HallTests.hall(app)
            let clerkToken = try await app.token("clerk")
            let ticket = try await HallTests.kiosk(app, hall.id, "A")
            let window = try HallTests.window(hall, 1)
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(window)/open", bearer: clerkToken).status == .ok)
            let called = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(window)/call", bearer: clerkToken)
            #expect(called.status == .ok)

            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            let person = try await app.accountID(login: app.demoPersonLogin)
            // 收受分离: the district's window lists the city's 社会保障卡申领
            let item = try await WindowIntakeTests.item(app, WindowIntakeTests.socialSecurityCard)
            let listed = try await browser.get("/desk/walk-in/items?for=\(person)&q=\("社会保障卡".formEncoded)").body.string
            #expect(listed.contains("/apply?item=\(item.code)&amp;for=\(person)"))

            let form = try await browser.get("/apply?item=\(item.code)&for=\(person)")
            #expect(form.status == .ok && form.body.string.contains("为 张晓明") && form.body.string.contains("name=\"present\""))
            var fields = ["item": item.code, "for": person.uuidString, "present": "yes"]
            for (key, value) in Flow.fill(item.form, app: app) { fields["f_\(key)"] = value }
            let submitted = try await browser.postMultipart("/apply", fields, files: [:])
            #expect(submitted.status == .seeOther, "\(submitted.body.string.prefix(2000))")
            let location = try #require(submitted.headers.first(name: .location))
            let id = try #require(UUID(uuidString: String(location.dropFirst("/applications/".count).prefix(36))))
            let application = try #require(try await ApplicationRecord.find(id, on: app.db))
            #expect(application.applicantID == person && application.applicantPresent && application.visits == 1)
            #expect(application.hallTicketID == ticket.id && application.takenIn == "330106" && application.channel == .window)

            let desk = try await browser.get("/halls/\(hall.id)/desk").body.string
            #expect(desk.contains(try #require(application.number)) && desk.contains("此号已办理的申请"))
            // the person's own list has it, made for them at the window
            let mine = try await Flow.get(app, id, try await app.token(app.demoPersonLogin))
            #expect(mine.status == "submitted" || mine.status == "accepted")
        }
    }
}
