import Fluent
import Foundation
import TongbanCases
import TongbanCatalog
import TongbanCore
import TongbanIdentity
import TongbanPlatform
import Vapor

/// The demo data: all of Zhejiang's regions (province, cities, counties and every town), five
/// departments in Hangzhou, and one account for every role. Its accounts share one published
/// password, so it is created on SQLite's first start, and on PostgreSQL only by an operator's
/// `tongban seed --demo`.
enum DemoSeed {
    static let password = "Tongban-demo-2026"

    struct Login: Sendable {
        let login: String
        let who: String
    }

    struct DemoDepartment {
        let key: String
        let name: String
        let region: String
        let creditCodeStem: String
    }

    static let departments = [
        DemoDepartment(key: "center", name: "杭州市西湖区政务服务中心", region: "330106", creditCodeStem: "11330106MB1734520"),
        DemoDepartment(key: "amr", name: "杭州市西湖区市场监督管理局", region: "330106", creditCodeStem: "11330106002489110"),
        DemoDepartment(key: "health", name: "杭州市西湖区卫生健康局", region: "330106", creditCodeStem: "11330106002489233"),
        DemoDepartment(key: "office", name: "杭州市西湖区人民政府办公室", region: "330106", creditCodeStem: "11330106002489006"),
        DemoDepartment(key: "data", name: "杭州市数据资源管理局", region: "330100", creditCodeStem: "11330100MB1B12345"),
        DemoDepartment(key: "police", name: "杭州市公安局西湖区分局", region: "330106", creditCodeStem: "11330106002489487"),
        // the windows above and below the district's centre (收受分离, 就近办)
        DemoDepartment(key: "citizen", name: "杭州市民中心（杭州市政务服务中心）", region: "330100", creditCodeStem: "11330100MB1C26831"),
        DemoDepartment(key: "xixi", name: "杭州市西湖区西溪街道便民服务中心", region: "330106004", creditCodeStem: "11330106MB1D40512"),
    ]

    struct DemoStaff {
        let username: String
        let name: String
        let department: String
        let roles: [Role]
    }

    static let staff = [
        DemoStaff(username: "clerk", name: "王晓窗", department: "center", roles: [.windowClerk]),
        DemoStaff(username: "clerk.hall", name: "李叫号", department: "center", roles: [.windowClerk]),
        DemoStaff(username: "clerk.city", name: "方市民", department: "citizen", roles: [.windowClerk]),
        DemoStaff(username: "clerk.street", name: "黄便民", department: "xixi", roles: [.windowClerk]),
        DemoStaff(username: "reviewer.amr", name: "陈审批", department: "amr", roles: [.reviewer]),
        DemoStaff(username: "reviewer.health", name: "刘卫审", department: "health", roles: [.reviewer]),
        DemoStaff(username: "supervisor", name: "赵监察", department: "office", roles: [.supervisor]),
        DemoStaff(username: "catalog", name: "孙事项", department: "center", roles: [.catalogAdmin]),
        DemoStaff(username: "data", name: "周数据", department: "data", roles: [.dataAdmin]),
        DemoStaff(username: "admin", name: "吴系统", department: "data", roles: [.systemAdmin]),
        // the owners' data administrators decide on requests to share their departments' data
        DemoStaff(username: "data.police", name: "钱户政", department: "police", roles: [.dataAdmin]),
        DemoStaff(username: "data.amr", name: "孙登记", department: "amr", roles: [.dataAdmin]),
    ]

    /// A reviewer for every other department of every demo bundle (the market regulator's and the
    /// health bureau's are above), so each bundle can be applied for and completed with demo logins.
    static let bundleReviewers: [(department: String, username: String, name: String)] = [
        ("杭州市西湖区城市管理局", "reviewer.city", "杨城管"),
        ("杭州市西湖区民政局", "reviewer.civil", "朱民政"),
        ("杭州市西湖区文化和广电旅游体育局", "reviewer.culture", "秦文旅"),
        ("杭州市西湖区消防救援大队", "reviewer.fire", "尤消防"),
        ("杭州市西湖区人力资源和社会保障局", "reviewer.hrss", "许人社"),
        ("杭州市公安局西湖区分局", "reviewer.police", "何户籍"),
        ("国家税务总局杭州市西湖区税务局", "reviewer.tax", "吕税务"),
        ("杭州住房公积金管理中心", "reviewer.fund", "孔公积"),
        ("杭州市燃气集团有限公司", "reviewer.gas", "曹燃气"),
        ("杭州市住房保障和房产管理局", "reviewer.housing", "郑房管"),
        ("杭州市人力资源和社会保障局", "reviewer.hrss.city", "冯人社"),
        ("杭州市医疗保障局", "reviewer.hsa", "陈医保"),
        ("杭州市规划和自然资源局", "reviewer.land", "褚登记"),
        ("国网浙江省电力有限公司杭州供电公司", "reviewer.power", "卫供电"),
        ("中国电信股份有限公司杭州分公司", "reviewer.telecom", "蒋通信"),
        ("杭州市烟草专卖局", "reviewer.tobacco", "沈烟草"),
        ("杭州水务集团有限公司", "reviewer.water", "韩水务"),
    ]

