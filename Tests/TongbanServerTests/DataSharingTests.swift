import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 数据共享: a department asks, the owner decides, the asking department's system reads under
/// the grant with its key — masked above its clearance, every read audited and shown to the
/// person it concerns, every request outside the grant refused and logged.
@Suite("data sharing over HTTP")
struct DataSharingTests {
    struct Grant: Decodable {
        let id: UUID
        let status: String
        let fields: [String]
        let lastDay: String?
        let version: Int
    }
    struct Client: Decodable {
        let id: UUID
        let key: String
    }
    struct Lookup: Decodable {
        let fields: [String: String]
        let masked: [String]
        let grant: UUID?
        let subject: String
    }

    static let purpose = "失业保险金申领：核验参保缴费情况"

    @Test(
        "ask, decide (one decision wins), read under the grant with a key; outside the grant refused and logged; the person sees each read",
        arguments: TestDatabase.available)
    func grantAndLookup(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let amr = try await app.token("data.amr")
            let personID = try await app.accountID(login: app.demoPersonLogin)
            let hrssOwner = try await Self.dataAdmin(app, department: "杭州市西湖区人力资源和社会保障局", username: "data.hrss")
            let police = try await app.token("data.police")
            let grantsBefore = try await SharingGrant.query(on: app.db).count()
            let auditBefore = try await AuditEntry.query(on: app.db).count()

            // the resources on offer, for anyone to see what may be asked for
            let offered = try await app.send(.GET, "/api/v1/data/resources").content.decode([DataResource].self)
            #expect(offered.contains { $0.code == "tax_payment_detail" } && offered.map(\.code) == offered.map(\.code).sorted())

            // a not-shared resource cannot be asked for; bad requests name every problem; nothing is written
            let notShared = try await app.send(
                .POST, "/api/v1/data/grants",
                json: DataSharingAPI.GrantRequest(
                    resource: "tax_payment_detail", fields: ["annualIncome"], purpose: "核验收入", legalBasis: "无", days: 30), bearer: amr)
            #expect(
                notShared.status == .unprocessableEntity
                    && notShared.errorBody?.error.details?.contains { $0.code == "sharing.notShared" } == true)
            let bad = try await app.send(
                .POST, "/api/v1/data/grants",
                json: DataSharingAPI.GrantRequest(
                    resource: "social_security_status", fields: ["nonsense"], purpose: " ", legalBasis: nil, days: 0), bearer: amr)
            #expect(Set(bad.errorBody?.error.details?.map(\.field) ?? []) == ["fields", "purpose", "legalBasis", "days"])
            #expect(
                try await app.send(
                    .POST, "/api/v1/data/grants",
                    json: DataSharingAPI.GrantRequest(
                        resource: "population_basic", fields: ["name"], purpose: "x", legalBasis: "y", days: 1), bearer: police
                ).errorBody?.error.details?.first?.code == "sharing.ownResource")
            #expect(try await SharingGrant.query(on: app.db).count() == grantsBefore)
            #expect(try await AuditEntry.query(on: app.db).count() == auditBefore)

            let asked = try await app.send(
                .POST, "/api/v1/data/grants",
                json: DataSharingAPI.GrantRequest(
                    resource: "social_security_status", fields: ["name", "insured", "monthsPaid", "identityNumber"], purpose: Self.purpose,
                    legalBasis: "《失业保险条例》第十六条", days: 90), bearer: amr)
            #expect(asked.status == .created, "\(asked.body.string)")
            let grant = try asked.content.decode(Grant.self)
            #expect(grant.status == "pending")

            // only the owner's data administrator decides; two at once: one wins
            #expect(
                try await app.send(.POST, "/api/v1/data/grants/\(grant.id)/decision", json: ["approve": true], bearer: police).status
                    == .forbidden)
            #expect(
                try await app.send(.POST, "/api/v1/data/grants/\(grant.id)/decision", json: ["approve": false], bearer: hrssOwner).status
                    == .unprocessableEntity)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await app.send(.POST, "/api/v1/data/grants/\(grant.id)/decision", json: ["approve": true], bearer: hrssOwner)
                            .status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .conflict])
            let approved = try #require(
                try await app.send(.GET, "/api/v1/data/grants", bearer: amr).content.decode([Grant].self).first { $0.id == grant.id })
            #expect(approved.status == "approved" && approved.lastDay == app.today.adding(days: 89)?.description)

            // the asking department's system, cleared to "internal"
            let created = try await app.send(
                .POST, "/api/v1/data/clients",
                json: DataSharingAPI.ClientRequest(name: "登记审批系统", clearance: "internal", ratePerMinute: 600), bearer: amr)
            #expect(created.status == .created, "\(created.body.string)")
            let client = try created.content.decode(Client.self)
            #expect(try await APIClient.find(client.id, on: app.db)?.keyHash == SharingClients.hash(client.key))
            #expect(
                try await app.send(
                    .POST, "/api/v1/data/clients", json: DataSharingAPI.ClientRequest(name: "x", clearance: "internal"),
                    bearer: try await app.token("reviewer.amr")
                ).status == .forbidden)

            func lookup(_ body: DataSharingAPI.LookupBody, key: String? = nil) async throws -> TestingHTTPResponse {
                try await app.send(.POST, "/api/v1/data/lookup", headers: ["X-Api-Key": key ?? client.key], json: body)
            }
            let subject = app.demoPersonLogin
            let read = try await lookup(
                .init(
                    resource: "social_security_status", subject: subject, fields: ["name", "insured", "monthsPaid", "identityNumber"],
                    purpose: Self.purpose))
            #expect(read.status == .ok, "\(read.body.string)")
            let result = try read.content.decode(Lookup.self)
            #expect(result.grant == grant.id && result.fields["name"] == "张晓明" && result.fields["insured"] == "参保缴费")
            #expect(
                Set(result.masked) == ["monthsPaid", "identityNumber"] && result.fields["identityNumber"] == Masking.identityNumber(subject)
            )
            #expect(result.fields["monthsPaid"] != "96" && result.subject == Masking.identityNumber(subject))
            // a number ending in X is found however its x was typed
            let xStem = "11010519491231002"
            let withX = xStem + String(IdentityNumber.checkCharacter(for: xStem.compactMap(\.wholeNumberValue)))
            #expect(withX.hasSuffix("X"))
            try await AssuranceTests.seedRecords(app, for: withX, name: "李四")
            for typed in [withX, withX.lowercased()] {
                let found = try await lookup(
                    .init(resource: "social_security_status", subject: typed, fields: ["name", "insured"], purpose: Self.purpose))
                #expect(
                    found.status == .ok && (try? found.content.decode(Lookup.self).fields["name"]) == "李四", "\(typed): \(found.body.string)"
                )
            }

            // outside the grant: refused with the reason, logged, nothing read
            let readsBefore = try await DataRead.query(on: app.db).count()
            let refusedBefore = try await AuditEntry.query(on: app.db).filter(\.$action == "data.refused").count()
            let outside: [(DataSharingAPI.LookupBody, String)] = [
                (
                    .init(resource: "social_security_status", subject: subject, fields: ["employer"], purpose: Self.purpose),
                    "sharing.fieldsOutside"
                ),
                (.init(resource: "social_security_status", subject: subject, fields: ["name"], purpose: "顺便看看"), "sharing.otherPurpose"),
                (
                    .init(resource: "real_estate_registration", subject: subject, fields: ["location"], purpose: Self.purpose),
                    "sharing.notGranted"
                ),
                (
                    .init(resource: "tax_payment_detail", subject: subject, fields: ["annualIncome"], purpose: Self.purpose),
                    "sharing.notShared"
                ),
            ]
            for (body, code) in outside {
                let response = try await lookup(body)
                #expect(response.status == .forbidden && response.errorBody?.error.code == code, "\(code): \(response.body.string)")
            }
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "data.refused").count() == refusedBefore + outside.count)
            #expect(try await DataRead.query(on: app.db).count() == readsBefore)
            // a bad key, a malformed subject
            #expect(
                try await lookup(
                    .init(resource: "social_security_status", subject: subject, purpose: Self.purpose), key: "tbk_aaaaaaaaaa_forged"
                ).status == .unauthorized)
            #expect(
                try await lookup(.init(resource: "social_security_status", subject: "33010619900307123X", purpose: Self.purpose)).errorBody?
                    .error.details?.first?.field == "subject")
            // enterprise registration is shared unconditionally: no grant needed
            let open = try await lookup(.init(resource: "enterprise_registration", subject: app.demoEnterpriseLogin, purpose: "核验企业登记状态"))
            let openResult = try open.content.decode(Lookup.self)
            #expect(open.status == .ok && openResult.fields["status"] == "存续")
            // a well-formed number the resource holds no record of: 404 under the grant, nothing read
            let stem = "33010619850101123"
            let stranger = stem + String(IdentityNumber.checkCharacter(for: stem.compactMap(\.wholeNumberValue)))
            let readsNow = try await DataRead.query(on: app.db).count()
            let none = try await lookup(
                .init(resource: "social_security_status", subject: stranger, fields: ["name"], purpose: Self.purpose))
            #expect(none.status == .notFound && none.errorBody?.error.code == "sharing.noRecord", "\(none.body.string)")
            #expect(try await DataRead.query(on: app.db).count() == readsNow)

            // the grant expires: refused
            let row = try #require(try await SharingGrant.find(grant.id, on: app.db))
            row.lastDay = app.today.adding(days: -1)?.description
            try await row.save(on: app.db)
            #expect(
                try await lookup(.init(resource: "social_security_status", subject: subject, fields: ["name"], purpose: Self.purpose))
                    .errorBody?.error.code == "sharing.grantExpired")

            // the person's access record lists the read, as the audit chain has it
            let person = try await app.token(app.demoPersonLogin)
            let access = try await app.send(.GET, "/api/v1/me/data-access", bearer: person).content.decode(LicenseReuseTests.Access.self)
            #expect(
                access.reads.count == 1 && access.reads[0].reader == "杭州市西湖区市场监督管理局 · 登记审批系统" && access.reads[0].purpose == Self.purpose)
            #expect(
                Set(access.reads[0].fields) == ["name", "insured", "monthsPaid", "identityNumber"]
                    && access.reads[0].basis == "grant:\(grant.id.uuidString)")
            let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "data.read").all().map { $0.opened(app.keys) }.filter {
                ($0.details ?? "").contains(personID.uuidString)
            }
            #expect(audited.count == 1 && audited[0].purpose == Self.purpose && audited[0].resource == "data:social_security_status")
            let entries = try await AuditEntry.query(on: app.db).count()
            #expect(try await app.checkedAuditLog().entries == entries)
        }
    }

    @Test("a client's per-minute limit is kept; a revoked key stops working", arguments: TestDatabase.available)
    func limits(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let amr = try await app.token("data.amr")
            let client = try await app.send(
                .POST, "/api/v1/data/clients", json: DataSharingAPI.ClientRequest(name: "批量核验", clearance: "public", ratePerMinute: 3),
                bearer: amr
            ).content.decode(Client.self)
            let body = DataSharingAPI.LookupBody(resource: "enterprise_registration", subject: app.demoEnterpriseLogin, purpose: "核验企业登记状态")
            var responses: [TestingHTTPResponse] = []
            // the platform's clock held still: on a loaded machine four lookups may span a refill (one every 20 s)
            app.clock = .stopped(at: app.clock.now())
            for _ in 0..<4 {
                responses.append(try await app.send(.POST, "/api/v1/data/lookup", headers: ["X-Api-Key": client.key], json: body))
            }
            #expect(responses.map(\.status) == [.ok, .ok, .ok, .tooManyRequests])
            // three a minute: the next is due within 20 seconds (less as the requests take time), however the minute falls
            let retryAfter = try #require(responses.last?.headers.first(name: "Retry-After").flatMap { Int($0) })
            #expect((1...20).contains(retryAfter))
            // the demo grant: the market regulator reads the population data it was granted
            let second = try await app.send(
                .POST, "/api/v1/data/clients", json: DataSharingAPI.ClientRequest(name: "个体登记系统", clearance: "sensitive"),
                bearer: amr
            ).content.decode(Client.self)
            let population = try await app.send(
                .POST, "/api/v1/data/lookup", headers: ["X-Api-Key": second.key],
                json: DataSharingAPI.LookupBody(
                    resource: "population_basic", subject: app.demoPersonLogin, purpose: "个体工商户设立登记：核验经营者身份与户籍信息"))
            #expect(population.status == .ok, "\(population.body.string)")
            #expect(try population.content.decode(Lookup.self).fields.keys.sorted() == ["birthDate", "gender", "householdAddress", "name"])
            // the owner's data administrator revokes the demo grant: the next read is refused; only the owner may, only once
            let demoGrant = try #require(try await SharingGrant.query(on: app.db).filter(\.$resourceCode == "population_basic").first())
            let police = try await app.token("data.police")
            #expect(
                try await app.send(.POST, "/api/v1/data/grants/\(try demoGrant.requireID())/revoke", json: ["reason": "x"], bearer: amr)
                    .status == .forbidden)
            #expect(
                try await app.send(.POST, "/api/v1/data/grants/\(try demoGrant.requireID())/revoke", json: ["reason": " "], bearer: police)
                    .status == .unprocessableEntity)
            let revoked = try await app.send(
                .POST, "/api/v1/data/grants/\(try demoGrant.requireID())/revoke", json: ["reason": "核查发现超范围使用"], bearer: police)
            #expect(revoked.status == .ok, "\(revoked.body.string)")
            #expect(
                try await app.send(
                    .POST, "/api/v1/data/grants/\(try demoGrant.requireID())/revoke", json: ["reason": "again"], bearer: police
                ).status == .conflict)
            let afterRevoke = try await app.send(
                .POST, "/api/v1/data/lookup", headers: ["X-Api-Key": second.key],
                json: DataSharingAPI.LookupBody(
                    resource: "population_basic", subject: app.demoPersonLogin, purpose: "个体工商户设立登记：核验经营者身份与户籍信息"))
            #expect(afterRevoke.status == .forbidden && afterRevoke.errorBody?.error.code == "sharing.notGranted")

            let row = try #require(try await APIClient.find(second.id, on: app.db))
            row.revokedAt = app.clock.now()
            try await row.save(on: app.db)
            app.sharingClients.forget(prefix: row.keyPrefix)
            #expect(
                try await app.send(.POST, "/api/v1/data/lookup", headers: ["X-Api-Key": second.key], json: body).status == .unauthorized)
        }
    }

    static func dataAdmin(_ app: Application, department name: String, username: String) async throws -> String {
        let department = try #require(try await Department.query(on: app.db).filter(\.$name == name).first())
        let account = Account(
            kind: .staff, loginKey: Account.loginKey(staffUsername: username), displayName: "数据管理员\(username)",
            passwordHash: try await app.hashPassword(demoPassword), at: app.clock.now())
        account.roles = [.dataAdmin]
        account.$department.id = department.id
        account.regionCode = department.regionCode
        try await account.create(on: app.db)
        return try await app.token(username)
    }
}

