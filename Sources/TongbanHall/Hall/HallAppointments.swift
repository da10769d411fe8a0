import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 预约: the slots a hall offers, booking one for an item, cancelling and rebooking, and checking
/// in on the day, which puts the holder in the queue ahead of walk-ins once the slot begins.
package struct HallAppointments {
    package let context: UseCaseContext
    package let parts: HallParts

    package struct Slot: Content {
        package let start: String
        package let end: String
        package let capacity: Int
        package let booked: Int
        package let available: Int
        package let past: Bool
    }

    package struct Day: Content {
        package let date: String
        package let open: Bool
        package let holiday: String?
        package let hours: [String]
        package let slots: [Slot]
    }

    package func day(_ hall: Hall, date: CalendarDate) async throws -> Day {
        let spans: [DaySpan]
        do { spans = try hall.hours.spans(on: date, calendar: context.calendar) } catch {
            throw TongbanError.invalid(field: "date", "hall.dateUnknown")
        }
        let rows = try await context.db.sql.raw(
            """
            SELECT start_minute, booked FROM hall_slots WHERE hall_id = \(bind: hall.id) AND day = \(bind: date.description)
            """
        ).all()
        var booked: [Int: Int] = [:]
        for row in rows { booked[try row.decode(column: "start_minute", as: Int.self)] = try row.decode(column: "booked", as: Int.self) }
        let now = LocalTime(context.now)
        let slots = AppointmentSlots.slots(in: spans, minutes: hall.slotMinutes).map { s in
            let taken = booked[s.start] ?? 0
            return Slot(
                start: DaySpan.clock(s.start), end: DaySpan.clock(s.end), capacity: hall.slotCapacity, booked: taken,
                available: max(0, hall.slotCapacity - taken), past: LocalTime(date: date, minute: s.start) <= now)
        }
        return Day(
            date: date.description, open: !spans.isEmpty, holiday: context.calendar.holidayName(date),
            hours: spans.map(\.description), slots: slots)
    }

    package struct BookBody: Content {
        package var date: String?
        package var start: String?
        package var item: String?
    }

    /// Checks a wanted slot: every problem at once, at its field.
    package func wanted(_ hall: Hall, date rawDate: String?, start rawStart: String?, problems: inout FieldErrors) -> (
        CalendarDate, Int, Int
    )? {
        guard let rawDate, !rawDate.isEmpty else {
            problems.add("date", "field.required")
            return nil
        }
        guard let date = CalendarDate(iso: rawDate) else {
            problems.add("date", "field.invalidDate")
            return nil
        }
        guard let rawStart, !rawStart.isEmpty else {
            problems.add("start", "field.required")
            return nil
        }
        guard let start = DaySpan.minutes(rawStart) else {
            problems.add("start", "hall.notASlot")
            return nil
        }
        guard let spans = try? hall.hours.spans(on: date, calendar: context.calendar) else {
            problems.add("date", "hall.dateUnknown")
            return nil
        }
        let now = LocalTime(context.now)
        if let refusal = AppointmentSlots.refusal(
            date: date, start: start, now: (now.date, now.minute), horizonDays: hall.bookingDays,
            daySpans: spans, slotMinutes: hall.slotMinutes)
        {
            switch refusal {
            case .past: problems.add("start", "hall.slotPast")
            case .tooFarAhead: problems.add("date", "hall.tooFarAhead")
            case .closedDay: problems.add("date", "hall.closedDay")
            case .notASlot: problems.add("start", "hall.notASlot")
            }
            return nil
        }
        return (date, start, start + hall.slotMinutes)
    }

    /// Takes a place in a slot, or finds it full: one conditional upsert.
    package static func takePlace(_ hall: Hall, day: String, start: Int, on tx: any Database) async throws {
        let row = try await tx.sql.raw(
            """
            INSERT INTO hall_slots (id, hall_id, day, start_minute, booked) VALUES (\(bind: UUID()), \(bind: hall.id), \(bind: day), \(bind: start), 1)
            ON CONFLICT (hall_id, day, start_minute) DO UPDATE SET booked = hall_slots.booked + 1 WHERE hall_slots.booked < \(bind: hall.slotCapacity)
            RETURNING booked
            """
        ).first()
        guard row != nil else { throw TongbanError.conflict("hall.slotFull", ["start": DaySpan.clock(start)]) }
    }

    package static func releasePlace(hallID: UUID, day: String, start: Int, on tx: any Database) async throws {
        try await tx.sql.raw(
            """
            UPDATE hall_slots SET booked = booked - 1 WHERE hall_id = \(bind: hallID) AND day = \(bind: day) AND start_minute = \(bind: start) AND booked > 0
            """
        ).run()
    }

    /// The acting person or enterprise books a slot for an item the hall serves.
    package func book(_ hall: Hall, _ body: BookBody) async throws -> Appointment {
        let account = try context.requireAccount()
        try context.authorize(.create, .holderRecords(holderID: try account.requireID()))
        var problems = FieldErrors()
        let slot = wanted(hall, date: body.date, start: body.start, problems: &problems)
        var item: ServiceItem?
        var category: HallCategory?
        if let code = body.item?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            item = try await CatalogStore.publishedItems(codes: [code], on: context.db)[code]
            if let item {
                category = HallCategory.serving(department: item.department.code, in: hall.categories)
                if category == nil { problems.add("item", "hall.itemNotServed") }
            } else {
                problems.add("item", "hall.unknownItem")
            }
        } else {
            problems.add("item", "field.required")
        }
        guard problems.isEmpty, let (date, start, end) = slot, let item, let category else { throw TongbanError.invalid(problems) }
        let accountID = try account.requireID()
        let hallID = try hall.requireID()
        if try await Appointment.query(on: context.db).filter(\.$hallID == hallID).filter(\.$accountID == accountID)
            .filter(\.$day == date.description).filter(\.$status != .cancelled).count() > 0
        {
            throw TongbanError.conflict("hall.alreadyBooked", ["date": date.description])
        }
        let appointment = Appointment()
        appointment.id = UUID()
        appointment.hallID = hallID
        appointment.accountID = accountID
        appointment.itemCode = item.code
        appointment.itemName = item.displayName
        appointment.category = category.code
        appointment.day = date.description
        appointment.startMinute = start
        appointment.endMinute = end
        appointment.status = .booked
        appointment.createdAt = context.now
        appointment.version = 1
        do {
            try await context.db.write { tx in
                // counted with the account's lock held: bookings sent together are counted one by one
                try await tx.lockUntilCommit("quota:\(accountID)")
                let upcoming = try await Appointment.query(on: tx).filter(\.$accountID == accountID).filter(\.$status == .booked)
                    .filter(\.$day >= context.today.description).count()
                if upcoming >= Quotas.upcomingAppointments {
                    throw TongbanError.conflict("quota.appointments", ["limit": String(Quotas.upcomingAppointments)])
                }
                try await Self.takePlace(hall, day: date.description, start: start, on: tx)
                try await appointment.create(on: tx)
                for event in Self.events(.appointmentBooked, appointment, hall: hall, at: context.now) { try await event.create(on: tx) }
                try await AuditLog.append(
                    Self.audit("hall.appointmentBooked", appointment, hall: hall, context: context), on: tx, now: context.now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw TongbanError.conflict("hall.alreadyBooked", ["date": date.description])
        }
        return appointment
    }

    /// An appointment's change on the record: who, which hall, which slot.
    static func audit(_ action: String, _ a: Appointment, hall: Hall, context: UseCaseContext, more: String? = nil) -> AuditEvent {
        let slot = "\(hall.name) \(a.day) \(DaySpan.clock(a.startMinute)), \(a.itemName)"
        return context.auditEvent(
            action, resource: "appointment:\(a.id?.uuidString ?? "-")", details: [slot, more].compactMap { $0 }.joined(separator: "; "))
    }

    /// The confirmation, and a reminder for the day before (the outbox's relay sends it at
    /// `sendAt`, and skips it once the appointment is cancelled or moved).
    package static func events(_ topic: EventTopic, _ a: Appointment, hall: Hall, at: Date) -> [OutboxEvent] {
        var payload = [
            "appointment": a.id!.uuidString, "account": a.accountID.uuidString, "hall": hall.name, "item": a.itemName,
            "date": a.day, "start": DaySpan.clock(a.startMinute), "version": String(a.version),
        ]
        // a hall serves its region: no one department's event
        let audience = EventAudience(regionCode: try? RegionCode(hall.regionCode))
        var events = [OutboxEvent(topic, subject: a.id!.uuidString, payload: payload, audience: audience, at: at)]
        if topic != .appointmentCancelled, let slotStart = a.slotStart {
            payload["sendAt"] = ISO8601DateFormatter().string(from: max(at, slotStart.addingTimeInterval(-24 * 3600)))
            events.append(OutboxEvent(.appointmentReminder, subject: a.id!.uuidString, payload: payload, audience: audience, at: at))
        }
        return events
    }

    /// The acting account's appointment `id` and its hall; another's reads as absent.
    package func owned(_ id: UUID) async throws -> (Appointment, Hall, Account) {
        let account = try context.requireAccount()
        guard let appointment = try await Appointment.find(id, on: context.db),
            appointment.accountID == account.id
        else { throw TongbanError.notFound("appointment") }
        guard let hall = try await Hall.find(appointment.hallID, on: context.db) else { throw TongbanError.notFound("hall") }
        return (appointment, hall, account)
    }

    package func cancel(_ appointment: Appointment, hall: Hall) async throws {
        guard appointment.status == .booked else { throw TongbanError.conflict("hall.notBooked", ["status": appointment.status.rawValue]) }
        let version = appointment.version
        appointment.status = .cancelled
        appointment.version += 1
        try await context.db.write { tx in
            let changed = try await tx.sql.raw(
                """
                UPDATE hall_appointments SET status = 'cancelled', version = version + 1 WHERE id = \(bind: appointment.id) AND status = 'booked' AND version = \(bind: version) RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw TongbanError.conflict("hall.notBooked", ["status": "?"]) }
            try await Self.releasePlace(hallID: appointment.hallID, day: appointment.day, start: appointment.startMinute, on: tx)
            for event in Self.events(.appointmentCancelled, appointment, hall: hall, at: context.now) { try await event.create(on: tx) }
            try await AuditLog.append(
                Self.audit("hall.appointmentCancelled", appointment, hall: hall, context: context), on: tx, now: context.now)
        }
    }

    /// Moves a booked appointment to another slot: the new place is taken before the old one is
    /// given up, in one transaction, so a full slot leaves the old booking as it was.
    package func rebook(_ appointment: Appointment, hall: Hall, date rawDate: String?, start rawStart: String?) async throws {
        guard appointment.status == .booked else { throw TongbanError.conflict("hall.notBooked", ["status": appointment.status.rawValue]) }
        var problems = FieldErrors()
        guard let (date, start, end) = wanted(hall, date: rawDate, start: rawStart, problems: &problems) else {
            throw TongbanError.invalid(problems)
        }
        if date.description == appointment.day && start == appointment.startMinute { return }
        let old = (day: appointment.day, start: appointment.startMinute, version: appointment.version)
        appointment.day = date.description
        appointment.startMinute = start
        appointment.endMinute = end
        appointment.version += 1
        do {
            try await context.db.write { tx in
                try await Self.takePlace(hall, day: date.description, start: start, on: tx)
                let changed = try await tx.sql.raw(
                    """
                    UPDATE hall_appointments SET day = \(bind: date.description), start_minute = \(bind: start), end_minute = \(bind: end), version = version + 1
                    WHERE id = \(bind: appointment.id) AND status = 'booked' AND version = \(bind: old.version) RETURNING id
                    """
                ).all()
                guard !changed.isEmpty else { throw TongbanError.conflict("hall.notBooked", ["status": "?"]) }
                try await Self.releasePlace(hallID: appointment.hallID, day: old.day, start: old.start, on: tx)
                for event in Self.events(.appointmentMoved, appointment, hall: hall, at: context.now) { try await event.create(on: tx) }
                try await AuditLog.append(
                    Self.audit("hall.appointmentMoved", appointment, hall: hall, context: context), on: tx, now: context.now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw TongbanError.conflict("hall.alreadyBooked", ["date": date.description])
        }
    }

    /// How early before the slot a holder may check in.
    package static let checkInEarlyMinutes = 60

    /// 签到: on the day, from an hour before the slot until it ends, the holder (or a clerk of
    /// the hall, at the desk) checks in and gets a ticket that is called first once the slot begins.
    package func checkIn(_ appointment: Appointment, hall: Hall) async throws -> HallTicket {
        switch appointment.status {
        case .checkedIn: throw TongbanError.conflict("hall.alreadyCheckedIn")
        case .cancelled: throw TongbanError.conflict("hall.notBooked", ["status": appointment.status.rawValue])
        case .booked: break
        }
        let now = context.now
        guard let slotStart = appointment.slotStart, let slotEnd = appointment.slotEnd else { throw TongbanError.notFound("appointment") }
        if now < slotStart.addingTimeInterval(-Double(Self.checkInEarlyMinutes) * 60) {
            throw TongbanError.conflict("hall.checkInTooEarly", ["start": DaySpan.clock(appointment.startMinute), "date": appointment.day])
        }
        if now >= slotEnd { throw TongbanError.conflict("hall.checkInTooLate", ["end": DaySpan.clock(appointment.endMinute)]) }
        _ = try HallQueue.requireOpen(hall, at: LocalTime(now), calendar: context.calendar)
        let ticket = HallTicket()
        ticket.id = UUID()
        ticket.hallID = appointment.hallID
        ticket.day = appointment.day
        ticket.category = appointment.category
        ticket.channel = .appointment
        ticket.accountID = appointment.accountID
        ticket.appointmentID = appointment.id
        ticket.slotStart = slotStart
        ticket.queuedAt = now
        ticket.status = .waiting
        ticket.transfers = 0
        do {
            try await context.db.write { tx in
                let changed = try await tx.sql.raw(
                    """
                    UPDATE hall_appointments SET status = 'checked_in', ticket_id = \(bind: ticket.id), version = version + 1
                    WHERE id = \(bind: appointment.id) AND status = 'booked' RETURNING id
                    """
                ).all()
                guard !changed.isEmpty else { throw TongbanError.conflict("hall.alreadyCheckedIn") }
                ticket.number = try await HallQueue.nextNumber(
                    hall: appointment.hallID, day: appointment.day, category: appointment.category, on: tx)
                ticket.label = HallCategory.label(code: appointment.category, number: ticket.number)
                try await ticket.create(on: tx)
                try await AuditLog.append(
                    Self.audit("hall.appointmentCheckedIn", appointment, hall: hall, context: context, more: "ticket \(ticket.label)"),
                    on: tx,
                    now: now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw TongbanError.conflict("hall.alreadyCheckedIn")
        }
        appointment.status = .checkedIn
        appointment.ticketID = ticket.id
        return ticket
    }
}
