import Crypto
import Fluent
import JWT
import TongbanCore
import TongbanPlatform
import Vapor

/// The claims of an API access token. Short-lived; the account's status and version are read on
/// every request (`SignedInAccounts`), so a disabled account or changed roles take effect at once.
package struct AccessTokenPayload: JWTPayload {
    package var sub: SubjectClaim
    package var exp: ExpirationClaim
    package var iat: IssuedAtClaim
    package var kind: String
    /// How far the account's identity was proven when the token was issued (OpenID Connect's
    /// `acr`: `urn:tongban:loa:1` … `3`). Informative for the client: the server decides on the
    /// account's level as it stands.
    package var acr: String?
    /// RFC 8693's actor claim: the person acting for the enterprise `sub` names (经办人).
    package var act: ActorClaim?

    package struct ActorClaim: Codable, Sendable {
        package let sub: String
    }

    package init(sub: SubjectClaim, exp: ExpirationClaim, iat: IssuedAtClaim, kind: String, acr: String? = nil, act: ActorClaim? = nil) {
        self.sub = sub
        self.exp = exp
        self.iat = iat
        self.kind = kind
        self.acr = acr
        self.act = act
    }

    package static func acr(_ level: AssuranceLevel) -> String { "urn:tongban:loa:\(level.rawValue)" }

    /// The signature is checked by JWTKit; the expiry against the platform clock, by
    /// `BearerAuthenticator` (JWTKit would read the wall clock).
    package func verify(using algorithm: some JWTAlgorithm) async throws {}

    package func verifyNotExpired(at now: Date) throws {
        try exp.verifyNotExpired(currentDate: now)
    }
}

/// Signs a browser in from its session cookie. Sessions end after 30 idle minutes or 12 hours.
package struct SessionAuthenticator: AsyncMiddleware {
    package init() {}

    package static let cookieName = "tb_session"

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
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
                    if let enterpriseID = session.actingForID {
                        let enterprise = try await request.application.signedInAccounts.active(enterpriseID, on: request.db)
                        if let enterprise,
                            let agency = try await Agency.resolve(
                                person: session.account, enterprise: enterprise, on: request.application.clock.today, db: request.db)
                        {
                            request.currentAccount = enterprise
                            request.currentAgency = agency
                        } else {
                            // the mandate ended or was revoked: the person is themselves again
                            session.actingForID = nil
                            try await request.db.write { try await session.update(on: $0) }
                        }
                    }
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
package struct BearerAuthenticator: AsyncMiddleware {
    package init() {}

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
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
            if let act = payload.act {
                // a person acting for the enterprise: their own account, credentials and mandate, now
                guard let personID = UUID(uuidString: act.sub),
                    let person = try await request.application.signedInAccounts.active(personID, on: request.db),
                    payload.iat.value.timeIntervalSince1970 >= person.credentialsChangedAt.timeIntervalSince1970 - 0.001
                else {
                    throw TongbanError(status: .unauthorized, code: "auth.tokenInvalid", headers: ["WWW-Authenticate": "Bearer"])
                }
                guard
                    let agency = try await Agency.resolve(
                        person: person, enterprise: account, on: request.application.clock.today, db: request.db)
                else {
                    throw TongbanError(status: .unauthorized, code: "auth.mandateEnded", headers: ["WWW-Authenticate": "Bearer"])
                }
                request.currentAgency = agency
            }
        }
        return try await next.respond(to: request)
    }
}
