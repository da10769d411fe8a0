import Fluent
import Foundation
import TongbanCore
import Vapor

/// The hall over the API: halls and their hours, slots and appointments, tickets and where they
/// stand, the display board, the clerk's window, and the hall's figures.
struct HallAPI {
    func register(_ api: any RoutesBuilder) {
        api.get("halls", use: list)
        api.get("halls", ":hall", use: detail)
        api.get("halls", ":hall", "slots", use: slots)
        api.post("halls", ":hall", "appointments", use: book)
        api.get("appointments", use: myAppointments)
        api.post("appointments", ":id", "cancel", use: cancel)
        api.post("appointments", ":id", "rebook", use: rebook)
        api.post("appointments", ":id", "check-in", use: checkIn)
        api.post("halls", ":hall", "tickets", use: take)
        api.get("hall-tickets", ":id", use: ticket)
        api.post("hall-tickets", ":id", "finish", use: finish)
        api.get("halls", ":hall", "display", use: display)
        api.post("halls", ":hall", "windows", ":window", "open", use: openWindow)
        api.post("halls", ":hall", "windows", ":window", "close", use: closeWindow)
        api.post("halls", ":hall", "windows", ":window", "call", use: call)
        api.get("halls", ":hall", "statistics", use: statistics)
    }

    struct HallDTO: Content {
        struct Category: Content {
            let code: String
            let name: String
            let waiting: Int?
        }
        struct Window: Content {
            let id: UUID
            let number: Int
            let name: String
            let categories: [String]
            let open: Bool?
        }
        let id: UUID
        let name: String
        let address: String
        let regionCode: String
        let hours: OpeningHours
        let today: [String]
        let openNow: Bool
        let slotMinutes: Int
        let bookingDays: Int
        let categories: [Category]
        let windows: [Window]?
    }

    static func dto(_ hall: Hall, req: Request, detailed: Bool) async throws -> HallDTO {
        let english = req.language == .en
        let local = LocalTime(req.application.clock.now())
        let today = (try? hall.hours.spans(on: local.date, calendar: req.application.workingDays)) ?? []
        var waiting: [String: Int] = [:]
        var windows: [HallDTO.Window]?
        if detailed {
            let hallID = try hall.requireID()
            waiting = try await HallQueue.waitingCounts(hall: hallID, day: local.date.description, on: req.readDB)
            let open = Set(try await HallQueue.openWindows(hall: hallID, on: req.db).map(\.id))
            windows = try await req.application.hallDirectory.windows(of: hallID, on: req.db)
                .map {
                    HallDTO.Window(
                        id: $0.id!, number: $0.number, name: $0.name, categories: $0.categories.sorted(), open: open.contains($0.id))
                }
        }
        return HallDTO(
            id: try hall.requireID(), name: english ? hall.nameEn : hall.name, address: hall.address, regionCode: hall.regionCode,
            hours: hall.hours, today: today.map(\.description), openNow: today.contains { $0.contains(local.minute) },
            slotMinutes: hall.slotMinutes, bookingDays: hall.bookingDays,
            categories: hall.categories.map {
                HallDTO.Category(code: $0.code, name: english ? $0.nameEn : $0.name, waiting: detailed ? waiting[$0.code] ?? 0 : nil)
            },
            windows: windows)
    }

    func list(req: Request) async throws -> [HallDTO] {
        var out: [HallDTO] = []
        for hall in try await Hall.query(on: req.db).sort(\.$name).all() { out.append(try await Self.dto(hall, req: req, detailed: false)) }
        return out
    }

    func detail(req: Request) async throws -> HallDTO {
        try await Self.dto(try await req.pathHall(), req: req, detailed: true)
    }

    func slots(req: Request) async throws -> HallAppointments.Day {
        let hall = try await req.pathHall()
        let raw = try? req.query.get(String.self, at: "date")
        guard let date = raw.map({ CalendarDate(iso: $0) }) ?? LocalTime(req.application.clock.now()).date else {
            throw TongbanError.invalid(field: "date", "field.invalidDate")
        }
        return try await req.hallAppointments.day(hall, date: date)
    }