    static let personIDStem = "33010619900307123"
    static let personMobile = "13800138000"
    static let enterpriseCodeStem = "91330106MA2KXTW08"
    static let representativeIDStem = "33010619800518121"
    static let representativeMobile = "13900139000"

    /// Creates the demo data (the callers decide whether it is wanted) and returns the logins.
    static func run(app: Application, db: any Database, regionsFolder: String, catalog: Bool = true, hallHistory: Bool = false) async throws
        -> [Login]
    {
        let today = app.today
        guard let idNumber = IdentityNumber.completing(personIDStem, today: today),
            let representativeID = IdentityNumber.completing(representativeIDStem, today: today),
            let enterpriseCode = CreditCode.completing(enterpriseCodeStem)
        else {
            throw Abort(.internalServerError, reason: "demo identifiers do not validate")
        }
        // bcrypt runs on the thread pool while the regions are imported.
        async let passwordHash = app.hashPassword(password)
        _ = try await RegionImport.run(folder: regionsFolder, provincePrefix: "33", on: db)
        let hash = try await passwordHash
        let keys = app.keys
        let (seeded, person, enterprise) = try await db.write { tx in
            var logins: [Login] = []
            var departmentIDs: [String: (UUID, String)] = [:]
            for item in departments {
                guard let code = CreditCode.completing(item.creditCodeStem), let region = try? RegionCode(item.region) else {
                    throw Abort(.internalServerError, reason: "demo department \(item.name) does not validate")
                }
                let department =
                    try await Department.query(on: tx).filter(\.$creditCode == code.value).first()
                    ?? Department(creditCode: code, name: item.name, regionCode: region)
                if department.id == nil { try await department.create(on: tx) }
                departmentIDs[item.key] = (try department.requireID(), item.region)
            }
            for member in staff {
                guard let (departmentID, region) = departmentIDs[member.department] else { continue }
                let account = Account(
                    kind: .staff, loginKey: Account.loginKey(staffUsername: member.username), displayName: member.name, passwordHash: hash,
                    at: app.clock.now())
                account.roles = member.roles
                account.$department.id = departmentID
                account.regionCode = region
                try await account.create(on: tx)
                logins.append(Login(login: member.username, who: "\(member.name) — \(member.roles.map(\.rawValue).joined(separator: ","))"))
            }
            // the demo's persons and enterprise count as verified (实名认证 Level 2), so the demo shows
            // shared data and licences reused; a newly registered account starts at Level 1
            let person = try await provenPerson("张晓明", idNumber, mobile: personMobile, hash: hash, app: app, on: tx)
            logins.insert(Login(login: idNumber.value, who: "张晓明 — person (自然人)"), at: 0)
            let enterprise = Account(
                kind: .enterprise, loginKey: Account.loginKey(creditCode: enterpriseCode),
                displayName: "杭州西湖云帆科技有限公司", passwordHash: hash, at: app.clock.now())
            enterprise.creditCode = enterpriseCode.value
            enterprise.legalRepresentative = "李云帆"
            enterprise.regionCode = "330106"
            enterprise.assuranceLevel = AssuranceLevel.verifiedRemotely.rawValue
            enterprise.assuranceAt = app.clock.now()
            // its legal representative, proven, names the demo person as a handler (经办人) for every item
            let representative = try await provenPerson(
                "李云帆", representativeID, mobile: representativeMobile, hash: hash, app: app, on: tx)
            enterprise.representativeID = try representative.requireID()
            try await enterprise.create(on: tx)
            logins.insert(Login(login: enterpriseCode.value, who: "杭州西湖云帆科技有限公司 — enterprise (法人)"), at: 1)
            logins.insert(Login(login: representativeID.value, who: "李云帆 — the enterprise's legal representative (法定代表人)"), at: 2)
            guard let until = today.adding(days: 365) else { throw Abort(.internalServerError, reason: "demo mandate date") }
            try await EnterpriseMandate(
                enterpriseID: try enterprise.requireID(), person: person,
                terms: try MandateTerms(itemCodes: nil, validUntil: until, today: today), grantedBy: try representative.requireID(),
                at: app.clock.now()
            ).create(on: tx)
            try await AuditLog.append(
                AuditEvent(
                    actorID: nil, actorLabel: "system:seed", action: "seed.demo", resource: "database",
                    details: "\(staff.count + 3) demo accounts, \(departments.count) departments"), on: tx, now: app.clock.now())
            return (logins, person, enterprise)
        }
        try await DemoLicenses.issue(app: app, db: db, person: person, personID: idNumber, enterprise: enterprise)
        try await DemoSharedData.seed(app: app, db: db, person: person, personID: idNumber, enterprise: enterprise)
        try await DemoHall.seed(app: app, db: db, history: hallHistory)
        try await DemoHall.seedAreaHalls(app: app, db: db)
        var logins = seeded
        if catalog {
            try await seedCatalog(db: db, regionsFolder: regionsFolder, now: app.clock.now())
            logins += try await seedBundleReviewers(app: app, db: db, passwordHash: hash)
        }
        if catalog && hallHistory { try await DemoFigures.seed(app: app, db: db) }
        return logins
    }

