import Fluent
import Foundation
import TongbanCore
import TongbanPlatform

/// 收受分离: the window that takes an application in for a clerk: the hall where the clerk has a
/// window open, else the halls of the clerk's region. The clerk's region and hall work the
/// application (intake, prereview, correction, delivery); the department that holds the power
/// decides it. Refused, with the hall named, when the hall's manager left the item out of what
/// its windows take in.
package struct WindowIntake: Sendable {
    package struct HallRef: Sendable {
        package let id: UUID
        package let name: String
    }

    package let region: RegionCode
    package let hall: HallRef?
    /// 帮办: the ticket the clerk is serving at their window now, if any.
    package var ticketID: UUID? = nil

    /// 就近办: taken in at a town (street) or village centre.
    package var isNearby: Bool { HallIntake.isNearby(region) }

    /// Where `clerk` (working in `region`) takes in `code`, implemented in `implementedIn`.
    package static func find(
        clerk: UUID, region: RegionCode, code: String, implementedIn: RegionCode, on db: any Database
    ) async throws -> WindowIntake {
        let open = try await WindowSession.query(on: db).filter(\.$clerkID == clerk).filter(\.$closedAt == nil).first()
        let halls: [Hall]
        if let open, let hall = try await Hall.find(open.hallID, on: db) {
            halls = [hall]
        } else {
            halls = try await Hall.query(on: db).filter(\.$regionCode == region.value).sort(\.$name).all()
        }
        // a department's own windows, in no hall: the policy's area is the whole rule
        guard let first = halls.first else { return WindowIntake(region: region, hall: nil) }
        for hall in halls {
            guard let intake = hall.intake, intake.takes(code, implementedIn: implementedIn) else { continue }
            var serving: UUID?
            if let open {
                serving = try await HallTicket.query(on: db).filter(\.$windowID == open.windowID).filter(\.$clerkID == clerk)
                    .filter(\.$status == .called).first()?.requireID()
            }
            return WindowIntake(region: intake.region, hall: HallRef(id: try hall.requireID(), name: hall.name), ticketID: serving)
        }
        throw TongbanError.conflict("intake.notTaken", ["hall": first.name])
    }
}
