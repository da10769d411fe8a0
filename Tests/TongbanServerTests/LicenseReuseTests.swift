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

/// 免提交: licences the applicant holds stand in for copies, with a consent the case's
/// department reads under; the holder sees every read; nobody else sees the licence.
@Suite("e-licence reuse over HTTP")
struct LicenseReuseTests {
    typealias Flow = ApplicationFlowTests

    struct Entry: Decodable {
        struct Field: Decodable {
            let label: String
            let value: String
        }
        let materialKey: String
        let sourceRef: String
        let departments: [String]
        let readable: Bool
        let fields: [Field]
    }
    struct Access: Decodable {
        struct Consent: Decodable {
            let applicationID: UUID
            let source: String
            let department: String
            let purpose: String
        }
        struct Read: Decodable {
            let at: Date
            let reader: String
            let source: String
            let sourceName: String
            let fields: [String]
            let purpose: String
            let basis: String
        }
        let consents: [Consent]
        let reads: [Read]
    }

    static func wallet(_ app: Application, _ token: String) async throws -> [LicenseTests.Wallet] {
        try await app.send(.GET, "/api/v1/licenses", bearer: token).content.decode([LicenseTests.Wallet].self)
    }

    static func entries(_ app: Application, _ id: UUID, _ token: String) async throws -> (HTTPStatus, [Entry]) {
        let response = try await app.send(.GET, "/api/v1/applications/\(id)/licenses", bearer: token)
        return (response.status, response.status == .ok ? try response.content.decode([Entry].self) : [])
    }

