import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// Applying and handling over HTTP, as applicants, clerks and reviewers do it.
@Suite("applications over HTTP")
struct ApplicationFlowTests {
    struct Application_: Decodable {
        struct Summary: Decodable { let id: UUID }
        struct Case: Decodable {
            struct Task: Decodable {
                let id: UUID
                let name: String
                let department: String
                let status: String
                let dueOn: String?
                let version: Int
            }
            let id: UUID
            let itemCode: String
            let itemName: String
            let department: String
            let state: String
            let version: Int
            let dueOn: String?
            let usedDays: Int?
            let leftDays: Int?
            let tasks: [Task]
            let allowedActions: [String]
        }
        struct Event: Decodable {
            let action: String
            let from: String?
            let to: String?
        }
        let id: UUID
        let number: String?
        let accessCode: String?
        let status: String
        let visits: Int
        let dueOn: String?
        let cases: [Case]
        let events: [Event]
    }
    struct Evaluation: Decodable {
        struct Field: Decodable { let field: FormField }
        struct Line: Decodable { let material: Material }
        let form: [Field]
        let materials: [Line]
    }

    static let restaurant = "ZJ-YJS-CYDK"
    static let answers = ["entity": "company", "signboard": "no", "gathering": "no", "tobacco": "yes"]
    static let pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

    /// Answers any form as a careful applicant would: the demo person's and the demo enterprise's
    /// own names where a form asks who applies (a verified identity is not the form's to change).
    static func fill(_ fields: [FormField], app: Application) -> [String: String] {
        var form: [String: String] = [:]
        for field in fields where field.type != .file {
            if let own = ["applicantName": "张晓明", "enterpriseName": "杭州西湖云帆科技有限公司"][field.key] {
                form[field.key] = own
                continue
            }
            form[field.key] =
                switch field.type {
                case .number: String(Int(field.validation?.minimum ?? 1) + 9)
                case .date: "2026-12-01"
                case .choice: field.choices.first ?? ""
                case .identityNumber: app.demoPersonLogin
                case .creditCode: app.demoEnterpriseLogin
                case .mobile: "13800138000"
                case .region: "330106"
                case .address: "杭州市西湖区文三路90号"
                default: String("杭州西湖云帆小馆".prefix(field.validation?.maxLength ?? 100))
                }
        }
        return form
    }

    /// A reviewer of a department of the demo catalog, signed in: the demo's own when it seeds one
    /// (every department of a demo bundle has one), else made here.
    static func reviewer(_ app: Application, department name: String, username: String) async throws -> String {
        if try await Account.query(on: app.db).filter(\.$loginKey == Account.loginKey(staffUsername: username)).count() > 0 {
            return try await app.token(username)
        }
        let department = try #require(try await Department.query(on: app.db).filter(\.$name == name).first())
        let account = Account(
            kind: .staff, loginKey: Account.loginKey(staffUsername: username), displayName: "审查员\(username)",
            passwordHash: try await app.hashPassword(demoPassword), at: app.clock.now())
        account.roles = [.reviewer]
        account.$department.id = department.id
        account.regionCode = department.regionCode
        try await account.create(on: app.db)
        return try await app.token(username)
    }

    static func get(_ app: Application, _ id: UUID, _ token: String) async throws -> Application_ {
        let response = try await app.send(.GET, "/api/v1/applications/\(id)", bearer: token)
        #expect(response.status == .ok, "\(response.body.string)")
        return try response.content.decode(Application_.self)
    }

    static func act(_ app: Application, _ caseID: UUID, _ token: String, _ body: CaseActionBody, expect status: HTTPStatus = .ok)
        async throws -> TestingHTTPResponse
    {
        let response = try await app.send(.POST, "/api/v1/cases/\(caseID)/actions", json: body, bearer: token)
        #expect(response.status == status, "\(body): \(response.body.string)")
        return response
    }

    @Test(
        "开办餐饮店 from questionnaire to delivery: one form, one set of materials, parallel departments, working-day deadlines",
        arguments: TestDatabase.available)
    func restaurantBundle(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, store in
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let evaluation = try await app.send(
                .POST, "/api/v1/catalog/bundles/\(Self.restaurant)/evaluate", json: ["answers": Self.answers]
            ).content.decode(Evaluation.self)
            let form = Self.fill(evaluation.form.map(\.field), app: app)

            // a draft first; submitting without the materials is refused, naming each one
            let draft = try await app.send(
                .POST, "/api/v1/applications", json: ApplyBody(bundle: Self.restaurant, answers: Self.answers, form: form, submit: false),
                bearer: enterprise)
            #expect(draft.status == .created, "\(draft.body.string)")
            let draftID = try draft.content.decode(Application_.self).id
            let tooEarly = try await app.send(.POST, "/api/v1/applications/\(draftID)/submit", bearer: enterprise)
            #expect(tooEarly.status == .unprocessableEntity)
            let required = evaluation.materials.map(\.material).filter { $0.required && $0.source == .applicant && !$0.tolerable }
            #expect(
                !required.isEmpty
                    && Set(tooEarly.errorBody?.error.details?.map(\.field) ?? []) == Set(required.map { "materials.\($0.key)" }))

