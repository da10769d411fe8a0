import Crypto
import Fluent
import JWT
import TongbanCore
import Vapor

/// The claims of an API access token. Short-lived; the account's status and version are read on
/// every request (`SignedInAccounts`), so a disabled account or changed roles take effect at once.
struct AccessTokenPayload: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var kind: String

    /// The signature is checked by JWTKit; the expiry against the platform clock, by
    /// `BearerAuthenticator` (JWTKit would read the wall clock).
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    func verifyNotExpired(at now: Date) throws {
        try exp.verifyNotExpired(currentDate: now)
    }
}

extension Request {
    private struct AccountKey: StorageKey { typealias Value = Account }

    /// The signed-in account of this request, if any.
    var currentAccount: Account? {
        get { storage[AccountKey.self] }
        set { storage[AccountKey.self] = newValue }
    }

    var currentActor: Actor? { try? currentAccount?.actor }

    func requireAccount() throws -> Account {
        guard let account = currentAccount else { throw TongbanError.denied(.loginRequired) }
        return account
    }
}

enum SecretToken {
    /// 256 random bits, URL-safe.
    static func make() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the database keeps of a token: its SHA-256.
    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hex
    }
}

extension Digest {
    var hex: String { Array(self).hex }
}

/// Signs a browser in from its session cookie. Sessions end after 30 idle minutes or 12 hours.
struct SessionAuthenticator: AsyncMiddleware {
    static let cookieName = "tb_session"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let token = request.cookies[Self.cookieName]?.string, !token.isEmpty, token.count <= 100 {
            let config = request.application.tongban
            let now = request.now
            if let session = try await WebSession.query(on: request.db).filter(\.$id == SecretToken.digest(token))
                .with(\.$account).first()
            {
                if session.expiresAt <= now || session.lastSeenAt.addingTimeInterval(config.sessionIdleTimeout) <= now
                    || session.account.status != .active
                {
                    try await request.db.write { try await session.delete(on: $0) }
                } else {
                    request.currentAccount = session.account
                    // One write a minute is enough to keep an active session alive.
                    if now.timeIntervalSince(session.lastSeenAt) > 60 {
                        session.lastSeenAt = now
                        try await request.db.write { try await session.update(on: $0) }
                    }
                }
            }
        }
        return try await next.respond(to: request)
    }
}

/// Signs an API client in from `Authorization: Bearer <access token>`. A header that is present
/// but wrong is refused outright rather than treated as anonymous.
struct BearerAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization {
            let payload: AccessTokenPayload
            do {
                payload = try await request.jwt.verify(bearer.token, as: AccessTokenPayload.self)
                try payload.verifyNotExpired(at: request.now)
            } catch {
                throw TongbanError(status: .unauthorized, code: "auth.tokenInvalid", headers: ["WWW-Authenticate": "Bearer"])
            }
            guard let id = UUID(uuidString: payload.sub.value),
                let account = try await request.application.signedInAccounts.active(id, on: request.db),
                // Tokens issued before a password change are void.
                payload.iat.value.timeIntervalSince1970 >= account.credentialsChangedAt.timeIntervalSince1970 - 0.001
            else {
                throw TongbanError(status: .unauthorized, code: "auth.tokenInvalid", headers: ["WWW-Authenticate": "Bearer"])
            }
            request.currentAccount = account
        }
        return try await next.respond(to: request)
    }
}
