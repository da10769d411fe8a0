import Fluent
import Foundation
import Testing
import TongbanPlatform
import Vapor
@testable import TongbanCore
@testable import TongbanServer

/// The operators' commands, run as `tongban …` would run them.
@Suite("operator commands")
struct CommandsTests {
    func run(_ app: Application, _ arguments: String...) async throws {
        app.environment.arguments = ["tongban"] + arguments
        try await app.execute()
    }

    @Test("import regions, create a department and a staff member, verify the audit trail", arguments: TestDatabase.available)
    func operatorFlow(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            // regions of one province from the bundled reference data; a second run adds nothing
            try await run(app, "import", "regions", TongbanResources.regions, "--province", "11")
            let beijing = try await Region.query(on: app.db).count()
            let chaoyang = try await Region.find("110105", on: app.db)
            #expect(beijing > 300 && chaoyang?.name == "朝阳区")
            try await run(app, "import", "regions", TongbanResources.regions, "--province", "11")
            #expect(try await Region.query(on: app.db).count() == beijing)
            // a city without counties is listed twice in the reference data (东莞市 as a city and among the counties): imported once
            try await run(app, "import", "regions", TongbanResources.regions, "--province", "44")
            #expect(try await Region.find("441900", on: app.db)?.name == "东莞市")
            #expect(try await Region.query(on: app.db).filter(\.$id == "441900").count() == 1)

            let code = CreditCode.completing("11110105MB0123456")!.value
            try await run(app, "department", "create", "--credit-code", code, "--name", "朝阳区政务服务管理局", "--region", "110105")
            let department = try #require(try await Department.query(on: app.db).filter(\.$creditCode == code).first())
            #expect(department.regionCode == "110105")

            setenv("TONGBAN_TEST_OPERATOR_PASSWORD", "Operator-pass-2026", 1)
            try await run(
                app, "user", "create", "--username", "Ops.Admin", "--name", "运维管理员", "--role", "system_admin,supervisor",
                "--department", code, "--password-env", "TONGBAN_TEST_OPERATOR_PASSWORD")
            let account = try #require(try await Account.query(on: app.db).filter(\.$loginKey == "staff:ops.admin").first())
            #expect(Set(account.roles) == [.systemAdmin, .supervisor] && account.regionCode == "110105")
            #expect(
                try await app.send(.POST, "/api/v1/auth/login", json: ["login": "ops.admin", "password": "Operator-pass-2026"]).status
                    == .ok)

            let actions = try await AuditEntry.query(on: app.db).sort(\.$id).all().map(\.action)
            #expect(actions == ["department.create", "account.create", "auth.signIn"])
            try await run(app, "audit", "verify")
        }
    }

    @Test("wrong options end with a non-zero exit and write nothing")
    func wrongOptions() async throws {
        try await withTongban(.sqlite) { app, _ in
            let before = try await WriteCounts.read(app)
            let attempts: [[String]] = [
                ["user", "create", "--username", "x", "--name", "某人", "--role", "king", "--department", "nope"],
                ["user", "create", "--username", "valid.name", "--name", "某人", "--role", "reviewer"],
                ["department", "create", "--credit-code", "91330000142916567X", "--name", "某局", "--region", "330106"],
                ["department", "create", "--credit-code", "91330000142916567N", "--name", "某局", "--region", "999999"],
                ["import", "ducks", "/tmp"],
                ["import", "regions", "/nonexistent-folder"],
                ["audit", "erase"],
            ]
            for attempt in attempts {
                app.environment.arguments = ["tongban"] + attempt
                await #expect(throws: (any Error).self, "\(attempt)") { try await app.execute() }
            }
            #expect(try await WriteCounts.read(app) == before)
        }
    }

    @Test("seed --demo creates the demo data once; without --demo it refuses")
    func seed() async throws {
        try await withTongban(.sqlite, seed: false) { app, _ in
            app.environment.arguments = ["tongban", "seed"]
            await #expect(throws: (any Error).self) { try await app.execute() }
            #expect(try await Account.query(on: app.db).count() == 0)
            try await run(app, "seed", "--demo")
            let accounts = try await Account.query(on: app.db).count()
            #expect(accounts == DemoSeed.staff.count + DemoSeed.bundleReviewers.count + 3)
            try await run(app, "seed", "--demo")
            #expect(try await Account.query(on: app.db).count() == accounts)
        }
    }
}
