import Fluent
import Foundation
import JWT
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Signing in: the throttle, the password check, the audit entries, and what a successful
/// sign-in hands out (a browser session, or an access and a refresh token).
package struct SignIn {
    /// The acting account is the one signing out or revoking; nobody while signing in.
    package let context: UseCaseContext
    package let passwords: TongbanPlatform.PasswordHasher
    /// Signs access tokens.
    package let tokenKeys: JWTKeyCollection
    /// Whether the session cookie is sent over HTTPS only (the request came in over HTTPS).
    package let secureCookies: Bool

    package var db: any Database { context.db }
    package var config: TongbanConfiguration { context.settings }
    private var now: Date { context.now }

    /// The account, or a refusal: 429 while throttled, 401 for a wrong login or password.
    package func authenticate(login: String?, password: String?) async throws -> Account {
        var errors = FieldErrors()
        let login = errors.text("login", login, maxLength: 64)
        if (password ?? "").isEmpty { errors.add("password", "field.required") }
        if (password ?? "").count > 128 { errors.add("password", "field.tooLong") }
        try errors.throwIfAny()
        guard let login, let password else { throw errors }

        let key = Account.loginKey(typed: login, keys: context.keys, today: context.today)
        // counted before the password is checked: requests sent together cannot all pass
        let reservation = try await LoginThrottle.reserve(loginKey: key, client: context.clientAddress, config: config, on: db, now: now)
        let account = try await Account.query(on: db).filter(\.$loginKey == key).first()
        // An unknown login costs the same bcrypt time as a known one, so timing reveals nothing.
        let matches = try await passwords.verify(password, against: account?.passwordHash ?? Self.decoyHash)
        guard let account, matches, account.status == .active else {
            // the reservation stays: it is the failure
            try await db.write { tx in
                try await AuditLog.append(
                    context.auditEvent(
                        "auth.signIn.failed", resource: account.map { "account:\($0.id?.uuidString ?? "")" } ?? "login:unknown",
                        details: account.map { $0.status == .active ? "wrong login or password" : "account \($0.status.rawValue)" }
                            ?? "wrong login or password"), on: tx, now: now)
            }
            throw TongbanError(status: .unauthorized, code: "auth.wrongCredentials")
        }
        try await LoginThrottle.release(reservation, on: db)
        return account
    }

    /// A bcrypt hash of a random string at the production cost, checked against when the login
    /// is unknown. Made once per process, on first use.
    package static let decoyHash: String = (try? Bcrypt.hash(SecretToken.make(), cost: 11)) ?? ""

    /// Starts a browser session and returns the cookie to set.
    package func startSession(for account: Account) async throws -> HTTPCookies.Value {
        let token = SecretToken.make()
        let id = try account.requireID()
        try await db.write { tx in
            try await WebSession(tokenHash: SecretToken.digest(token), accountID: id, now: now, lifetime: config.sessionLifetime)
                .create(on: tx)
            var event = context.auditEvent("auth.signIn", resource: "account:\(id)", details: "web session")
            event.actorID = id
            event.actorLabel = account.auditActorLabel
            event.regionCode = account.regionCode
            try await AuditLog.append(event, on: tx, now: now)
        }
        return Self.sessionCookie(token, maxAge: Int(config.sessionLifetime), secure: secureCookies)
    }

    package static func sessionCookie(_ token: String, maxAge: Int, secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, maxAge: maxAge, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }

    package func endSession(token: String?) async throws {
        guard let token, let account = context.account else { return }
        try await db.write { tx in
            try await WebSession.query(on: tx).filter(\.$id == SecretToken.digest(token)).delete()
            try await AuditLog.append(
                context.auditEvent("auth.signOut", resource: "account:\(try account.requireID())"), on: tx, now: now)
        }
    }

    package struct Tokens: Content {
        package let accessToken: String
        package let tokenType: String
        package let expiresIn: Int
        package let refreshToken: String
        package let refreshExpiresIn: Int
    }

    /// An access token and a new refresh token (of `family`, or of a new family for a new sign-in).
    package func issueTokens(for account: Account, family: UUID = UUID(), on tx: any Database) async throws -> Tokens {
        let id = try account.requireID()
        let payload = AccessTokenPayload(
            sub: .init(value: id.uuidString), exp: .init(value: now.addingTimeInterval(config.accessTokenLifetime)),
            iat: .init(value: now), kind: account.kind.rawValue, acr: AccessTokenPayload.acr(account.assurance))
        let access = try await tokenKeys.sign(payload)
        let refresh = SecretToken.make()
        try await RefreshToken(
            accountID: id, tokenHash: SecretToken.digest(refresh), family: family,
            expiresAt: now.addingTimeInterval(config.refreshTokenLifetime)
        ).create(on: tx)
        return Tokens(
            accessToken: access, tokenType: "Bearer", expiresIn: Int(config.accessTokenLifetime),
            refreshToken: refresh, refreshExpiresIn: Int(config.refreshTokenLifetime))
    }

    package func signInForTokens(_ account: Account) async throws -> Tokens {
        try await db.write { tx in
            let tokens = try await issueTokens(for: account, on: tx)
            var event = context.auditEvent("auth.signIn", resource: "account:\(try account.requireID())", details: "api token")
            event.actorID = account.id
            event.actorLabel = account.auditActorLabel
            event.regionCode = account.regionCode
            try await AuditLog.append(event, on: tx, now: now)
            return tokens
        }
    }

    /// Rotates a refresh token. A token used twice means it leaked: its whole family is revoked.
    package func refresh(_ token: String?) async throws -> Tokens {
        guard let token, !token.isEmpty, token.count <= 100 else { throw TongbanError.invalid(field: "refreshToken", "field.required") }
        let digest = SecretToken.digest(token)
        guard let stored = try await RefreshToken.query(on: db).filter(\.$tokenHash == digest).with(\.$account).first() else {
            throw TongbanError(status: .unauthorized, code: "auth.refreshInvalid")
        }
        if stored.revokedAt != nil {
            try await revokeFamily(stored.family, reason: "refresh token reused")
            throw TongbanError(status: .unauthorized, code: "auth.refreshInvalid")
        }
        guard stored.expiresAt > now, stored.account.status == .active else {
            throw TongbanError(status: .unauthorized, code: "auth.refreshInvalid")
        }
        return try await db.write { tx in
            // Only one of two concurrent refreshes may rotate the token.
            let claimed = try await tx.sql.update(RefreshToken.schema)
                .set("revoked_at", to: SQLBind(now))
                .where("id", .equal, SQLBind(try stored.requireID()))
                .where("revoked_at", .is, SQLLiteral.null)
                .returning("id").all()
            guard !claimed.isEmpty else { throw TongbanError(status: .unauthorized, code: "auth.refreshInvalid") }
            return try await issueTokens(for: stored.account, family: stored.family, on: tx)
        }
    }

    package func revoke(_ token: String?) async throws {
        guard let token, !token.isEmpty, token.count <= 100 else { throw TongbanError.invalid(field: "refreshToken", "field.required") }
        guard let stored = try await RefreshToken.query(on: db).filter(\.$tokenHash == SecretToken.digest(token)).first(),
            stored.$account.id == context.account?.id || context.account == nil
        else { throw TongbanError(status: .unauthorized, code: "auth.refreshInvalid") }
        try await revokeFamily(stored.family, reason: "signed out")
    }

    private func revokeFamily(_ family: UUID, reason: String) async throws {
        try await db.write { tx in
            try await RefreshToken.query(on: tx).filter(\.$family == family).filter(\.$revokedAt == nil).set(\.$revokedAt, to: now)
                .update()
            try await AuditLog.append(
                context.auditEvent("auth.tokensRevoked", resource: "tokenFamily:\(family)", details: reason), on: tx, now: now)
        }
    }
}

extension Request {
    package var signIn: SignIn {
        SignIn(context: context, passwords: application.passwords, tokenKeys: application.jwt.keys, secureCookies: isHTTPS)
    }
}
