import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanCatalog
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 实名认证: an account whose identity is not proven (Level 1, as registered) drafts and browses,
/// but is shown, fetched and reused nothing the government holds about the number it typed, and
/// submits nothing in that number's name (security review H1).
@Suite("real-name assurance levels")
struct AssuranceTests {
    typealias Flow = ApplicationFlowTests

    /// The records a population and social-security resource hold for a person who has not
    /// registered (the victim of H1).
    static func seedRecords(_ app: Application, for number: String, name: String) async throws {
        let values: [String: [String: String]] = [
            "population_basic": [
                "name": name, "identityNumber": number, "gender": "女", "birthDate": "1985-06-01",
                "householdAddress": "浙江省杭州市西湖区文一路 1 号", "householdType": "家庭户", "maritalStatus": "未婚",
            ],
            "social_security_status": [
                "name": name, "identityNumber": number, "insured": "参保缴费", "insuranceTypes": "养老、医疗、失业",
                "monthsPaid": "60", "employer": "某公司", "contributionBase": "7000",
            ],
            "real_estate_registration": [
                "name": name, "identityNumber": number, "certificateNumber": "浙（2020）杭州市不动产权第 0000001 号",
                "location": "西湖区文一路 1 号", "area": "60 平方米", "use": "住宅", "mortgaged": "无",
            ],
        ]
        for (resource, data) in values {
            let record = SharedRecord()
            record.resourceCode = resource
            record.subjectKey = DataResourceFile.subjectKey(number, kind: .person, keys: app.keys)
            record.data = SharedRecord.sealed(
                String(decoding: try StoredJSON.encoder.encode(data), as: UTF8.self), resource: resource, subjectKey: record.subjectKey,
                keys: app.keys)
            record.updatedAt = app.clock.now()
            try await record.create(on: app.db)
        }
    }

    /// A valid identity number (a real county, a past birth date, its check character).
    static func identityNumber(_ rng: inout some RandomNumberGenerator) -> String {
        let county = ["110105", "310104", "330106", "330282", "510104"].randomElement(using: &rng)!
        let stem =
            county
            + String(
                format: "%04d%02d%02d%03d", Int.random(in: 1950...2000, using: &rng), Int.random(in: 1...12, using: &rng),
                Int.random(in: 1...28, using: &rng), Int.random(in: 0...999, using: &rng))
        return stem + String(IdentityNumber.checkCharacter(for: stem.compactMap(\.wholeNumberValue)))
    }

    static func register(_ app: Application, _ number: String) async throws -> String {
        let password = "Registered-\(number.suffix(6))"
        let response = try await app.send(
            .POST, "/api/v1/register/person",
            json: ["name": "登记人", "identityNumber": number, "mobile": "13800001111", "password": password])
        #expect(response.status == .created, "\(response.body.string)")
        return try await app.token(number, password: password)
    }

    struct Me: Decodable { let assuranceLevel: Int }

    @Test(
        "H1: someone who registers another person's number reads none of their records, reuses nothing, submits nothing; proven, the same steps fetch",
        arguments: TestDatabase.available)
    func impostor(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let stem = "33010619850601002"
            let victim = stem + String(IdentityNumber.checkCharacter(for: stem.compactMap(\.wholeNumberValue)))
            try await Self.seedRecords(app, for: victim, name: "王丽")
            let token = try await Self.register(app, victim)
            #expect(try await app.send(.GET, "/api/v1/me", bearer: token).content.decode(Me.self).assuranceLevel == 1)

            // the review's request: a draft of 失业保险金申领 (the owner's own item) with consent
            let item = try await InstantApprovalTests.item(app, named: "失业保险金申领")
            let draft = try await SharedDataApplicationTests.draft(app, item: "失业保险金申领", token: token, consent: true)
            #expect(try await MaterialReuse.query(on: app.db).filter(\.$applicationID == draft).count() == 0)
            let (status, entries) = try await LicenseReuseTests.entries(app, draft, token)
            #expect(status == .ok && entries.allSatisfy { $0.fields.isEmpty })

            // nothing submitted in that name: directly, from the draft, or with a licence offered
            let applications = try await ApplicationRecord.query(on: app.db).count()
            let direct = try await app.send(
                .POST, "/api/v1/applications",
                json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app), dataConsent: true), bearer: token)
            #expect(direct.status == .forbidden && direct.errorBody?.error.code == "auth.assuranceTooLow")
            #expect(direct.errorBody?.error.message.contains("实名认证") == true)
            let fromDraft = try await app.send(.POST, "/api/v1/applications/\(draft)/submit", bearer: token)
            #expect(fromDraft.status == .forbidden && fromDraft.errorBody?.error.code == "auth.assuranceTooLow")
            #expect(try await ApplicationRecord.find(draft, on: app.db)?.status == .draft)
            let offering = try await app.send(
                .POST, "/api/v1/applications",
                json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app), submit: false, licenses: ["any": "x"]),
                bearer: token)
            #expect(offering.status == .forbidden)
            #expect(try await ApplicationRecord.query(on: app.db).count() == applications)

            // once proven (Level 2; the verification itself is its own flow), the same steps fetch and submit
            let hash = app.keys.lookupHash(victim, field: "identity_number")
            let account = try #require(try await Account.query(on: app.db).filter(\.$idNumberHash == hash).first())
            account.assuranceLevel = AssuranceLevel.verifiedRemotely.rawValue
            account.version += 1  // as every change of an account does
            try await account.update(on: app.db)
            let proven = try await SharedDataApplicationTests.draft(app, item: "失业保险金申领", token: token, consent: true)
            #expect(try await MaterialReuse.query(on: app.db).filter(\.$applicationID == proven).count() == 1)
            let (_, seen) = try await LicenseReuseTests.entries(app, proven, token)
            #expect(seen.count == 1 && seen[0].fields.contains { $0.value == victim })
            let submitted = try await app.send(.POST, "/api/v1/applications/\(proven)/submit", bearer: token)
            // past the identity check: what stops it now is only the upload the item requires
            #expect(
                submitted.status == .unprocessableEntity
                    && submitted.errorBody?.error.details?.map(\.code) == ["application.materialMissing"], "\(submitted.body.string)")
        }
    }

    @Test(
        "generated registrations: a Level 1 account never receives a shared field, whatever it applies for, with or without consent",
        arguments: TestDatabase.available)
    func neverShared(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let resources = app.dataResources
            let items = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
                .filter(\.$regionCode == "330106").all().map { try $0.item() }
                .filter { $0.materials.contains { $0.source == .sharedData && $0.dataResource.flatMap { resources[$0] } != nil } }
            #expect(items.count >= 3)
            var rng = Xorshift(state: 0xA55E_4A11)
            var numbers = Set<String>()
            while numbers.count < 8 { numbers.insert(Self.identityNumber(&rng)) }
            var drafts: [(UUID, String)] = []
            for number in numbers.sorted() {
                try await Self.seedRecords(app, for: number, name: "登记人")
                let token = try await Self.register(app, number)
                for item in items.shuffled(using: &rng).prefix(4) {
                    let consent: Bool? = [true, false, nil].randomElement(using: &rng)!
                    drafts.append((try await SharedDataApplicationTests.draft(app, item: item.name, token: token, consent: consent), token))
                }
            }
            #expect(try await MaterialReuse.query(on: app.db).filter(\.$applicationID ~~ drafts.map(\.0)).count() == 0)
            for (draft, token) in drafts {
                let (status, entries) = try await LicenseReuseTests.entries(app, draft, token)
                #expect(status == .ok && entries.allSatisfy { $0.fields.isEmpty })
            }
        }
    }
}