    @Test(
        "开办餐饮店 with the business licence instead of a copy: consents per case, reviewers read it, the holder sees each read, materials saved counted",
        arguments: TestDatabase.available)
    func bundleWithLicence(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let enterpriseID = try await app.accountID(login: app.demoEnterpriseLogin)
            let licence = try #require(try await Self.wallet(app, enterprise).first { $0.typeCode == "yyzz" })
            let evaluation = try await app.send(
                .POST, "/api/v1/catalog/bundles/\(Flow.restaurant)/evaluate", json: ["answers": Flow.answers]
            )
            .content.decode(Flow.Evaluation.self)
            let body = ApplyBody(
                bundle: Flow.restaurant, answers: Flow.answers, form: Flow.fill(evaluation.form.map(\.field), app: app), submit: false,
                licenses: ["business_license": licence.identifier])
            let draft = try await app.send(.POST, "/api/v1/applications", json: body, bearer: enterprise)
            #expect(draft.status == .created, "\(draft.body.string)")
            let id = try draft.content.decode(Flow.Application_.self).id
            for material in evaluation.materials.map(\.material)
            where material.required && material.source == .applicant && !material.tolerable {
                let upload = try await app.send(
                    .POST, "/api/v1/applications/\(id)/materials/\(material.key)?filename=\(material.key).pdf",
                    headers: ["Content-Type": "application/pdf"], bearer: enterprise, raw: Flow.pdf)
                #expect(upload.status == .created)
            }
            let submitted = try await app.send(.POST, "/api/v1/applications/\(id)/submit", bearer: enterprise)
            #expect(submitted.status == .ok, "\(submitted.body.string)")
            let application = try submitted.content.decode(Flow.Application_.self)

            // one consent for every case whose item asks for the business licence, for that case's department
            let items = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).all()
                .map { try $0.item() }
            let asking = application.cases.filter { c in
                items.first { $0.code == c.itemCode }?.materials.contains { $0.key == "business_license" } == true
            }
            let reuses = try await MaterialReuse.query(on: app.db).filter(\.$applicationID == id).all()
            #expect(!asking.isEmpty && reuses.count == asking.count)
            #expect(
                Set(reuses.map(\.caseID)) == Set(asking.map(\.id))
                    && reuses.allSatisfy { $0.consented && $0.holderID == enterpriseID && $0.sourceRef == licence.identifier })
            #expect(Set(reuses.map(\.departmentName)) == Set(asking.map(\.department)))

            // the holder sees the licence's data; reading one's own data is no "read by others"
            let (ownStatus, own) = try await Self.entries(app, id, enterprise)
            #expect(ownStatus == .ok && own.count == 1 && own[0].readable && own[0].fields.contains { $0.value == app.demoEnterpriseLogin })
            #expect(try await DataRead.query(on: app.db).count() == 0)

            // the window clerk learns only that the material was satisfied
            let clerk = try await app.token("clerk")
            let (clerkStatus, seenByClerk) = try await Self.entries(app, id, clerk)
            #expect(clerkStatus == .ok && seenByClerk.count == 1 && !seenByClerk[0].readable && seenByClerk[0].fields.isEmpty)
            // a reviewer of a department with no part in the application cannot even find it
            #expect(try await Self.entries(app, id, try await app.token("reviewer.health")).0 == .notFound)

            // each asking department's reviewer reads it; each read is recorded for the holder
            var readers: [String] = []
            for (index, c) in asking.enumerated() {
                let token =
                    c.department == "杭州市西湖区市场监督管理局"
                    ? try await app.token("reviewer.amr")
                    : try await Flow.reviewer(app, department: c.department, username: "reviewer.reuse\(index)")
                let (status, seen) = try await Self.entries(app, id, token)
                #expect(
                    status == .ok && seen.count == 1 && seen[0].readable && seen[0].fields.contains { $0.value == app.demoEnterpriseLogin })
                readers.append(c.department)
            }
            let reads = try await DataRead.query(on: app.db).all()
            #expect(
                reads.count == asking.count
                    && reads.allSatisfy { $0.subjectID == enterpriseID && $0.source == "license:\(licence.identifier)" })

            // the holder's access view lists the consents and the reads, and matches the audit chain entry for entry
            let access = try await app.send(.GET, "/api/v1/me/data-access", bearer: enterprise).content.decode(Access.self)
            #expect(
                access.consents.count == asking.count && access.consents.allSatisfy { $0.applicationID == id && $0.purpose.contains("餐饮") })
            #expect(access.reads.count == asking.count)
            for department in readers { #expect(access.reads.contains { $0.reader.hasPrefix(department) }) }
            let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "data.read").all().map { $0.opened(app.keys) }
            #expect(audited.count == access.reads.count)
            for read in access.reads {
                #expect(
                    audited.contains {
                        $0.resource == read.source && $0.purpose == read.purpose && $0.actorLabel == read.reader
                            && ($0.details ?? "").contains(enterpriseID.uuidString) && ($0.details ?? "").contains(read.basis)
                    })
            }
            let entries = try await AuditEntry.query(on: app.db).count()
            #expect(try await app.checkedAuditLog().entries == entries)
            #expect(try await app.send(.GET, "/api/v1/me/data-access", bearer: clerk).status == .forbidden)

            // once the consent has expired, the reviewer no longer sees the data, and nothing is read
            for reuse in reuses {
                reuse.expiresAt = app.clock.now().addingTimeInterval(-60)
                try await reuse.save(on: app.db)
            }
            let (_, expired) = try await Self.entries(app, id, try await app.token("reviewer.amr"))
            #expect(expired.count == 1 && !expired[0].readable)
            #expect(try await DataRead.query(on: app.db).count() == asking.count)

            // materials saved: one copy for the bundle's application, one per asking case for its item
            let bundleSaved = try await MaterialsSaved.of(bundleCode: Flow.restaurant, on: app.db)
            #expect(bundleSaved.applications == 1 && bundleSaved.materials == 1)
            for c in asking {
                let saved = try await MaterialsSaved.of(itemCode: c.itemCode, on: app.db)
                #expect(saved.applications == 1 && saved.materials == asking.filter { $0.itemCode == c.itemCode }.count)
            }
        }
    }

    @Test(
        "a licence that is not the applicant's, not valid, of the wrong kind or malformed is refused, naming the material; nothing is written",
        arguments: TestDatabase.available)
    func refusals(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let personID = try await app.accountID(login: app.demoPersonLogin)
            let idCard = try #require(try await Self.wallet(app, person).first { $0.typeCode == "jmsfz" })
            let business = try #require(
                try await Self.wallet(app, try await app.token(app.demoEnterpriseLogin)).first { $0.typeCode == "yyzz" })
            let item = try await InstantApprovalTests.item(app, named: "出生登记")
            #expect(item.materials.contains { $0.key == "id_card" } && item.materials.contains { $0.key == "household_register" })
            let form = Flow.fill(item.form, app: app)
            func body(_ licenses: [String: String], applicant: UUID? = nil) -> ApplyBody {
                ApplyBody(item: item.code, form: form, applicantID: applicant, submit: false, licenses: licenses)
            }
            let clerk = try await app.token("clerk")  // signing in is audited: before the count
            let before = try await ApplicationRulesTests.counts(app)
            func refused(_ licenses: [String: String], _ code: String, token: String? = nil, applicant: UUID? = nil, _ what: Comment)
                async throws
            {
                let response = try await app.send(
                    .POST, "/api/v1/applications", json: body(licenses, applicant: applicant), bearer: token ?? person)
                let detail = response.errorBody?.error.details?.first
                #expect(
                    response.status == .unprocessableEntity && detail?.code == code && detail?.field.hasPrefix("licenses.") == true, what)
                #expect(detail?.message.isEmpty == false)
            }
            try await refused(["id_card": business.identifier], "license.notHeld", "someone else's licence offered as one's own")
            try await refused(["household_register": idCard.identifier], "license.wrongType", "a licence of another kind")
            try await refused(["id_card": "1.2.156.3005.2.nonsense"], "license.identifierMalformed", "not an identifier")
            let last = idCard.identifier.last!
            let flipped = String(idCard.identifier.dropLast()) + (last == "0" ? "1" : "0")
            try await refused(["id_card": flipped], "license.badCheckCharacter", "a mistyped identifier")
            try await refused(["nonsense": idCard.identifier], "license.notForMaterial", "a material that does not exist")
            try await refused(
                ["id_card": idCard.identifier], "license.holderOnly", token: clerk, applicant: personID,
                "a clerk consenting for the holder")
            let record = try #require(try await LicenseRecord.query(on: app.db).filter(\.$identifier == idCard.identifier).first())
            record.status = LicenseStatus.suspended.rawValue
            try await record.save(on: app.db)
            try await refused(["id_card": idCard.identifier], "license.notUsable", "a suspended licence")
            record.status = LicenseStatus.valid.rawValue
            record.validUntil = "2020-01-01"
            try await record.save(on: app.db)
            try await refused(["id_card": idCard.identifier], "license.expiredForUse", "a licence past its last day")
            #expect(try await ApplicationRulesTests.counts(app) == before)
            #expect(try await MaterialReuse.query(on: app.db).count() == 0)

            // valid again: offered on the apply page, and accepted
            record.validUntil = "2029-05-19"
            try await record.save(on: app.db)
            let accepted = try await app.send(.POST, "/api/v1/applications", json: body(["id_card": idCard.identifier]), bearer: person)
            #expect(accepted.status == .created, "\(accepted.body.string)")
            #expect(try await MaterialReuse.query(on: app.db).count() == 1)
        }
    }
}

