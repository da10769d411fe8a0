import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// A service hall (政务服务大厅) of a region: its opening hours, its categories of service, and
/// how appointments are offered.
package final class Hall: Model, @unchecked Sendable {
    package static let schema = "halls"

    @ID(key: .id) package var id: UUID?
    @Field(key: "name") package var name: String
    @Field(key: "name_en") package var nameEn: String
    @Field(key: "region_code") package var regionCode: String
    @Field(key: "address") package var address: String
    /// `OpeningHours` as JSON.
    @Field(key: "hours") package var hoursJSON: String
    /// `[HallCategory]` as JSON.
    @Field(key: "categories") package var categoriesJSON: String
    @Field(key: "slot_minutes") package var slotMinutes: Int
    /// Appointments one slot takes.
    @Field(key: "slot_capacity") package var slotCapacity: Int
    /// How many days ahead appointments may be booked.
    @Field(key: "booking_days") package var bookingDays: Int
    /// The service time assumed where none has been recorded yet (estimates, staffing).
    @Field(key: "default_service_minutes") package var defaultServiceMinutes: Double
    /// 收件范围: the item and bundle codes its windows take in, as a JSON array; nil: every item
    /// offered in its area (`ServiceArea`).
    @OptionalField(key: "intake_codes") package var intakeCodesJSON: String?
    @Field(key: "created_at") package var createdAt: Date
    /// Moves on every change of the setup, so two managers saving at once do not overwrite
    /// each other unseen.
    @Field(key: "version") package var version: Int

    package init() {}

    package var hours: OpeningHours {
        (try? JSONDecoder().decode(OpeningHours.self, from: Data(hoursJSON.utf8))) ?? OpeningHours(weekdays: [:])
    }
    package var categories: [HallCategory] { (try? JSONDecoder().decode([HallCategory].self, from: Data(categoriesJSON.utf8))) ?? [] }
    package var region: RegionCode? { try? RegionCode(regionCode) }

    /// The codes its manager narrowed the hall to (nil: everything offered in its area).
    package var intakeCodes: [String]? {
        intakeCodesJSON.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
    }

    package var intake: HallIntake? { region.map { HallIntake(region: $0, codes: intakeCodes.map(Set.init)) } }
}

/// A window (窗口) of a hall: comprehensive when it serves every category, dedicated otherwise.
package final class HallWindow: Model, @unchecked Sendable {
    package static let schema = "hall_windows"

    @ID(key: .id) package var id: UUID?
    @Field(key: "hall_id") package var hallID: UUID
    @Field(key: "number") package var number: Int
    @Field(key: "name") package var name: String
    /// Category letters, comma-separated.
    @Field(key: "categories") package var categoryCodes: String
    /// Taken out of service by the hall's manager; kept for the history of the calls made there.
    @OptionalField(key: "retired_at") package var retiredAt: Date?

    package init() {}

    package var categories: Set<String> { Set(categoryCodes.split(separator: ",").map(String.init)) }
}

/// A clerk at a window, from opening it to closing it: who calls there, and the windows-open
/// figure of the statistics.
package final class WindowSession: Model, @unchecked Sendable {
    package static let schema = "hall_window_sessions"

    @ID(key: .id) package var id: UUID?
    @Field(key: "hall_id") package var hallID: UUID
    @Field(key: "window_id") package var windowID: UUID
    @Field(key: "clerk_id") package var clerkID: UUID
    @Field(key: "clerk_name") package var clerkName: String
    @Field(key: "opened_at") package var openedAt: Date
    @OptionalField(key: "closed_at") package var closedAt: Date?

    package init() {}
}

