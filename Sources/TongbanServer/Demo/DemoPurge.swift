import Fluent
import Foundation
import SQLKit
import TongbanCases
import TongbanCore
import TongbanHall
import TongbanIdentity
import TongbanPlatform
import TongbanSupervision
import Vapor

/// `tongban demo purge`: takes a database that began as a demo back to real figures only. Every
/// sample row goes, and with `accounts` the demo accounts (whose password is published) are
/// closed; the supervision figures are recomputed from what is left; all in one transaction,
/// recorded in the audit trail. A database never seeded as a demo is left alone.
enum DemoPurge {
    struct Summary: Sendable, Equatable {
        var applications = 0
        var cases = 0
        var reuses = 0
        var tickets = 0
        var sessions = 0
        var accounts = 0
        var daysRecomputed = 0
    }

    enum Refusal: Error, Equatable {
        /// No `seed.demo` entry in the audit trail: this database never held demo data.
        case neverADemo
    }

    static func began(on db: any Database) async throws -> Bool {
        try await AuditEntry.query(on: db).filter(\.$action == "seed.demo").count() > 0
    }

    static func run(app: Application, accounts closeAccounts: Bool, now: Date) async throws -> Summary {
        guard try await began(on: app.db) else { throw Refusal.neverADemo }
        let demoLogins = closeAccounts ? demoLoginKeys(app) : []
        // a hash of a secret nobody keeps: the published demo password no longer signs in
        let unusable = try await app.hashPassword(UUID().uuidString + UUID().uuidString)
        return try await app.db.write { tx in
            var summary = Summary()
            let sql = tx.sql
            let sampleApplications: SQLQueryString = "SELECT id FROM applications WHERE sample"
            // what hangs on a sample application (nothing should: nobody can act as its applicant)
            for table in [CaseEvent.schema, ReviewTask.schema, StoredMaterial.schema, ApplicationVisit.schema] {
                try await sql.raw("DELETE FROM \(ident: table) WHERE application_id IN (\(sampleApplications))").run()
            }
            summary.reuses = try await deleteSamples(MaterialReuse.schema, on: sql)
            summary.cases = try await deleteSamples(CaseRow.schema, on: sql)
            summary.applications = try await deleteSamples(ApplicationRecord.schema, on: sql)
            summary.tickets = try await deleteSamples(HallTicket.schema, on: sql)
            summary.sessions = try await deleteSamples(WindowSession.schema, on: sql)
            if !demoLogins.isEmpty {
                summary.accounts = try await close(loginKeys: demoLogins, passwordHash: unusable, on: tx)
            }
            // the figures again from what is left, every day of them
            for table in SampleTables.rollups {
                try await sql.raw("DELETE FROM \(ident: table)").run()
            }
            try await sql.raw("DELETE FROM supervision_marks").run()
            summary.daysRecomputed = try await SupervisionRollup.refresh(on: tx, now: now).days
            let details =
                "\(summary.applications) applications, \(summary.cases) cases, \(summary.reuses) reuses, "
                + "\(summary.tickets) tickets, \(summary.sessions) window sessions, \(summary.accounts) demo accounts closed"
            try await AuditLog.append(
                AuditEvent(
                    actorID: nil, actorLabel: "system:operator", action: "demo.purge", resource: "database",
                    details: details), on: tx, now: now)
            return summary
        }
    }

    /// Deletes a table's sample rows; how many there were.
    private static func deleteSamples(_ table: String, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("DELETE FROM \(ident: table) WHERE sample RETURNING 1 AS deleted").all().count
    }

    /// Closes the demo accounts: disabled, their password unusable, signed out everywhere. They
    /// are kept, not deleted: timelines, audit entries and records made while trying the demo
    /// name them.
    private static func close(loginKeys: [String], passwordHash: String, on tx: any Database) async throws -> Int {
        let accounts = try await Account.query(on: tx).filter(\.$loginKey ~~ loginKeys).filter(\.$status == .active).all()
        for account in accounts {
            let id = try account.requireID()
            try await WebSession.query(on: tx).filter(\.$account.$id == id).delete()
            try await RefreshToken.query(on: tx).filter(\.$account.$id == id).delete()
            account.status = .disabled
            account.passwordHash = passwordHash
            try await account.save(on: tx)
        }
        return accounts.count
    }

    /// The login keys of the accounts the demo seed creates.
    static func demoLoginKeys(_ app: Application) -> [String] {
        var keys = (DemoSeed.staff.map(\.username) + DemoSeed.bundleReviewers.map(\.username)).map { Account.loginKey(staffUsername: $0) }
        if let code = CreditCode.completing(DemoSeed.enterpriseCodeStem) {
            keys.append(Account.loginKey(creditCode: code))
        }
        for stem in [DemoSeed.personIDStem, DemoSeed.representativeIDStem] {
            if let number = IdentityNumber.completing(stem, today: app.today) {
                keys.append(Account.loginKey(identityNumberHash: app.keys.lookupHash(number.value, field: "identity_number")))
            }
        }
        return keys
    }
}

/// `tongban demo purge [--accounts]`.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "purge: remove every sample row of the demo and recompute the figures")
        var action: String
        @Flag(name: "accounts", help: "Also close the demo accounts (their password is published)")
        var accounts: Bool
    }
    var help: String { "Demo data: `tongban demo purge [--accounts]` removes the sample rows a demo database was seeded with." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "purge" else {
            context.console.error("unknown demo action \"\(signature.action)\"; known: purge")
            throw ExitCode(1)
        }
        let app = context.application
        try await app.autoMigrate()
        do {
            let s = try await DemoPurge.run(app: app, accounts: signature.accounts, now: app.clock.now())
            let removed =
                "removed \(s.applications) sample applications (\(s.cases) cases, \(s.reuses) material reuses), "
                + "\(s.tickets) simulated tickets, \(s.sessions) window sessions"
            context.console.print(removed + "; figures recomputed for \(s.daysRecomputed) days")
            if signature.accounts {
                context.console.print("closed \(s.accounts) demo accounts (disabled, signed out, password removed)")
            }
        } catch DemoPurge.Refusal.neverADemo {
            context.console.error("this database was never seeded with demo data (no seed.demo in its audit trail); nothing changed")
            throw ExitCode(1)
        }
    }
}
