import Fluent
import Foundation
import TongbanCases
import TongbanCatalog
import TongbanCore
import TongbanDelivery
import TongbanIdentity
import TongbanPlatform
import Vapor

func registerCommands(_ app: Application) {
    app.asyncCommands.use(MigrateCommand(), as: "migrate")
    app.asyncCommands.use(SeedCommand(), as: "seed")
    app.asyncCommands.use(ImportCommand(), as: "import")
    app.asyncCommands.use(ExportCommand(), as: "export")
    app.asyncCommands.use(CatalogBenchCommand(), as: "bench")
    app.asyncCommands.use(AuditCommand(), as: "audit")
    app.asyncCommands.use(UserCommand(), as: "user")
    app.asyncCommands.use(DepartmentCommand(), as: "department")
    app.asyncCommands.use(CalendarCommand(), as: "calendar")
    app.asyncCommands.use(LicenseCommand(), as: "license")
    app.asyncCommands.use(DeadlinesCommand(), as: "deadlines")
    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(WebhooksCommand(), as: "webhooks")
    app.asyncCommands.use(DataCommand(), as: "data")
    app.asyncCommands.use(KeysCommand(), as: "keys")
}

/// `tongban migrate`: brings the schema up to date, without asking (migrations are append-only).
struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Migrates the database to the latest schema." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await context.application.autoMigrate()
        context.console.print("migrated: \(context.application.tongban.database.engineName)")
    }
}

/// `tongban seed --demo`: the demo regions, departments and accounts (published password).
struct SeedCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "demo", help: "Create the demo data and accounts (their password is public).")
        var demo: Bool
    }
    var help: String { "Seeds data. Only --demo exists: it never runs by itself on PostgreSQL." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.demo else {
            context.console.error("nothing to do: pass --demo to create the demo data (accounts with a published password)")
            throw ExitCode(1)
        }
        let app = context.application
        try await app.autoMigrate()
        if try await Account.query(on: app.db).filter(\.$loginKey == Account.loginKey(staffUsername: "admin")).count() > 0 {
            context.console.print("demo data already present; nothing changed")
            return
        }
        let logins = try await DemoSeed.run(app: app, db: app.db, regionsFolder: TongbanResources.regions, hallHistory: true)
        context.console.print(DemoSeed.banner(logins))
    }
}

/// `tongban import regions <folder>`: loads the four region CSV files; existing codes are kept.
/// `tongban import items <file>`: see `importItems`.
struct ImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "kind", help: "What to import: regions or items")
        var kind: String
        @Argument(
            name: "folder", help: "regions: folder with provinces.csv, cities.csv, areas.csv, streets.csv; items: a .jsonl or .csv file")
        var folder: String
        @Option(name: "province", help: "Only this province (two digits, e.g. 33)")
        var province: String?
    }
    var help: String { "Imports reference data: `tongban import regions <csv folder>` or `tongban import items <file.jsonl|file.csv>`." }

    func run(using context: CommandContext, signature: Signature) async throws {
        if signature.kind == "items" { return try await importItems(path: signature.folder, context) }
        guard signature.kind == "regions" else {
            context.console.error("unknown import \"\(signature.kind)\"; known: regions, items")
            throw ExitCode(1)
        }
        let app = context.application
        try await app.autoMigrate()
        do {
            let summary = try await RegionImport.run(folder: signature.folder, provincePrefix: signature.province, on: app.db)
            context.console.print("regions: \(summary.read) read, \(summary.added) added, \(summary.read - summary.added) already present")
        } catch let error as TongbanError {
            context.console.error(app.localizer.text(error.code, .en, error.arguments))
            throw ExitCode(1)
        }
    }
}

/// `tongban audit verify`: recomputes the log's tree from its entries and checks every signed
/// head; prints `ok: N entries, H signed heads` or the first entry that is wrong (exit 2).
/// `tongban audit sequence`: places the entries waiting for the sequencer now (a serving process
/// does it by itself; this is for a database no server is running on).
struct AuditCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "verify or sequence")
        var action: String
    }
    var help: String { "The audit log: `tongban audit verify` checks it; `tongban audit sequence` places waiting entries." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        switch signature.action {
        case "verify":
            let pending = try await AuditLog.waitingCount(on: app.db)
            switch try await AuditLog.verify(on: app.db, keys: app.keys) {
            case let .ok(entries, heads):
                context.console.print("ok: \(entries) entries, \(heads) signed tree heads; \(pending) waiting for the sequencer")
            case let .broken(sequence, reason):
                context.console.error("broken at entry \(sequence): \(reason.rawValue)")
                throw ExitCode(2)
            }
        case "sequence":
            let clock = app.clock
            let placed = try await AuditSequencer.integrateAll(on: app.db, keys: app.keys, now: { clock.now() })
            context.console.print("placed \(placed) entries in the log")
        default:
            try expect(signature.action, "verify", of: "audit", context, alsoKnown: ["sequence"])
        }
    }
}

