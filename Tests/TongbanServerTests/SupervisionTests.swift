import Fluent
import Foundation
import SQLKit
import Testing
import TongbanCases
import TongbanPlatform
import TongbanRatings
import TongbanSupervision
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// 电子监察 over the database: the rollup's SQL sums are the core's arithmetic on the same
/// cases, it follows changes, and the dashboards show them to the right people — the public
/// page without anyone's personal data.
@Suite("supervision figures over the database")
struct SupervisionTests {
    static let from = CalendarDate(year: 2026, month: 8, day: 1)!
    static let to = CalendarDate(year: 2026, month: 11, day: 20)!

    static func places(_ app: Application) async throws -> [SupervisionSample.Place] {
        let departments = try await Department.query(on: app.db).sort(\.$name).all()
        let amr = try #require(departments.first { $0.name.contains("市场监督") })
        let health = try #require(departments.first { $0.name.contains("卫生健康") })
        return [
            .init(regionCode: "330106", departmentID: amr.id, departmentName: amr.name, itemCode: "ITEM-A", itemName: "食品经营许可"),
            .init(regionCode: "330106002", departmentID: amr.id, departmentName: amr.name, itemCode: "ITEM-A", itemName: "食品经营许可"),
            .init(regionCode: "330106", departmentID: health.id, departmentName: health.name, itemCode: "ITEM-B", itemName: "公共场所卫生许可"),
            .init(regionCode: "330102", departmentID: health.id, departmentName: health.name, itemCode: "ITEM-C", itemName: "医师执业注册"),
        ]
    }

