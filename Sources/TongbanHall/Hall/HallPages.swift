import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The hall's pages: the hall (hours, queues, taking a ticket, booking), the kiosk, a ticket's
/// standing, the public display, the clerk's calling desk and the figures with staffing advice.
/// Each works without JavaScript; the display and the ticket reload themselves.
package struct HallPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("halls", use: list)
        routes.get("halls", ":hall", use: hall)
        routes.post("halls", ":hall", "tickets", use: take)
        routes.post("halls", ":hall", "appointments", use: book)
        routes.post("appointments", ":id", "cancel", use: cancel)
        routes.post("appointments", ":id", "check-in", use: checkIn)
        routes.get("halls", ":hall", "kiosk", use: kiosk)
        routes.post("halls", ":hall", "kiosk", use: kioskTake)
        routes.get("hall-tickets", ":id", use: ticket)
        routes.get("halls", ":hall", "display", use: display)
        HallDeskPages().register(routes)
        HallManagePages().register(routes)
    }

    package static let weekdayKeys = ["", "hall.mon", "hall.tue", "hall.wed", "hall.thu", "hall.fri", "hall.sat", "hall.sun"]

    package struct DirectoryLine: Encodable {
        package let href: String
        package let name: String
        package let regionName: String
        package let address: String
        /// A town (street) or village centre: 就近办.
        package let nearby: Bool
    }

    package struct DirectoryContext: Encodable {
        package let page: PageContext
        package let halls: [DirectoryLine]
    }

    /// The halls, nearest first to the signed-in reader's region (by name for anyone else); the
    /// hall itself when there is only one.
    package func list(req: Request) async throws -> Response {
        let halls = try await Hall.query(on: req.db).sort(\.$name).all()
        guard let first = halls.first else { throw TongbanError.notFound("hall") }
        if halls.count == 1 { return req.redirect(to: "/halls/\(first.id!)") }
        let reader = req.currentAccount?.regionCode.flatMap { try? RegionCode($0) }
        let ordered =
            reader.map { from in
                ServiceArea.nearestFirst(halls, from: from, regionOf: { $0.region ?? from }, tieBreak: { $0.name < $1.name })
            } ?? halls
        let regions = try await Region.query(on: req.db).filter(\.$id ~~ Array(Set(halls.map(\.regionCode)))).all()
        let names = Dictionary(uniqueKeysWithValues: regions.compactMap { r in r.id.map { ($0, r.name) } })
        let english = req.language == .en
        let lines = ordered.map { hall in
            DirectoryLine(
                href: "/halls/\(hall.id!)", name: english ? hall.nameEn : hall.name, regionName: names[hall.regionCode] ?? hall.regionCode,
                address: hall.address, nearby: hall.region.map(HallIntake.isNearby) ?? false)
        }
        return try await req.view.render("halls", DirectoryContext(page: req.pageContext(title: req.t("halls.title")), halls: lines))
            .encodeResponse(for: req)
    }

    package struct HoursLine: Encodable {
        package let day: String
        package let hours: String
    }
    package struct QueueLine: Encodable {
        package let code: String
        package let name: String
        package let waiting: Int
        package let windows: Int
        package let estimate: String
    }
    package struct SlotLine: Encodable {
        package let start: String
        package let label: String
        package let available: Int
        package let enabled: Bool
    }
    package struct AppointmentLine: Encodable {
        package let id: UUID
        package let when: String
        package let item: String
        package let status: String
        package let canCancel: Bool
        package let canCheckIn: Bool
        package let ticketHref: String?
    }
    package struct DateOption: Encodable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package struct HallContext: Encodable {
        package let page: PageContext
        package let id: UUID
        package let name: String
        package let address: String
        /// 收件范围: what its windows take in.
        package let intake: String
        package let openNow: Bool
        package let today: String
        package let hours: [HoursLine]
        package let queues: [QueueLine]
        package let signedIn: Bool
        package let applicant: Bool
        package let clerk: Bool
        package let supervisor: Bool
        package let manager: Bool
        /// The other halls, to go to one.
        package let others: [DateOption]
        package let hasOthers: Bool
        package let myTicketHref: String?
        package let dates: [DateOption]
        package let date: String
        package let dayClosed: Bool
        package let slots: [SlotLine]
        package let hasSlots: Bool
        package let item: String
        package let appointments: [AppointmentLine]
        package let hasAppointments: Bool
        package let error: String?
        package let fieldErrors: [String: String]
    }

    package func hall(req: Request) async throws -> Response { try await render(req, failure: nil) }

    package func render(_ req: Request, failure: (any Error)?, item: String? = nil, date rawDate: String? = nil) async throws -> Response {
        let hall = try await req.pathHall()
        let hallID = try hall.requireID()
        let shown = try FormFailure(failure, req)
        let english = req.language == .en
        let now = LocalTime(req.application.clock.now())
        let calendar = req.application.workingDays
        let todaySpans = (try? hall.hours.spans(on: now.date, calendar: calendar)) ?? []
        let waiting = try await HallQueue.waitingCounts(hall: hallID, day: now.date.description, on: req.readDB)
        var queues: [QueueLine] = []
        for c in hall.categories {
            let people = waiting[c.code] ?? 0
            let inputs = try await req.application.hallEstimates.entry(
                hall: hall, day: now.date.description, category: c.code, on: req.readDB)
            let estimate = TicketQueue.estimatedWaitMinutes(
                ahead: max(0, people - 1), openWindows: inputs.openWindows, serviceMinutes: inputs.serviceMinutes)
            queues.append(
                QueueLine(
                    code: c.code, name: english ? c.nameEn : c.name, waiting: people, windows: inputs.openWindows,
                    estimate: estimate.map { req.t("hall.minutes", ["n": String($0)]) } ?? "—"))
        }
        let account = req.currentAccount
        let actor = try? account?.actor
        let region = hall.region
        let applicant = req.ownRecords.map { req.allows(.create, $0) } ?? false
        var myTicket: String?
        var appointments: [AppointmentLine] = []
        if applicant, let accountID = account?.id {
            myTicket = try await HallTicket.query(on: req.db).filter(\.$hallID == hallID).filter(\.$accountID == accountID)
                .filter(\.$status ~~ [.waiting, .called]).first().map { "/hall-tickets/\($0.id!)" }
            let mine = try await Appointment.query(on: req.db).filter(\.$hallID == hallID).filter(\.$accountID == accountID)
                .filter(\.$day >= now.date.description).sort(\.$day).sort(\.$startMinute).all()
            appointments = mine.map { a in
                AppointmentLine(
                    id: a.id!, when: "\(a.day) \(DaySpan.clock(a.startMinute))–\(DaySpan.clock(a.endMinute))", item: a.itemName,
                    status: req.t("hall.appointment.\(a.status.rawValue)"), canCancel: a.status == .booked,
                    canCheckIn: a.status == .booked && a.day == now.date.description, ticketHref: a.ticketID.map { "/hall-tickets/\($0)" })
            }
        }
        // booking: the days bookings are open for, and the chosen day's slots
        var dates: [DateOption] = []
        let wanted = (rawDate ?? (try? req.query.get(String.self, at: "date"))).flatMap { CalendarDate(iso: $0) }
        for offset in 0...hall.bookingDays {
            guard let d = now.date.adding(days: offset), let spans = try? hall.hours.spans(on: d, calendar: calendar), !spans.isEmpty else {
                continue
            }
            dates.append(DateOption(value: d.description, label: "\(d.description) \(req.t(Self.weekdayKeys[d.weekday]))", selected: false))
        }
        let date =
            wanted.map(\.description) ?? dates.first { $0.value > now.date.description }?.value ?? dates.first?.value
            ?? now.date.description
        dates = dates.map { DateOption(value: $0.value, label: $0.label, selected: $0.value == date) }
        var slots: [SlotLine] = []
        var dayClosed = false
        if let day = CalendarDate(iso: date), let listed = try? await req.hallAppointments.day(hall, date: day) {
            dayClosed = !listed.open
            slots = listed.slots.map { s in
                SlotLine(
                    start: s.start, label: "\(s.start)–\(s.end)（\(req.t("hall.placesLeft", ["n": String(s.available)]))）",
                    available: s.available, enabled: !s.past && s.available > 0)
            }
        }
        let hours =
            (1...7).map { d in
                HoursLine(
                    day: req.t(Self.weekdayKeys[d]),
                    hours: (hall.hours.weekdays[d] ?? []).map(\.description).joined(separator: ", ").nonEmpty ?? req.t("hall.closed"))
            } + [
                HoursLine(
                    day: req.t("hall.holidays"),
                    hours: hall.hours.holidays.map(\.description).joined(separator: ", ").nonEmpty ?? req.t("hall.closed"))
            ]
        let others = try await Hall.query(on: req.db).filter(\.$id != hallID).sort(\.$name).all()
            .map { DateOption(value: "/halls/\($0.id!)", label: english ? $0.nameEn : $0.name, selected: false) }
        let context = HallContext(
            page: req.pageContext(
                title: english ? hall.nameEn : hall.name,
                notice: (try? req.query.get(String.self, at: "done")).map { req.t("hall.done.\($0)") }),
            id: hallID, name: english ? hall.nameEn : hall.name, address: hall.address,
            intake: hall.intakeCodes.map { req.t("hall.intakeListed", ["count": String($0.count)]) } ?? req.t("hall.intakeAll"),
            openNow: todaySpans.contains { $0.contains(now.minute) },
            today: todaySpans.isEmpty ? req.t("hall.closedToday") : todaySpans.map(\.description).joined(separator: ", "),
            hours: hours, queues: queues, signedIn: account != nil, applicant: applicant,
            clerk: region.map { r in actor.map { Policy.decide($0, .handle, .hall(regionCode: r)).isAllowed } ?? false } ?? false,
            supervisor: region.map { r in actor.map { Policy.decide($0, .supervise, .hall(regionCode: r)).isAllowed } ?? false } ?? false,
            manager: region.map { r in actor.map { Policy.decide($0, .edit, .hall(regionCode: r)).isAllowed } ?? false } ?? false,
            others: others, hasOthers: !others.isEmpty,
            myTicketHref: myTicket, dates: dates, date: date, dayClosed: dayClosed, slots: slots, hasSlots: slots.contains { $0.enabled },
            item: item ?? "", appointments: appointments, hasAppointments: !appointments.isEmpty, error: shown.summary,
            fieldErrors: shown.fields)
        let response = try await req.view.render("hall", context).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return shown.apply(to: response)
    }

    package struct TakeForm: Decodable { var category: String? }

    package func take(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/halls/\(hall.id!)") }
        do {
            let category = try req.content.decode(TakeForm.self).category
            let ticket = try await req.hallQueue.take(hall, category: category, channel: .online)
            return req.redirect(to: "/hall-tickets/\(ticket.id!)")
        } catch let error as TongbanError where [.unprocessableEntity, .conflict, .forbidden].contains(error.status) {
            return try await render(req, failure: error)
        }
    }

    package func book(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/halls/\(hall.id!)") }
        let form = try req.content.decode(HallAppointments.BookBody.self)
        do {
            _ = try await req.hallAppointments.book(hall, form)
        } catch let error as TongbanError where [.unprocessableEntity, .conflict, .forbidden].contains(error.status) {
            return try await render(req, failure: error, item: form.item, date: form.date)
        }
        return req.redirect(to: "/halls/\(hall.id!)?done=booked#appointments")
    }

    package func cancel(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let appointments = req.hallAppointments
        let (appointment, hall, _) = try await appointments.owned(try HallAPI.appointmentID(req))
        do {
            try await appointments.cancel(appointment, hall: hall)
        } catch let error as TongbanError where error.status == .conflict {
            return req.redirect(to: "/halls/\(hall.id!)#appointments")
        }
        return req.redirect(to: "/halls/\(hall.id!)?done=cancelled#appointments")
    }

    package func checkIn(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let appointments = req.hallAppointments
        let (appointment, hall, _) = try await appointments.owned(try HallAPI.appointmentID(req))
        req.parameters.set("hall", to: try hall.requireID().uuidString)
        do {
            let ticket = try await appointments.checkIn(appointment, hall: hall)
            return req.redirect(to: "/hall-tickets/\(ticket.id!)")
        } catch let error as TongbanError where error.status == .conflict {
            return try await render(req, failure: error)
        }
    }

    package struct KioskContext: Encodable {
        package struct Button: Encodable {
            package let code: String
            package let name: String
            package let waiting: Int
        }
        package let page: PageContext
        package let id: UUID
        package let name: String
        package let openNow: Bool
        package let buttons: [Button]
        package let error: String?
    }

    package func kiosk(req: Request) async throws -> Response { try await renderKiosk(req, failure: nil) }

    package func renderKiosk(_ req: Request, failure: (any Error)?) async throws -> Response {
        let hall = try await req.pathHall()
        let board = try await req.hallQueue.board(hall, english: req.language == .en)
        let shown = try FormFailure(failure, req)
        let response = try await req.view.render(
            "hall-kiosk",
            KioskContext(
                page: req.pageContext(title: req.t("hall.kiosk")), id: hall.id!, name: board.hall, openNow: board.open,
                buttons: board.queues.map { .init(code: $0.code, name: $0.name, waiting: $0.waiting) }, error: shown.summary)
        ).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return shown.apply(to: response)
    }

    package func kioskTake(req: Request) async throws -> Response {
        let hall = try await req.pathHall()
        do {
            let category = try req.content.decode(TakeForm.self).category
            let client = req.remoteAddress?.ipAddress ?? "unknown"
            let ticket = try await req.hallQueue.take(hall, category: category, channel: .kiosk, client: client)
            return req.redirect(to: "/hall-tickets/\(ticket.id!)")
        } catch let error as TongbanError where [.unprocessableEntity, .conflict, .tooManyRequests].contains(error.status) {
            return try await renderKiosk(req, failure: error)
        }
    }

    package struct TicketContext: Encodable {
        package var page: PageContext
        package let ticket: HallAPI.TicketDTO
        package let hallHref: String
        package let status: String
        package let waiting: Bool
        package let called: Bool
        package let served: Bool
        package let estimate: String
        package let link: String
    }

    package func ticket(req: Request) async throws -> View {
        guard let id = req.parameters.get("id", as: UUID.self), let ticket = try await HallTicket.find(id, on: req.db),
            let hall = try await req.application.hallDirectory.hall(ticket.hallID, on: req.db)
        else { throw TongbanError.notFound("ticket") }
        let dto = try await HallAPI.ticketDTO(ticket, hall: hall, req: req)
        var page = req.pageContext(title: "\(req.t("hall.ticket")) \(dto.label)")
        if ticket.status == .waiting || ticket.status == .called { page.refreshSeconds = 20 }
        return try await req.view.render(
            "hall-ticket",
            TicketContext(
                page: page, ticket: dto, hallHref: "/halls/\(hall.id!)", status: req.t("hall.ticket.\(ticket.status.rawValue)"),
                waiting: ticket.status == .waiting, called: ticket.status == .called, served: ticket.status == .served,
                estimate: dto.estimatedWaitMinutes.map { req.t("hall.minutes", ["n": String($0)]) } ?? req.t("hall.noWindowOpen"),
                link: "\(req.application.tongban.baseURL)/hall-tickets/\(id)"))
    }

    package struct DisplayContext: Encodable {
        package let page: PageContext
        package let id: UUID
        package let board: HallQueue.Board
        package let current: [HallQueue.Board.Call]
        package let earlier: [HallQueue.Board.Call]
    }

    package func display(req: Request) async throws -> View {
        let hall = try await req.pathHall()
        let board = try await req.hallQueue.board(hall, english: req.language == .en)
        return try await req.view.render(
            "hall-display",
            DisplayContext(
                page: req.pageContext(title: req.t("hall.display")), id: hall.id!, board: board,
                current: board.calls.filter(\.current), earlier: board.calls.filter { !$0.current }))
    }
}
