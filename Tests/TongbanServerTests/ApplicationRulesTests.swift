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

/// The promises around applying: idempotent retries, one winner among concurrent clerks, bad
/// input refused with nothing written, people kept out of cases that are not theirs.
@Suite("application rules over HTTP")
struct ApplicationRulesTests {
    typealias Flow = ApplicationFlowTests

    /// A published item of the demo catalog with no materials the applicant must upload.
    static func simpleItem(_ app: Application, minimumDays: Int = 0) async throws -> ServiceItem {
        let rows = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$regionCode == "330106").sort(\.$code).all()
        let items = try rows.map { try $0.item() }
        return try #require(
            items.first { item in
                item.workingDays >= minimumDays && !item.form.isEmpty
                    && ApplicationSubmission.requiredUploads(
                        ApplicationTarget(
                            kind: .item, code: item.code, version: 1, name: "", regionCode: item.regionCode,
                            items: [(item, 1)], form: item.form)
                    ).isEmpty
            })
    }

    @Test(
        "a bundle resolved once is remembered only while the catalog stays as it is: retired, the next application for it is refused",
        arguments: TestDatabase.available)
    func bundleForgottenOnRetire(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let evaluation = try await app.send(
                .POST, "/api/v1/catalog/bundles/\(Flow.restaurant)/evaluate", json: ["answers": Flow.answers]
            ).content.decode(Flow.Evaluation.self)
            let body = ApplyBody(
                bundle: Flow.restaurant, answers: Flow.answers, form: Flow.fill(evaluation.form.map(\.field), app: app), submit: false)
            let first = try await app.send(.POST, "/api/v1/applications", json: body, bearer: enterprise)
            #expect(first.status == .created, "\(first.body.string)")
            let retired = try await app.send(
                .POST, "/api/v1/catalog/bundles/\(Flow.restaurant)/retire", bearer: try await app.token("catalog"))
            #expect(retired.status == .noContent, "\(retired.body.string)")
            let after = try await app.send(.POST, "/api/v1/applications", json: body, bearer: enterprise)
            #expect(after.status == .unprocessableEntity && after.errorBody?.error.details?.map(\.code) == ["application.unknownBundle"])
        }
    }

    static func counts(_ app: Application) async throws -> [Int] {
        [
            try await ApplicationRecord.query(on: app.db).count(), try await CaseRow.query(on: app.db).count(),
            try await CaseEvent.query(on: app.db).count(), try await OutboxEvent.query(on: app.db).count(),
            try await AuditEntry.query(on: app.db).count(),
        ]
    }

    @Test(
        "the same Idempotency-Key and body return the same application; another body is a 409; nothing is made twice",
        arguments: TestDatabase.available)
    func idempotency(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.simpleItem(app)
            let person = try await app.token(app.demoPersonLogin)
            let body = ApplyBody(item: item.code, form: Flow.fill(item.form, app: app))
            let first = try await app.send(
                .POST, "/api/v1/applications", headers: ["Idempotency-Key": "retry-1"], json: body, bearer: person)
            #expect(first.status == .created, "\(first.body.string)")
            let before = try await Self.counts(app)
            // retries, one after another and eight at once
            let again = try await app.send(
                .POST, "/api/v1/applications", headers: ["Idempotency-Key": "retry-1"], json: body, bearer: person)
            #expect(
                again.status == .created && again.headers.first(name: "Idempotent-Replayed") == "true",
                "\(again.status) \(again.body.string)")
            #expect(try again.content.decode(Flow.Application_.self).number == (try first.content.decode(Flow.Application_.self).number))
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await app.send(
                            .POST, "/api/v1/applications", headers: ["Idempotency-Key": "retry-1"], json: body, bearer: person
                        ).status
                    }
                }
                for try await status in group { #expect(status == .created) }
            }
            #expect(try await Self.counts(app) == before)
            var changed = body
            changed.form?[item.form[0].key] = "另一个值"
            let conflict = try await app.send(
                .POST, "/api/v1/applications", headers: ["Idempotency-Key": "retry-1"], json: changed, bearer: person)
            #expect(conflict.status == .conflict && conflict.errorBody?.error.code == "application.idempotencyKeyReused")
            // eight new keys at once: eight applications, eight distinct numbers
            let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        let r = try await app.send(
                            .POST, "/api/v1/applications", headers: ["Idempotency-Key": "new-\(i)"], json: body, bearer: person)
                        return try r.content.decode(Flow.Application_.self).number
                    }
                }
                return try await group.reduce(into: [String]()) { if let n = $1 { $0.append(n) } }
            }
            #expect(Set(numbers).count == 8)
            #expect(
                try await app.send(
                    .POST, "/api/v1/applications", headers: ["Idempotency-Key": String(repeating: "k", count: 101)], json: body,
                    bearer: person
                ).status == .unprocessableEntity)
        }
    }

    @Test(
        "application numbers continue after a restart: the next process never gives a stored number again",
        arguments: TestDatabase.available)
    func numbersAfterRestart(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, store in
            let item = try await Self.simpleItem(app)
            let person = try await app.token(app.demoPersonLogin)
            var serials: [Int] = []
            for _ in 0..<3 {
                let r = try await app.send(
                    .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app)), bearer: person)
                serials.append(try ApplicationNumber(try #require(try r.content.decode(Flow.Application_.self).number)).serial)
            }
            #expect(serials == serials.sorted() && Set(serials).count == 3)
            // the same data, as a newly started server sees it
            let restarted = try await store.makeApp(migrate: false)
            let token = try await restarted.token(restarted.demoPersonLogin)
            let r = try await restarted.send(
                .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: restarted)), bearer: token)
            let next = try ApplicationNumber(try #require(try r.content.decode(Flow.Application_.self).number)).serial
            try await restarted.asyncShutdown()
            #expect(next > serials.max()!)
        }
    }

    @Test(
        "two clerks accept the same case at once: exactly one wins, the other gets a 409 naming the state",
        arguments: TestDatabase.available)
    func concurrentAcceptance(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.simpleItem(app)
            let person = try await app.token(app.demoPersonLogin)
            let clerk = try await app.token("clerk")
            for round in 0..<5 {
                let created = try await app.send(
                    .POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app)), bearer: person)
                let caseID = try created.content.decode(Flow.Application_.self).cases[0].id
                _ = try await Flow.act(app, caseID, clerk, CaseActionBody(action: "passPrereview"))
                let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String).self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            let r = try await app.send(
                                .POST, "/api/v1/cases/\(caseID)/actions", json: CaseActionBody(action: "accept"), bearer: clerk)
                            return (r.status, r.errorBody?.error.code ?? "")
                        }
                    }
                    return try await group.reduce(into: [(HTTPStatus, String)]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0.0 == .ok }.count == 1, "round \(round): \(statuses)")
                #expect(statuses.filter { $0.0 == .conflict }.count == 3, "round \(round): \(statuses)")
                #expect(try await CaseEvent.query(on: app.db).filter(\.$caseID == caseID).filter(\.$action == "accept").count() == 1)
            }
        }
    }

    @Test("bad input of every kind: a clear 4xx in the user's language, nothing written", arguments: TestDatabase.available)
    func badInput(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let item = try await Self.simpleItem(app)
            let person = try await app.token(app.demoPersonLogin)
            let good = Flow.fill(item.form, app: app)
            let clerk = try await app.token("clerk")
            let supervisor = try await app.token("supervisor")
            let before = try await Self.counts(app)
            func expectRefused(_ body: ApplyBody, _ status: HTTPStatus, field: String? = nil, token: String? = nil, _ note: String)
                async throws
            {
                let r = try await app.send(
                    .POST, "/api/v1/applications", headers: ["Accept-Language": "zh-CN"], json: body, bearer: token ?? person)
                #expect(r.status == status, "\(note): \(r.body.string)")
                if let field { #expect(r.errorBody?.error.details?.contains { $0.field == field } == true, "\(note): \(r.body.string)") }
                #expect(r.errorBody?.error.message.unicodeScalars.contains { $0.value > 0x4E00 } == true, "\(note): message in Chinese")
            }
            let required = try #require(item.form.first { $0.required && $0.type != .file })
            var missing = good
            missing[required.key] = nil
            try await expectRefused(
                ApplyBody(item: item.code, form: missing), .unprocessableEntity, field: "form.\(required.key)", "missing required field")
            var extra = good
            extra["nonsense"] = "x"
            try await expectRefused(ApplyBody(item: item.code, form: extra), .unprocessableEntity, field: "form.nonsense", "unknown field")
            if let idField = item.form.first(where: { $0.type == .identityNumber || $0.type == .mobile || $0.type == .creditCode }) {
                var wrong = good
                wrong[idField.key] = "12345"
                try await expectRefused(
                    ApplyBody(item: item.code, form: wrong), .unprocessableEntity, field: "form.\(idField.key)", "field failing validation")
            }
            try await expectRefused(ApplyBody(item: "NO-SUCH-ITEM", form: good), .unprocessableEntity, field: "item", "unknown item")
            try await expectRefused(
                ApplyBody(item: item.code, bundle: Flow.restaurant, form: good), .unprocessableEntity, field: "item", "item and bundle")
            try await expectRefused(
                ApplyBody(bundle: Flow.restaurant, answers: ["entity": "moon"], form: good), .unprocessableEntity, field: "answers.entity",
                "bad answer")
            try await expectRefused(
                ApplyBody(item: item.code, form: good), .unprocessableEntity, field: "applicantID", token: clerk,
                "clerk without an applicant")
            try await expectRefused(
                ApplyBody(item: item.code, form: good, applicantID: try await app.accountID(login: app.demoPersonLogin)), .forbidden,
                token: supervisor, "not a clerk")
            // the item retired: applying is refused, saying so
            let entry = try #require(try await CatalogStore.published(.item, code: item.code, on: app.db))
            entry.status = .retired
            try await entry.save(on: app.db)
            try await CatalogRevision.bump(on: app.db)
            app.catalogIndex.invalidate()
            try await expectRefused(ApplyBody(item: item.code, form: good), .unprocessableEntity, field: "item", "retired item")
            entry.status = .published
            try await entry.save(on: app.db)
            try await CatalogRevision.bump(on: app.db)
            app.catalogIndex.invalidate()
            for raw in ["{", "[]", "{\"item\": 5}", "{\"form\": {\"a\": [1]}}"] {
                let r = try await app.send(
                    .POST, "/api/v1/applications", headers: ["Content-Type": "application/json"], bearer: person, raw: raw)
                #expect([400, 422].contains(r.status.code), "\(raw): \(r.status)")
            }
            #expect(try await app.send(.POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: good)).status == .unauthorized)
            #expect(try await Self.counts(app) == before)

            // someone else's case: not visible, not actionable; a wrong-state action names the state and what is allowed
            let created = try await app.send(.POST, "/api/v1/applications", json: ApplyBody(item: item.code, form: good), bearer: person)
            let application = try created.content.decode(Flow.Application_.self)
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            #expect(try await app.send(.GET, "/api/v1/applications/\(application.id)", bearer: enterprise).status == .notFound)
            _ = try await Flow.act(app, application.cases[0].id, enterprise, CaseActionBody(action: "withdraw"), expect: .notFound)
            let wrong = try await Flow.act(app, application.cases[0].id, clerk, CaseActionBody(action: "accept"), expect: .conflict)
            #expect(wrong.errorBody?.error.code == "case.wrongState" && wrong.errorBody?.error.message.contains("预审通过") == true)
            _ = try await Flow.act(
                app, application.cases[0].id, clerk, CaseActionBody(action: "refuse", reason: "不属于本机关职责范围"), expect: .unprocessableEntity)
            _ = try await Flow.act(app, application.cases[0].id, clerk, CaseActionBody(action: "teleport"), expect: .unprocessableEntity)
            _ = try await Flow.act(app, application.cases[0].id, person, CaseActionBody(action: "passPrereview"), expect: .forbidden)
            // uploads: too large, forbidden type
            let material = try #require(item.materials.first)
            let big = String(repeating: "x", count: MaterialStore.maxBytes + 1)
            let tooLarge = try await app.send(
                .POST, "/api/v1/applications/\(application.id)/materials/\(material.key)?filename=a.pdf",
                headers: ["Content-Type": "application/pdf"], bearer: person, raw: "%PDF-" + big)
            #expect([413, 422].contains(tooLarge.status.code))
            let exe = try await app.send(
                .POST, "/api/v1/applications/\(application.id)/materials/\(material.key)?filename=a.exe",
                headers: ["Content-Type": "application/octet-stream"], bearer: person, raw: "MZ")
            #expect(exe.status == .unsupportedMediaType)
            #expect(try await StoredMaterial.query(on: app.db).count() == 0)
            // the applicant withdraws before a decision; afterwards nothing more happens
            _ = try await Flow.act(app, application.cases[0].id, person, CaseActionBody(action: "withdraw"))
            _ = try await Flow.act(app, application.cases[0].id, clerk, CaseActionBody(action: "passPrereview"), expect: .conflict)
        }
    }

    @Test(
        "帮办 at the window counts a visit; tolerant acceptance owes a material and blocks the decision until it comes",
        arguments: TestDatabase.available)
    func windowAndTolerance(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let rows = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).filter(
                \.$regionCode == "330106"
            ).all()
            let items = try rows.map { try $0.item() }
            let item = try #require(items.first { $0.materials.contains(where: \.tolerable) })
            let clerk = try await app.token("clerk")
            let person = try await app.accountID(login: app.demoPersonLogin)
            let created = try await app.send(
                .POST, "/api/v1/applications",
                json: ApplyBody(item: item.code, form: Flow.fill(item.form, app: app), applicantID: person, applicantPresent: true),
                bearer: clerk)
            #expect(created.status == .created, "\(created.body.string)")
            var application = try created.content.decode(Flow.Application_.self)
            #expect(application.visits == 1)
            let caseID = application.cases[0].id
            _ = try await Flow.act(app, caseID, clerk, CaseActionBody(action: "passPrereview"))
            let owed = try #require(item.materials.first { $0.tolerable })
            let due = try app.workingDays.adding(workingDays: 5, to: app.today).value.description
            _ = try await Flow.act(
                app, caseID, clerk, CaseActionBody(action: "acceptTolerantly", owed: ["不在清单上的材料"], due: due), expect: .unprocessableEntity)
            _ = try await Flow.act(app, caseID, clerk, CaseActionBody(action: "acceptTolerantly", owed: [owed.key], due: due))
            application = try await Flow.get(app, application.id, clerk)
            #expect(application.cases[0].state == "underReview")
            let reviewer = try await Flow.reviewer(app, department: item.department.name, username: "reviewer.owed")
            let blocked = try await Flow.act(
                app, caseID, reviewer, CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《行政许可法》第三十八条", approved: true),
                expect: .conflict)
            #expect(blocked.errorBody?.error.code == "case.owedOutstanding")
            let personToken = try await app.token(app.demoPersonLogin)
            _ = try await Flow.act(app, caseID, personToken, CaseActionBody(action: "supplyOwed"))
            let stillReviewing = try await Flow.act(
                app, caseID, reviewer, CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《行政许可法》第三十八条", approved: true),
                expect: .conflict)
            #expect(stillReviewing.errorBody?.error.code == "case.reviewTasksOpen")
            let visit = try await app.send(
                .POST, "/api/v1/applications/\(application.id)/visits", json: ["purpose": "补交容缺材料"], bearer: clerk)
            #expect(visit.status == .ok)
            #expect(try visit.content.decode(Flow.Application_.self).visits == 2)
            #expect(
                try await app.send(.POST, "/api/v1/applications/\(application.id)/visits", json: ["purpose": "x"], bearer: personToken)
                    .status == .forbidden)
        }
    }
}