    @Test(
        "1,200 generated cases: every scope's sums from the rollup equal the core's counts of the same cases; a change is picked up by the next refresh",
        arguments: TestDatabase.available)
    func rollup(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let places = try await Self.places(app)
            var rng = SupervisionSample.Random(seed: 17)
            let cases = SupervisionSample.random(1_200, from: Self.from, to: Self.to, places: places, using: &rng)
            try await SupervisionSample.insert(cases, on: app.db, now: app.clock.now())
            let first = try await SupervisionRollup.refresh(app: app, now: app.clock.now())
            #expect(first.days == Set(cases.map(\.facts.submittedOn)).count)
            func expected(_ scope: SupervisionScope) -> SupervisionTotals {
                cases.filter { c in
                    scope.from <= c.facts.submittedOn && c.facts.submittedOn <= scope.to
                        && (scope.region.map { c.regionCode.hasPrefix($0.significantPrefix) } ?? true)
                        && (scope.departmentID.map { c.departmentID == $0 } ?? true) && (scope.itemCode.map { c.itemCode == $0 } ?? true)
                }.map { SupervisionTotals.of($0.facts) }.reduce(SupervisionTotals(), +)
            }
            var scopes = [SupervisionScope(from: Self.from, to: Self.to)]
            for _ in 0..<25 {
                let a = Self.from.adding(days: Int.random(in: 0...100, using: &rng))!
                let b = a.adding(days: Int.random(in: 0...60, using: &rng))!
                scopes.append(
                    SupervisionScope(
                        from: a, to: b,
                        region: Bool.random(using: &rng)
                            ? try RegionCode(["330106", "330100", "330106002"].randomElement(using: &rng)!) : nil,
                        departmentID: Bool.random(using: &rng) ? places.randomElement(using: &rng)!.departmentID : nil,
                        itemCode: Int.random(in: 0..<4, using: &rng) == 0 ? places.randomElement(using: &rng)!.itemCode : nil))
            }
            for scope in scopes {
                let report = try await SupervisionReport.make(scope, on: app.db)
                #expect(report.totals == expected(scope), "\(scope)")
                #expect(report.trend.map(\.totals).reduce(SupervisionTotals(), +) == report.totals)
                #expect(report.departments.map(\.totals).reduce(SupervisionTotals(), +) == report.totals)
            }
            #expect(expected(scopes[0]).decided > 300 && expected(scopes[0]).saved > 0 && expected(scopes[0]).near > 0)

            // nothing changed: nothing recomputed beyond the last two minutes; then a case is decided and a visit recorded
            try await SupervisionRollup.refresh(app: app, now: app.clock.now().addingTimeInterval(300))
            #expect(try await SupervisionRollup.refresh(app: app, now: app.clock.now().addingTimeInterval(300)).days == 0)
            let open = try #require(try await CaseRow.query(on: app.db).filter(\.$state == .underReview).first())
            let application = try #require(try await ApplicationRecord.find(open.applicationID, on: app.db))
            let before = try await SupervisionQuery.totals(SupervisionScope(from: Self.from, to: Self.to), on: app.db)
            let later = app.clock.now().addingTimeInterval(600)
            try await CaseRow.query(on: app.db).filter(\.$id == open.id!).set(\.$state, to: .decided).set(
                \.$decidedOn, to: application.submittedOn
            )
            .set(\.$daysUsed, to: 0).set(\.$updatedAt, to: later).update()
            let second = try await SupervisionRollup.refresh(app: app, now: later.addingTimeInterval(1))
            #expect(second.days == 1)
            let after = try await SupervisionQuery.totals(SupervisionScope(from: Self.from, to: Self.to), on: app.db)
            #expect(after.decided == before.decided + 1 && after.immediate == before.immediate + 1 && after.cases == before.cases)
        }
    }

    @Test("3,000 generated periods: whole months come from the monthly rows, the edges from the daily rows, every day exactly once")
    func parts() {
        var rng = SupervisionSample.Random(seed: 8)
        let start = CalendarDate(year: 2024, month: 1, day: 1)!
        for _ in 0..<3_000 {
            let from = start.adding(days: Int.random(in: 0...900, using: &rng))!
            let to = from.adding(days: Int.random(in: 0...(Bool.random(using: &rng) ? 40 : 800), using: &rng))!
            var covered: [CalendarDate] = []
            for part in SupervisionScope(from: from, to: to).parts(monthly: true) {
                if part.table == "supervision_monthly" {
                    #expect(part.from.day == 1 && part.to.day == 1)
                    for month in TrendStep.month.buckets(from: part.from, to: part.to) {
                        covered += TrendStep.day.buckets(
                            from: month, to: TrendStep.month.buckets(from: month, to: month.adding(days: 31)!)[1].adding(days: -1)!)
                    }
                } else {
                    covered += TrendStep.day.buckets(from: part.from, to: part.to)
                }
            }
            #expect(covered == TrendStep.day.buckets(from: from, to: to), "\(from)…\(to)")
        }
    }

    @Test(
        "ratings count on the day given; an upheld appeal takes one out; follow-ups ended count as followed up",
        arguments: TestDatabase.available)
    func ratings(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let places = try await Self.places(app)
            let day = Self.to
            let facts = [
                RatingFacts(level: .veryGood), RatingFacts(level: .good), RatingFacts(level: .fair),
                RatingFacts(level: .poor, followUp: .fixed),
                RatingFacts(level: .veryPoor, followUp: .open), RatingFacts(level: .veryPoor, counts: false, followUp: .void),
            ]
            for f in facts {
                let r = RatingRecord()
                r.id = UUID()
                r.occasion = "application"
                r.subjectID = UUID()
                r.departmentID = places[0].departmentID
                r.departmentName = places[0].departmentName
                r.regionCode = "330106"
                r.subjectName = "样本"
                r.level = f.level.rawValue
                r.reasons = ""
                r.revisions = 0
                r.counts = f.counts
                r.createdAt = app.clock.now()
                r.ratedOn = day.description
                try await r.create(on: app.db)
                if let state = f.followUp {
                    let u = FollowUp()
                    u.id = UUID()
                    u.ratingID = r.id!
                    u.departmentID = r.departmentID
                    u.departmentName = r.departmentName
                    u.regionCode = "330106"
                    u.state = state
                    u.openedOn = day.description
                    u.dueOn = day.description
                    u.escalated = false
                    u.version = 1
                    u.updatedAt = app.clock.now()
                    try await u.create(on: app.db)
                }
            }
            try await SupervisionRollup.refresh(app: app, now: app.clock.now())
            let totals = try await SupervisionQuery.totals(SupervisionScope(from: day, to: day), on: app.db)
            #expect(totals == facts.map(SupervisionTotals.of).reduce(SupervisionTotals(), +))
            #expect(totals.ratings == 5 && totals.followUpRate == Rate(1, of: 2))
            let health = try await SupervisionQuery.totals(
                SupervisionScope(from: day, to: day, departmentID: places[2].departmentID), on: app.db)
            #expect(health.ratings == 0)
        }
    }

    @Test(
        "dashboards: the supervisor sees the region, a reviewer only their department, applicants nothing; the public page and CSV carry no personal data; bad periods refused",
        arguments: TestDatabase.available)
    func pages(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let places = try await Self.places(app)
            var rng = SupervisionSample.Random(seed: 3)
            let cases = SupervisionSample.random(300, from: Self.from, to: Self.to, places: places, using: &rng)
            try await SupervisionSample.insert(cases, on: app.db, now: app.clock.now())
            try await SupervisionRollup.refresh(app: app, now: app.clock.now())
            let query = "from=\(Self.from)&to=\(Self.to)"
            let supervisor = try await app.token("supervisor")
            let all = try await app.send(.GET, "/api/v1/supervision/figures?\(query)", bearer: supervisor)
            #expect(all.status == .ok, "\(all.body.string)")
            let figures = try all.content.decode(SupervisionFiguresDTO.self)
            // the supervisor's region is 西湖区: the 上城区 item (330102) is outside it
            let expected = try await SupervisionQuery.totals(
                SupervisionScope(from: Self.from, to: Self.to, region: try RegionCode("330106")), on: app.db)
            #expect(
                figures.totals.cases == expected.cases && figures.totals.onTime == expected.onTimeRate && figures.departments.count == 2)
            #expect(Set(figures.items.map(\.key)) == Set(cases.filter { $0.regionCode.hasPrefix("330106") }.map(\.itemCode)))

            // a reviewer sees their own department whatever they ask for
            let reviewer = try await app.token("reviewer.health")
            let own = try await app.send(
                .GET, "/api/v1/supervision/figures?\(query)&department=\(places[0].departmentID!)", bearer: reviewer
            )
            .content.decode(SupervisionFiguresDTO.self)
            #expect(own.department == places[2].departmentID?.uuidString && own.departments.map(\.name) == [places[2].departmentName])
            #expect(try await app.send(.GET, "/api/v1/supervision/figures?region=330102", bearer: reviewer).status == .forbidden)
            let street = try await app.send(.GET, "/api/v1/supervision/figures?\(query)&region=330106002", bearer: supervisor).content
                .decode(SupervisionFiguresDTO.self)
            #expect(street.totals.cases == cases.filter { $0.regionCode == "330106002" }.count)
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "supervisor", "password": demoPassword])
            let dashboard = try await browser.get("/supervision?\(query)&region=330106002").body.string
            #expect(dashboard.contains("name=\"region\"") && dashboard.contains("<option value=\"330106002\" selected>"))
            let person = try await app.token(app.demoPersonLogin)
            #expect(try await app.send(.GET, "/api/v1/supervision/figures", bearer: person).status == .forbidden)
            #expect(try await app.send(.GET, "/api/v1/supervision/figures").status == .unauthorized)
            // bad periods: a clear message, in the user's language
            let reversed = try await app.send(.GET, "/api/v1/supervision/figures?from=\(Self.to)&to=\(Self.from)", bearer: supervisor)
            #expect(reversed.status == .unprocessableEntity && reversed.errorBody?.error.code == "validation.failed")
            #expect(try await app.send(.GET, "/api/v1/public/figures?from=2020-01-01&to=2026-01-01").status == .unprocessableEntity)
            #expect(try await app.send(.GET, "/api/v1/public/figures?from=2026-13-01").status == .unprocessableEntity)

            // the public page, its CSV and its JSON: figures, never the applicants
            for path in ["/transparency?\(query)", "/transparency.csv?\(query)", "/api/v1/public/figures?\(query)"] {
                let response = try await app.send(.GET, path)
                #expect(response.status == .ok, "\(path)")
                let text = response.body.string
                #expect(!text.contains("样本申请人") && !text.contains("applicant"), "\(path)")
                #expect(text.contains("食品经营许可") && text.contains(places[0].departmentName), "\(path)")
            }
            let page = try await app.send(.GET, "/transparency?\(query)").body.string
            #expect(page.contains("按时办结率") && page.contains("<svg") && page.contains("一次办"))
            let csv = try await app.send(.GET, "/transparency.csv?\(query)")
            #expect(csv.headers.contentType?.subType == "csv")
            let rows = try CSV.parse(csv.body.string)
            #expect(rows.first?.fields.first == "level" && rows.count == 1 + 1 + 2 + 3)
            let total = try #require(rows.first { $0.fields.first == "total" })
            let everything = try await SupervisionQuery.totals(SupervisionScope(from: Self.from, to: Self.to), on: app.db)
            #expect(total.fields[3] == String(everything.cases))
        }
    }

    @Test(
        "warnings board: every yellow and red case counted per department, red first; late follow-ups and complaints; the supervisor's region, a reviewer's own department, nobody else",
        arguments: TestDatabase.available)
    func warnings(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let places = try await Self.places(app)
            var rng = SupervisionSample.Random(seed: 21)
            let cases = SupervisionSample.random(400, from: Self.from, to: Self.to, places: places, using: &rng)
            try await SupervisionSample.insert(cases, on: app.db, now: app.clock.now())
            _ = try await DeadlineWatch.run(app: app, today: Self.to)
            // a complaint unanswered past its day, and one still in time
            for (title, due) in [("逾期未答复的投诉", Self.to.adding(days: -2)!), ("尚在期限内的咨询", Self.to.adding(days: 30)!)] {
                let c = ComplaintRecord()
                c.id = UUID()
                c.senderID = UUID()
                c.kind = .complaint
                c.subject = .department
                c.target = places[0].departmentID!.uuidString
                c.targetLabel = places[0].departmentName
                c.departmentID = places[0].departmentID
                c.departmentName = places[0].departmentName
                c.regionCode = "330106"
                c.title = title
                c.body = "内容"
                c.state = .open
                c.sentOn = Self.from.description
                c.dueOn = due.description
                c.escalated = false
                c.version = 1
                c.createdAt = app.clock.now()
                c.updatedAt = app.clock.now()
                try await c.create(on: app.db)
            }
            _ = try await DeadlineWatch.run(app: app, today: Self.to)
            let supervisor = try await app.token("supervisor")
            let board = try await app.send(.GET, "/api/v1/supervision/warnings", bearer: supervisor).content.decode(WarningBoard.Board.self)
            #expect(board.late.map(\.title) == ["逾期未答复的投诉"] && board.late[0].escalated)
            #expect(board.counts.first { $0.department == places[0].departmentName }?.complaints == 1)
            // what the watch coloured, in the supervisor's region (西湖区: not the 上城区 item)
            let warned = cases.filter { $0.facts.state.isAccepted && $0.facts.dueOn != nil && $0.regionCode.hasPrefix("330106") }
            let red = warned.filter { $0.facts.dueOn! < Self.to }
            let yellow = warned.filter { $0.facts.dueOn! >= Self.to && $0.facts.dueOn!.adding(days: -1)! <= Self.to }
            #expect(board.totalRed == red.count && board.totalYellow == yellow.count && red.count > 10)
            #expect(board.counts.reduce(0) { $0 + $1.red } == red.count)
            #expect(board.cases.count == min(WarningBoard.listLimit, red.count + yellow.count))
            #expect(board.cases.prefix(red.count).allSatisfy { $0.warning == "red" })
            let reviewer = try await app.token("reviewer.health")
            let own = try await app.send(.GET, "/api/v1/supervision/warnings", bearer: reviewer).content.decode(WarningBoard.Board.self)
            #expect(own.counts.map(\.department) == [places[2].departmentName] || own.counts.isEmpty)
            #expect(own.totalRed == red.filter { $0.departmentID == places[2].departmentID }.count)
            let person = try await app.token(app.demoPersonLogin)
            #expect(try await app.send(.GET, "/api/v1/supervision/warnings", bearer: person).status == .forbidden)
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "supervisor", "password": demoPassword])
            let page = try await browser.get("/warnings")
            #expect(page.status == .ok && page.body.string.contains("红灯超期") && page.body.string.contains(places[0].departmentName))
        }
    }
}
