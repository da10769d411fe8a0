import Foundation
import TongbanHall
import TongbanPlatform

/// The hall's operations in `/openapi.json` (issue 7): halls, slots and appointments, tickets,
/// the display, the clerk's window and the figures.
extension OpenAPIDocument {
    package static let hallOperations: [Operation] = {
        let hall = pathParameter("hall", format: "uuid")
        let id = pathParameter("id", format: "uuid")
        let window = pathParameter("window", format: "uuid")
        return [
            Operation(
                method: "get", path: "/api/v1/halls", id: "halls",
                summary: "Service halls: opening hours per weekday, today's hours, categories", tag: "hall",
                response: list(ref("Hall")), errors: []),
            Operation(
                method: "get", path: "/api/v1/halls/{hall}", id: "hall",
                summary: "A hall with its windows (open or not) and the people waiting per category", tag: "hall",
                response: ref("Hall"), errors: [404], parameters: [hall]),
            Operation(
                method: "get", path: "/api/v1/halls/{hall}/slots", id: "hallSlots",
                summary: "A day's appointment slots with places booked and left (closed days on the official calendar have none)",
                tag: "hall", response: ref("SlotDay"), errors: [404, 422],
                parameters: [hall, query("date", "string", "YYYY-MM-DD; today when absent", pattern: datePattern)]),
            Operation(
                method: "post", path: "/api/v1/halls/{hall}/appointments", id: "bookAppointment",
                summary:
                    "预约: a person or enterprise books a slot for an item (past, too far ahead, closed day, not a slot, full, a second one that day: refused)",
                tag: "hall", auth: true, body: "AppointmentRequest", response: ref("Appointment"), success: 201,
                errors: [401, 403, 404, 409, 422],
                parameters: [hall]),
            Operation(
                method: "get", path: "/api/v1/appointments", id: "myAppointments", summary: "The caller's appointments", tag: "hall",
                auth: true, response: list(ref("Appointment")), errors: [401]),
            Operation(
                method: "post", path: "/api/v1/appointments/{id}/cancel", id: "cancelAppointment",
                summary: "Cancel a booked appointment; its place is given back",
                tag: "hall", auth: true, response: ref("Appointment"), errors: [401, 404, 409], parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/appointments/{id}/rebook", id: "rebookAppointment",
                summary: "Move a booked appointment to another slot in one transaction",
                tag: "hall", auth: true, body: "AppointmentRequest", response: ref("Appointment"), errors: [401, 404, 409, 422],
                parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/appointments/{id}/check-in", id: "checkIn",
                summary:
                    "签到 on the day, from an hour before the slot until it ends (the holder, or a clerk of the hall): a ticket called first once the slot begins",
                tag: "hall", auth: true, response: ref("Ticket"), success: 201, errors: [401, 403, 404, 409], parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/halls/{hall}/tickets", id: "takeTicket",
                summary:
                    "取号 for a category while the hall is open: online for a signed-in applicant, or \"channel\": \"kiosk\" at the hall's kiosk",
                tag: "hall", body: "TicketRequest", response: ref("Ticket"), success: 201, errors: [401, 403, 404, 409, 422, 429],
                parameters: [hall]),
            Operation(
                method: "get", path: "/api/v1/hall-tickets/{id}", id: "ticket",
                summary: "A ticket's standing: status, people ahead, windows open, estimated wait, the window calling it",
                tag: "hall", response: ref("Ticket"), errors: [404], parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/hall-tickets/{id}/finish", id: "finishTicket",
                summary:
                    "End a call at the clerk's window: served, noShow, or transfer to another category (back in the queue, keeping its arrival)",
                tag: "hall", auth: true, body: "TicketOutcome", response: ref("Ticket"), errors: [401, 403, 404, 409, 422], parameters: [id]
            ),
            Operation(
                method: "get", path: "/api/v1/halls/{hall}/display", id: "hallDisplay",
                summary: "叫号屏: the numbers being called and what waits per category", tag: "hall",
                response: ref("Board"), errors: [404], parameters: [hall]),
            Operation(
                method: "post", path: "/api/v1/halls/{hall}/windows/{window}/open", id: "openWindow",
                summary: "A window clerk of the hall's region opens a window (one clerk per window, one window per clerk)",
                tag: "hall", auth: true, response: ref("WindowSession"), errors: [401, 403, 404, 409], parameters: [hall, window]),
            Operation(
                method: "post", path: "/api/v1/halls/{hall}/windows/{window}/close", id: "closeWindow",
                summary: "Close the clerk's window; a ticket still called there goes back to the queue",
                tag: "hall", auth: true, success: 204, errors: [401, 403, 404, 409], parameters: [hall, window]),
            Operation(
                method: "post", path: "/api/v1/halls/{hall}/windows/{window}/call", id: "callNext",
                summary:
                    "叫号: the next ticket the window serves (due appointments first, then arrival order); 204 when none waits; no ticket is ever called twice",
                tag: "hall", auth: true, response: ref("Ticket"), errors: [401, 403, 404, 409], parameters: [hall, window],
                alsoSuccess: [204]),
            Operation(
                method: "get", path: "/api/v1/halls/{hall}/setup", id: "hallSetup",
                summary:
                    "The hall's setup for its manager (a system administrator of a region containing it): hours, categories, slots, windows, version",
                tag: "hall", auth: true, response: ref("HallSetupAnswer"), errors: [401, 403, 404], parameters: [hall]),
            Operation(
                method: "put", path: "/api/v1/halls/{hall}/setup", id: "changeHallSetup",
                summary:
                    "Change the setup: every mistake at its field (422); refused (409) if another manager saved meanwhile, a removed category has people waiting or booked, a removed window is open, new hours leave a booked appointment out, or the slot length changes with appointments booked",
                tag: "hall", auth: true, body: "HallSetupChange", response: ref("HallSetupAnswer"), errors: [401, 403, 404, 409, 422],
                parameters: [hall]),
            Operation(
                method: "post", path: "/api/v1/halls", id: "createHall", summary: "A new hall of a region the manager governs",
                tag: "hall", auth: true, body: "HallCreate", response: ref("HallSetupAnswer"), success: 201, errors: [401, 403, 422]),
            Operation(
                method: "get", path: "/api/v1/halls/{hall}/statistics", id: "hallStatistics",
                summary:
                    "Per hour and category: arrivals, mean and p90 wait, service, no-shows, windows open; Erlang C windows needed for the target, per category and pooled",
                tag: "hall", auth: true, response: ref("HallReport"), errors: [401, 403, 404, 422],
                parameters: [
                    hall, query("from", "string", "YYYY-MM-DD"), query("to", "string", "YYYY-MM-DD"),
                    query("share", "string", "target share waiting under the limit, 0–1 or a percentage (default 0.9)"),
                    query("within", "string", "the waiting limit in minutes (default 15)"),
                ]),
        ]
    }()
}
