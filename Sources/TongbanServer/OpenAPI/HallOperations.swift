import Foundation

/// The hall's operations in `/openapi.json` (issue 7): halls, slots and appointments, tickets,
/// the display, the clerk's window and the figures.
extension OpenAPIDocument {
    static let hallOperations: [Operation] = {
        let hall = pathParameter("hall", format: "uuid"), id = pathParameter("id", format: "uuid"), window = pathParameter("window", format: "uuid")
        let object: JSONValue = ["type": "object"], list: JSONValue = ["type": "array", "items": ["type": "object"]]
        return [
            Operation(method: "get", path: "/api/v1/halls", id: "halls", summary: "Service halls: opening hours per weekday, today's hours, categories", tag: "hall",
                      response: list, errors: []),
            Operation(method: "get", path: "/api/v1/halls/{hall}", id: "hall", summary: "A hall with its windows (open or not) and the people waiting per category", tag: "hall",
                      response: object, errors: [404], parameters: [hall]),
            Operation(method: "get", path: "/api/v1/halls/{hall}/slots", id: "hallSlots", summary: "A day's appointment slots with places booked and left (closed days on the official calendar have none)",
                      tag: "hall", response: object, errors: [404, 422], parameters: [hall, query("date", "string", "YYYY-MM-DD; today when absent")]),
            Operation(method: "post", path: "/api/v1/halls/{hall}/appointments", id: "bookAppointment",
                      summary: "预约: a person or enterprise books a slot for an item (past, too far ahead, closed day, not a slot, full, a second one that day: refused)",
                      tag: "hall", auth: true, body: "AppointmentRequest", response: object, errors: [401, 403, 404, 409, 422], parameters: [hall]),
            Operation(method: "get", path: "/api/v1/appointments", id: "myAppointments", summary: "The caller's appointments", tag: "hall", auth: true, response: list, errors: [401]),
            Operation(method: "post", path: "/api/v1/appointments/{id}/cancel", id: "cancelAppointment", summary: "Cancel a booked appointment; its place is given back",
                      tag: "hall", auth: true, response: object, errors: [401, 404, 409], parameters: [id]),
            Operation(method: "post", path: "/api/v1/appointments/{id}/rebook", id: "rebookAppointment", summary: "Move a booked appointment to another slot in one transaction",
                      tag: "hall", auth: true, body: "AppointmentRequest", response: object, errors: [401, 404, 409, 422], parameters: [id]),
            Operation(method: "post", path: "/api/v1/appointments/{id}/check-in", id: "checkIn",
                      summary: "签到 on the day, from an hour before the slot until it ends (the holder, or a clerk of the hall): a ticket called first once the slot begins",
                      tag: "hall", auth: true, response: object, errors: [401, 403, 404, 409], parameters: [id]),
            Operation(method: "post", path: "/api/v1/halls/{hall}/tickets", id: "takeTicket",
                      summary: "取号 for a category while the hall is open: online for a signed-in applicant, or \"channel\": \"kiosk\" at the hall's kiosk",
                      tag: "hall", body: "TicketRequest", response: object, errors: [401, 403, 404, 409, 422], parameters: [hall]),
            Operation(method: "get", path: "/api/v1/hall-tickets/{id}", id: "ticket", summary: "A ticket's standing: status, people ahead, windows open, estimated wait, the window calling it",
                      tag: "hall", response: object, errors: [404], parameters: [id]),
            Operation(method: "post", path: "/api/v1/hall-tickets/{id}/finish", id: "finishTicket",
                      summary: "End a call at the clerk's window: served, noShow, or transfer to another category (back in the queue, keeping its arrival)",
                      tag: "hall", auth: true, body: "TicketOutcome", response: object, errors: [401, 403, 404, 409, 422], parameters: [id]),
            Operation(method: "get", path: "/api/v1/halls/{hall}/display", id: "hallDisplay", summary: "叫号屏: the numbers being called and what waits per category", tag: "hall",
                      response: object, errors: [404], parameters: [hall]),
            Operation(method: "post", path: "/api/v1/halls/{hall}/windows/{window}/open", id: "openWindow", summary: "A window clerk of the hall's region opens a window (one clerk per window, one window per clerk)",
                      tag: "hall", auth: true, response: object, errors: [401, 403, 404, 409], parameters: [hall, window]),
            Operation(method: "post", path: "/api/v1/halls/{hall}/windows/{window}/close", id: "closeWindow", summary: "Close the clerk's window; a ticket still called there goes back to the queue",
                      tag: "hall", auth: true, errors: [401, 403, 404, 409], parameters: [hall, window]),
            Operation(method: "post", path: "/api/v1/halls/{hall}/windows/{window}/call", id: "callNext",
                      summary: "叫号: the next ticket the window serves (due appointments first, then arrival order); 204 when none waits; no ticket is ever called twice",
                      tag: "hall", auth: true, response: object, errors: [401, 403, 404, 409], parameters: [hall, window]),
            Operation(method: "get", path: "/api/v1/halls/{hall}/statistics", id: "hallStatistics",
                      summary: "Per hour and category: arrivals, mean and p90 wait, service, no-shows, windows open; Erlang C windows needed for the target, per category and pooled",
                      tag: "hall", auth: true, response: object, errors: [401, 403, 404, 422],
                      parameters: [hall, query("from", "string", "YYYY-MM-DD"), query("to", "string", "YYYY-MM-DD"),
                                   query("share", "string", "target share waiting under the limit, 0–1 or a percentage (default 0.9)"),
                                   query("within", "string", "the waiting limit in minutes (default 15)")]),
        ]
    }()
}
