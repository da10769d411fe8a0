import Fluent
import Foundation
import Testing
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// A tiny browser: keeps cookies, reads the CSRF field out of forms, posts forms.
final class Browser: @unchecked Sendable {
    let app: Application
    var cookies: [String: String] = [:]
    var language = "zh-CN"

    init(_ app: Application) { self.app = app }

    @discardableResult
    func get(_ path: String) async throws -> TestingHTTPResponse {
        let response = try await app.send(.GET, path, headers: headers())
        keep(response)
        return response
    }

    @discardableResult
    func post(_ path: String, _ fields: [String: String], csrf: String? = nil) async throws -> TestingHTTPResponse {
        var form = fields
        form["_csrf"] = csrf ?? cookies[CSRFMiddleware.cookieName] ?? ""
        let body = form.map { "\($0.key.formEncoded)=\($0.value.formEncoded)" }.joined(separator: "&")
        var headers = headers()
        headers.contentType = .urlEncodedForm
        let response = try await app.send(.POST, path, headers: headers, raw: body)
        keep(response)
        return response
    }

    /// Posts a form as a browser does when it has file fields: multipart/form-data, each file with
    /// its name and type.
    @discardableResult
    func postMultipart(_ path: String, _ fields: [String: String], files: [String: (filename: String, type: String, bytes: String)])
        async throws -> TestingHTTPResponse
    {
        let boundary = "----tongban-test-\(UUID().uuidString)"
        var form = fields
        form["_csrf"] = cookies[CSRFMiddleware.cookieName] ?? ""
        var body = ""
        for (name, value) in form.sorted(by: { $0.key < $1.key }) {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        for (name, file) in files.sorted(by: { $0.key < $1.key }) {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(file.filename)\"\r\n"
            body += "Content-Type: \(file.type)\r\n\r\n\(file.bytes)\r\n"
        }
        body += "--\(boundary)--\r\n"
        var headers = headers()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        let response = try await app.send(.POST, path, headers: headers, raw: body)
        keep(response)
        return response
    }

    private func headers() -> HTTPHeaders {
        var headers = HTTPHeaders()
        if !cookies.isEmpty { headers.add(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        headers.add(name: .acceptLanguage, value: language)
        return headers
    }

    private func keep(_ response: TestingHTTPResponse) {
        for (name, cookie) in response.headers.setCookie?.all ?? [:] {
            if cookie.expires.map({ $0 < app.clock.now() }) == true || cookie.maxAge == 0 {
                cookies[name] = nil
            } else {
                cookies[name] = cookie.string
            }
        }
    }
}

extension String {
    var formEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? self
    }
}

@Suite("web pages")
struct WebPagesTests {
    @Test("home, catalog, login and registration pages render in Chinese and in English", arguments: TestDatabase.available)
    func pages(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let browser = Browser(app)
            for path in ["/", "/catalog", "/login", "/register", "/register/person", "/register/enterprise"] {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.body.string.contains("<html lang=\"zh-CN\">"), "\(path)")
                #expect(page.body.string.contains("viewport"), "\(path)")
                #expect(!page.body.string.contains("http://") && !page.body.string.contains("https://"), "\(path) links outside")
            }
            #expect(try await browser.get("/").body.string.contains("一网通办"))
            let english = try await browser.get("/lang/en?back=/login")
            #expect(english.status == .seeOther && english.headers.first(name: .location) == "/login")
            let login = try await browser.get("/login")
            #expect(login.body.string.contains("<html lang=\"en\">") && login.body.string.contains("Sign in to Tongban"))
            #expect(try await browser.get("/lang/en?back=//evil.example").headers.first(name: .location) == "/")
        }
    }