/// 预约: a person's or enterprise's booking of a slot at a hall for an item.
package final class Appointment: Model, @unchecked Sendable {
    package static let schema = "hall_appointments"

    package enum Status: String, Codable, Sendable { case booked, checkedIn = "checked_in", cancelled }

    @ID(key: .id) package var id: UUID?
    @Field(key: "hall_id") package var hallID: UUID
    @Field(key: "account_id") package var accountID: UUID
    @Field(key: "item_code") package var itemCode: String
    @Field(key: "item_name") package var itemName: String
    @Field(key: "category") package var category: String
    @Field(key: "day") package var day: String
    @Field(key: "start_minute") package var startMinute: Int
    @Field(key: "end_minute") package var endMinute: Int
    @Enum(key: "status") package var status: Status
    @OptionalField(key: "ticket_id") package var ticketID: UUID?
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "version") package var version: Int

    package init() {}

    package var date: CalendarDate? { CalendarDate(iso: day) }
    package var slotStart: Date? { date.map { LocalTime(date: $0, minute: startMinute).instant } }
    package var slotEnd: Date? { date.map { LocalTime(date: $0, minute: endMinute).instant } }
}

/// 排队号: a place in a hall's queue for a category, taken online, at the kiosk, or by checking
/// in with an appointment.
package final class HallTicket: Model, @unchecked Sendable {
    package static let schema = "hall_tickets"

    package enum Status: String, Codable, Sendable { case waiting, called, served, noShow = "no_show", cancelled }
    package enum Channel: String, Codable, Sendable { case online, kiosk, appointment }

    @ID(key: .id) package var id: UUID?
    @Field(key: "hall_id") package var hallID: UUID
    @Field(key: "day") package var day: String
    /// The category it waits in now (a transfer changes it; the label keeps the first).
    @Field(key: "category") package var category: String
    @Field(key: "number") package var number: Int
    @Field(key: "label") package var label: String
    @Enum(key: "channel") package var channel: Channel
    @OptionalField(key: "account_id") package var accountID: UUID?
    @OptionalField(key: "appointment_id") package var appointmentID: UUID?
    @OptionalField(key: "slot_start") package var slotStart: Date?
    @Field(key: "queued_at") package var queuedAt: Date
    @Enum(key: "status") package var status: Status
    @OptionalField(key: "window_id") package var windowID: UUID?
    @OptionalField(key: "window_name") package var windowName: String?
    @OptionalField(key: "clerk_id") package var clerkID: UUID?
    /// The first call: the end of the wait in the statistics.
    @OptionalField(key: "first_called_at") package var firstCalledAt: Date?
    @OptionalField(key: "called_at") package var calledAt: Date?
    @OptionalField(key: "finished_at") package var finishedAt: Date?
    @Field(key: "transfers") package var transfers: Int

    package init() {}

    package var waiting: WaitingTicket {
        WaitingTicket(id: id!, category: category, queuedAt: queuedAt, number: number, slotStart: slotStart)
    }
}