            // uploads: a PDF that is a PDF; a "PDF" that is not one, and an unknown material, are refused
            let notPDF = try await app.send(
                .POST, "/api/v1/applications/\(draftID)/materials/\(required[0].key)?filename=a.pdf",
                headers: ["Content-Type": "application/pdf"], bearer: enterprise, raw: "MZ not a pdf")
            #expect(notPDF.status == .unsupportedMediaType)
            let unknown = try await app.send(
                .POST, "/api/v1/applications/\(draftID)/materials/nonsense?filename=a.pdf",
                headers: ["Content-Type": "application/pdf"], bearer: enterprise, raw: Self.pdf)
            #expect(unknown.status == .unprocessableEntity)
            for material in required {
                let upload = try await app.send(
                    .POST, "/api/v1/applications/\(draftID)/materials/\(material.key)?filename=\(material.key).pdf",
                    headers: ["Content-Type": "application/pdf"], bearer: enterprise, raw: Self.pdf)
                #expect(upload.status == .created, "\(material.key): \(upload.body.string)")
            }
            let stored = try await StoredMaterial.query(on: app.db).filter(\.$applicationID == draftID).all()
            #expect(stored.count == required.count)
            #expect(try await MaterialContents.read(stored[0].sha256, on: app.db)?.readableBytes == stored[0].size)

