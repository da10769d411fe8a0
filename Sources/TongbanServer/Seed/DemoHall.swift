import Fluent
import Foundation
import SQLKit
import TongbanCatalog
import TongbanCore
import TongbanHall
import TongbanPlatform
import Vapor

/// The demo service hall of the West Lake district centre: "5+2" hours (weekday service without
/// a lunch break, Wednesday evenings, Saturday and Sunday mornings), one comprehensive category
/// and three dedicated ones, six windows. On first start it also gets the past week's queue,
/// simulated, so its figures and staffing advice have something to show.
enum DemoHall {
    static let hours = OpeningHours(weekdays: [
        1: [DaySpan("08:30-17:30")!], 2: [DaySpan("08:30-17:30")!], 3: [DaySpan("08:30-19:30")!], 4: [DaySpan("08:30-17:30")!],
        5: [DaySpan("08:30-17:30")!], 6: [DaySpan("09:00-12:00")!], 7: [DaySpan("09:00-12:00")!],
    ])

    static func categories() -> [HallCategory] {
        func code(_ key: String) -> String {
            let stem = DemoSeed.departments.first { $0.key == key }!.creditCodeStem
            return CreditCode.completing(stem)!.value
        }
        return [
            HallCategory(code: "A", name: "综合受理", nameEn: "General services", departments: []),
            HallCategory(code: "B", name: "商事登记", nameEn: "Business registration", departments: [code("amr")]),
            HallCategory(code: "C", name: "卫生健康", nameEn: "Health permits", departments: [code("health")]),
            HallCategory(code: "D", name: "户政出入境", nameEn: "Household & travel documents", departments: [code("police")]),
        ]
    }

    static let windows: [(Int, String, [String])] = [
        (1, "1号 综合窗口", ["A", "B", "C", "D"]), (2, "2号 综合窗口", ["A", "B", "C", "D"]), (3, "3号 商事登记", ["B"]),
        (4, "4号 卫生健康", ["C"]), (5, "5号 户政出入境", ["D"]), (6, "6号 综合窗口", ["A", "B", "C", "D"]),
    ]

    /// A demo hall with its windows (number, name, category letters), not yet stored.
    static func hall(
        name: String, nameEn: String, region: String, address: String, hours: OpeningHours, categories: [HallCategory],
        windows: [(Int, String, [String])], slotCapacity: Int, serviceMinutes: Double, at now: Date
    ) throws -> (Hall, [HallWindow]) {
        let hall = Hall()
        let hallID = UUID()
        hall.id = hallID
        hall.name = name
        hall.nameEn = nameEn
        hall.regionCode = region
        hall.address = address
        hall.hoursJSON = String(decoding: try JSONEncoder().encode(hours), as: UTF8.self)
        hall.categoriesJSON = String(decoding: try StoredJSON.encoder.encode(categories), as: UTF8.self)
        hall.slotMinutes = 30
        hall.slotCapacity = slotCapacity
        hall.bookingDays = 14
        hall.defaultServiceMinutes = serviceMinutes
        hall.createdAt = now
        hall.version = 1
        let rows = windows.map { number, name, categories in
            let w = HallWindow()
            w.id = UUID()
            w.hallID = hallID
            w.number = number
            w.name = name
            w.categoryCodes = categories.joined(separator: ",")
            return w
        }
        return (hall, rows)
    }

    @discardableResult
    static func seed(app: Application, db: any Database, history: Bool) async throws -> Hall {
        let (hall, rows) = try hall(
            name: "杭州市西湖区政务服务中心", nameEn: "West Lake District Government Service Centre", region: "330106",
            address: "杭州市西湖区 · 政务服务中心一楼综合服务大厅（演示）", hours: hours, categories: categories(), windows: windows,
            slotCapacity: 4, serviceMinutes: 12, at: app.clock.now())
        try await db.write { tx in
            try await hall.create(on: tx)
            try await rows.create(on: tx)
        }
        if history { try await simulateWeek(hall, windows: rows, clerks: try await clerks(db), app: app, db: db) }
        return hall
    }

