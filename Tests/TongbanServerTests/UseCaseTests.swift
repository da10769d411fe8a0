import Fluent
import Foundation
import Testing
import TongbanHall
import TongbanPlatform
import TongbanRatings
import Vapor
@testable import TongbanCore
@testable import TongbanServer

/// Use cases called as a command or another process would: no `Request`, every dependency
/// named, the clock stopped at a moment the test chooses.
@Suite("use cases without a request")
struct UseCaseTests {
    /// Wednesday 30 September 2026, 10:00 in Shanghai: the National Day week follows.
    static let beforeNationalDay = LocalTime(date: CalendarDate(year: 2026, month: 9, day: 30)!, minute: 10 * 60).instant

    static func account(_ app: Application, _ login: String) async throws -> Account {
        let id = try await app.accountID(login: login)
        return try #require(try await Account.find(id, on: app.db))
    }

    static func context(_ app: Application, as account: Account?, at instant: Date = beforeNationalDay) -> UseCaseContext {
        UseCaseContext(
            db: app.db, clock: .stopped(at: instant), calendar: app.workingDays, keys: app.keys,
            settings: app.tongban, account: account)
    }

    @Test(
        "a complaint sent before the National Day week is due five working days later, counted on the official calendar",
        arguments: TestDatabase.available)
    func complaintAcrossTheHoliday(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            // setup
            let person = try await Self.account(app, app.demoPersonLogin)
            let reviewer = try await Self.account(app, "reviewer.amr")
            let clerk = try await Self.account(app, "clerk")
            let amr = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区市场监督管理局").first())
            let body = ComplaintDesk.SendBody(
                kind: "complaint", subject: "department", target: try amr.requireID().uuidString,
                title: "窗口办理推诿", body: "在窗口办理营业执照变更时被要求补交已经提交过的材料。")

            // act
            let sent = try await ComplaintDesk(context: Self.context(app, as: person)).send(body)

            // check: 1–7 October are the holiday, Saturday 10 October a working day
            #expect(sent.sentOn == "2026-09-30")
            #expect(sent.dueOn == "2026-10-13")
            #expect(sent.departmentID == amr.id)
            #expect(sent.createdAt == Self.beforeNationalDay)
            let entry = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "complaint.send").first()?.opened(app.keys))
            #expect(entry.actorLabel == person.auditActorLabel && entry.actorLabel.hasSuffix(" [L2]"))

            // late on the due day it is not yet overdue; the next working day it is
            #expect(!sent.isOverdue(on: CalendarDate(year: 2026, month: 10, day: 13)!))
            #expect(sent.isOverdue(on: CalendarDate(year: 2026, month: 10, day: 14)!))

            // a clerk has no own records to complain from; a stranger is asked to sign in
            await #expect(throws: TongbanError.self) { try await ComplaintDesk(context: Self.context(app, as: clerk)).send(body) }
            do {
                _ = try await ComplaintDesk(context: Self.context(app, as: nil)).send(body)
                Issue.record("a stranger sent a complaint")
            } catch let error as TongbanError {
                #expect(error.status == .unauthorized)
            }
            #expect(try await ComplaintRecord.query(on: app.db).count() == 1)

            // the department answers on the platform's clock, once
            let answeredAt = LocalTime(date: CalendarDate(year: 2026, month: 10, day: 9)!, minute: 9 * 60).instant
            let desk = ComplaintDesk(context: Self.context(app, as: reviewer, at: answeredAt))
            let answer = ComplaintDesk.AnswerBody(answer: "已核实：材料已在系统中，窗口不应要求重复提交。", version: sent.version)
            let answered = try await desk.answer(try sent.requireID(), answer)
            #expect(answered.state == .answered && answered.answeredOn == "2026-10-09" && answered.updatedAt == answeredAt)
            do {
                _ = try await desk.answer(try sent.requireID(), answer)
                Issue.record("answered twice")
            } catch let error as TongbanError {
                #expect(error.code == "complaint.alreadyAnswered")
            }
        }
    }

    @Test(
        "a bad rating's follow-up is due on the official calendar; a reviewer of the department works it, a supervisor decides the appeal",
        arguments: TestDatabase.available)
    func followUpAcrossTheHoliday(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            // setup: a served kiosk ticket at the hall, rated by whoever holds its link
            let hall = try #require(try await Hall.query(on: app.db).filter(\.$regionCode == "330106").first())
            let clerk = try await Self.account(app, "clerk.hall")
            let ticket = HallTicket()
            ticket.id = UUID()
            ticket.hallID = try hall.requireID()
            ticket.day = "2026-09-30"
            ticket.category = "A"
            ticket.number = 1
            ticket.label = "A001"
            ticket.channel = .kiosk
            ticket.queuedAt = Self.beforeNationalDay
            ticket.status = .served
            ticket.windowName = "1号窗口"
            ticket.clerkID = try clerk.requireID()
            ticket.transfers = 0
            try await ticket.create(on: app.db)

            // act
            let desk = RatingDesk(context: Self.context(app, as: nil))
            let subject = try await desk.visitSubject(try ticket.requireID())
            let given = try await desk.rate(subject, .init(level: 1, reasons: ["attitude"], comment: "态度差"))

            // check
            let followUp = try #require(given.followUp)
            #expect(followUp.openedOn == "2026-09-30" && followUp.dueOn == "2026-10-13")
            let supervisor = try await Self.account(app, "supervisor")
            let supervising = FollowUpDesk(context: Self.context(app, as: supervisor))
            #expect(supervising.supervises)
            #expect(try await supervising.list().map(\.followUp.id) == [followUp.id])
            #expect(try await supervising.list(overdueOnly: true).isEmpty)
            let late = LocalTime(date: CalendarDate(year: 2026, month: 10, day: 14)!, minute: 9 * 60).instant
            let lateDesk = FollowUpDesk(context: Self.context(app, as: supervisor, at: late))
            #expect(try await lateDesk.list(overdueOnly: true).map(\.followUp.id) == [followUp.id])
            // an applicant has no follow-up desk
            let person = try await Self.account(app, app.demoPersonLogin)
            await #expect(throws: TongbanError.self) { try await FollowUpDesk(context: Self.context(app, as: person)).list() }
        }
    }
}