    struct AppointmentDTO: Content {
        let id: UUID
        let hall: UUID
        let item: String
        let itemName: String
        let category: String
        let date: String
        let start: String
        let end: String
        let status: String
        let ticket: UUID?
        let version: Int

        init(_ a: Appointment) {
            id = a.id!
            hall = a.hallID
            item = a.itemCode
            itemName = a.itemName
            category = a.category
            date = a.day
            start = DaySpan.clock(a.startMinute)
            end = DaySpan.clock(a.endMinute)
            status = a.status.rawValue
            ticket = a.ticketID
            version = a.version
        }
    }

    func book(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        let body = try req.content.decode(HallAppointments.BookBody.self)
        let appointment = try await req.hallAppointments.book(hall, body)
        return try await AppointmentDTO(appointment).encodeResponse(status: .created, for: req)
    }

    func myAppointments(req: Request) async throws -> [AppointmentDTO] {
        let account = try req.requireAccount()
        return try await Appointment.query(on: req.db).filter(\.$accountID == account.requireID()).sort(\.$day, .descending).sort(
            \.$startMinute, .descending
        )
        .limit(100).all().map(AppointmentDTO.init)
    }

    func cancel(req: Request) async throws -> AppointmentDTO {
        let appointments = req.hallAppointments
        let (appointment, hall, _) = try await appointments.owned(try Self.appointmentID(req))
        try await appointments.cancel(appointment, hall: hall)
        return AppointmentDTO(appointment)
    }

    func rebook(req: Request) async throws -> AppointmentDTO {
        let appointments = req.hallAppointments
        let (appointment, hall, _) = try await appointments.owned(try Self.appointmentID(req))
        let body = try req.content.decode(HallAppointments.BookBody.self)
        try await appointments.rebook(appointment, hall: hall, date: body.date, start: body.start)
        return AppointmentDTO(appointment)
    }