/// 免提交 with shared data: the platform fetches what a material names for each asking case whose
/// department may read it, with the applicant's consent where the resource asks for it.
@Suite("shared data for applications")
struct SharedDataApplicationTests {
    typealias Flow = ApplicationFlowTests

    static func draft(_ app: Application, item name: String, token: String, consent: Bool?) async throws -> UUID {
        let item = try await InstantApprovalTests.item(app, named: name)
        // who applies is left to the platform, which fills it from the verified account (只询问一次)
        var form = Flow.fill(item.form, app: app)
        form["applicantName"] = nil
        form["applicantId"] = nil
        let response = try await app.send(
            .POST, "/api/v1/applications",
            json: ApplyBody(
                item: item.code, form: form, submit: false,
                dataConsent: consent), bearer: token)
        #expect(response.status == .created, "\(response.body.string)")
        return try response.content.decode(Flow.Application_.self).id
    }

    @Test(
        "fetched with consent for the owner's own case; unconditional data without; nothing without consent or without the right to read; the reviewer sees it masked to their level and the person sees the read",
        arguments: TestDatabase.available)
    func fetch(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let personID = try await app.accountID(login: app.demoPersonLogin)
            // 失业保险金申领 at the district's HRSS, which owns the social-security data: with consent, fetched
            let consented = try await Self.draft(app, item: "失业保险金申领", token: person, consent: true)
            let reuses = try await MaterialReuse.query(on: app.db).filter(\.$applicationID == consented).all()
            #expect(reuses.count == 1 && reuses[0].via == .data && reuses[0].sourceRef == "social_security_status" && reuses[0].consented)
            // without consent: nothing fetched
            let refused = try await Self.draft(app, item: "失业保险金申领", token: person, consent: nil)
            #expect(try await MaterialReuse.query(on: app.db).filter(\.$applicationID == refused).count() == 0)
            // 契税申报 at the tax bureau, which holds no grant on the population data: not fetched even with consent
            let noGrant = try await Self.draft(app, item: "契税申报", token: person, consent: true)
            #expect(try await MaterialReuse.query(on: app.db).filter(\.$applicationID == noGrant).count() == 0)
            // the enterprise's registration is shared unconditionally and asks no consent
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let open = try await Self.draft(app, item: "单位社会保险登记", token: enterprise, consent: nil)
            let openReuses = try await MaterialReuse.query(on: app.db).filter(\.$applicationID == open).all()
            #expect(openReuses.count == 1 && openReuses[0].sourceRef == "enterprise_registration" && !openReuses[0].consented)

            // the holder sees all of it; an HRSS reviewer sees it with the core fields masked, and the read is recorded
            let (ownStatus, own) = try await LicenseReuseTests.entries(app, consented, person)
            #expect(ownStatus == .ok && own.count == 1 && own[0].readable && own[0].fields.contains { $0.value == app.demoPersonLogin })
            #expect(try await DataRead.query(on: app.db).count() == 0)
            let hrss = try await Flow.reviewer(app, department: "杭州市西湖区人力资源和社会保障局", username: "reviewer.hrss")
            let (status, seen) = try await LicenseReuseTests.entries(app, consented, hrss)
            #expect(status == .ok && seen.count == 1 && seen[0].readable)
            #expect(
                seen[0].fields.contains { $0.value == Masking.identityNumber(app.demoPersonLogin) }
                    && seen[0].fields.contains { $0.value == "参保缴费" })
            let reads = try await DataRead.query(on: app.db).all()
            #expect(
                reads.count == 1 && reads[0].subjectID == personID && reads[0].source == "data:social_security_status"
                    && reads[0].basis == "consent:\(reuses[0].id!.uuidString)")
            // who read and why are sealed to their row: neither is in the table in clear, nor opens in another row
            #expect(reads[0].readerLabel.hasPrefix(KeyRing.sealedPrefix) && reads[0].purpose.hasPrefix(KeyRing.sealedPrefix))
            #expect(app.keys.open(reads[0].purpose, table: DataRead.schema, row: UUID(), column: "purpose") == nil)
            let opened = try await DataReads.of(subjectID: personID, keys: app.keys, on: app.db)
            #expect(opened.count == 1 && !opened[0].readerLabel.hasPrefix(KeyRing.sealedPrefix) && opened[0].purpose.contains("办理"))
            // the clerk learns only that it was fetched
            let (_, byClerk) = try await LicenseReuseTests.entries(app, consented, try await app.token("clerk"))
            #expect(byClerk.count == 1 && !byClerk[0].readable)

            // the person withdraws the consent: the reviewer no longer sees the data; nobody else can withdraw it; only once
            let consentID = try reuses[0].requireID()
            #expect(try await app.send(.POST, "/api/v1/me/consents/\(consentID)/withdraw", bearer: enterprise).status == .notFound)
            let withdrawn = try await app.send(.POST, "/api/v1/me/consents/\(consentID)/withdraw", bearer: person)
            #expect(withdrawn.status == .ok, "\(withdrawn.body.string)")
            #expect(try await app.send(.POST, "/api/v1/me/consents/\(consentID)/withdraw", bearer: person).status == .conflict)
            let (_, afterWithdrawal) = try await LicenseReuseTests.entries(app, consented, hrss)
            #expect(afterWithdrawal.count == 1 && !afterWithdrawal[0].readable)
            #expect(try await DataRead.query(on: app.db).count() == 1)
        }
    }

    @Test(
        "migration 39 seals who read and why in the reads recorded before, once, and they open as they were",
        arguments: TestDatabase.available)
    func sealsEarlierReads(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            var ids: [UUID] = []
            for index in 0..<3 {
                let read = DataRead()
                read.id = UUID()
                read.subjectID = UUID()
                read.readerLabel = "杭州市西湖区市场监督管理局 · 审批员\(index)"
                read.source = "data:population_basic"
                read.sourceName = "人口基本信息"
                read.fields = "name"
                read.purpose = "办理「就业登记」（申请编号 \(index)）"
                read.basis = "consent:x"
                read.at = app.clock.now()
                try await read.create(on: app.db)
                ids.append(read.id!)
            }
            try await SealDataReads(keys: app.keys).prepare(on: app.db)
            let sealed = try await DataRead.query(on: app.db).sort(\.$readerLabel).all()
            #expect(sealed.allSatisfy { $0.readerLabel.hasPrefix(KeyRing.sealedPrefix) && $0.purpose.hasPrefix(KeyRing.sealedPrefix) })
            let stored = sealed.map(\.readerLabel)
            try await SealDataReads(keys: app.keys).prepare(on: app.db)
            #expect(try await DataRead.query(on: app.db).sort(\.$readerLabel).all().map(\.readerLabel) == stored)
            for row in sealed { row.open(app.keys) }
            #expect(Set(sealed.map(\.readerLabel)) == Set((0..<3).map { "杭州市西湖区市场监督管理局 · 审批员\($0)" }))
            #expect(sealed.allSatisfy { $0.purpose.hasPrefix("办理「就业登记」") })
        }
    }
}