    /// The reviewers of `bundleReviewers`, each in the department the catalog made.
    private static func seedBundleReviewers(app: Application, db: any Database, passwordHash hash: String) async throws -> [Login] {
        try await db.write { tx in
            var logins: [Login] = []
            for reviewer in bundleReviewers {
                guard let department = try await Department.query(on: tx).filter(\.$name == reviewer.department).first() else {
                    throw Abort(.internalServerError, reason: "demo department \(reviewer.department) is not in the catalog")
                }
                let account = Account(
                    kind: .staff, loginKey: Account.loginKey(staffUsername: reviewer.username), displayName: reviewer.name,
                    passwordHash: hash, at: app.clock.now())
                account.roles = [.reviewer]
                account.$department.id = try department.requireID()
                account.regionCode = department.regionCode
                try await account.create(on: tx)
                logins.append(Login(login: reviewer.username, who: "\(reviewer.name) — reviewer, \(department.name)"))
            }
            return logins
        }
    }

    /// A demo person of West Lake, proven remotely (Level 2).
    private static func provenPerson(
        _ name: String, _ number: IdentityNumber, mobile: String, hash: String, app: Application, on tx: any Database
    ) async throws -> Account {
        let keys = app.keys
        let numberHash = keys.lookupHash(number.value, field: "identity_number")
        let person = Account(
            kind: .person, loginKey: Account.loginKey(identityNumberHash: numberHash), displayName: name, passwordHash: hash,
            at: app.clock.now())
        person.idNumberHash = numberHash
        person.mobileHash = keys.lookupHash(mobile, field: "mobile")
        person.seal(identityNumber: number.value, mobile: mobile, keys: keys)
        person.regionCode = "330106"
        person.assuranceLevel = AssuranceLevel.verifiedRemotely.rawValue
        person.assuranceAt = app.clock.now()
        try await person.create(on: tx)
        return person
    }

    /// The demo catalog (Zhejiang items with their departments, and the bundles) and, as a second
    /// region, the real implementation list of Guang'an District, Sichuan, with its regions.
    static func seedCatalog(db: any Database, regionsFolder: String, now: Date) async throws {
        let catalog = try DemoCatalog.load(from: TongbanResources.directory + "/Catalog/demo-catalog.json")
        try await db.write { tx in
            for department in catalog.departments
            where try await Department.query(on: tx).filter(\.$creditCode == department.code.value).count() == 0 {
                try await Department(creditCode: department.code, name: department.name, regionCode: department.region).create(on: tx)
            }
        }
        _ = try await RegionImport.run(folder: regionsFolder, provincePrefix: "51", files: ["provinces.csv", "cities.csv"], on: db)
        _ = try await RegionImport.run(folder: regionsFolder, provincePrefix: "5116", files: ["areas.csv", "streets.csv"], on: db)
        // Basic items before their implementations, so the standard-field rule sees them.
        let rows = catalog.items.sorted { !$0.isImplementation && $1.isImplementation }.enumerated().map {
            ItemFiles.Row(line: $0.offset + 1, item: $0.element)
        }
        _ = try await CatalogImport.write(rows, by: "system:seed", at: now, on: db)
        // each licence type is issued by the demo departments whose items decide it
        for item in catalog.items {
            guard let type = item.result?.licenseType else { continue }
            _ = try await LicenseIssuer.grant(type, creditCode: item.department.code, by: "system:seed", at: now, on: db)
        }
        try await CatalogImport.publishBundles(catalog.bundles, by: "system:seed", at: now, on: db)
        let guangAn = try String(contentsOfFile: TongbanResources.directory + "/Catalog/guang-an-district-items.csv", encoding: .utf8)
        _ = try await CatalogImport.importFile(text: guangAn, csv: true, by: "system:seed", at: now, on: db)
    }
}