package struct CreateHalls: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(Hall.schema)
            .id()
            .field("name", .string, .required)
            .field("name_en", .string, .required)
            .field("region_code", .string, .required)
            .field("address", .string, .required)
            .field("hours", .string, .required)
            .field("categories", .string, .required)
            .field("slot_minutes", .int, .required)
            .field("slot_capacity", .int, .required)
            .field("booking_days", .int, .required)
            .field("default_service_minutes", .double, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(HallWindow.schema)
            .id()
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("number", .int, .required)
            .field("name", .string, .required)
            .field("categories", .string, .required)
            .unique(on: "hall_id", "number")
            .create()
        try await database.schema(WindowSession.schema)
            .id()
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("window_id", .uuid, .required, .references(HallWindow.schema, "id"))
            .field("clerk_id", .uuid, .required)
            .field("clerk_name", .string, .required)
            .field("opened_at", .datetime, .required)
            .field("closed_at", .datetime)
            .create()
        try await database.schema(Appointment.schema)
            .id()
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("account_id", .uuid, .required)
            .field("item_code", .string, .required)
            .field("item_name", .string, .required)
            .field("category", .string, .required)
            .field("day", .string, .required)
            .field("start_minute", .int, .required)
            .field("end_minute", .int, .required)
            .field("status", .string, .required)
            .field("ticket_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("version", .int, .required)
            .create()
        // how many appointments each slot holds: one conditional upsert books a place or finds it full
        try await database.schema("hall_slots")
            .id()
            .field("hall_id", .uuid, .required)
            .field("day", .string, .required)
            .field("start_minute", .int, .required)
            .field("booked", .int, .required)
            .unique(on: "hall_id", "day", "start_minute")
            .create()
        // the day's last number per category: one upsert hands out the next
        try await database.schema("hall_counters")
            .id()
            .field("hall_id", .uuid, .required)
            .field("day", .string, .required)
            .field("category", .string, .required)
            .field("last", .int, .required)
            .unique(on: "hall_id", "day", "category")
            .create()
        try await database.schema(HallTicket.schema)
            .id()
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("day", .string, .required)
            .field("category", .string, .required)
            .field("number", .int, .required)
            .field("label", .string, .required)
            .field("channel", .string, .required)
            .field("account_id", .uuid)
            .field("appointment_id", .uuid)
            .field("slot_start", .datetime)
            .field("queued_at", .datetime, .required)
            .field("status", .string, .required)
            .field("window_id", .uuid)
            .field("window_name", .string)
            .field("clerk_id", .uuid)
            .field("first_called_at", .datetime)
            .field("called_at", .datetime)
            .field("finished_at", .datetime)
            .field("transfers", .int, .required)
            .unique(on: "hall_id", "day", "label")
            .create()
        for statement in [
            // one clerk per open window, one open window per clerk
            "CREATE UNIQUE INDEX hall_window_sessions_open_window ON hall_window_sessions (window_id) WHERE closed_at IS NULL",
            "CREATE UNIQUE INDEX hall_window_sessions_open_clerk ON hall_window_sessions (clerk_id) WHERE closed_at IS NULL",
            "CREATE INDEX hall_window_sessions_by_hall ON hall_window_sessions (hall_id, opened_at)",
            // one live appointment per person, hall and day; one appointment per ticket
            "CREATE UNIQUE INDEX hall_appointments_one_a_day ON hall_appointments (hall_id, account_id, day) WHERE status <> 'cancelled'",
            "CREATE INDEX hall_appointments_by_account ON hall_appointments (account_id, day)",
            "CREATE UNIQUE INDEX hall_tickets_one_per_appointment ON hall_tickets (appointment_id) WHERE appointment_id IS NOT NULL",
            // the queue: a hall's tickets of a day by status; one waiting online ticket per account and hall (an appointment's ticket is apart)
            "CREATE INDEX hall_tickets_queue ON hall_tickets (hall_id, day, status)",
            "CREATE UNIQUE INDEX hall_tickets_one_waiting ON hall_tickets (hall_id, account_id) WHERE status = 'waiting' AND channel = 'online'",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: Database) async throws {
        for table in [
            HallTicket.schema, "hall_counters", "hall_slots", Appointment.schema, WindowSession.schema, HallWindow.schema, Hall.schema,
        ] {
            try await database.schema(table).delete()
        }
    }
}

/// The queue's counts read only an index: a category's waiting tickets in calling order.
package struct IndexHallQueue: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.sql.raw(
            "CREATE INDEX hall_tickets_waiting ON hall_tickets (hall_id, day, category, status, queued_at, number, slot_start)"
        ).run()
    }

    package func revert(on database: Database) async throws {
        try await database.sql.raw("DROP INDEX hall_tickets_waiting").run()
    }
}

/// Halls the manager can change: a version on the hall, windows retired rather than deleted.
package struct AddHallManagement: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.sql.raw("ALTER TABLE halls ADD COLUMN version INTEGER NOT NULL DEFAULT 1").run()
        try await database.schema(HallWindow.schema).field("retired_at", .datetime).update()
    }

    package func revert(on database: Database) async throws {
        try await database.schema(HallWindow.schema).deleteField("retired_at").update()
        try await database.schema(Hall.schema).deleteField("version").update()
    }
}
