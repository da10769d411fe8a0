import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanIdentity
import TongbanPlatform
import TongbanRatings
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// The security review's findings (`shared/reviews/security-review.md`), each sent over HTTP as the
/// attacker would, on both databases: answered with the refusal, nothing written or read.
@Suite("the security review's attacks")
struct SecurityFindingsTests {
    typealias Flow = ApplicationFlowTests

    /// A case of the demo person's 就业登记 under review (submitted by a clerk for them, accepted),
    /// with a second department's parallel task in it, as an item with parallel steps makes.
    static func caseWithParallelTask(_ app: Application) async throws -> (caseID: UUID, lead: String, parallel: String, task: UUID) {
        let person = try await app.token(app.demoPersonLogin)
        let clerk = try await app.token("clerk")
        let draft = try await RatingTests.application(app, token: person, closed: false)
        let submitted = try await app.send(.POST, "/api/v1/applications/\(draft)/submit", bearer: clerk)
        #expect(submitted.status == .ok, "\(submitted.body.string)")
        let application = try submitted.content.decode(Flow.Application_.self)
        let item = try #require(application.cases.first)
        _ = try await Flow.act(app, item.id, clerk, CaseActionBody(action: "passPrereview"))
        _ = try await Flow.act(app, item.id, clerk, CaseActionBody(action: "accept"))
        let lead = try await Flow.reviewer(app, department: item.department, username: "reviewer.lead")
        let health = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区卫生健康局").first())
        let task = ReviewTask()
        task.id = UUID()
        task.caseID = item.id
        task.applicationID = draft
        task.position = 9
        task.kind = .review
        task.name = "并联审查（卫生健康）"
        task.departmentName = health.name
        task.departmentID = health.id
        task.parallelGroup = "p1"
        task.limitDays = 3
        task.status = .open
        task.version = 1
        try await task.create(on: app.db)
        return (item.id, lead, try await app.token("reviewer.health"), try task.requireID())
    }