/// `tongban user create --username … --name … --role … --department …`: staff accounts for operators.
struct UserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "create")
        var action: String
        @Option(name: "username", help: "sign-in name, 3–32 of a-z 0-9 . _ -")
        var username: String?
        @Option(name: "name", help: "display name")
        var name: String?
        @Option(name: "role", help: "roles, comma-separated: window_clerk, reviewer, supervisor, catalog_admin, data_admin, system_admin")
        var role: String?
        @Option(name: "department", help: "the department's unified social credit code or id")
        var department: String?
        @Option(name: "password-env", help: "name of an environment variable holding the password; without it one is generated and printed")
        var passwordEnv: String?
    }
    static let options = ["displayName": "name", "departmentID": "department", "roles": "role", "password": "password-env"]
    var help: String { "Creates a staff account: `tongban user create --username u --name n --role r --department code`." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try expect(signature.action, "create", of: "user", context)
        let app = context.application
        var department: Department?
        if let key = signature.department {
            if let id = UUID(uuidString: key) {
                department = try await Department.find(id, on: app.db)
            } else {
                department = try await Department.query(on: app.db).filter(\.$creditCode == key.uppercased()).first()
            }
            if department == nil {
                context.console.error("--department: no department with code or id \(key)")
                throw ExitCode(1)
            }
        }
        var password = signature.passwordEnv.flatMap { ProcessInfo.processInfo.environment[$0] }
        let generated = password == nil
        if generated { password = SecretToken.make().prefix(20) + "-1a" }
        let input = StaffCreation(
            username: signature.username, displayName: signature.name, departmentID: department?.id,
            roles: signature.role.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
            password: password)
        do {
            let desk = AccountDesk(
                context: UseCaseContext(application: app, db: app.db, account: nil), passwords: app.passwords, authority: .operatorAtConsole
            )
            let account = try await desk.createStaff(input)
            context.console.print(
                "created staff account \(account.displayName) (\(signature.username ?? "")), id \(try account.requireID())")
            if generated, let password { context.console.print("password: \(password)  (shown once; change it after signing in)") }
        } catch let error as TongbanError {
            context.console.error(
                ([app.localizer.text(error.code, .en, error.arguments)] + optionProblems(error.fields, app, options: Self.options)).joined(
                    separator: "\n"))
            throw ExitCode(1)
        } catch let errors as FieldErrors {
            context.console.error(optionProblems(errors.errors, app, options: Self.options).joined(separator: "\n"))
            throw ExitCode(1)
        }
    }
}

/// `tongban department create --credit-code … --name … --region …`: the first departments of a
/// production database, before any system admin exists to create them through the API.
struct DepartmentCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "create")
        var action: String
        @Option(name: "credit-code", help: "the department's unified social credit code")
        var creditCode: String?
        @Option(name: "name", help: "the department's name")
        var name: String?
        @Option(name: "region", help: "its region code (imported first with `tongban import regions`)")
        var region: String?
    }
    var help: String { "Creates a department: `tongban department create --credit-code c --name n --region 330106`." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try expect(signature.action, "create", of: "department", context)
        let app = context.application
        var errors = FieldErrors()
        let code = errors.check("credit-code") { () throws(CreditCode.Problem) in try CreditCode(signature.creditCode ?? "") }
        let name = errors.text("name", signature.name, maxLength: 100)
        let region = errors.check("region") { () throws(RegionCode.Problem) in try RegionCode(signature.region ?? "") }
        if let region, try await Region.find(region.value, on: app.db) == nil { errors.add("region", "region.unknown") }
        if let code, try await Department.query(on: app.db).filter(\.$creditCode == code.value).count() > 0 {
            errors.add("credit-code", "department.duplicate")
        }
        guard errors.isEmpty, let code, let name, let region else {
            context.console.error(optionProblems(errors.errors, app).joined(separator: "\n"))
            throw ExitCode(1)
        }
        let department = Department(creditCode: code, name: name, regionCode: region)
        try await app.db.write { tx in
            try await department.create(on: tx)
            try await AuditLog.append(
                AuditEvent(
                    actorLabel: "operator:cli", action: "department.create",
                    resource: "department:\(try department.requireID())", details: "\(name) \(code.value)"), on: tx, now: app.clock.now())
        }
        context.console.print("created department \(name) (\(code.value)) in \(region.value), id \(try department.requireID())")
    }
}