            // the form may be given again when submitting (the page sends what the person last saw)
            let submitted = try await app.send(.POST, "/api/v1/applications/\(draftID)/submit", json: ["form": form], bearer: enterprise)
            #expect(submitted.status == .ok, "\(submitted.body.string)")
            let mine = try await app.send(.GET, "/api/v1/applications?limit=5", bearer: enterprise)
            #expect(try mine.content.decode([Application_.Summary].self).first?.id == draftID)
            var application = try submitted.content.decode(Application_.self)
            let number = try ApplicationNumber(try #require(application.number))
            #expect(number.region == "330106" && number.date == app.today)
            // company registration, food licence and tobacco licence: three cases, three departments' worth of work
            #expect(application.cases.count == 3 && application.cases.allSatisfy { $0.state == "submitted" })
            #expect(try await app.send(.POST, "/api/v1/applications/\(draftID)/submit", bearer: enterprise).status == .conflict)

            // the window: prereview and acceptance of each case; the clock starts
            let clerk = try await app.token("clerk")
            for item in application.cases {
                _ = try await Self.act(app, item.id, clerk, CaseActionBody(action: "passPrereview"))
                _ = try await Self.act(app, item.id, clerk, CaseActionBody(action: "accept"))
            }
            application = try await Self.get(app, draftID, enterprise)
            // 证照联办: the registration's review starts; the food and tobacco licences wait for the
            // business licence it issues, their clocks still, their tasks not yet open
            let registration = try #require(application.cases.first { $0.itemName.contains("设立登记") })
            let dependents = application.cases.filter { $0.id != registration.id }
            #expect(registration.state == "underReview" && registration.dueOn != nil && registration.usedDays == 0)
            #expect(dependents.count == 2 && dependents.allSatisfy { $0.state == "waiting" && $0.dueOn == nil && $0.usedDays == nil })
            #expect(dependents.allSatisfy { $0.tasks.allSatisfy { $0.status == "waiting" } })
            let due = try app.workingDays.adding(workingDays: 20, to: app.today).value.description
            #expect(application.dueOn.map { $0 <= due } == true)

            // the applicant may not act for the departments, nor decide before the review is done
            _ = try await Self.act(
                app, application.cases[0].id, enterprise, CaseActionBody(action: "decide", approved: true), expect: .forbidden)
            let amr = try await app.token("reviewer.amr")
            let early = try await Self.act(
                app, application.cases[0].id, amr, CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《市场主体登记管理条例》第十九条"),
                expect: .unprocessableEntity)
            #expect(early.errorBody?.error.details?.first?.field == "approved")
            let inbox = try await app.send(.GET, "/api/v1/tasks", bearer: amr)
            #expect(inbox.status == .ok && inbox.body.string.contains(number.value), "the AMR reviewer's inbox lists the open tasks")
            let tobaccoCase = try #require(application.cases.first { $0.department.contains("烟草") })
            let tobacco = try await Self.reviewer(app, department: tobaccoCase.department, username: "reviewer.tobacco")

            // nothing can be decided while it waits
            _ = try await Self.act(
                app, dependents[0].id, amr,
                CaseActionBody(action: "decide", reason: "符合条件", legalBasis: "《食品安全法》第三十五条", approved: true), expect: .conflict)

            // each department's reviewers work their own tasks, the registration first; then decide
            for item in [registration] + dependents {
                let token = item.id == tobaccoCase.id ? tobacco : amr
                var current = try #require(try await Self.get(app, draftID, token).cases.first { $0.id == item.id })
                while let task = current.tasks.first(where: { $0.status == "open" }) {
                    #expect(task.dueOn != nil)
                    let claim = try await app.send(.POST, "/api/v1/tasks/\(task.id)/claim", json: ["version": task.version], bearer: token)
                    #expect(claim.status == .ok, "\(claim.body.string)")
                    let done = try await app.send(
                        .POST, "/api/v1/tasks/\(task.id)/complete", json: ["opinion": "材料齐全，符合法定形式"], bearer: token)
                    #expect(done.status == .ok, "\(done.body.string)")
                    current = try #require(try await Self.get(app, draftID, token).cases.first { $0.id == item.id })
                }
                #expect(current.tasks.allSatisfy { $0.status == "done" })
                _ = try await Self.act(
                    app, item.id, token,
                    CaseActionBody(action: "decide", reason: "符合条件，准予许可", legalBasis: "《中华人民共和国行政许可法》第三十八条", approved: true))
                guard item.id == registration.id else { continue }
                // in the same transaction: the business licence goes into both dependents as their
                // material, recorded, and their review and clocks start
                let licence = try #require(try await LicenseRecord.query(on: app.db).filter(\.$caseID == registration.id).first())
                #expect(licence.typeCode == "yyzz")
                let passed = try await MaterialReuse.query(on: app.db).filter(\.$applicationID == draftID).all()
                let licensed = passed.filter { $0.materialKey == "business_license" && $0.sourceRef == licence.identifier }
                #expect(Set(licensed.map(\.caseID)) == Set(dependents.map(\.id)) && licensed.count == 2)
                let started = try await Self.get(app, draftID, enterprise)
                for dependent in started.cases where dependent.id != registration.id {
                    #expect(dependent.state == "underReview" && dependent.dueOn != nil && dependent.usedDays == 0)
                    #expect(dependent.tasks.contains { $0.status == "open" })
                }
                #expect(started.events.filter { $0.action == "prerequisitesMet" }.count == 2)
                #expect(started.events.filter { $0.action == "material.passed" }.count == 2)
            }
            // 审管衔接: the food licence's approval is handed to the department that supervises it, to sign for
            let handoffs = try await SupervisionHandoff.query(on: app.db).filter(\.$applicationID == draftID).all()
            #expect(handoffs.map(\.itemName) == ["食品经营许可（新办）"] && handoffs.first?.signedAt == nil)
            // the reviewer of one department cannot see another's case
            let other = try await app.send(.GET, "/api/v1/applications/\(draftID)", bearer: try await app.token("reviewer.health"))
            #expect(other.status == .notFound)

            for item in application.cases {
                _ = try await Self.act(app, item.id, clerk, CaseActionBody(action: "deliver", method: "post"), expect: .unprocessableEntity)
                _ = try await Self.act(app, item.id, clerk, CaseActionBody(action: "deliver", method: "electronic"))
                _ = try await Self.act(app, item.id, clerk, CaseActionBody(action: "conclude"))
            }
            application = try await Self.get(app, draftID, enterprise)
            #expect(application.status == "closed" && application.cases.allSatisfy { $0.state == "concluded" })
            #expect(application.visits == 0)  // applied online, delivered electronically: 零跑腿
            let actions = application.events.map(\.action)
            #expect(
                actions.filter { $0 == "submit" }.count == 3 && actions.filter { $0 == "decide" }.count == 3
                    && actions.contains("task.complete"))

            // the public lookup: the number and the code the applicant was given, nothing personal; the
            // tail of the credit code opens nothing any more (M6), and staff are not shown the code
            let code = try #require(application.accessCode)
            #expect(try await Self.get(app, draftID, clerk).accessCode == nil)
            let typed = code.lowercased().replacingOccurrences(of: "-", with: " ")
            let lookup = try await app.send(
                .GET, "/api/v1/status?number=\(number.value)&code=\(typed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(lookup.status == .ok && !lookup.body.string.contains("云帆") && lookup.body.string.contains("concluded"))
            let wrong = code.first == "A" ? "B" + code.dropFirst() : "A" + code.dropFirst()
            #expect(try await app.send(.GET, "/api/v1/status?number=\(number.value)&code=\(wrong)").status == .notFound)
            let tail = String(app.demoEnterpriseLogin.suffix(4))
            #expect(try await app.send(.GET, "/api/v1/status?number=\(number.value)&tail=\(tail)").status == .unprocessableEntity)
            #expect(
                try await app.send(.GET, "/api/v1/status?number=\(number.value.dropLast())Q&code=\(code)").status == .unprocessableEntity)

            // every change left an audit entry and an outbox event; the chain holds
            #expect(try await OutboxEvent.query(on: app.db).count() >= 1 + 3 * 5)
            let total = try await AuditEntry.query(on: app.db).count()
            #expect(try await app.checkedAuditLog().entries == total)
            _ = store
        }
    }
}