    @Test(
        "M2: a department reviewing in parallel completes its own task, but cannot decide, start a procedure or revoke the lead's case",
        arguments: TestDatabase.available)
    func parallelDepartmentDoesNotDecide(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let (caseID, lead, parallel, taskID) = try await Self.caseWithParallelTask(app)
            // it sees the case and works its task
            #expect(try await app.send(.POST, "/api/v1/tasks/\(taskID)/claim", json: ["version": 1], bearer: parallel).status == .ok)
            let done = try await app.send(.POST, "/api/v1/tasks/\(taskID)/complete", json: ["opinion": "符合卫生要求"], bearer: parallel)
            #expect(done.status == .ok, "\(done.body.string)")
            let before = try #require(try await CaseRow.find(caseID, on: app.db))

            // the review's request: the parallel department decides the lead's case
            let decide = CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《中华人民共和国行政许可法》第三十八条", approved: true)
            let attack = try await Flow.act(app, caseID, parallel, decide, expect: .forbidden)
            #expect(attack.errorBody?.error.code == "auth.notLeadDepartment")
            _ = try await Flow.act(app, caseID, parallel, CaseActionBody(action: "startProcedure"), expect: .forbidden)
            let after = try #require(try await CaseRow.find(caseID, on: app.db))
            #expect(after.state == before.state && after.version == before.version)
            #expect(try await LicenseRecord.query(on: app.db).filter(\.$caseID == caseID).count() == 0)

            // the lead department decides
            _ = try await Flow.act(app, caseID, lead, decide)
            #expect(try await CaseRow.find(caseID, on: app.db)?.state == .decided)
        }
    }

    /// A staff account in a department of its own, of another province's district (广安区, 511602)
    /// unless another region is named; answers its bearer token.
    static func foreignStaff(
        _ app: Application, role: Role, username: String, department name: String, serial: Int, region code: String = "511602"
    ) async throws -> String {
        let region = try RegionCode(code)
        let department = Department(
            id: UUID(), creditCode: try #require(CreditCode.completing("11\(code)MB000000\(serial)")), name: name, regionCode: region)
        try await department.create(on: app.db)
        let account = Account(
            kind: .staff, loginKey: Account.loginKey(staffUsername: username), displayName: "外地\(name)",
            passwordHash: try await app.hashPassword(demoPassword), at: app.clock.now())
        account.roles = [role]
        account.$department.id = department.id
        account.regionCode = region.value
        try await account.create(on: app.db)
        return try await app.token(username)
    }

    static func foreignCatalogAdmin(_ app: Application) async throws -> String {
        try await foreignStaff(app, role: .catalogAdmin, username: "catalog.guangan", department: "广安区政务服务管理局", serial: 1)
    }

    @Test(
        "H3: another region's catalog admin cannot take over a bundle or an item by naming their region in a draft; the owner cannot move it away",
        arguments: TestDatabase.available)
    func catalogTakeover(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let attacker = try await Self.foreignCatalogAdmin(app)
            let published = try #require(
                try await CatalogEntry.query(on: app.db).filter(\.$kind == .bundle).filter(\.$code == Flow.restaurant)
                    .filter(\.$status == .published).first())
            var bundle = try published.bundle()
            let ownRegion = bundle.regionCode
            bundle.regionCode = try RegionCode("511602")
            let entriesBefore = try await CatalogEntry.query(on: app.db).count()

            // the review's request: the bundle's document, with the attacker's region, as a new draft
            let takeover = try await app.send(.PUT, "/api/v1/catalog/bundles/\(Flow.restaurant)/draft", json: bundle, bearer: attacker)
            #expect(takeover.status == .forbidden, "\(takeover.body.string)")
            #expect(try await CatalogEntry.query(on: app.db).count() == entriesBefore)

            // the same with one of West Lake's items
            let itemRow = try #require(
                try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
                    .filter(\.$regionCode == ownRegion.value).first())
            var item = try itemRow.item()
            item.regionCode = try RegionCode("511602")
            let itemTakeover = try await app.send(.PUT, "/api/v1/catalog/items/\(item.code)/draft", json: item, bearer: attacker)
            #expect(itemTakeover.status == .forbidden || itemTakeover.status == .unprocessableEntity, "\(itemTakeover.body.string)")
            #expect(try await CatalogEntry.query(on: app.db).count() == entriesBefore)

            // West Lake's own admin edits it, but cannot move it to another region
            let owner = try await app.token("catalog")
            let moved = try await app.send(.PUT, "/api/v1/catalog/bundles/\(Flow.restaurant)/draft", json: bundle, bearer: owner)
            #expect(moved.status == .forbidden, "\(moved.body.string)")
            #expect(try await CatalogEntry.query(on: app.db).count() == entriesBefore)
            bundle.regionCode = ownRegion
            let edited = try await app.send(.PUT, "/api/v1/catalog/bundles/\(Flow.restaurant)/draft", json: bundle, bearer: owner)
            #expect(edited.status == .created || edited.status == .ok, "\(edited.body.string)")
        }
    }

    @Test(
        "H4: a reviewer issues, renews or changes only the licence types their department issues, signed with its own key",
        arguments: TestDatabase.available)
    func licenceAuthority(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let health = try await app.token("reviewer.health")
            let accomplice = try await app.accountID(login: app.demoPersonLogin)
            let before = try await LicenseRecord.query(on: app.db).count()
            // the review's request: the health commission issues a property-right certificate
            for code in ["bdcqzs", "jmsfz", "jhz", "yyzz"] {
                let type = try #require(app.licenseTypes[code])
                let fields = Dictionary(uniqueKeysWithValues: type.fields.map { ($0.key, "伪造：\($0.label)") })
                let forged = try await app.send(
                    .POST, "/api/v1/licenses",
                    json: LicenseDirectIssue.Body(type: code, holderID: accomplice, fields: fields, reason: "x"), bearer: health)
                #expect(
                    forged.status == .forbidden && forged.errorBody?.error.code == "license.notIssuer", "\(code): \(forged.body.string)")
            }
            #expect(try await LicenseRecord.query(on: app.db).count() == before)

            // its own type it issues, signed as itself
            let own = try #require(app.licenseTypes["ggcswsxkz"])
            let fields = Dictionary(uniqueKeysWithValues: own.fields.map { ($0.key, "纸质证照转换：\($0.label)") })
            let issued = try await app.send(
                .POST, "/api/v1/licenses",
                json: LicenseDirectIssue.Body(
                    type: own.code, holderID: try await app.accountID(login: app.demoEnterpriseLogin), fields: fields, reason: "存量转换"),
                bearer: health)
            #expect(issued.status == .created, "\(issued.body.string)")
            let healthDepartment = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区卫生健康局").first())
            let identifier = try LicenseIdentifier(try #require(try issued.content.decode(LicenseTests.Verdict.self).identifier))
            #expect(identifier.issuer.value == healthDepartment.creditCode)

            // once the grant is withdrawn, not even a renewal of its own licence
            try await LicenseIssuer.query(on: app.db).filter(\.$departmentID == healthDepartment.requireID()).delete()
            let renewal = try await app.send(
                .POST, "/api/v1/licenses/\(identifier.value)/reissue", json: LicenseReissue.Body(kind: "renew", reason: "到期换证"),
                bearer: health)
            #expect(renewal.status == .forbidden && renewal.errorBody?.error.code == "license.notIssuer")
        }
    }

    @Test(
        "H2: a licence looked up by its identifier shows no holder or contents; presented, it does, and its holder sees the read; the identifier is shown only to those who may read the licence",
        arguments: TestDatabase.available)
    func licenceByIdentifier(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let card = try #require(try await LicenseReuseTests.wallet(app, person).first { $0.typeCode == "jmsfz" })
            let record = try #require(try await LicenseRecord.query(on: app.db).filter(\.$identifier == card.identifier).first())
            let fieldValue = try #require(record.fieldValues(app.keys)["address"])

            // the review's request: the verification link, opened by anyone
            let link = try await app.send(.GET, "/verify?id=\(card.identifier)")
            #expect(link.status == .ok && link.body.string.contains(card.identifier) && link.body.string.contains("颁发机关的登记显示"))
            #expect(!link.body.string.contains(record.holderName) && !link.body.string.contains(fieldValue))
            #expect(try await DataRead.query(on: app.db).filter(\.$subjectID == record.holderID).count() == 0)

            // presented (the token itself): everything, and the holder's access record says so
            let presented = try await app.send(.POST, "/api/v1/licenses/verify", json: ["token": record.token(app.keys)])
            #expect(presented.status == .ok && presented.body.string.contains(fieldValue))
            let reads = try await DataRead.query(on: app.db).filter(\.$subjectID == record.holderID).all()
            #expect(reads.count == 1 && reads[0].source == "license:\(card.identifier)" && reads[0].basis == "presented")
        }
    }

    @Test(
        "M1: fifty wrong passwords sent at once are five tries, not fifty; one address trying many logins is stopped too, another address is not",
        arguments: TestDatabase.available)
    func loginThrottle(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            app.tongban.trustProxy = true
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for attempt in 0..<50 {
                    group.addTask {
                        try await app.send(
                            .POST, "/api/v1/auth/login", headers: ["X-Forwarded-For": "203.0.113.\(attempt % 200)"],
                            json: ["login": "admin", "password": "guess-\(attempt)-Abc"]
                        ).status
                    }
                }
                var all: [HTTPStatus] = []
                for try await status in group { all.append(status) }
                return all
            }
            // at most the five reserved were checked against the password; the rest refused at once
            // (on PostgreSQL one arriving while another attempt on the login is decided is refused too)
            let checked = statuses.filter { $0 == .unauthorized }.count
            #expect(checked >= 1 && checked <= 5, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 50 - checked)
            #expect(
                try await LoginFailure.query(on: app.db).filter(\.$loginKey == Account.loginKey(staffUsername: "admin")).count() == checked)

            // one address trying thirty logins is stopped at the thirty-first; another address goes on
            for n in 0..<30 {
                let response = try await app.send(
                    .POST, "/api/v1/auth/login", headers: ["X-Forwarded-For": "198.51.100.7"],
                    json: ["login": "nobody\(n)", "password": "guess-Abc-123"])
                #expect(response.status == .unauthorized)
            }
            let stopped = try await app.send(
                .POST, "/api/v1/auth/login", headers: ["X-Forwarded-For": "198.51.100.7"],
                json: ["login": "clerk", "password": demoPassword])
            #expect(stopped.status == .tooManyRequests && stopped.headers.first(name: "Retry-After") != nil)
            let elsewhere = try await app.send(
                .POST, "/api/v1/auth/login", headers: ["X-Forwarded-For": "198.51.100.8"],
                json: ["login": "clerk", "password": demoPassword])
            #expect(elsewhere.status == .ok)
            // a right password leaves no failure behind
            #expect(try await LoginFailure.query(on: app.db).filter(\.$clientAddress == "198.51.100.8").count() == 0)
        }
    }

    @Test(
        "M6: the status lookup takes a random code, not the applicant's identity-number tail; it answers one address 20 times a minute and one number 10 times an hour, whoever asks",
        arguments: TestDatabase.available)
    func statusLookupLimited(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            app.tongban.trustProxy = true
            let start = Date(timeIntervalSince1970: 1_795_000_000)
            app.clock = .stopped(at: start)
            func lookup(_ number: String, code: String, from address: String) async throws -> HTTPStatus {
                try await app.send(.GET, "/api/v1/status?number=\(number)&code=\(code)", headers: ["X-Forwarded-For": address]).status
            }
            // the review's request, with a tail: refused as malformed, the code is eight characters
            #expect(try await lookup("330106-20261124-00000042-7", code: "1234", from: "203.0.113.250") == .unprocessableEntity)
            // one number's codes walked through, from many addresses
            let day = try #require(CalendarDate(year: 2026, month: 11, day: 24))
            let number = ApplicationNumber(region: try RegionCode("330106"), date: day, serial: 42).value
            var statuses: [HTTPStatus] = []
            for tail in 0..<40 {
                statuses.append(try await lookup(number, code: String(format: "ABCD%04d", tail), from: "203.0.113.\(tail)"))
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == .notFound } && statuses.dropFirst(10).allSatisfy { $0 == .tooManyRequests })
            // numbers walked through from one address: twenty a minute
            var fromOne: [HTTPStatus] = []
            for serial in 100..<130 {
                let walked = ApplicationNumber(region: try RegionCode("330106"), date: day, serial: serial).value
                fromOne.append(try await lookup(walked, code: "ABCD1234", from: "198.51.100.9"))
            }
            #expect(fromOne.filter { $0 == .tooManyRequests }.count == 10)
            // a minute later the address may ask again; an hour later the number answers again
            app.clock = .stopped(at: start.addingTimeInterval(61))
            #expect(try await lookup(number, code: "ABCD0000", from: "198.51.100.9") == .tooManyRequests)
            app.clock = .stopped(at: start.addingTimeInterval(3_601))
            #expect(try await lookup(number, code: "ABCD0000", from: "198.51.100.10") == .notFound)
        }
    }

    @Test("M5: a supervisor reads their region's audit trail only, with people's names masked", arguments: TestDatabase.available)
    func auditScoped(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            struct Entry: Decodable {
                let actorLabel: String
                let action: String
            }
            _ = try await app.token(app.demoPersonLogin)  // 西湖区: a person's sign-in
            let outsider = try await Self.foreignStaff(
                app, role: .supervisor, username: "supervisor.guangan", department: "广安区纪委监委", serial: 2)

            // the review's request, from the other province: nothing of West Lake
            let far = try await app.send(.GET, "/api/v1/audit?limit=200", bearer: outsider)
            #expect(far.status == .ok)
            let farEntries = try far.content.decode([Entry].self)
            #expect(!farEntries.isEmpty && farEntries.allSatisfy { !$0.actorLabel.contains("张晓明") && !$0.actorLabel.contains("王晓窗") })
            // West Lake's own supervisor sees the person's sign-in, the name masked
            let near = try await app.send(.GET, "/api/v1/audit?limit=200", bearer: try await app.token("supervisor")).content.decode(
                [Entry].self)
            #expect(near.contains { $0.action == "auth.signIn" && $0.actorLabel == "person:张** [L2]" })
            #expect(near.allSatisfy { !$0.actorLabel.contains("张晓明") })
        }
    }

    @Test(
        "M4: a catalog admin's form pattern cannot stall the server: the review's (a|aa)+ answered at once; back-references refused at publication",
        arguments: TestDatabase.available)
    func formPatternDenialOfService(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let admin = try await app.token("catalog")
            let implementation = try await CatalogAPITests.xihuFoodLicence(app)
            // the field goes into the basic item (the standard) and the implementation alike
            let basic = try #require(
                try await app.send(.GET, "/api/v1/catalog/items/\(implementation.basicCode.value)").content.decode(
                    CatalogAPITests.Entry.self
                )
                .item)
            func withField(_ item: ServiceItem, pattern: String) -> ServiceItem {
                var changed = item
                changed.form.append(
                    FormField(
                        key: "storeCode", label: "门店编码", labelEn: "Store code", type: .text, required: false,
                        validation: FieldValidation(pattern: pattern)))
                return changed
            }
            let standards = try await Self.foreignStaff(
                app, role: .catalogAdmin, username: "catalog.standard", department: "标准目录管理", serial: 3, region: basic.regionCode.value)
            let refused = try await app.send(
                .PUT, "/api/v1/catalog/items/\(basic.code)/draft", json: withField(basic, pattern: "\\d+(a)\\1"), bearer: standards)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("validation.pattern") && refused.body.string.contains("不支持"))
            for (item, admin) in [(basic, standards), (implementation, admin)] {
                let saved = try await app.send(
                    .PUT, "/api/v1/catalog/items/\(item.code)/draft", json: withField(item, pattern: "(a|aa)+"), bearer: admin)
                #expect(saved.status == .ok, "\(saved.body.string)")
                let version = try saved.content.decode(CatalogAPITests.Entry.self).version
                let published = try await app.send(
                    .POST, "/api/v1/catalog/items/\(item.code)/publish", json: ["version": version], bearer: admin)
                #expect(published.status == .ok, "\(published.body.string)")
            }
            let item = implementation

            // the review's request, several at once: each is refused for the field, none hangs
            let person = try await app.token(app.demoEnterpriseLogin)
            let attack = String(repeating: "a", count: 1_999) + "b"
            let code = item.code
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await app.send(
                            .POST, "/api/v1/applications", json: ApplyBody(item: code, form: ["storeCode": attack]),
                            bearer: person
                        ).body.string
                    }
                }
                for try await body in group {
                    #expect(body.contains("form.storeCode") && body.contains("field.patternMismatch"))
                }
            }
        }
    }

    @Test(
        "L5 and M9: registration is limited per address and per number; drafts, materials, appointments and complaints have quotas, each refused with its reason and nothing written",
        arguments: TestDatabase.available)
    func quotas(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            // L5: one address registers 3 an hour here; the 4th is told to wait
            app.tongban.registrationsPerHour = 3
            func register(_ serial: Int) async throws -> TestingHTTPResponse {
                let number = try #require(IdentityNumber.completing("33010619850101\(100 + serial)", today: app.today))
                return try await app.send(
                    .POST, "/api/v1/register/person",
                    json: [
                        "name": "注册\(serial)", "identityNumber": number.value, "mobile": "1390000\(1000 + serial)",
                        "password": demoPassword,
                    ])
            }
            for serial in 0..<3 { #expect(try await register(serial).status == .created) }
            let accounts = try await Account.query(on: app.db).count()
            let refused = try await register(3)
            #expect(refused.status == .tooManyRequests && refused.headers.first(name: "Retry-After") != nil)
            #expect(refused.body.string.contains("register.tooMany"))
            #expect(try await Account.query(on: app.db).count() == accounts)
            // one number, from anywhere: five answers whether it is registered, then none
            app.tongban.registrationsPerHour = 0
            let taken = ["name": "张晓明", "identityNumber": app.demoPersonLogin, "mobile": "13900001111", "password": demoPassword]
            var answers: [HTTPStatus] = []
            for _ in 0..<7 { answers.append(try await app.send(.POST, "/api/v1/register/person", json: taken).status) }
            #expect(answers == Array(repeating: .conflict, count: 5) + [.tooManyRequests, .tooManyRequests])

            // M9: 20 open drafts, not 21
            let person = try await app.token(app.demoPersonLogin)
            let item = try await InstantApprovalTests.item(app, named: "就业登记")
            let body = ApplyBody(item: item.code, form: Flow.fill(item.form, app: app), submit: false)
            for _ in 0..<Quotas.openDrafts {
                #expect(try await app.send(.POST, "/api/v1/applications", json: body, bearer: person).status == .created)
            }
            let drafts = try await ApplicationRecord.query(on: app.db).count()
            let overDrafts = try await app.send(.POST, "/api/v1/applications", json: body, bearer: person)
            #expect(overDrafts.status == .conflict && overDrafts.body.string.contains("20 份未提交的草稿"))
            #expect(try await ApplicationRecord.query(on: app.db).count() == drafts)

            // M9: a draft's materials stop at 60 MB together (six files of 10 MB fit; not a byte more)
            let draft = try #require(try await ApplicationRecord.query(on: app.db).filter(\.$status == .draft).first())
            let key = try #require(item.materials.first { $0.source == .applicant }?.key)
            let owner = try #require(try await Account.find(draft.applicantID, on: app.db))
            let desk = MaterialDesk(
                context: UseCaseTests.context(app, as: owner, at: app.clock.now()), caches: app.applicationCaches
            )
            for serial in 0..<6 {
                var pdf = ByteBuffer(string: "%PDF-1.7 \(serial)\n")
                pdf.writeBytes([UInt8](repeating: 0x20, count: MaterialStore.maxBytes - pdf.readableBytes))
                _ = try await desk.store(pdf, contentType: .pdf, filename: "\(serial).pdf", key: key, application: draft)
            }
            await #expect(throws: TongbanError.self) {
                try await desk.store(
                    ByteBuffer(string: "%PDF-1.7 one more"), contentType: .pdf, filename: "b.pdf", key: key, application: draft)
            }
            #expect(try await StoredMaterial.query(on: app.db).filter(\.$applicationID == draft.id!).count() == 6)

            // M9: five complaints a day
            let amr = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区市场监督管理局").first())
            for _ in 0..<Quotas.complaintsPerDay {
                let sent = try await app.send(
                    .POST, "/api/v1/complaints", json: ComplaintTests.Body(target: amr.id!.uuidString), bearer: person)
                #expect(sent.status == .created)
            }
            let sixth = try await app.send(
                .POST, "/api/v1/complaints", json: ComplaintTests.Body(target: amr.id!.uuidString), bearer: person)
            #expect(sixth.status == .conflict && sixth.body.string.contains("12345"))
            #expect(try await ComplaintRecord.query(on: app.db).count() == Quotas.complaintsPerDay)

            // M9: three appointments to come, across days and halls, not four
            HallTests.setClock(app, HallTests.at("10:00"))
            let booker = try await app.token(app.demoEnterpriseLogin)
            let hall = try await HallTests.hall(app)
            let served = try await HallTests.anItem(app)
            var booked: [HTTPStatus] = []
            for day in ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30"] {
                let response = try await app.send(
                    .POST, "/api/v1/halls/\(hall.id)/appointments", json: ["date": day, "start": "09:30", "item": served], bearer: booker)
                booked.append(response.status)
                if day == "2026-11-30" { #expect(response.body.string.contains("quota.appointments")) }
            }
            #expect(booked == [.created, .created, .created, .conflict])
        }
    }

    @Test(
        "M9 under concurrency: drafts, complaints and appointments sent all at once stop at their quotas exactly, not at whatever each request counted alone",
        arguments: TestDatabase.available)
    func quotasAtOnce(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            func together(_ count: Int, _ send: @escaping @Sendable (Int) async throws -> HTTPStatus) async throws -> [HTTPStatus] {
                try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                    for index in 0..<count { group.addTask { try await send(index) } }
                    var all: [HTTPStatus] = []
                    for try await status in group { all.append(status) }
                    return all
                }
            }
            let person = try await app.token(app.demoPersonLogin)
            let item = try await InstantApprovalTests.item(app, named: "就业登记")
            let body = ApplyBody(item: item.code, form: Flow.fill(item.form, app: app), submit: false)
            let drafts = try await together(Quotas.openDrafts + 8) { _ in
                try await app.send(.POST, "/api/v1/applications", json: body, bearer: person).status
            }
            #expect(drafts.filter { $0 == .created }.count == Quotas.openDrafts, "\(drafts)")
            #expect(drafts.filter { $0 == .conflict }.count == 8)
            #expect(try await ApplicationRecord.query(on: app.db).filter(\.$status == .draft).count() == Quotas.openDrafts)

            let amr = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区市场监督管理局").first())
            let complaints = try await together(Quotas.complaintsPerDay + 7) { _ in
                try await app.send(.POST, "/api/v1/complaints", json: ComplaintTests.Body(target: amr.id!.uuidString), bearer: person)
                    .status
            }
            #expect(complaints.filter { $0 == .created }.count == Quotas.complaintsPerDay, "\(complaints)")
            #expect(try await ComplaintRecord.query(on: app.db).count() == Quotas.complaintsPerDay)

            HallTests.setClock(app, HallTests.at("10:00"))
            let booker = try await app.token(app.demoEnterpriseLogin)
            let hall = try await HallTests.hall(app)
            let served = try await HallTests.anItem(app)
            let days = ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30", "2026-12-01", "2026-12-02"]
            let booked = try await together(days.count) { index in
                try await app.send(
                    .POST, "/api/v1/halls/\(hall.id)/appointments", json: ["date": days[index], "start": "09:30", "item": served],
                    bearer: booker
                ).status
            }
            #expect(booked.filter { $0 == .created }.count == Quotas.upcomingAppointments, "\(booked)")
            #expect(try await Appointment.query(on: app.db).filter(\.$status == .booked).count() == Quotas.upcomingAppointments)
        }
    }

    @Test(
        "L1: a window clerk reads the personal data of people of their region, or with an application open there; a clerk elsewhere reads nothing",
        arguments: TestDatabase.available)
    func clerkReadsServedPeopleOnly(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let personID = try await app.accountID(login: app.demoPersonLogin)
            let number = app.demoPersonLogin
            let path = "/api/v1/accounts/\(personID)?purpose=%E7%AA%97%E5%8F%A3%E6%A0%B8%E9%AA%8C"
            let far = try await Self.foreignStaff(app, role: .windowClerk, username: "clerk.guangan", department: "广安区政务服务中心", serial: 4)
            let audits = try await AuditEntry.query(on: app.db).count()
            let refused = try await app.send(.GET, path, bearer: far)
            #expect(refused.status == .forbidden && !refused.body.string.contains(number))
            #expect(try await AuditEntry.query(on: app.db).count() == audits)
            // the West Lake window serves the person of West Lake
            let near = try await app.send(.GET, path, bearer: try await app.token("clerk"))
            #expect(near.status == .ok && near.body.string.contains(number))
            // an application of theirs open in 广安区: the window there serves them too
            let person = try await app.token(app.demoPersonLogin)
            let item = try await InstantApprovalTests.item(app, named: "就业登记")
            let draft = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app), submit: false),
                bearer: person)
            #expect(draft.status == .created)
            let application = try #require(try await ApplicationRecord.query(on: app.db).filter(\.$applicantID == personID).first())
            application.regionCode = "511602"
            try await application.update(on: app.db)
            let served = try await app.send(.GET, path, bearer: far)
            #expect(served.status == .ok && served.body.string.contains(number))
        }
    }

    @Test(
        "L3: the owner's grant caps what a requester's system reads unmasked, whatever clearance it gave itself; keys expire and are revoked by their department",
        arguments: TestDatabase.available)
    func dataClients(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            typealias Sharing = DataSharingTests
            let amr = try await app.token("data.amr")
            let owner = try await Sharing.dataAdmin(app, department: "杭州市西湖区人力资源和社会保障局", username: "data.hrss")
            let fields = ["name", "identityNumber", "monthsPaid", "contributionBase"]
            let asked = try await app.send(
                .POST, "/api/v1/data/grants",
                json: DataSharingAPI.GrantRequest(
                    resource: "social_security_status", fields: fields, purpose: Sharing.purpose, legalBasis: "《失业保险条例》第十六条", days: 90),
                bearer: amr)
            let grant = try asked.content.decode(Sharing.Grant.self)
            let badClearance = try await app.send(
                .POST, "/api/v1/data/grants/\(grant.id)/decision",
                json: DataSharingAPI.DecisionBody(approve: true, clearance: "top-secret"),
                bearer: owner)
            #expect(badClearance.status == .unprocessableEntity && badClearance.body.string.contains("sharing.badClearance"))
            let decided = try await app.send(
                .POST, "/api/v1/data/grants/\(grant.id)/decision", json: DataSharingAPI.DecisionBody(approve: true, clearance: "internal"),
                bearer: owner)
            #expect(decided.status == .ok && decided.body.string.contains("\"clearance\":\"internal\""))
            // the review's request: the asking department clears its own system to "core"
            let created = try await app.send(
                .POST, "/api/v1/data/clients", json: DataSharingAPI.ClientRequest(name: "自定核心", clearance: "core", validDays: 1),
                bearer: amr)
            #expect(created.status == .created)
            let client = try created.content.decode(Sharing.Client.self)
            func lookup() async throws -> TestingHTTPResponse {
                try await app.send(
                    .POST, "/api/v1/data/lookup", headers: ["X-Api-Key": client.key],
                    json: DataSharingAPI.LookupBody(
                        resource: "social_security_status", subject: app.demoPersonLogin, fields: fields, purpose: Sharing.purpose))
            }
            let read = try await lookup()
            #expect(read.status == .ok, "\(read.body.string)")
            let result = try read.content.decode(Sharing.Lookup.self)
            #expect(Set(result.masked) == ["identityNumber", "monthsPaid", "contributionBase"] && result.fields["name"] == "张晓明")
            #expect(result.fields["identityNumber"] == Masking.identityNumber(app.demoPersonLogin))

            // the key works for the days it was given, then not
            let now = app.clock.now()
            app.clock = .stopped(at: now.addingTimeInterval(25 * 3600))
            let expired = try await lookup()
            #expect(expired.status == .unauthorized && expired.body.string.contains("sharing.keyExpired"))
            app.clock = .stopped(at: now)

            // revoked by its own department (another's is told there is no such client), once
            let police = try await app.token("data.police")
            #expect(try await app.send(.POST, "/api/v1/data/clients/\(client.id)/revoke", bearer: police).status == .notFound)
            #expect(try await lookup().status == .ok)
            let revoked = try await app.send(.POST, "/api/v1/data/clients/\(client.id)/revoke", bearer: amr)
            #expect(revoked.status == .ok)
            #expect(try await lookup().status == .unauthorized)
            #expect(try await app.send(.POST, "/api/v1/data/clients/\(client.id)/revoke", bearer: amr).status == .conflict)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "sharing.clientRevoked").count() == 1)
        }
    }

    @Test(
        "M7: a licence's fields and token are sealed to their cells: nothing in clear, a copy onto another licence opens to nothing, a row written in clear is sealed by the migration and reads the same",
        arguments: TestDatabase.available)
    func licenceContentsSealed(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let rows = try await LicenseRecord.query(on: app.db).sort(\.$identifier).all()
            #expect(rows.count >= 2)
            for row in rows {
                #expect(row.fields.hasPrefix("v2:") && row.token.hasPrefix("v2:") && !row.fields.contains(row.holderName))
                #expect(!row.fieldValues(app.keys).isEmpty && row.token(app.keys).split(separator: ".").count == 3)
            }
            let (first, second) = (rows[0], rows[1])
            let (fields, token) = (second.fieldValues(app.keys), second.token(app.keys))
            // a database writer copies one licence's cells onto another: they open to nothing there
            second.fields = first.fields
            second.token = first.token
            try await second.update(on: app.db)
            let copied = try #require(try await LicenseRecord.find(second.id, on: app.db))
            #expect(copied.fieldValues(app.keys).isEmpty && copied.token(app.keys).isEmpty)
            // a row from before the seal, in clear: migration 34 seals it, and it reads the same
            copied.fields = String(decoding: try StoredJSON.encoder.encode(fields), as: UTF8.self)
            copied.token = token
            try await copied.update(on: app.db)
            try await SealLicenseContents(keys: app.keys).prepare(on: app.db)
            let sealed = try #require(try await LicenseRecord.find(second.id, on: app.db))
            #expect(sealed.fields.hasPrefix("v2:") && sealed.fieldValues(app.keys) == fields && sealed.token(app.keys) == token)
            let verdict = try await app.send(.POST, "/api/v1/licenses/verify", json: ["token": token])
            #expect(verdict.status == .ok && verdict.body.string.contains("\"outcome\":\"valid\""), "\(verdict.body.string)")
        }
    }

    @Test(
        "M7: audit entries keep who acted, why and the details sealed to their cells; the log still verifies, and a sealed value copied onto another entry breaks it there",
        arguments: TestDatabase.available)
    func auditSealed(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            _ = try await app.token(app.demoPersonLogin)
            let signIn = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "auth.signIn").sort(\.$id, .descending).first())
            let stored = signIn.actorLabel
            #expect(stored.hasPrefix("v2:") && !stored.contains("张晓明"))
            #expect(signIn.opened(app.keys).actorLabel == "person:张晓明 [L2]")
            let total = try await AuditEntry.query(on: app.db).count()
            #expect(try await app.checkedAuditLog().entries == total)
            // the same ciphertext written onto an earlier entry does not open there: the log breaks at it
            let earlier = try #require(try await AuditEntry.query(on: app.db).filter(\.$id < signIn.id!).sort(\.$id, .descending).first())
            earlier.actorLabel = stored
            try await earlier.update(on: app.db)
            #expect(try await app.checkedAuditLog().entries == nil)
        }
    }

    @Test(
        "L9: an identity number copied by a database writer into another account's row does not open there; older values are re-sealed to their rows",
        arguments: TestDatabase.available)
    func cipherSwap(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let victimID = try await app.accountID(login: app.demoPersonLogin)
            let victim = try #require(try await Account.find(victimID, on: app.db))
            let registered = try await app.send(
                .POST, "/api/v1/register/person",
                json: ["name": "李四", "identityNumber": "110105198001010032", "mobile": "13900002222", "password": demoPassword])
            #expect(registered.status == .created, "\(registered.body.string)")
            let attacker = try #require(try await Account.query(on: app.db).filter(\.$displayName == "李四").first())
            #expect(attacker.identityNumber(app.keys) == "110105198001010032")
            // the swap, as SQL access would do it
            attacker.idNumberCipher = victim.idNumberCipher
            attacker.mobileCipher = victim.mobileCipher
            try await attacker.update(on: app.db)
            let me = try await app.send(.GET, "/api/v1/me", bearer: try await app.token("110105198001010032"))
            #expect(me.status == .ok && !me.body.string.contains(app.demoPersonLogin))
            #expect(try #require(try await Account.find(attacker.id, on: app.db)).identityNumber(app.keys) == nil)

            // a value from before (v1, bound to its column's name only) is re-sealed by migration 29
            victim.idNumberCipher = app.keys.encrypt(app.demoPersonLogin, field: "identity_number")
            victim.mobileCipher = app.keys.encrypt("13800138000", field: "mobile")
            try await victim.update(on: app.db)
            try await SealAccountCiphersToRows(keys: app.keys).prepare(on: app.db)
            let resealed = try #require(try await Account.find(victimID, on: app.db))
            #expect(resealed.idNumberCipher?.hasPrefix("v2:") == true && resealed.identityNumber(app.keys) == app.demoPersonLogin)
            #expect(resealed.mobile(app.keys) == "13800138000")
        }
    }

    @Test(
        "L2: a clerk's window and calling actions, and every appointment's change, are on the audit trail with who did them",
        arguments: TestDatabase.available)
    func hallActionsAudited(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            HallTests.setClock(app, HallTests.at("10:00"))
            let hall = try await HallTests.hall(app)
            let clerk = try await app.token("clerk")
            let person = try await app.token(app.demoPersonLogin)
            let window = try HallTests.window(hall, 3)
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(window)/open", bearer: clerk).status == .ok)
            let kiosk = try await HallTests.kiosk(app, hall.id, "B")
            let called = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(window)/call", bearer: clerk)
            #expect(called.status == .ok)
            // the review's worry: a no-show marked without a trace
            let finished = try await app.send(.POST, "/api/v1/hall-tickets/\(kiosk.id)/finish", json: ["outcome": "noShow"], bearer: clerk)
            #expect(finished.status == .ok)
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(window)/close", bearer: clerk).status == .noContent)
            let item = try await HallTests.anItem(app)
            let booked = try await app.send(
                .POST, "/api/v1/halls/\(hall.id)/appointments", json: ["date": "2026-11-25", "start": "09:30", "item": item], bearer: person
            )
            #expect(booked.status == .created)

            let trail = try await AuditEntry.query(on: app.db).filter(
                \.$action ~~ [
                    "hall.windowOpened", "hall.ticketCalled", "hall.ticketFinished", "hall.windowClosed", "hall.appointmentBooked",
                ]
            ).sort(\.$id).all().map { $0.opened(app.keys) }
            #expect(
                trail.map(\.action) == [
                    "hall.windowOpened", "hall.ticketCalled", "hall.ticketFinished", "hall.windowClosed", "hall.appointmentBooked",
                ])
            #expect(trail.prefix(4).allSatisfy { $0.actorLabel.hasPrefix("staff:") })
            #expect(trail[2].resource == "ticket:\(kiosk.id)" && trail[2].details?.contains("\(kiosk.label): noShow") == true)
            #expect(trail[4].actorLabel.hasPrefix("person:") && trail[4].details?.contains("2026-11-25 09:30") == true)
        }
    }

    @Test(
        "M7: an application's form is sealed to its row: the column holds no answer in clear, a form copied into another application opens to nothing, and forms from before are sealed by migration 30",
        arguments: TestDatabase.available)
    func formsSealed(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let item = try await InstantApprovalTests.item(app, named: "就业登记")
            var form = Flow.fill(item.form, app: app)
            let typed = form.first { $0.value.count >= 6 }
            for _ in 0..<2 {
                let draft = try await app.send(
                    .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: form, submit: false), bearer: person)
                #expect(draft.status == .created)
            }
            let rows = try await ApplicationRecord.query(on: app.db).sort(\.$createdAt).all()
            #expect(rows.count == 2 && rows.allSatisfy { $0.form.hasPrefix("v2:") })
            if let typed { #expect(rows.allSatisfy { !$0.form.contains(typed.value) }) }
            #expect(rows[0].formAnswers(app.keys) == form)
            // what the applicant reads back is what they typed
            let shown = try await app.send(.GET, "/api/v1/applications/\(rows[0].id!)", bearer: person)
            #expect(shown.status == .ok && (typed.map { shown.body.string.contains($0.value) } ?? true))
            // the swap, as SQL access would do it
            rows[1].form = rows[0].form
            try await rows[1].update(on: app.db)
            #expect(try #require(try await ApplicationRecord.find(rows[1].id, on: app.db)).formAnswers(app.keys).isEmpty)
            // a form stored in clear before migration 30 is sealed by it, and reads the same
            form["note"] = "旧"
            let legacy = String(decoding: try JSONEncoder().encode(form), as: UTF8.self)
            rows[1].form = legacy
            try await rows[1].update(on: app.db)
            try await SealApplicationForms(keys: app.keys).prepare(on: app.db)
            let resealed = try #require(try await ApplicationRecord.find(rows[1].id, on: app.db))
            #expect(resealed.form.hasPrefix("v2:") && resealed.formAnswers(app.keys) == form)
        }
    }

    @Test(
        "M7: shared records are sealed to their resource and subject: no field in clear, a record copied onto another subject opens to nothing, records from before are sealed by migration 31",
        arguments: TestDatabase.available)
    func sharedRecordsSealed(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let records = try await SharedRecord.query(on: app.db).all()
            #expect(!records.isEmpty && records.allSatisfy { $0.data.hasPrefix("v2:") && !$0.data.contains("张晓明") })
            let population = try #require(records.first { $0.resourceCode == "population_basic" })
            #expect(population.values(app.keys)["name"] == "张晓明")
            // written as the tests' records are: sealed too
            let number = try #require(IdentityNumber.completing("33010619700101004", today: app.today)).value
            try await AssuranceTests.seedRecords(app, for: number, name: "赵六")
            let other = try #require(
                try await SharedRecord.query(on: app.db).filter(\.$resourceCode == "population_basic")
                    .filter(\.$subjectKey == app.keys.lookupHash(number, field: "identity_number")).first())
            #expect(other.data.hasPrefix("v2:") && other.values(app.keys)["name"] == "赵六")
            // the swap: 张晓明's record written over another subject's row
            other.data = population.data
            try await other.update(on: app.db)
            #expect(try #require(try await SharedRecord.find(other.id, on: app.db)).values(app.keys).isEmpty)
            // a record in clear from before is sealed by migration 31, and reads the same
            other.data = #"{"name":"赵六","mobile":"13900003333"}"#
            try await other.update(on: app.db)
            try await SealSharedRecords(keys: app.keys).prepare(on: app.db)
            let resealed = try #require(try await SharedRecord.find(other.id, on: app.db))
            #expect(resealed.data.hasPrefix("v2:") && resealed.values(app.keys) == ["name": "赵六", "mobile": "13900003333"])
        }
    }

    @Test(
        "L8: a department's signing key vouches for its own licences only; a rotated key stops signing but what it signed still verifies",
        arguments: TestDatabase.available)
    func signingKeyIssuer(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let card = try #require(try await LicenseReuseTests.wallet(app, person).first { $0.typeCode == "jmsfz" })
            let record = try #require(try await LicenseRecord.query(on: app.db).filter(\.$identifier == card.identifier).first())
            let context = app.licenseSigner.context
            let kid = try await app.licenseKeys.signingKid(issuerCode: record.issuerCode, issuerName: record.issuerName, context: context)
            // the police's key, signing a licence that says another department issued it
            var claims = try #require(LicenseKeys.claims(of: record.token(app.keys)))
            claims.iss = .init(value: "11330106002489110L")
            let forged = try await app.licenseKeys.sign(claims, kid: kid)
            let verdict = try await app.send(.POST, "/api/v1/licenses/verify", json: ["token": forged]).content.decode(
                LicenseTests.Verdict.self)
            #expect(verdict.outcome == "invalid")

            // rotation: a new key signs from now on; the licence the old one signed still verifies
            try await app.licenseKeys.rotate(issuerCode: record.issuerCode, context: context)
            let next = try await app.licenseKeys.signingKid(issuerCode: record.issuerCode, issuerName: record.issuerName, context: context)
            #expect(next != kid)
            let old = try await app.send(.POST, "/api/v1/licenses/verify", json: ["token": record.token(app.keys)]).content.decode(
                LicenseTests.Verdict.self)
            #expect(old.outcome == "valid")
        }
    }
}