    @Test("L4: /lang's back never leaves the site, however it is encoded; a local page with a query keeps its place")
    func languageRedirect() async throws {
        try await withTongban(.sqlite) { app, _ in
            func location(_ back: String) async throws -> String? {
                try await app.send(.GET, "/lang/en?back=" + back).headers.first(name: .location)
            }
            // the review's request, and its relatives: TAB, CR, LF, backslash, unicode spaces, format characters
            for hostile in [
                "/%09/evil.example", "/%0d/evil.example", "/%0a/evil.example", "/%5Cevil.example", "/%5C/evil.example",
                "%2F%2Fevil.example", "//evil.example", "/%E3%80%80/evil.example", "/%E2%80%8B/evil.example", "https://evil.example",
                "evil.example", "/%20/evil.example", "",
            ] {
                #expect(try await location(hostile) == "/", "\(hostile)")
            }
            #expect(try await location("/catalog%3Fq%3D%E5%A4%B1%E4%B8%9A") == "/catalog?q=%E5%A4%B1%E4%B8%9A")
            #expect(try await location("/applications/1%3Fdone%3Dsubmitted") == "/applications/1?done=submitted")
            // generated: whatever bytes are sent, the answer is a path of this site a browser cannot read as another host
            var rng = Xorshift(state: 0x1A46_0D1E)
            let pieces = [
                "/", "\\", "%09", "%0A", "%5C", "%2F", "a", ".", "%E3%80%80", "%E2%80%8B", "?", "=", "%25", "@", ":", "evil.example",
            ]
            for _ in 0..<300 {
                let back = (0..<Int.random(in: 1...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                let sent = try #require(try await location(back), "\(back)")
                #expect(sent.hasPrefix("/") && !sent.hasPrefix("//") && !sent.contains("\\"), "\(back) → \(sent)")
                #expect(!sent.unicodeScalars.contains { $0.value < 0x21 || $0.value > 0x7E }, "\(back) → \(sent)")
            }
        }
    }

    @Test("every form carries a CSRF token; a post without it is refused and changes nothing", arguments: TestDatabase.available)
    func csrf(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let browser = Browser(app)
            let page = try await browser.get("/register/person")
            let token = try #require(browser.cookies[CSRFMiddleware.cookieName])
            #expect(page.body.string.contains("name=\"_csrf\" value=\"\(token)\""))
            let before = try await WriteCounts.read(app)
            let fields = [
                "name": "王五", "identityNumber": "11010519491231002X", "mobile": "13912345678", "password": "Wangwu-pass-1",
                "passwordConfirm": "Wangwu-pass-1",
            ]
            let forged = try await browser.post("/register/person", fields, csrf: "forged-token-forged-token-forged-token-abc")
            #expect(forged.status == .forbidden)
            let noCookie = Browser(app)
            #expect(try await noCookie.post("/login", ["login": "admin", "password": demoPassword], csrf: token).status == .forbidden)
            #expect(try await WriteCounts.read(app) == before)
            let accepted = try await browser.post("/register/person", fields)
            #expect(accepted.status == .seeOther && accepted.headers.first(name: .location) == "/account?done=registered")
            let account = try await browser.get("/account?done=registered")
            #expect(account.body.string.contains("王五") && account.body.string.contains("注册成功"))
        }
    }

    @Test("sign in and out with a database session; sessions expire", arguments: TestDatabase.available)
    func sessions(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let browser = Browser(app)
            try await browser.get("/login")
            let wrong = try await browser.post("/login", ["login": "clerk", "password": "nope-nope-nope-1"])
            #expect(wrong.status == .unauthorized && wrong.body.string.contains("账号或密码不正确"))
            let signedIn = try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            #expect(signedIn.status == .seeOther)
            #expect(browser.cookies[SessionAuthenticator.cookieName] != nil)
            let account = try await browser.get("/account")
            #expect(account.status == .ok && account.body.string.contains("王晓窗") && account.body.string.contains("综合窗口"))
            #expect(try await WebSession.query(on: app.db).count() == 1)

            // idle for longer than 30 minutes: signed out
            let session = try #require(try await WebSession.query(on: app.db).first())
            session.lastSeenAt = app.clock.now().addingTimeInterval(-31 * 60)
            try await session.update(on: app.db)
            #expect(try await browser.get("/account").headers.first(name: .location) == "/login")
            #expect(try await WebSession.query(on: app.db).count() == 0)

            // past the absolute lifetime: signed out too
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            let second = try #require(try await WebSession.query(on: app.db).first())
            second.expiresAt = app.clock.now().addingTimeInterval(-1)
            try await second.update(on: app.db)
            #expect(try await browser.get("/account").headers.first(name: .location) == "/login")

            // sign out ends the session in the database
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            #expect(try await browser.get("/account").status == .ok)
            #expect(try await browser.post("/logout", [:]).status == .seeOther)
            #expect(try await WebSession.query(on: app.db).count() == 0)
            #expect(try await browser.get("/account").headers.first(name: .location) == "/login")
        }
    }

