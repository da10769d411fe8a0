import Fluent
import Foundation
import SQLKit
import Testing
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("sign-in, tokens and throttling")
struct SignInTests {
    @Test("every demo account signs in and sees itself", arguments: TestDatabase.available)
    func demoAccounts(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            for login in [app.demoPersonLogin, app.demoEnterpriseLogin] + DemoSeed.staff.map(\.username) {
                let token = try await app.token(login)
                let me = try await app.send(.GET, "/api/v1/me", bearer: token)
                #expect(me.status == .ok, "\(login)")
            }
        }
    }

    @Test("a wrong password is a 401 and an audited failure", arguments: TestDatabase.available)
    func wrongPassword(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let response = try await app.send(.POST, "/api/v1/auth/login", json: ["login": "clerk", "password": "wrong-password-1"])
            #expect(response.status == .unauthorized)
            #expect(response.errorBody?.error.code == "auth.wrongCredentials")
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "auth.signIn.failed").count() == 1)
            let unknown = try await app.send(.POST, "/api/v1/auth/login", json: ["login": "nobody", "password": "wrong-password-1"])
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test("after 5 failures in 15 minutes: 429 with Retry-After, even with the right password", arguments: TestDatabase.available)
    func throttling(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            // the platform's clock held still: on a loaded machine five bcrypt checks may take a minute of real time
            app.clock = .stopped(at: app.clock.now())
            for _ in 0..<5 {
                #expect(
                    try await app.send(.POST, "/api/v1/auth/login", json: ["login": "clerk", "password": "guess-password-1"]).status
                        == .unauthorized)
            }
            let blocked = try await app.send(.POST, "/api/v1/auth/login", json: ["login": "clerk", "password": demoPassword])
            #expect(blocked.status == .tooManyRequests)
            let retry = Int(blocked.headers.first(name: "Retry-After") ?? "") ?? 0
            // the first failure leaves the 15-minute window in 900 s (counted up to whole seconds)
            #expect((15 * 60)...(15 * 60 + 1) ~= retry, "\(retry)")
            // other accounts are not affected
            #expect(try await app.send(.POST, "/api/v1/auth/login", json: ["login": "admin", "password": demoPassword]).status == .ok)
            // the web form is throttled alike (the count lives in the database, not in a process)
            let failures = try await LoginFailure.query(on: app.db).all()
            #expect(failures.count == 5)
            // when the window has passed, sign-in works again
            for failure in failures {
                failure.at = failure.at.addingTimeInterval(-15 * 60 - 1)
                try await failure.update(on: app.db)
            }
            #expect(try await app.send(.POST, "/api/v1/auth/login", json: ["login": "clerk", "password": demoPassword]).status == .ok)
        }
    }

    @Test("refresh rotates; a reused refresh token revokes its family; logout revokes", arguments: TestDatabase.available)
    func refreshAndRevocation(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let first = try await app.send(.POST, "/api/v1/auth/login", json: ["login": "supervisor", "password": demoPassword]).content
                .decode(SignIn.Tokens.self)
            let second = try await app.send(.POST, "/api/v1/auth/refresh", json: ["refreshToken": first.refreshToken])
            #expect(second.status == .ok)
            let rotated = try second.content.decode(SignIn.Tokens.self)
            #expect(rotated.refreshToken != first.refreshToken)
            #expect(try await app.send(.GET, "/api/v1/me", bearer: rotated.accessToken).status == .ok)

            // reuse of the old one: refused, and the new one dies with it
            #expect(try await app.send(.POST, "/api/v1/auth/refresh", json: ["refreshToken": first.refreshToken]).status == .unauthorized)
            #expect(try await app.send(.POST, "/api/v1/auth/refresh", json: ["refreshToken": rotated.refreshToken]).status == .unauthorized)

            // logout
            let again = try await app.send(.POST, "/api/v1/auth/login", json: ["login": "supervisor", "password": demoPassword]).content
                .decode(SignIn.Tokens.self)
            #expect(try await app.send(.POST, "/api/v1/auth/logout", json: ["refreshToken": again.refreshToken]).status == .noContent)
            #expect(try await app.send(.POST, "/api/v1/auth/refresh", json: ["refreshToken": again.refreshToken]).status == .unauthorized)
            #expect(try await app.send(.POST, "/api/v1/auth/refresh", json: ["refreshToken": "not-a-token"]).status == .unauthorized)
        }
    }

    @Test("bad, expired and superseded access tokens are refused", arguments: TestDatabase.available)
    func accessTokens(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            #expect(try await app.send(.GET, "/api/v1/me", bearer: "garbage").status == .unauthorized)
            let token = try await app.token("admin")
            var parts = token.split(separator: ".").map(String.init)
            parts[1] = parts[1].dropLast(2) + (parts[1].hasSuffix("A") ? "BB" : "AA")
            #expect(try await app.send(.GET, "/api/v1/me", bearer: parts.joined(separator: ".")).status == .unauthorized)
            #expect(try await app.send(.GET, "/api/v1/me").status == .unauthorized)

            // expired
            let expired = AccessTokenPayload(
                sub: .init(value: try await app.accountID(login: "admin").uuidString),
                exp: .init(value: app.clock.now().addingTimeInterval(-5)), iat: .init(value: app.clock.now().addingTimeInterval(-905)),
                kind: "staff")
            let signed = try await app.jwt.keys.sign(expired)
            #expect(try await app.send(.GET, "/api/v1/me", bearer: signed).status == .unauthorized)

            // a password change ends tokens issued before it
            let change = try await app.send(
                .POST, "/api/v1/me/password", json: ["currentPassword": demoPassword, "newPassword": "Brand-new-pass-2"], bearer: token)
            #expect(change.status == .noContent)
            #expect(try await app.send(.GET, "/api/v1/me", bearer: token).status == .unauthorized)
            #expect(
                try await app.send(.POST, "/api/v1/auth/login", json: ["login": "admin", "password": demoPassword]).status == .unauthorized)
            #expect(
                try await app.send(.POST, "/api/v1/auth/login", json: ["login": "admin", "password": "Brand-new-pass-2"]).status == .ok)
        }
    }

    @Test("a wrong current password does not change the password")
    func wrongCurrentPassword() async throws {
        try await withTongban(.sqlite) { app, _ in
            let token = try await app.token("clerk")
            let response = try await app.send(
                .POST, "/api/v1/me/password", json: ["currentPassword": "not-it-at-all-1", "newPassword": "Brand-new-pass-2"], bearer: token
            )
            #expect(response.status == .unprocessableEntity)
            #expect(response.errorBody?.error.details?.first?.field == "currentPassword")
            #expect(try await app.send(.POST, "/api/v1/auth/login", json: ["login": "clerk", "password": demoPassword]).status == .ok)
        }
    }

    @Test(
        "a reservation is stored while both limits leave room: the login's limit, the address's, a place given back, the wait until the oldest leaves the window",
        arguments: TestDatabase.available)
    func reservations(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            let config = app.tongban
            let start = app.clock.now()
            func reserve(_ login: String, _ client: String?, at offset: TimeInterval = 0) async throws -> UUID {
                try await LoginThrottle.reserve(loginKey: login, client: client, config: config, on: app.db, now: start + offset)
            }
            func refusal(_ login: String, _ client: String?, at offset: TimeInterval) async -> TongbanError? {
                do {
                    _ = try await reserve(login, client, at: offset)
                    return nil
                } catch { return error as? TongbanError }
            }
            var first: UUID?
            for attempt in 0..<config.loginFailureLimit {
                let id = try await reserve("someone", nil, at: Double(attempt))
                if attempt == 0 { first = id }
            }
            let refused = await refusal("someone", nil, at: 10)
            #expect(refused?.code == "auth.tooManyAttempts")
            // the wait: until the oldest of the five leaves the window
            let wait: Int? = refused?.headers.first(name: "Retry-After").flatMap { Int($0) }
            let untilOldestLeaves: Int = Int(config.loginFailureWindow) - 10
            // whole seconds, rounded up (the stored time may be a hair past the one given)
            #expect(wait.map { (untilOldestLeaves...untilOldestLeaves + 1).contains($0) } == true)
            // a right password gives its place back
            try await LoginThrottle.release(try #require(first), on: app.db)
            _ = try await reserve("someone", nil, at: 11)
            #expect(await refusal("someone", nil, at: 12) != nil)
            // past the window, a place again; other logins are not held up by this one
            _ = try await reserve("someone", nil, at: config.loginFailureWindow + 1)
            _ = try await reserve("someone-else", nil, at: 12)

            // one address trying many logins
            for index in 0..<config.clientFailureLimit {
                _ = try await reserve("login-\(index)", "192.0.2.7", at: 20)
            }
            #expect(await refusal("login-new", "192.0.2.7", at: 21)?.code == "auth.tooManyAttempts")
            _ = try await reserve("login-new", "192.0.2.8", at: 21)
            let stored = try await LoginFailure.query(on: app.db).count()
            let expected: Int = config.loginFailureLimit + 2 + config.clientFailureLimit + 1
            #expect(stored == expected)
        }
    }
}