    static func appointmentID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("appointment") }
        return id
    }

    /// The holder checks in, or a clerk of the hall does it for them at the desk.
    func checkIn(req: Request) async throws -> Response {
        let account = try req.requireAccount()
        guard let id = req.parameters.get("id", as: UUID.self), let appointment = try await Appointment.find(id, on: req.db),
            let hall = try await Hall.find(appointment.hallID, on: req.db)
        else { throw TongbanError.notFound("appointment") }
        if appointment.accountID != account.id {
            // a clerk of the hall's region may check its holder in; to anyone else it does not exist
            guard let region = hall.region, req.allows(.handle, .hall(regionCode: region)) else {
                throw TongbanError.notFound("appointment")
            }
        }
        let ticket = try await req.hallAppointments.checkIn(appointment, hall: hall)
        return try await Self.ticketDTO(ticket, hall: hall, req: req).encodeResponse(status: .created, for: req)
    }

    struct TicketDTO: Content {
        let id: UUID
        let label: String
        let hall: UUID
        let hallName: String
        let category: String
        let categoryName: String
        let channel: String
        let status: String
        let queuedAt: Date
        let slotStart: Date?
        let ahead: Int?
        let openWindows: Int
        let estimatedWaitMinutes: Int?
        let window: String?
        let calledAt: Date?
        let transfers: Int
        let href: String
    }

    static func ticketDTO(_ t: HallTicket, hall: Hall, req: Request) async throws -> TicketDTO {
        let standing = try await req.hallQueue.standing(of: t, hall: hall)
        let english = req.language == .en
        let category = hall.categories.first { $0.code == t.category }
        return TicketDTO(
            id: t.id!, label: t.label, hall: t.hallID, hallName: english ? hall.nameEn : hall.name, category: t.category,
            categoryName: category.map { english ? $0.nameEn : $0.name } ?? t.category, channel: t.channel.rawValue,
            status: t.status.rawValue, queuedAt: t.queuedAt, slotStart: t.slotStart, ahead: standing.ahead,
            openWindows: standing.openWindows, estimatedWaitMinutes: standing.estimatedWaitMinutes,
            window: t.status == .called ? t.windowName : nil, calledAt: t.calledAt, transfers: t.transfers, href: "/hall-tickets/\(t.id!)")
    }

    struct TakeBody: Content {
        var category: String?
        var channel: String?
    }

    /// 取号: online for a signed-in person or enterprise; `"channel": "kiosk"` for the hall's
    /// kiosk, where no one signs in.
    func take(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        let body = try req.content.decode(TakeBody.self)
        let channel: HallTicket.Channel = body.channel == "kiosk" ? .kiosk : .online
        if let raw = body.channel, raw != "kiosk", raw != "online" { throw TongbanError.invalid(field: "channel", "field.unknownValue") }
        let client = req.remoteAddress?.ipAddress ?? "unknown"
        let ticket = try await req.hallQueue.take(hall, category: body.category, channel: channel, client: client)
        return try await Self.ticketDTO(ticket, hall: hall, req: req).encodeResponse(status: .created, for: req)
    }

    /// A ticket's standing: anyone holding its link (the kiosk prints it; it names no one).
    func ticket(req: Request) async throws -> TicketDTO {
        guard let id = req.parameters.get("id", as: UUID.self), let ticket = try await HallTicket.find(id, on: req.db),
            let hall = try await req.application.hallDirectory.hall(ticket.hallID, on: req.db)
        else { throw TongbanError.notFound("ticket") }
        return try await Self.ticketDTO(ticket, hall: hall, req: req)
    }

    func display(req: Request) async throws -> HallQueue.Board {
        try await req.hallQueue.board(try await req.pathHall(), english: req.language == .en)
    }

    struct SessionDTO: Content {
        let window: UUID
        let windowName: String
        let clerk: String
        let openedAt: Date
    }

    func openWindow(req: Request) async throws -> SessionDTO {
        let hall = try await req.pathHall()
        let calling = req.hallCalling
        let clerk = try calling.clerk(for: hall)
        let window = try await req.pathWindow(of: hall)
        let session = try await calling.open(window, of: hall, by: clerk)
        return SessionDTO(window: session.windowID, windowName: window.name, clerk: session.clerkName, openedAt: session.openedAt)
    }

    func closeWindow(req: Request) async throws -> HTTPStatus {
        let hall = try await req.pathHall()
        let calling = req.hallCalling
        let clerk = try calling.clerk(for: hall)
        try await calling.close(try await req.pathWindow(of: hall), by: clerk)
        return .noContent
    }

    /// 叫号: 200 with the ticket called, or 204 when nothing this window serves is waiting.
    func call(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        let calling = req.hallCalling
        let clerk = try calling.clerk(for: hall)
        let window = try await req.pathWindow(of: hall)
        guard let ticket = try await calling.callNext(at: window, of: hall, by: clerk) else { return Response(status: .noContent) }
        return try await Self.ticketDTO(ticket, hall: hall, req: req).encodeResponse(for: req)
    }

    struct FinishBody: Content {
        var outcome: String?
        var category: String?
    }

    func finish(req: Request) async throws -> TicketDTO {
        let clerk = try req.requireAccount()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("ticket") }
        let body = try req.content.decode(FinishBody.self)
        let ticket = try await req.hallCalling.finish(id, ending: body.outcome, transferTo: body.category, by: clerk)
        guard let hall = try await req.application.hallDirectory.hall(ticket.hallID, on: req.db) else {
            throw TongbanError.notFound("hall")
        }
        return try await Self.ticketDTO(ticket, hall: hall, req: req)
    }

    func statistics(req: Request) async throws -> HallFigures.Report {
        let hall = try await req.pathHall()
        guard let region = hall.region else { throw TongbanError.notFound("hall") }
        try req.authorize(.supervise, .hall(regionCode: region))
        let (from, to) = try HallFigures.period(
            from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"),
            today: LocalTime(req.application.clock.now()).date)
        let target = try HallFigures.target(
            share: try? req.query.get(String.self, at: "share"), within: try? req.query.get(String.self, at: "within"))
        var report = try await HallFigures(context: req.context, parts: req.hallParts)
            .report(hall, from: from, to: to, target: target, english: req.language == .en)
        report.demoData = DemoNotice.text(report.sampleTickets, .tickets, req)
        return report
    }
}
