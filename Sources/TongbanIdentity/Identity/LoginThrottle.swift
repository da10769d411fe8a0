import Fluent
import Foundation
import SQLKit
import TongbanPlatform
import Vapor

/// After `limit` failed sign-ins for one account within `window` — or `clientFailureLimit` from
/// one client address, whatever logins it tries — sign-ins are refused with 429 until the oldest
/// of those failures leaves the window. Kept in the database, so every server process sees the
/// same count; and an attempt is counted *before* its password is checked (reserved, then taken
/// back if the password was right), atomically per login, so sign-ins sent together cannot all
/// pass the check before any failure is stored.
package enum LoginThrottle {
    /// Counts an attempt on `loginKey` from `client`, or refuses it (429) when either is at its
    /// limit. Returns the reservation, to take back when the password is right.
    package static func reserve(loginKey: String, client: String?, config: TongbanConfiguration, on db: any Database, now: Date)
        async throws -> UUID
    {
        let since = now.addingTimeInterval(-config.loginFailureWindow)
        let attempt = LoginFailure(loginKey: loginKey, at: now, clientAddress: client)
        try await db.write { tx in
            if tx.isPostgres {
                // one decision at a time per login (SQLite writes are one at a time already); an
                // attempt on a login another is being decided for is refused at once rather than
                // queued: no one signs in to one account twice in the same instant, and a queue of
                // guesses would hold the pool's connections
                struct Locked: Decodable { let locked: Bool }
                // advisory locks are the server's, not the schema's: the schema is part of the key
                let lock = try await tx.sql.raw(
                    "SELECT pg_try_advisory_xact_lock(hashtext(\(bind: "login:" + loginKey + " ") || current_schema())) AS locked"
                )
                .first(decoding: Locked.self)
                guard lock?.locked == true else { throw tooMany(retryAfter: 1) }
            }
            if let wait = try await retryAfter(
                LoginFailure.query(on: tx).filter(\.$loginKey == loginKey), since: since, limit: config.loginFailureLimit, config: config,
                now: now)
            {
                throw tooMany(retryAfter: wait)
            }
            if let client,
                let wait = try await retryAfter(
                    LoginFailure.query(on: tx).filter(\.$clientAddress == client), since: since, limit: config.clientFailureLimit,
                    config: config,
                    now: now)
            {
                throw tooMany(retryAfter: wait)
            }
            try await attempt.create(on: tx)
        }
        return try attempt.requireID()
    }

    /// The password was right: the attempt does not count.
    package static func release(_ reservation: UUID, on db: any Database) async throws {
        try await db.write { tx in try await LoginFailure.query(on: tx).filter(\.$id == reservation).delete() }
    }

    /// Seconds to wait, or nil when a sign-in may be tried.
    private static func retryAfter(
        _ query: QueryBuilder<LoginFailure>, since: Date, limit: Int, config: TongbanConfiguration, now: Date
    ) async throws -> Int? {
        let recent = try await query.filter(\.$at > since).sort(\.$at, .descending).limit(limit).all()
        guard recent.count >= limit, let oldest = recent.last else { return nil }
        let wait = oldest.at.addingTimeInterval(config.loginFailureWindow).timeIntervalSince(now)
        return max(1, Int(wait.rounded(.up)))
    }

    package static func tooMany(retryAfter seconds: Int) -> TongbanError {
        TongbanError(
            status: .tooManyRequests, code: "auth.tooManyAttempts",
            arguments: ["minutes": String(max(1, (seconds + 59) / 60))], headers: ["Retry-After": String(seconds)])
    }
}
