import Fluent
import Foundation
import Testing
import TongbanCatalog
import TongbanHall
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// The hall over HTTP: tickets and the calling order, clerks calling at once, appointments and
/// slot capacity under concurrent booking, check-in, the display and the figures. The hall's
/// clock is fixed, so the tests run the same at any hour.
@Suite("hall operations over HTTP")
struct HallTests {
    struct HallBody: Decodable {
        struct Window: Decodable {
            let id: UUID
            let number: Int
            let name: String
            let categories: [String]
            let open: Bool?
        }
        let id: UUID
        let openNow: Bool
        let today: [String]
        let windows: [Window]?
    }
    struct Ticket: Decodable {
        let id: UUID
        let label: String
        let category: String
        let status: String
        let channel: String
        let ahead: Int?
        let openWindows: Int
        let estimatedWaitMinutes: Int?
        let window: String?
        let transfers: Int
    }
    struct Board: Decodable {
        struct Call: Decodable {
            let label: String
            let window: String
            let current: Bool
        }
        let calls: [Call]
    }
    struct Slot: Decodable {
        let start: String
        let booked: Int
        let available: Int
    }
    struct Day: Decodable {
        let open: Bool
        let slots: [Slot]
    }
    struct AppointmentBody: Decodable {
        let id: UUID
        let date: String
        let start: String
        let status: String
        let category: String
        let version: Int
    }

    /// Tuesday 24 November 2026, a working day, at the given Shanghai time.
    static func at(_ clock: String, on date: String = "2026-11-24") -> Date {
        LocalTime(date: CalendarDate(iso: date)!, minute: DaySpan.minutes(clock)!).instant
    }

    static func setClock(_ app: Application, _ instant: Date) { app.clock = .stopped(at: instant) }

    static func hall(_ app: Application) async throws -> HallBody {
        // the district's centre (the demo also has the city's hall and a street centre)
        let district = try #require(try await Hall.query(on: app.db).filter(\.$regionCode == "330106").first())
        return try await app.send(.GET, "/api/v1/halls/\(try district.requireID())").content.decode(HallBody.self)
    }