    /// 收受分离 and 就近办: the city's hall and a street centre of West Lake, each with
    /// comprehensive windows only, taking in every item offered in their area (a city item at the
    /// street centre, decided by the city).
    static let areaHalls: [(name: String, nameEn: String, region: String, address: String, hours: OpeningHours, windows: Int)] = [
        (
            "杭州市民中心（杭州市政务服务中心）", "Hangzhou Citizen Centre (City Government Service Centre)", "330100",
            "杭州市上城区市民中心 · 一楼综合受理大厅（演示）", hours, 4
        ),
        (
            "杭州市西湖区西溪街道便民服务中心", "Xixi Subdistrict Citizen Service Centre, West Lake", "330106004",
            "杭州市西湖区西溪街道 · 便民服务中心一楼（演示）",
            OpeningHours(weekdays: [
                1: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!], 2: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!],
                3: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!], 4: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!],
                5: [DaySpan("08:30-12:00")!, DaySpan("13:30-17:00")!], 6: [DaySpan("09:00-12:00")!],
            ]), 2
        ),
    ]

    static func seedAreaHalls(app: Application, db: any Database) async throws {
        let general = [HallCategory(code: "A", name: "综合受理", nameEn: "General services", departments: [])]
        let halls = try areaHalls.map { spec in
            try hall(
                name: spec.name, nameEn: spec.nameEn, region: spec.region, address: spec.address, hours: spec.hours, categories: general,
                windows: (1...spec.windows).map { ($0, "\($0)号 综合窗口", ["A"]) }, slotCapacity: 2, serviceMinutes: 10, at: app.clock.now())
        }
        try await db.write { tx in
            for (hall, rows) in halls {
                try await hall.create(on: tx)
                try await rows.create(on: tx)
            }
        }
    }

    static func clerks(_ db: any Database) async throws -> [Account] {
        try await Account.query(on: db).filter(\.$loginKey ~~ ["clerk", "clerk.hall"].map(Account.loginKey(staffUsername:))).all()
    }

    /// The last seven days before today: arrivals at a typical daily profile, each served at the
    /// first window free that serves its category, with exponential service times; 4 % no-shows.
    static func simulateWeek(_ hall: Hall, windows: [HallWindow], clerks: [Account], app: Application, db: any Database) async throws {
        var rng = SystemRandomNumberGenerator()
        let today = LocalTime(app.clock.now()).date
        let service: [String: Double] = ["A": 9, "B": 16, "C": 12, "D": 8]
        let share: [String: Double] = ["A": 0.4, "B": 0.25, "C": 0.15, "D": 0.2]
        var tickets: [HallTicket] = []
        var sessions: [WindowSession] = []
        for back in stride(from: 7, through: 1, by: -1) {
            guard let date = today.adding(days: -back), let spans = try? hall.hours.spans(on: date, calendar: app.workingDays),
                !spans.isEmpty
            else { continue }
            let weekend = date.isWeekend
            // the windows staffed that day: all six on weekdays, the comprehensive ones at weekends
            let staffed = windows.filter { !weekend || $0.categories.count > 1 }
            var freeAt: [UUID: Date] = [:]
            for span in spans {
                let open = LocalTime(date: date, minute: span.start).instant
                let close = LocalTime(date: date, minute: span.end).instant
                for (i, w) in staffed.enumerated() {
                    let s = WindowSession()
                    s.id = UUID()
                    s.hallID = hall.id!
                    s.windowID = w.id!
                    s.clerkID = clerks.isEmpty ? UUID() : clerks[i % clerks.count].id!
                    s.clerkName = "演示"
                    s.openedAt = open
                    s.closedAt = close
                    sessions.append(s)
                    freeAt[w.id!] = open
                }
                var numbers: [String: Int] = [:]
                var at = open
                while true {
                    // busier mid-morning and mid-afternoon: 8–28 arrivals an hour on weekdays, 10 at weekends
                    let hour = LocalTime(at).hour
                    let rate =
                        (weekend
                            ? 10.0
                            : [8: 12, 9: 24, 10: 28, 11: 22, 12: 12, 13: 14, 14: 26, 15: 27, 16: 18, 17: 10, 18: 8][hour].map(Double.init)
                                ?? 8)
                    at = at.addingTimeInterval(-log(Double.random(in: Double.ulpOfOne..<1, using: &rng)) / rate * 3600)
                    guard at < close.addingTimeInterval(-15 * 60) else { break }
                    var pick = Double.random(in: 0..<1, using: &rng)
                    var category = "A"
                    for code in ["A", "B", "C", "D"] {
                        pick -= share[code]!
                        if pick < 0 {
                            category = code
                            break
                        }
                    }
                    guard let window = staffed.filter({ $0.categories.contains(category) }).min(by: { freeAt[$0.id!]! < freeAt[$1.id!]! })
                    else { continue }
                    numbers[category, default: 0] += 1
                    let called = max(at, freeAt[window.id!]!)
                    let noShow = Double.random(in: 0..<1, using: &rng) < 0.04
                    let minutes = noShow ? 1 : -log(Double.random(in: Double.ulpOfOne..<1, using: &rng)) * service[category]!
                    let finished = called.addingTimeInterval(minutes * 60)
                    freeAt[window.id!] = finished
                    let t = HallTicket()
                    t.id = UUID()
                    t.hallID = hall.id!
                    t.day = date.description
                    t.category = category
                    t.number = numbers[category]!
                    t.label = HallCategory.label(code: category, number: t.number)
                    t.channel = Bool.random(using: &rng) ? .online : .kiosk
                    t.queuedAt = at
                    t.status = noShow ? .noShow : .served
                    t.windowID = window.id
                    t.windowName = window.name
                    t.firstCalledAt = called
                    t.calledAt = called
                    t.finishedAt = finished
                    t.transfers = 0
                    tickets.append(t)
                }
            }
        }
        let (allTickets, allSessions) = (tickets, sessions)
        try await db.write { tx in
            for chunk in stride(from: 0, to: allTickets.count, by: 500) {
                try await Array(allTickets[chunk..<min(chunk + 500, allTickets.count)]).create(on: tx)
            }
            try await allSessions.create(on: tx)
            // the simulated week is sample data (演示数据): marked so, before anyone can take a ticket
            let hallID = try hall.requireID()
            try await tx.sql.raw(
                "UPDATE hall_tickets SET sample = true WHERE hall_id = \(bind: hallID) AND day < \(bind: today.description)"
            ).run()
            try await tx.sql.raw("UPDATE hall_window_sessions SET sample = true WHERE hall_id = \(bind: hallID) AND clerk_name = '演示'")
                .run()
        }
    }
}
