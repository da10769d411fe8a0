import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The hall over the API: halls and their hours, slots and appointments, tickets and where they
/// stand, the display board, the clerk's window, and the hall's figures.
package struct HallAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
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

    package struct HallDTO: Content {
        package struct Category: Content {
            package let code: String
            package let name: String
            package let waiting: Int?
        }
        package struct Window: Content {
            package let id: UUID
            package let number: Int
            package let name: String
            package let categories: [String]
            package let open: Bool?
        }
        package let id: UUID
        package let name: String
        package let address: String
        package let regionCode: String
        package let hours: OpeningHours
        package let today: [String]
        package let openNow: Bool
        package let slotMinutes: Int
        package let bookingDays: Int
        package let categories: [Category]
        package let windows: [Window]?
    }

    package static func dto(_ hall: Hall, req: Request, detailed: Bool) async throws -> HallDTO {
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

    package func list(req: Request) async throws -> [HallDTO] {
        var out: [HallDTO] = []
        for hall in try await Hall.query(on: req.db).sort(\.$name).all() { out.append(try await Self.dto(hall, req: req, detailed: false)) }
        return out
    }

    package func detail(req: Request) async throws -> HallDTO {
        try await Self.dto(try await req.pathHall(), req: req, detailed: true)
    }

    package func slots(req: Request) async throws -> HallAppointments.Day {
        let hall = try await req.pathHall()
        let raw = try? req.query.get(String.self, at: "date")
        guard let date = raw.map({ CalendarDate(iso: $0) }) ?? LocalTime(req.application.clock.now()).date else {
            throw TongbanError.invalid(field: "date", "field.invalidDate")
        }
        return try await req.hallAppointments.day(hall, date: date)
    }

    package struct AppointmentDTO: Content {
        package let id: UUID
        package let hall: UUID
        package let item: String
        package let itemName: String
        package let category: String
        package let date: String
        package let start: String
        package let end: String
        package let status: String
        package let ticket: UUID?
        package let version: Int

        package init(_ a: Appointment) {
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

    package func book(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        let body = try req.content.decode(HallAppointments.BookBody.self)
        let appointment = try await req.hallAppointments.book(hall, body)
        return try await AppointmentDTO(appointment).encodeResponse(status: .created, for: req)
    }

    package func myAppointments(req: Request) async throws -> [AppointmentDTO] {
        let account = try req.requireAccount()
        return try await Appointment.query(on: req.db).filter(\.$accountID == account.requireID()).sort(\.$day, .descending).sort(
            \.$startMinute, .descending
        )
        .limit(100).all().map(AppointmentDTO.init)
    }

    package func cancel(req: Request) async throws -> AppointmentDTO {
        let appointments = req.hallAppointments
        let (appointment, hall, _) = try await appointments.owned(try Self.appointmentID(req))
        try await appointments.cancel(appointment, hall: hall)
        return AppointmentDTO(appointment)
    }

    package func rebook(req: Request) async throws -> AppointmentDTO {
        let appointments = req.hallAppointments
        let (appointment, hall, _) = try await appointments.owned(try Self.appointmentID(req))
        let body = try req.content.decode(HallAppointments.BookBody.self)
        try await appointments.rebook(appointment, hall: hall, date: body.date, start: body.start)
        return AppointmentDTO(appointment)
    }

    package static func appointmentID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("appointment") }
        return id
    }

    /// The holder checks in, or a clerk of the hall does it for them at the desk.
    package func checkIn(req: Request) async throws -> Response {
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

    package struct TicketDTO: Content {
        package let id: UUID
        package let label: String
        package let hall: UUID
        package let hallName: String
        package let category: String
        package let categoryName: String
        package let channel: String
        package let status: String
        package let queuedAt: Date
        package let slotStart: Date?
        package let ahead: Int?
        package let openWindows: Int
        package let estimatedWaitMinutes: Int?
        package let window: String?
        package let calledAt: Date?
        package let transfers: Int
        package let href: String
    }

    package static func ticketDTO(_ t: HallTicket, hall: Hall, req: Request) async throws -> TicketDTO {
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

    package struct TakeBody: Content {
        package var category: String?
        package var channel: String?
    }

    /// 取号: online for a signed-in person or enterprise; `"channel": "kiosk"` for the hall's
    /// kiosk, where no one signs in.
    package func take(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        let body = try req.content.decode(TakeBody.self)
        let channel: HallTicket.Channel = body.channel == "kiosk" ? .kiosk : .online
        if let raw = body.channel, raw != "kiosk", raw != "online" { throw TongbanError.invalid(field: "channel", "field.unknownValue") }
        let client = req.remoteAddress?.ipAddress ?? "unknown"
        let ticket = try await req.hallQueue.take(hall, category: body.category, channel: channel, client: client)
        return try await Self.ticketDTO(ticket, hall: hall, req: req).encodeResponse(status: .created, for: req)
    }

    /// A ticket's standing: anyone holding its link (the kiosk prints it; it names no one).
    package func ticket(req: Request) async throws -> TicketDTO {
        guard let id = req.parameters.get("id", as: UUID.self), let ticket = try await HallTicket.find(id, on: req.db),
            let hall = try await req.application.hallDirectory.hall(ticket.hallID, on: req.db)
        else { throw TongbanError.notFound("ticket") }
        return try await Self.ticketDTO(ticket, hall: hall, req: req)
    }

    package func display(req: Request) async throws -> HallQueue.Board {
        try await req.hallQueue.board(try await req.pathHall(), english: req.language == .en)
    }

    package struct SessionDTO: Content {
        package let window: UUID
        package let windowName: String
        package let clerk: String
        package let openedAt: Date
    }

    package func openWindow(req: Request) async throws -> SessionDTO {
        let hall = try await req.pathHall()
        let calling = req.hallCalling
        let clerk = try calling.clerk(for: hall)
        let window = try await req.pathWindow(of: hall)
        let session = try await calling.open(window, of: hall, by: clerk)
        return SessionDTO(window: session.windowID, windowName: window.name, clerk: session.clerkName, openedAt: session.openedAt)
    }

    package func closeWindow(req: Request) async throws -> HTTPStatus {
        let hall = try await req.pathHall()
        let calling = req.hallCalling
        let clerk = try calling.clerk(for: hall)
        try await calling.close(try await req.pathWindow(of: hall), by: clerk)
        return .noContent
    }

    /// 叫号: 200 with the ticket called, or 204 when nothing this window serves is waiting.
    package func call(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        let calling = req.hallCalling
        let clerk = try calling.clerk(for: hall)
        let window = try await req.pathWindow(of: hall)
        guard let ticket = try await calling.callNext(at: window, of: hall, by: clerk) else { return Response(status: .noContent) }
        return try await Self.ticketDTO(ticket, hall: hall, req: req).encodeResponse(for: req)
    }

    package struct FinishBody: Content {
        package var outcome: String?
        package var category: String?
    }

    package func finish(req: Request) async throws -> TicketDTO {
        let clerk = try req.requireAccount()
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("ticket") }
        let body = try req.content.decode(FinishBody.self)
        let ticket = try await req.hallCalling.finish(id, ending: body.outcome, transferTo: body.category, by: clerk)
        guard let hall = try await req.application.hallDirectory.hall(ticket.hallID, on: req.db) else {
            throw TongbanError.notFound("hall")
        }
        return try await Self.ticketDTO(ticket, hall: hall, req: req)
    }

    package func statistics(req: Request) async throws -> HallFigures.Report {
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
