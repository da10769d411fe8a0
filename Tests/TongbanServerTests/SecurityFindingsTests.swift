import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanPlatform
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
}
