import Fluent
import Foundation
import SQLKit
import Testing
import TongbanCases
import TongbanCore
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// Opening uploaded materials: those who work the case and the applicant, nobody else; staff
/// views recorded for the applicant; the files in the database, so any serving process opens them.
@Suite("materials opened in the browser")
struct MaterialViewingTests {
    /// The smallest PNG a browser shows (a 1×1 pixel).
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41,
        0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

    /// A submitted application of the demo person for an item of the department `reviewer.amr`
    /// reviews, with a PDF and a PNG uploaded: its id and the materials' ids.
    static func applicationWithMaterials(_ app: Application, person: String) async throws -> (id: UUID, pdf: UUID, png: UUID) {
        let reviewer = try #require(
            try await Account.query(on: app.db).filter(\.$loginKey == Account.loginKey(staffUsername: "reviewer.amr")).first())
        let department = try #require(try await Department.find(reviewer.$department.id, on: app.db))
        let rows = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$regionCode == "330106").sort(\.$code).all()
        let item = try #require(
            try rows.map { try $0.item() }.first { item in
                item.department.name == department.name && !item.form.isEmpty && item.materials.contains { $0.source == .applicant }
            })
        let key = try #require(item.materials.first { $0.source == .applicant }?.key)
        let draft = try await app.send(
            .POST, "/api/v1/applications",
            json: ApplyBody(item: item.code, form: ApplicationFlowTests.fill(item.form, app: app), submit: false),
            bearer: person)
        #expect(draft.status == .created, "\(draft.body.string)")
        let id = try draft.content.decode(ApplicationFlowTests.Application_.self).id
        var ids: [UUID] = []
        for (type, name, body) in [
            ("application/pdf", "营业执照 副本.pdf", Array(ApplicationFlowTests.pdf.utf8)), ("image/png", "photo.png", png),
        ] {
            let response = try await app.testing().sendRequest(
                .POST,
                "/api/v1/applications/\(id)/materials/\(key)?filename=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                headers: ["Content-Type": type, "Authorization": "Bearer \(person)"], body: ByteBuffer(bytes: body))
            #expect(response.status == .created, "\(response.body.string)")
            struct Stored: Decodable { let id: UUID }
            ids.append(try response.content.decode(Stored.self).id)
        }
        for material in item.materials where material.source == .applicant && material.required && material.key != key {
            _ = try await app.send(
                .POST, "/api/v1/applications/\(id)/materials/\(material.key)?filename=\(material.key).pdf",
                headers: ["Content-Type": "application/pdf"], bearer: person, raw: ApplicationFlowTests.pdf)
        }
        let submitted = try await app.send(.POST, "/api/v1/applications/\(id)/submit", bearer: person)
        #expect(submitted.status == .ok, "\(submitted.body.string)")
        return (id, ids[0], ids[1])
    }

    @Test(
        "the applicant, the region's clerk and the case's reviewer open a material, served inline in a sandbox; a staff view is on the applicant's data-access record; anyone else gets 404",
        arguments: TestDatabase.available)
    func whoOpens(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, store in
            let person = try await app.token(app.demoPersonLogin)
            let (_, pdf, png) = try await Self.applicationWithMaterials(app, person: person)

            let own = try await app.send(.GET, "/api/v1/materials/\(pdf)", bearer: person)
            #expect(own.status == .ok)
            #expect(own.body.string == ApplicationFlowTests.pdf)
            #expect(own.headers.contentType?.serialize() == "application/pdf")
            let disposition = own.headers.first(name: .contentDisposition) ?? ""
            #expect(disposition.hasPrefix("inline;") && disposition.contains("filename*=UTF-8''%E8%90%A5"))
            #expect(own.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(own.headers.first(name: "Content-Security-Policy")?.hasSuffix("sandbox") == true)
            // the applicant's own look is no read of their data by another
            #expect(try await DataRead.query(on: app.db).count() == 0)

            let image = try await app.send(.GET, "/api/v1/materials/\(png)", bearer: try await app.token("reviewer.amr"))
            #expect(image.status == .ok && Array(image.body.readableBytesView) == Self.png)
            #expect(try await app.send(.GET, "/api/v1/materials/\(pdf)", bearer: try await app.token("clerk")).status == .ok)
            // each staff view is the applicant's to see: who, which file, why
            let access = try await app.send(.GET, "/api/v1/me/data-access", bearer: person).content.decode(LicenseReuseTests.Access.self)
            #expect(access.reads.count == 2)
            #expect(access.reads.contains { $0.reader.hasSuffix("陈审批") && $0.sourceName == "photo.png" && $0.purpose.contains("审查申请材料") })
            #expect(access.reads.contains { $0.reader.hasSuffix("王晓窗") && $0.source.hasPrefix("material:") })

            // nobody else: a supervisor, another department's reviewer, another applicant, a stranger
            let (_, other) = try await RealNameTests.unproven(app, stem: "33010619770707009")
            for token in [try await app.token("supervisor"), try await app.token("reviewer.health"), other] {
                let refused = try await app.send(.GET, "/api/v1/materials/\(pdf)", bearer: token)
                #expect(refused.status == .notFound, "\(refused.status)")
            }
            #expect(try await app.send(.GET, "/api/v1/materials/\(pdf)").status == .unauthorized)
            #expect(try await app.send(.GET, "/api/v1/materials/\(UUID())", bearer: person).status == .notFound)
            #expect(try await DataRead.query(on: app.db).count() == 2)

            // another serving process on the same database opens what this one took in
            let second = try await store.makeApp(migrate: false)
            let elsewhere = try await second.testing().sendRequest(
                .GET, "/api/v1/materials/\(pdf)", headers: ["Authorization": "Bearer \(person)"])
            try await second.asyncShutdown()
            #expect(elsewhere.status == .ok && elsewhere.body.string == ApplicationFlowTests.pdf)
        }
    }

    @Test(
        "the application page links each file for those who may open it, an image shown small; a supervisor sees names only",
        arguments: TestDatabase.available)
    func pageLinks(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let (id, pdf, png) = try await Self.applicationWithMaterials(app, person: person)
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "reviewer.amr", "password": demoPassword])
            let page = try await browser.get("/applications/\(id)").body.string
            #expect(
                page.contains("href=\"/materials/\(pdf)\"") && page.contains("<img class=\"material-preview\" src=\"/materials/\(png)\""))
            let opened = try await browser.get("/materials/\(pdf)")
            #expect(opened.status == .ok && opened.body.string == ApplicationFlowTests.pdf)

            let supervisor = Browser(app)
            try await supervisor.get("/login")
            try await supervisor.post("/login", ["login": "supervisor", "password": demoPassword])
            let watched = try await supervisor.get("/applications/\(id)")
            #expect(watched.status == .ok)
            #expect(!watched.body.string.contains("/materials/") && watched.body.string.contains("photo.png"))
            #expect(try await supervisor.get("/materials/\(pdf)").status == .notFound)
        }
    }

    @Test("migration 40 copies the files the data folder kept for material rows into the database", arguments: TestDatabase.available)
    func filesMoveIn(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let (_, pdf, png) = try await Self.applicationWithMaterials(app, person: person)
            // as a server before it kept them: files under their hash in the data folder, no table
            let folder = NSTemporaryDirectory() + "tongban-materials-\(UUID())"
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var expected: [String: [UInt8]] = [:]
            for id in [pdf, png] {
                let material = try #require(try await StoredMaterial.find(id, on: app.db))
                let bytes = try #require(try await MaterialContents.read(material.sha256, on: app.db))
                let path = "\(folder)/\(material.sha256.prefix(2))/\(material.sha256)"
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes.readableBytesView)))
                expected[material.sha256] = Array(bytes.readableBytesView)
            }
            try await app.db.sql.raw("DROP TABLE material_contents").run()
            try await CreateMaterialContents(folder: folder).prepare(on: app.db)
            for (sha, bytes) in expected {
                #expect(try await MaterialContents.read(sha, on: app.db).map { Array($0.readableBytesView) } == bytes)
            }
        }
    }

    @Test(
        "不合格: the case's reviewer marks a file deficient with the reason — on the timeline, in the audit, in the clerk's correction request; no reason, the applicant, a supervisor or another department change nothing",
        arguments: TestDatabase.available)
    func deficiency(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let (id, pdf, _) = try await Self.applicationWithMaterials(app, person: person)
            let reviewer = try await app.token("reviewer.amr")
            let empty = try await app.send(.POST, "/api/v1/materials/\(pdf)/deficiency", json: ["reason": " "], bearer: reviewer)
            #expect(empty.status == .unprocessableEntity && empty.errorBody?.error.details?.first?.field == "reason")
            #expect(
                try await app.send(.POST, "/api/v1/materials/\(pdf)/deficiency", json: ["reason": "x"], bearer: person).status == .forbidden
            )
            for other in ["supervisor", "reviewer.health"] {
                let refused = try await app.send(
                    .POST, "/api/v1/materials/\(pdf)/deficiency", json: ["reason": "x"], bearer: try await app.token(other))
                #expect(refused.status == .notFound, "\(other)")
            }
            #expect(try await StoredMaterial.find(pdf, on: app.db)?.deficiency == nil)

            let marked = try await app.send(
                .POST, "/api/v1/materials/\(pdf)/deficiency", json: ["reason": "副本未加盖公章"], bearer: reviewer)
            #expect(marked.status == .noContent, "\(marked.body.string)")
            let material = try #require(try await StoredMaterial.find(pdf, on: app.db))
            #expect(material.deficiency == "副本未加盖公章" && material.deficiencyBy?.contains("陈审批") == true)
            let events = try await CaseEvent.query(on: app.db).filter(\.$applicationID == id).filter(\.$action == "material.deficient")
                .all()
            #expect(events.count == 1 && events[0].detail == "营业执照 副本.pdf：副本未加盖公章")
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "material.deficient").count() == 1)

            // the clerk's correction request, once the case is prereviewed, names the file and why
            let detail = try await app.send(.GET, "/api/v1/applications/\(id)", bearer: person)
            let caseID = try #require(try detail.content.decode(ApplicationFlowTests.Application_.self).cases.first?.id)
            _ = try await ApplicationFlowTests.act(app, caseID, try await app.token("clerk"), CaseActionBody(action: "passPrereview"))
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "clerk", "password": demoPassword])
            let page = try await browser.get("/applications/\(id)").body.string
            #expect(page.contains("（营业执照 副本.pdf）：副本未加盖公章</textarea>"), "\(page)")
            #expect(page.contains("副本未加盖公章（"))
        }
    }
}
