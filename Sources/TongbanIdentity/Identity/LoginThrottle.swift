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
        if db.isPostgres {
            try await reserveOnPostgres(attempt, since: since, config: config, on: db, now: now)
            return try attempt.requireID()
        }
        try await reserveOnSQLite(attempt, since: since, config: config, on: db, now: now)
        return try attempt.requireID()
    }

    private struct Decided: Decodable {
        let locked: Bool
        let login_count: Int
        let login_oldest: Date?
        let client_count: Int
        let client_oldest: Date?
        let inserted: Bool
    }

    /// PostgreSQL: one round trip, `tongban_login_reserve` (migration 35) — the login's advisory
    /// lock, then both limits counted and the attempt stored, each statement after the lock so it
    /// sees every earlier decision; a commit that need not wait for the disk (a counter of
    /// attempts, not a record anyone was told is kept: a crash forgets at most the last few).
    private static func reserveOnPostgres(
        _ attempt: LoginFailure, since: Date, config: TongbanConfiguration, on db: any Database, now: Date
    ) async throws {
        let decided = try await db.sql.raw(
            """
            SELECT * FROM tongban_login_reserve(\(bind: try attempt.requireID()), \(bind: attempt.loginKey), \(bind: attempt.clientAddress ?? ""),
              \(bind: now), \(bind: since), \(bind: config.loginFailureLimit)::int, \(bind: config.clientFailureLimit)::int)
            """
        ).first(decoding: Decided.self)
        guard let decided else { throw Abort(.internalServerError, reason: "tongban_login_reserve answered nothing") }
        // a login another attempt is being decided for is refused at once rather than queued: no
        // one signs in to one account twice in the same instant, and a queue of guesses would hold
        // the pool's connections
        guard decided.locked else { throw tooMany(retryAfter: 1) }
        guard !decided.inserted else { return }
        func wait(_ oldest: Date?) -> Int {
            max(1, Int((oldest ?? now).addingTimeInterval(config.loginFailureWindow).timeIntervalSince(now).rounded(.up)))
        }
        throw tooMany(
            retryAfter: decided.login_count >= config.loginFailureLimit ? wait(decided.login_oldest) : wait(decided.client_oldest))
    }

    /// SQLite: one statement, stored only while both limits leave room (a statement is atomic,
    /// and writes queue at the gate, so two attempts never both see the last free place). Only a
    /// refusal reads again, to say how long to wait.
    private static func reserveOnSQLite(
        _ attempt: LoginFailure, since: Date, config: TongbanConfiguration, on db: any Database, now: Date
    ) async throws {
        let id = try attempt.requireID()
        let login = attempt.loginKey
        let client = attempt.clientAddress
        let loginLimit = config.loginFailureLimit
        let clientLimit = config.clientFailureLimit
        let stored = try await db.writeAlone { db in
            try await db.sql.raw(
                """
                INSERT INTO login_failures (id, login_key, at, client_address)
                SELECT \(bind: id), \(bind: login), \(bind: now), \(bind: client)
                WHERE (SELECT count(*) FROM (SELECT 1 FROM login_failures WHERE login_key = \(bind: login) AND at > \(bind: since)
                    LIMIT \(bind: loginLimit))) < \(bind: loginLimit)
                  AND (\(bind: client == nil) OR (SELECT count(*) FROM (SELECT 1 FROM login_failures
                    WHERE client_address = \(bind: client) AND at > \(bind: since) LIMIT \(bind: clientLimit))) < \(bind: clientLimit))
                RETURNING id
                """
            ).all().count
        }
        guard stored == 0 else { return }
        if let wait = try await retryAfter(
            LoginFailure.query(on: db).filter(\.$loginKey == login), since: since, limit: loginLimit, config: config, now: now)
        {
            throw tooMany(retryAfter: wait)
        }
        if let client,
            let wait = try await retryAfter(
                LoginFailure.query(on: db).filter(\.$clientAddress == client), since: since, limit: clientLimit, config: config, now: now)
        {
            throw tooMany(retryAfter: wait)
        }
        // the failures that refused it left the window in between: a second later it is decided afresh
        throw tooMany(retryAfter: 1)
    }

    /// The password was right: the attempt does not count.
    package static func release(_ reservation: UUID, on db: any Database) async throws {
        // one statement, as the reservation
        try await db.writeAlone { db in
            try await db.sql.raw("DELETE FROM login_failures WHERE id = \(bind: reservation)").run()
        }
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

/// 35. PostgreSQL: a sign-in's reservation decided in one round trip (`LoginThrottle`). The
/// function lives in the schema the migration runs in, beside the table it counts.
package struct CreateLoginReserveFunction: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        guard database.isPostgres else { return }
        try await database.sql.raw(
            """
            CREATE OR REPLACE FUNCTION tongban_login_reserve(
              p_id uuid, p_login text, p_client text, p_at timestamptz, p_since timestamptz, p_login_limit int, p_client_limit int)
            RETURNS TABLE(locked boolean, login_count int, login_oldest timestamptz, client_count int, client_oldest timestamptz, inserted boolean)
            LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM set_config('synchronous_commit', 'off', true);
              -- advisory locks are the server's, not the schema's: the schema is part of the key
              IF NOT pg_try_advisory_xact_lock(hashtext('login:' || p_login || ' ' || current_schema())) THEN
                RETURN QUERY SELECT false, 0, NULL::timestamptz, 0, NULL::timestamptz, false;
                RETURN;
              END IF;
              SELECT count(*)::int, min(r.at) INTO login_count, login_oldest FROM (
                SELECT f.at FROM login_failures f WHERE f.login_key = p_login AND f.at > p_since ORDER BY f.at DESC LIMIT p_login_limit) r;
              client_count := 0;
              client_oldest := NULL;
              IF p_client <> '' THEN
                SELECT count(*)::int, min(c.at) INTO client_count, client_oldest FROM (
                  SELECT f.at FROM login_failures f WHERE f.client_address = p_client AND f.at > p_since ORDER BY f.at DESC
                  LIMIT p_client_limit) c;
              END IF;
              locked := true;
              inserted := login_count < p_login_limit AND client_count < p_client_limit;
              IF inserted THEN
                INSERT INTO login_failures (id, login_key, at, client_address) VALUES (p_id, p_login, p_at, NULLIF(p_client, ''));
              END IF;
              RETURN NEXT;
            END
            $$
            """
        ).run()
    }

    package func revert(on database: any Database) async throws {
        guard database.isPostgres else { return }
        try await database.sql.raw("DROP FUNCTION IF EXISTS tongban_login_reserve(uuid, text, text, timestamptz, timestamptz, int, int)")
            .run()
    }
}
