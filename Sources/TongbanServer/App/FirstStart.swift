import Fluent
import Foundation
import SQLKit
import TongbanCases
import TongbanDelivery
import TongbanIdentity
import TongbanPlatform
import TongbanSupervision
import Vapor

extension Application {
    /// What `serve` does before it listens: migrate, and on SQLite seed the demo data into an
    /// empty database when no one else can reach it (listening on loopback) or when asked
    /// (TONGBAN_DEMO=on). On PostgreSQL demo accounts are never created by themselves: accounts
    /// with a published password must not appear on a server the world can reach.
    public func prepareForServing(keyFileCreated: Bool) async throws {
        try await autoMigrate()
        var logins: [DemoSeed.Login]?
        var notice: String?
        try await useWriteAheadLog()
        if tongban.database.isSQLite {
            if try await Account.query(on: db).count() == 0 {
                if tongban.seedDemo ?? tongban.listensOnLoopback {
                    logins = try await DemoSeed.run(app: self, db: db, regionsFolder: TongbanResources.regions, hallHistory: true)
                } else {
                    notice =
                        "empty database, listening on \(tongban.hostname): no demo accounts created (their password is public); "
                        + "TONGBAN_DEMO=on seeds them; otherwise set up as on PostgreSQL (README: import regions, department create, user create)"
                }
            }
        }
        // Built now rather than by the first search, which would otherwise wait for it (seconds
        // with a large catalog).
        _ = try await catalogIndex.index(on: db)
        AccountChanges.listen(self)
        AuditSequencer.schedule(self, every: tongban.auditBatchInterval)
        DeadlineWatch.schedule(self, every: tongban.deadlineWatchInterval)
        HandoffWatch.schedule(self, every: tongban.deadlineWatchInterval)
        SupervisionRollup.schedule(self, every: SupervisionRollup.interval)
        _ = try OutboxRelayLoop.start(self)
        var lines = ["", "Tongban 一网通办 — \(tongban.database.engineName)"]
        if keyFileCreated { lines.append("created secret keys: \(tongban.keyFile) (mode 0600; keep it, back it up)") }
        lines.append("open: \(tongban.baseURL)/")
        if let logins { lines.append(DemoSeed.banner(logins)) }
        if let notice { lines.append(notice) }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

extension DemoSeed {
    static func banner(_ logins: [Login]) -> String {
        var lines = ["demo logins (password for all: \(password)):"]
        for login in logins { lines.append("  \(login.login.padding(toLength: 20, withPad: " ", startingAt: 0))  \(login.who)") }
        return lines.joined(separator: "\n")
    }
}
