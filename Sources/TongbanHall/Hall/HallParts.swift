import Fluent
import Foundation
import TongbanPlatform
import Vapor

/// The process-wide parts the hall's use cases read and write through, named: halls and windows
/// (a short cache), the wait estimates, the ticket dispenser, the kiosk limiter, and where reads
/// that may lag a moment go (a pool of their own on SQLite).
package struct HallParts: Sendable {
    package let directory: HallDirectory
    /// Every hall's area, for where an item can be handled in person.
    package let areas: HallAreas
    package let estimates: HallEstimates
    package let dispenser: TicketDispenser
    package let kioskLimiter: AddressLimiter
    package let readDB: any Database
}

extension Request {
    package var hallParts: HallParts {
        HallParts(
            directory: application.hallDirectory, areas: application.hallAreas, estimates: application.hallEstimates,
            dispenser: application.ticketDispenser,
            kioskLimiter: application.addressLimiter("kiosk"), readDB: readDB)
    }

    package var hallQueue: HallQueue { HallQueue(context: context, parts: hallParts) }
    package var hallCalling: HallCalling { HallCalling(context: context, parts: hallParts) }
    package var hallAppointments: HallAppointments { HallAppointments(context: context, parts: hallParts) }
    package var hallManagement: HallManagement { HallManagement(context: context, parts: hallParts) }

    /// The hall named in the path (`:hall`).
    package func pathHall() async throws -> Hall {
        guard let id = parameters.get("hall", as: UUID.self) else { throw TongbanError.notFound("hall") }
        return try await hallQueue.hall(id)
    }

    /// The window named in the path (`:window`), one of this hall's and in service.
    package func pathWindow(of hall: Hall) async throws -> HallWindow {
        guard let id = parameters.get("window", as: UUID.self) else { throw TongbanError.notFound("window") }
        return try await hallCalling.window(id, of: hall)
    }
}