    static func window(_ hall: HallBody, _ number: Int) throws -> UUID { try #require(hall.windows?.first { $0.number == number }).id }

    static func kiosk(_ app: Application, _ hall: UUID, _ category: String) async throws -> Ticket {
        let response = try await app.send(.POST, "/api/v1/halls/\(hall)/tickets", json: ["category": category, "channel": "kiosk"])
        #expect(response.status == .created, "\(response.body.string)")
        return try response.content.decode(Ticket.self)
    }

    static func ticketCount(_ app: Application) async throws -> Int { try await HallTicket.query(on: app.db).count() }

    @Test(
        "take tickets, call in order at the windows that serve them, finish, transfer; the display and the standing follow",
        arguments: TestDatabase.available)
    func ticketsAndCalling(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            Self.setClock(app, Self.at("10:00"))
            let hall = try await Self.hall(app)
            #expect(hall.openNow && hall.today == ["08:30-17:30"])
            let clerk = try await app.token("clerk")
            let person = try await app.token(app.demoPersonLogin)

            // bad input: an unknown category, a closed hour, a clerk's own online ticket; nothing written
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "Q", "channel": "kiosk"]).errorBody?.error
                    .details?.first?.code == "hall.unknownCategory")
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "A"]).status == .unauthorized)
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "A"], bearer: clerk).status == .forbidden)
            Self.setClock(app, Self.at("07:59"))
            let closed = try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "A", "channel": "kiosk"])
            #expect(
                closed.status == .conflict && closed.errorBody?.error.code == "hall.closedNow"
                    && closed.errorBody?.error.message.contains("08:30-17:30") == true)
            Self.setClock(app, Self.at("10:00", on: "2026-10-02"))  // National Day
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "A", "channel": "kiosk"]).errorBody?.error
                    .code == "hall.closedNow")
            #expect(try await Self.ticketCount(app) == 0)

            Self.setClock(app, Self.at("10:00"))
            let b1 = try await Self.kiosk(app, hall.id, "B")
            Self.setClock(app, Self.at("10:01"))
            let a1 = try await Self.kiosk(app, hall.id, "A")
            Self.setClock(app, Self.at("10:02"))
            let b2 = try await Self.kiosk(app, hall.id, "B")
            let mine = try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "B"], bearer: person)
            #expect(mine.status == .created)
            let online = try mine.content.decode(Ticket.self)
            #expect([b1.label, a1.label, b2.label, online.label] == ["B001", "A001", "B002", "B003"])
            #expect(online.channel == "online" && online.ahead == 2 && online.openWindows == 0 && online.estimatedWaitMinutes == nil)
            let again = try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "A"], bearer: person)
            #expect(
                again.status == .conflict && again.errorBody?.error.code == "hall.alreadyWaiting"
                    && again.errorBody?.error.message.contains("B003") == true)

            // calling needs an open window of this hall, held by the caller
            let w3 = try Self.window(hall, 3)
            let w1 = try Self.window(hall, 1)
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/call", bearer: clerk).errorBody?.error.code
                    == "hall.windowNotYours")
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/open", bearer: person).status == .forbidden)
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/open", bearer: clerk).status == .ok)
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w1)/open", bearer: clerk).errorBody?.error.code
                    == "hall.clerkAtOtherWindow")
            let other = try await Self.otherHallWindow(app)
            let foreign = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(other)/call", bearer: clerk)
            #expect(foreign.status == .conflict && foreign.errorBody?.error.code == "hall.windowOfOtherHall")

            let standing = try await app.send(.GET, "/api/v1/hall-tickets/\(online.id)").content.decode(Ticket.self)
            #expect(standing.ahead == 2 && standing.openWindows == 1 && standing.estimatedWaitMinutes == 36)  // 3 × 12 minutes at one window

            // window 3 serves B only: B001, then (after finishing) B002; A001 waits for a comprehensive window
            let first = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/call", bearer: clerk).content.decode(Ticket.self)
            #expect(first.label == "B001" && first.status == "called" && first.window == "3号 商事登记")
            // 云呼叫: the person's ticket now has one ahead at this window: they are told, once (kiosk tickets have nobody to tell)
            let soon = try await OutboxEvent.query(on: app.db).filter(\.$topic == "ticket.turnSoon").all()
            #expect(soon.count == 1 && soon.first?.subject == online.id.uuidString)
            #expect(soon.first.map { StoredJSON.stringMap($0.payload) }?["ahead"] == "1")
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/call", bearer: clerk).errorBody?.error.code
                    == "hall.finishCurrent")
            #expect(
                try await app.send(.POST, "/api/v1/hall-tickets/\(first.id)/finish", json: ["outcome": "lunch"], bearer: clerk).status
                    == .unprocessableEntity)
            #expect(
                try await app.send(
                    .POST, "/api/v1/hall-tickets/\(first.id)/finish", json: ["outcome": "transfer", "category": "B"], bearer: clerk
                )
                .errorBody?.error.details?.first?.code == "hall.sameCategory")
            Self.setClock(app, Self.at("10:12"))
            #expect(
                try await app.send(.POST, "/api/v1/hall-tickets/\(first.id)/finish", json: ["outcome": "served"], bearer: clerk).status
                    == .ok)
            #expect(
                try await app.send(.POST, "/api/v1/hall-tickets/\(first.id)/finish", json: ["outcome": "served"], bearer: clerk).errorBody?
                    .error.code == "hall.notCalled")
            let second = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/call", bearer: clerk).content.decode(Ticket.self)
            #expect(second.label == "B002")
            // transferred to A: back in the queue keeping the time it came (10:02), so A001 (10:01) stays ahead of it
            let moved = try await app.send(
                .POST, "/api/v1/hall-tickets/\(second.id)/finish", json: ["outcome": "transfer", "category": "A"], bearer: clerk
            ).content.decode(Ticket.self)
            #expect(moved.status == "waiting" && moved.category == "A" && moved.transfers == 1 && moved.ahead == 1)
            let third = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/call", bearer: clerk).content.decode(Ticket.self)
            #expect(third.label == "B003")
            #expect(
                try await app.send(.POST, "/api/v1/hall-tickets/\(third.id)/finish", json: ["outcome": "noShow"], bearer: clerk).content
                    .decode(Ticket.self).status == "no_show")
            let empty = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/call", bearer: clerk)
            #expect(empty.status == .noContent)
            #expect(try await OutboxEvent.query(on: app.db).filter(\.$topic == "ticket.turnSoon").count() == 1)
            // the person may take a ticket again once theirs is passed
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "D"], bearer: person).status == .created)

            let board = try await app.send(.GET, "/api/v1/halls/\(hall.id)/display").content.decode(Board.self)
            #expect(board.calls.map(\.label) == ["B003", "B001"] && board.calls.allSatisfy { !$0.current })

            // closing the window; another clerk may then open it
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/close", bearer: clerk).status == .noContent)
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w3)/open", bearer: try await app.token("clerk.hall")).status
                    == .ok)
        }
    }

    @Test(
        "an address takes at most the kiosk limit a minute: the next is refused with Retry-After and nothing written; online tickets are not counted",
        arguments: TestDatabase.available)
    func kioskLimit(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            Self.setClock(app, Self.at("10:00"))
            app.tongban.kioskTicketsPerMinute = 3
            let hall = try await Self.hall(app)
            for _ in 0..<3 { _ = try await Self.kiosk(app, hall.id, "A") }
            let before = try await Self.ticketCount(app)
            let refused = try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "A", "channel": "kiosk"])
            #expect(refused.status == .tooManyRequests && refused.errorBody?.error.code == "hall.kioskBusy")
            let wait = Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0
            #expect((1...20).contains(wait), "Retry-After \(wait)")
            #expect(try await Self.ticketCount(app) == before)
            let person = try await app.token(app.demoPersonLogin)
            #expect(
                try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": "A"], bearer: person).status == .created)
            // the kiosk page says it in Chinese
            let browser = Browser(app)
            try await browser.get("/halls/\(hall.id)/kiosk")
            let page = try await browser.post("/halls/\(hall.id)/kiosk", ["category": "B"])
            #expect(
                page.status == .tooManyRequests && page.body.string.contains("取号太频繁") && page.headers.first(name: "Retry-After") != nil,
                "\(page.body.string)")
        }
    }

    /// A second hall, elsewhere, with one window.
    static func otherHallWindow(_ app: Application) async throws -> UUID {
        let hall = Hall()
        hall.id = UUID()
        hall.name = "宁波市海曙区行政服务中心"
        hall.nameEn = "Haishu"
        hall.regionCode = "330203"
        hall.address = "宁波"
        hall.hoursJSON = String(decoding: try JSONEncoder().encode(DemoHall.hours), as: UTF8.self)
        hall.categoriesJSON = String(decoding: try JSONEncoder().encode(DemoHall.categories()), as: UTF8.self)
        hall.slotMinutes = 30
        hall.slotCapacity = 2
        hall.bookingDays = 7
        hall.defaultServiceMinutes = 10
        hall.createdAt = app.clock.now()
        hall.version = 1
        try await hall.create(on: app.db)
        let window = HallWindow()
        window.id = UUID()
        window.hallID = hall.id!
        window.number = 1
        window.name = "1号"
        window.categoryCodes = "A"
        try await window.create(on: app.db)
        return window.id!
    }

    /// Window clerks of the centre, made for a test.
    static func clerks(_ app: Application, count: Int) async throws -> [String] {
        let center = try #require(try await Department.query(on: app.db).filter(\.$name == "杭州市西湖区政务服务中心").first())
        var tokens: [String] = []
        for i in 0..<count {
            let username = "clerk.test\(i)"
            let account = Account(
                kind: .staff, loginKey: Account.loginKey(staffUsername: username), displayName: "测试窗口\(i)",
                passwordHash: try await app.hashPassword(demoPassword), at: app.clock.now())
            account.roles = [.windowClerk]
            account.$department.id = center.id
            account.regionCode = center.regionCode
            try await account.create(on: app.db)
            tokens.append(try await app.token(username))
        }
        return tokens
    }

    @Test(
        "several clerks calling at once, on two server processes where PostgreSQL: no ticket called twice, none skipped",
        arguments: TestDatabase.available)
    func concurrentCalling(database: TestDatabase) async throws {
        try await withTongban(database) { app, store in
            Self.setClock(app, Self.at("10:00"))
            let second = database == .postgres ? try await store.makeApp(migrate: false) : app
            Self.setClock(second, Self.at("10:00"))
            do {
                let hall = try await Self.hall(app)
                var taken: [String] = []
                for i in 0..<60 { taken.append(try await Self.kiosk(app, hall.id, ["A", "B", "C", "D"][i % 4]).label) }
                let clerks = try await Self.clerks(app, count: 6)
                for (i, token) in clerks.enumerated() {
                    #expect(
                        try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(try Self.window(hall, i + 1))/open", bearer: token)
                            .status == .ok)
                }
                let calls = try await withThrowingTaskGroup(of: [String].self) { group in
                    for (i, token) in clerks.enumerated() {
                        let server = i % 2 == 0 ? app : second
                        let window = try Self.window(hall, i + 1)
                        group.addTask {
                            var mine: [String] = []
                            while true {
                                let response = try await server.send(
                                    .POST, "/api/v1/halls/\(hall.id)/windows/\(window)/call", bearer: token)
                                if response.status == .noContent { return mine }
                                guard response.status == .ok else {
                                    Issue.record("\(response.status) \(response.body.string)")
                                    return mine
                                }
                                let ticket = try response.content.decode(Ticket.self)
                                mine.append(ticket.label)
                                let done = try await server.send(
                                    .POST, "/api/v1/hall-tickets/\(ticket.id)/finish", json: ["outcome": "served"], bearer: token)
                                guard done.status == .ok else {
                                    Issue.record("\(done.status) \(done.body.string)")
                                    return mine
                                }
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let all = calls.flatMap { $0 }
                #expect(all.count == 60 && Set(all) == Set(taken))
                // each dedicated window called its own category's tickets in number order
                for list in calls where Set(list.map { $0.prefix(1) }).count == 1 {
                    #expect(list == list.sorted())
                }
                #expect(try await HallTicket.query(on: app.db).filter(\.$status == .served).count() == 60)
            } catch {
                if database == .postgres { try? await second.asyncShutdown() }
                throw error
            }
            if database == .postgres { try await second.asyncShutdown() }
        }
    }

    static func person(_ app: Application, _ i: Int) async throws -> String {
        let id = IdentityNumber.completing("33010619850101\(String(format: "%03d", 100 + i))", today: app.today)!
        let account = Account(
            kind: .person, loginKey: Account.loginKey(identityNumberHash: app.keys.lookupHash(id.value, field: "identity_number")),
            displayName: "测试\(i)", passwordHash: try await app.hashPassword(demoPassword), at: app.clock.now())
        account.regionCode = "330106"
        try await account.create(on: app.db)
        return try await app.token(id.value)
    }

    static func anItem(_ app: Application) async throws -> String {
        try #require(try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).first()).code
    }

    @Test("slot capacity holds under concurrent booking: exactly the capacity succeeds", arguments: TestDatabase.available)
    func concurrentBooking(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            Self.setClock(app, Self.at("10:00"))
            let hall = try await Self.hall(app)
            let item = try await Self.anItem(app)
            var people: [String] = []
            for i in 0..<10 { people.append(try await Self.person(app, i)) }
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for token in people {
                    group.addTask {
                        try await app.send(
                            .POST, "/api/v1/halls/\(hall.id)/appointments", json: ["date": "2026-11-25", "start": "09:30", "item": item],
                            bearer: token
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count { $0 == .created } == 4 && statuses.count { $0 == .conflict } == 6)
            #expect(try await Appointment.query(on: app.db).count() == 4)
            let day = try await app.send(.GET, "/api/v1/halls/\(hall.id)/slots?date=2026-11-25").content.decode(Day.self)
            #expect(day.slots.first { $0.start == "09:30" }.map { ($0.booked, $0.available) } ?? (0, 0) == (4, 0))
        }
    }

    @Test(
        "book, refuse what cannot be booked, move, check in, be called first once the slot begins, cancel",
        arguments: TestDatabase.available)
    func appointments(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            Self.setClock(app, Self.at("10:00"))
            let hall = try await Self.hall(app)
            let item = try await Self.anItem(app)
            let person = try await app.token(app.demoPersonLogin)
            func book(_ date: String?, _ start: String?, _ item: String?) async throws -> TestingHTTPResponse {
                var body: [String: String] = [:]
                body["date"] = date
                body["start"] = start
                body["item"] = item
                return try await app.send(.POST, "/api/v1/halls/\(hall.id)/appointments", json: body, bearer: person)
            }
            func codes(_ r: TestingHTTPResponse) -> [String: String] {
                Dictionary(uniqueKeysWithValues: (r.errorBody?.error.details ?? []).map { ($0.field, $0.code) })
            }
            #expect(codes(try await book("2026-11-24", "09:30", item)) == ["start": "hall.slotPast"])
            #expect(codes(try await book("2026-12-09", "09:30", item)) == ["date": "hall.tooFarAhead"])
            #expect(codes(try await book("2026-11-28", "14:00", item)) == ["start": "hall.notASlot"])  // Saturday: mornings only
            #expect(codes(try await book("2026-11-25", "09:45", "NOPE")) == ["start": "hall.notASlot", "item": "hall.unknownItem"])
            #expect(codes(try await book("2026-13-01", nil, nil)) == ["date": "field.invalidDate", "item": "field.required"])
            Self.setClock(app, Self.at("10:00", on: "2026-09-28"))
            #expect(codes(try await book("2026-10-01", "09:30", item)) == ["date": "hall.closedDay"])  // National Day
            Self.setClock(app, Self.at("10:00"))
            #expect(
                try await app.send(
                    .POST, "/api/v1/halls/\(hall.id)/appointments", json: ["date": "2026-11-25", "start": "09:30", "item": item],
                    bearer: try await app.token("clerk")
                ).status == .forbidden)
            #expect(try await Appointment.query(on: app.db).count() == 0)
            #expect(
                try await OutboxEvent.query(on: app.db).filter(\.$topic ~~ ["appointment.booked", "appointment.reminder"]).count() == 0)

            let booked = try await book("2026-11-25", "09:30", item)
            #expect(booked.status == .created, "\(booked.body.string)")
            let appointment = try booked.content.decode(AppointmentBody.self)
            #expect(appointment.status == "booked")
            let mine = try await app.send(.GET, "/api/v1/appointments", bearer: person)
            #expect(try mine.content.decode([AppointmentBody].self).map(\.id) == [appointment.id])
            #expect(
                try await OutboxEvent.query(on: app.db).filter(\.$subject == appointment.id.uuidString).all().map(\.topic).sorted() == [
                    "appointment.booked", "appointment.reminder",
                ])
            #expect(try await book("2026-11-25", "11:00", item).errorBody?.error.code == "hall.alreadyBooked")

            // moved to 14:00: the old place is given back
            let moved = try await app.send(
                .POST, "/api/v1/appointments/\(appointment.id)/rebook", json: ["date": "2026-11-25", "start": "14:00"], bearer: person)
            #expect(moved.status == .ok && (try? moved.content.decode(AppointmentBody.self).start) == "14:00")
            let day = try await app.send(.GET, "/api/v1/halls/\(hall.id)/slots?date=2026-11-25").content.decode(Day.self)
            #expect(day.slots.first { $0.start == "09:30" }?.booked == 0 && day.slots.first { $0.start == "14:00" }?.booked == 1)
            #expect(
                try await app.send(
                    .POST, "/api/v1/appointments/\(appointment.id)/rebook", json: ["date": "2026-11-25", "start": "14:00"],
                    bearer: try await app.token(app.demoEnterpriseLogin)
                ).status == .notFound)

            // check-in: not hours before; walk-ins who came first are passed once the slot begins
            Self.setClock(app, Self.at("12:30", on: "2026-11-25"))
            #expect(
                try await app.send(.POST, "/api/v1/appointments/\(appointment.id)/check-in", bearer: person).errorBody?.error.code
                    == "hall.checkInTooEarly")
            let walkIn = try await Self.kiosk(app, hall.id, "A")
            Self.setClock(app, Self.at("13:40", on: "2026-11-25"))
            let checked = try await app.send(.POST, "/api/v1/appointments/\(appointment.id)/check-in", bearer: person)
            #expect(checked.status == .created, "\(checked.body.string)")
            let ticket = try checked.content.decode(Ticket.self)
            #expect(ticket.channel == "appointment" && ticket.label == "A002")
            #expect(
                try await app.send(.POST, "/api/v1/appointments/\(appointment.id)/check-in", bearer: person).errorBody?.error.code
                    == "hall.alreadyCheckedIn")
            #expect(
                try await app.send(.POST, "/api/v1/appointments/\(appointment.id)/cancel", bearer: person).errorBody?.error.code
                    == "hall.notBooked")
            let clerk = try await app.token("clerk")
            let w1 = try Self.window(hall, 1)
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w1)/open", bearer: clerk).status == .ok)
            // before 14:00 the walk-in, who came first, is called first
            let early = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w1)/call", bearer: clerk).content.decode(Ticket.self)
            #expect(early.label == walkIn.label)
            _ = try await app.send(.POST, "/api/v1/hall-tickets/\(early.id)/finish", json: ["outcome": "served"], bearer: clerk)
            let later = try await Self.kiosk(app, hall.id, "A")
            Self.setClock(app, Self.at("14:01", on: "2026-11-25"))
            let due = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w1)/call", bearer: clerk).content.decode(Ticket.self)
            #expect(due.label == ticket.label && later.label == "A003")

            // a booked appointment is cancelled and its place given back
            let other = try await book("2026-11-26", "10:00", item)
            let otherID = try other.content.decode(AppointmentBody.self).id
            #expect(try await app.send(.POST, "/api/v1/appointments/\(otherID)/cancel", bearer: person).status == .ok)
            #expect(
                try await app.send(.GET, "/api/v1/halls/\(hall.id)/slots?date=2026-11-26").content.decode(Day.self).slots.first {
                    $0.start == "10:00"
                }?.booked == 0)
            #expect(
                try await OutboxEvent.query(on: app.db).filter(\.$subject == otherID.uuidString).filter(\.$topic == "appointment.cancelled")
                    .count() == 1)
        }
    }

    @Test(
        "figures and staffing: for the hall's clerks and supervisors; arrivals, waits and service from the day's tickets",
        arguments: TestDatabase.available)
    func figures(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            Self.setClock(app, Self.at("09:00"))
            let hall = try await Self.hall(app)
            let clerk = try await app.token("clerk")
            let w4 = try Self.window(hall, 4)
            #expect(try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w4)/open", bearer: clerk).status == .ok)
            for minute in [0, 5, 10] {
                Self.setClock(app, Self.at(DaySpan.clock(9 * 60 + minute)))
                _ = try await Self.kiosk(app, hall.id, "C")
            }
            // C001 waits 10 minutes and takes 8; C002 waits 13 and takes 4; C003 is a no-show after 12
            for (callAt, endAt, outcome) in [(10, 18, "served"), (18, 22, "served"), (22, 23, "noShow")] {
                Self.setClock(app, Self.at(DaySpan.clock(9 * 60 + callAt)))
                let t = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w4)/call", bearer: clerk).content.decode(Ticket.self)
                Self.setClock(app, Self.at(DaySpan.clock(9 * 60 + endAt)))
                _ = try await app.send(.POST, "/api/v1/hall-tickets/\(t.id)/finish", json: ["outcome": outcome], bearer: clerk)
            }
            Self.setClock(app, Self.at("10:00"))
            struct Report: Decodable {
                let figures: [HourFigures]
                let advice: [StaffingAdvice]
            }
            let supervisor = try await app.token("supervisor")
            let response = try await app.send(.GET, "/api/v1/halls/\(hall.id)/statistics?from=2026-11-24&to=2026-11-24", bearer: supervisor)
            #expect(response.status == .ok, "\(response.body.string)")
            let report = try response.content.decode(Report.self)
            let c9 = try #require(report.figures.first { $0.hour == 9 && $0.category == "C" })
            #expect(c9.arrivals == 3 && c9.served == 2 && c9.noShows == 1 && c9.days == 1)
            #expect(abs((c9.meanWaitMinutes ?? 0) - 35.0 / 3) < 1e-6 && c9.p90WaitMinutes == 13 && c9.meanServiceMinutes == 6)
            #expect(c9.windowsOpen == 1)
            let advice = try #require(report.advice.first { $0.hour == 9 && $0.category == "C" })
            #expect(advice.arrivalsPerHour == 3 && advice.serviceMinutes == 6 && advice.recommended == 1)
            #expect(
                try await app.send(.GET, "/api/v1/halls/\(hall.id)/statistics", bearer: try await app.token(app.demoPersonLogin)).status
                    == .forbidden)
            #expect(try await app.send(.GET, "/api/v1/halls/\(hall.id)/statistics").status == .unauthorized)
            #expect(
                try await app.send(.GET, "/api/v1/halls/\(hall.id)/statistics?from=2026-11-25&to=2026-11-24", bearer: supervisor).status
                    == .unprocessableEntity)
            #expect(
                try await app.send(.GET, "/api/v1/halls/\(hall.id)/statistics?share=150&within=15", bearer: supervisor).status
                    == .unprocessableEntity)
        }
    }

    @Test("generated queues: the database's people-ahead and calling order are the core's", arguments: TestDatabase.available)
    func queueMatchesTheCore(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            let now = Self.at("11:00")
            Self.setClock(app, now)
            let hall = try await Self.hall(app)
            var rng = SystemRandomNumberGenerator()
            for round in 0..<3 {
                try await HallTicket.query(on: app.db).delete()
                var numbers: [String: Int] = [:]
                var rows: [HallTicket] = []
                for _ in 0..<40 {
                    let t = HallTicket()
                    t.id = UUID()
                    t.hallID = hall.id
                    t.day = "2026-11-24"
                    t.category = ["A", "B", "C", "D"].randomElement(using: &rng)!
                    numbers[t.category, default: 0] += 1
                    t.number = numbers[t.category]!
                    t.label = HallCategory.label(code: t.category, number: t.number)
                    t.channel = .kiosk
                    t.status = .waiting
                    t.transfers = 0
                    // whole minutes, so equal instants (ties) occur
                    t.queuedAt = now.addingTimeInterval(-60 * Double(Int.random(in: 0...20, using: &rng)))
                    if Int.random(in: 0..<3, using: &rng) == 0 {
                        t.channel = .appointment
                        t.slotStart = now.addingTimeInterval(1800 * Double(Int.random(in: -3...2, using: &rng)))
                    }
                    rows.append(t)
                }
                try await rows.create(on: app.db)
                let waiting = rows.map(\.waiting)
                for t in rows {
                    let standing = try await app.send(.GET, "/api/v1/hall-tickets/\(t.id!)").content.decode(Ticket.self)
                    #expect(standing.ahead == TicketQueue.ahead(of: t.waiting, in: waiting, now: now), "round \(round): \(t.label)")
                }
                let clerk = try await app.token("clerk")
                let w1 = try Self.window(hall, 1)
                _ = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w1)/open", bearer: clerk)
                var called: [UUID] = []
                while true {
                    let r = try await app.send(.POST, "/api/v1/halls/\(hall.id)/windows/\(w1)/call", bearer: clerk)
                    guard r.status == .ok else { break }
                    let t = try r.content.decode(Ticket.self)
                    called.append(t.id)
                    _ = try await app.send(.POST, "/api/v1/hall-tickets/\(t.id)/finish", json: ["outcome": "served"], bearer: clerk)
                }
                #expect(called == TicketQueue.ordered(waiting, now: now).map(\.id), "round \(round)")
            }
        }
    }

    @Test(
        "many takers at once: each category numbered 1…n without gaps or repeats; one person's two tickets at once: one is refused",
        arguments: TestDatabase.available)
    func concurrentTaking(database: TestDatabase) async throws {
        try await withTongban(database) { app, _ in
            Self.setClock(app, Self.at("10:00"))
            let hall = try await Self.hall(app)
            let labels = try await withThrowingTaskGroup(of: String?.self) { group in
                for i in 0..<120 {
                    group.addTask {
                        let r = try await app.send(
                            .POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": ["A", "B", "C"][i % 3], "channel": "kiosk"])
                        return r.status == .created ? try r.content.decode(Ticket.self).label : nil
                    }
                }
                return try await group.reduce(into: [String]()) { if let label = $1 { $0.append(label) } }
            }
            #expect(labels.count == 120)
            for code in ["A", "B", "C"] {
                #expect(labels.filter { $0.hasPrefix(code) }.sorted() == (1...40).map { HallCategory.label(code: code, number: $0) })
            }
            let person = try await app.token(app.demoPersonLogin)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for code in ["A", "D"] {
                    group.addTask {
                        try await app.send(.POST, "/api/v1/halls/\(hall.id)/tickets", json: ["category": code], bearer: person).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted { $0.code < $1.code } == [.created, .conflict])
            #expect(try await HallTicket.query(on: app.db).count() == 121)
        }
    }
}