    @Test("registration form errors name the field and keep what was typed, except passwords")
    func formErrors() async throws {
        try await withTongban(.sqlite) { app, _ in
            let browser = Browser(app)
            try await browser.get("/register/enterprise")
            let response = try await browser.post(
                "/register/enterprise",
                [
                    "name": "示例<b>公司</b>", "creditCode": "91330000142916567X",
                    "legalRepresentative": "", "password": "Short1", "passwordConfirm": "Short1",
                ])
            #expect(response.status == .unprocessableEntity)
            let html = response.body.string
            #expect(html.contains("统一社会信用代码校验位不正确"))
            #expect(html.contains("请填写法定代表人"))
            #expect(html.contains("示例&lt;b&gt;公司&lt;/b&gt;"))
            #expect(!html.contains("Short1"))
        }
    }

    @Test("the password change form: mismatch, wrong current password, success")
    func passwordChange() async throws {
        try await withTongban(.sqlite) { app, _ in
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "data", "password": demoPassword])
            let mismatch = try await browser.post(
                "/account/password",
                ["currentPassword": demoPassword, "newPassword": "New-password-42", "newPasswordConfirm": "New-password-43"])
            #expect(mismatch.status == .unprocessableEntity && mismatch.body.string.contains("两次输入的密码不一致"))
            let wrong = try await browser.post(
                "/account/password",
                ["currentPassword": "Not-the-one-1", "newPassword": "New-password-42", "newPasswordConfirm": "New-password-42"])
            #expect(wrong.status == .unprocessableEntity && wrong.body.string.contains("当前密码不正确"))
            let done = try await browser.post(
                "/account/password",
                ["currentPassword": demoPassword, "newPassword": "New-password-42", "newPasswordConfirm": "New-password-42"])
            #expect(done.headers.first(name: .location) == "/account?done=password")
            #expect(try await browser.get("/account").status == .ok)
            #expect(try await app.send(.POST, "/api/v1/auth/login", json: ["login": "data", "password": "New-password-42"]).status == .ok)
        }
    }

    @Test(
        "the staff page: system admins list and add staff of their region, supervisors only list, others are refused",
        arguments: TestDatabase.available)
    func staffPage(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            #expect(try await Browser(app).get("/admin/staff").headers.first(name: .location) == "/login")

            let reviewer = Browser(app)
            try await reviewer.get("/login")
            try await reviewer.post("/login", ["login": "reviewer.amr", "password": demoPassword])
            #expect(try await reviewer.get("/admin/staff").status == .forbidden)
            #expect(!(try await reviewer.get("/account").body.string.contains("/admin/staff")))

            let supervisor = Browser(app)
            try await supervisor.get("/login")
            try await supervisor.post("/login", ["login": "supervisor", "password": demoPassword])
            let listed = try await supervisor.get("/admin/staff")
            #expect(listed.status == .ok && listed.body.string.contains("陈审批") && !listed.body.string.contains("action=\"/admin/staff\""))
            #expect(
                try await supervisor.post("/admin/staff", ["username": "x.y", "displayName": "某人", "password": "Staff-password-1"]).status
                    == .forbidden)

            let admin = Browser(app)
            try await admin.get("/login")
            try await admin.post("/login", ["login": "admin", "password": demoPassword])
            let page = try await admin.get("/admin/staff")
            #expect(page.status == .ok && page.body.string.contains("action=\"/admin/staff\"") && page.body.string.contains("杭州市西湖区卫生健康局"))
            let health = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区卫生健康局").first())

            let before = try await WriteCounts.read(app)
            let missing = try await admin.post(
                "/admin/staff",
                [
                    "username": "new.reviewer", "displayName": "新审批", "departmentID": health.id!.uuidString,
                    "password": "Staff-password-1",
                ])
            #expect(
                missing.status == .unprocessableEntity && missing.body.string.contains("请至少选择一个角色")
                    && missing.body.string.contains("new.reviewer"))
            #expect(try await WriteCounts.read(app) == before)

            let body =
                "username=new.reviewer&displayName=%E6%96%B0%E5%AE%A1%E6%89%B9&departmentID=\(health.id!.uuidString)"
                + "&roles%5B%5D=reviewer&roles%5B%5D=supervisor&password=Staff-password-1&_csrf=\(admin.cookies[CSRFMiddleware.cookieName] ?? "")"
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            headers.add(name: .cookie, value: admin.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            let created = try await app.send(.POST, "/admin/staff", headers: headers, raw: body)
            #expect(created.status == .seeOther && created.headers.first(name: .location) == "/admin/staff?done=created")
            let account = try #require(try await Account.query(on: app.db).filter(\.$loginKey == "staff:new.reviewer").first())
            #expect(Set(account.roles) == [.reviewer, .supervisor] && account.$department.id == health.id)
            #expect(try await admin.get("/admin/staff?done=created").body.string.contains("新审批"))
        }
    }
}