@Suite("e-licence renewal and change")
struct LicenseReissueTests {
    typealias Flow = ApplicationFlowTests

    @Test(
        "a change or a renewal issues the next version and cancels the old one, naming it; wrong hands and wrong input refused",
        arguments: TestDatabase.available)
    func reissue(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let amr = try await app.token("reviewer.amr")
            let old = try #require(try await LicenseReuseTests.wallet(app, enterprise).first { $0.typeCode == "yyzz" })
            let path = "/api/v1/licenses/\(old.identifier)/reissue"
            // only the issuing department; only real changes of the type's fields
            #expect(
                try await app.send(
                    .POST, path, json: LicenseReissue.Body(kind: "change", fields: ["capital": "800 万元人民币"], reason: "增资"),
                    bearer: try await app.token("reviewer.health")
                ).status == .forbidden)
            let same = try await app.send(
                .POST, path, json: LicenseReissue.Body(kind: "change", fields: ["capital": old.fields["capital"] ?? ""], reason: "无"),
                bearer: amr)
            #expect(same.status == .unprocessableEntity && same.errorBody?.error.details?.first?.code == "license.nothingChanged")
            let unknown = try await app.send(
                .POST, path, json: LicenseReissue.Body(kind: "change", fields: ["shoeSize": "42"], reason: "x"), bearer: amr)
            #expect(unknown.status == .unprocessableEntity && unknown.errorBody?.error.details?.first?.field == "fields.shoeSize")
            #expect(
                try await app.send(
                    .POST, "/api/v1/licenses/1.2.156.3005.2.X/reissue", json: LicenseReissue.Body(kind: "renew", reason: "x"), bearer: amr
                ).status == .unprocessableEntity)

            let changed = try await app.send(
                .POST, path, json: LicenseReissue.Body(kind: "change", fields: ["capital": "800 万元人民币"], reason: "增加注册资本"), bearer: amr)
            #expect(changed.status == .ok, "\(changed.body.string)")
            let verdict = try changed.content.decode(LicenseTests.Verdict.self)
            let next = try LicenseIdentifier(try #require(verdict.identifier))
            let previous = try LicenseIdentifier(old.identifier)
            #expect(
                verdict.outcome == "valid" && next.version == previous.version + 1 && next.serial == previous.serial
                    && next.issuer == previous.issuer)
            #expect(try await LicenseTests.verify(app, old.token).outcome == "cancelled")
            let wallet = try await LicenseReuseTests.wallet(app, enterprise).filter { $0.typeCode == "yyzz" }
            let current = try #require(wallet.first { $0.identifier == next.value })
            #expect(wallet.count == 2 && current.fields["capital"] == "800 万元人民币" && current.fields["name"] == old.fields["name"])
            let record = try #require(try await LicenseRecord.query(on: app.db).filter(\.$identifier == old.identifier).first())
            #expect(record.statusReason?.contains(next.value) == true)
            // the old version is cancelled: it cannot be reissued again
            #expect(try await app.send(.POST, path, json: LicenseReissue.Body(kind: "renew", reason: "x"), bearer: amr).status == .conflict)

            // issuing by hand: every field of the type, a holder who is not staff, a reason; signed by the reviewer's department
            let type = try #require(app.licenseTypes["ggcswsxkz"])
            let enterpriseID = try await app.accountID(login: app.demoEnterpriseLogin)
            var fields = Dictionary(uniqueKeysWithValues: type.fields.map { ($0.key, "纸质证照转换：\($0.label)") })
            let health = try await app.token("reviewer.health")
            let missing = try await app.send(
                .POST, "/api/v1/licenses",
                json: LicenseDirectIssue.Body(
                    type: type.code, holderID: enterpriseID,
                    fields: fields.filter { $0.key != type.fields[0].key }, reason: "存量纸质证照转换"), bearer: health)
            #expect(
                missing.status == .unprocessableEntity && missing.errorBody?.error.details?.map(\.field) == ["fields.\(type.fields[0].key)"]
            )
            #expect(
                try await app.send(
                    .POST, "/api/v1/licenses",
                    json: LicenseDirectIssue.Body(
                        type: type.code, holderID: try await app.accountID(login: "clerk"),
                        fields: fields, reason: "x"), bearer: health
                ).status == .unprocessableEntity)
            #expect(
                try await app.send(
                    .POST, "/api/v1/licenses",
                    json: LicenseDirectIssue.Body(type: type.code, holderID: enterpriseID, fields: fields, reason: "x"),
                    bearer: enterprise
                ).status == .forbidden)
            fields["extra"] = "x"
            #expect(
                try await app.send(
                    .POST, "/api/v1/licenses",
                    json: LicenseDirectIssue.Body(type: type.code, holderID: enterpriseID, fields: fields, reason: "x"),
                    bearer: health
                ).errorBody?.error.details?.first?.field == "fields.extra")
            fields["extra"] = nil
            let issued = try await app.send(
                .POST, "/api/v1/licenses",
                json: LicenseDirectIssue.Body(
                    type: type.code, holderID: enterpriseID, fields: fields,
                    reason: "存量纸质证照转换"), bearer: health)
            #expect(issued.status == .created, "\(issued.body.string)")
            let issuedVerdict = try issued.content.decode(LicenseTests.Verdict.self)
            let issuedID = try LicenseIdentifier(try #require(issuedVerdict.identifier))
            #expect(issuedVerdict.outcome == "valid" && issuedID.issuer.value.hasPrefix("11330106002489233"))
            #expect(try await LicenseReuseTests.wallet(app, enterprise).contains { $0.identifier == issuedID.value && $0.fields == fields })

            // renewal: the person's ID card gets a new ten-year period from today
            let police = try await Flow.reviewer(app, department: "杭州市公安局西湖区分局", username: "reviewer.police")
            let card = try #require(
                try await LicenseReuseTests.wallet(app, try await app.token(app.demoPersonLogin)).first { $0.typeCode == "jmsfz" })
            let renewed = try await app.send(
                .POST, "/api/v1/licenses/\(card.identifier)/reissue", json: LicenseReissue.Body(kind: "renew", reason: "有效期满换领"),
                bearer: police)
            #expect(renewed.status == .ok, "\(renewed.body.string)")
            let renewedID = try #require(try renewed.content.decode(LicenseTests.Verdict.self).identifier)
            let stored = try #require(try await LicenseRecord.query(on: app.db).filter(\.$identifier == renewedID).first())
            #expect(
                stored.issuedOn == app.today.description
                    && stored.validUntil == app.licenseTypes["jmsfz"]?.validUntil(issuedOn: app.today)?.description)
        }
    }
}
