import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 就近办: where an item can be handled in person — every hall whose windows take it in
/// (收受分离: a city's item at each street centre of the city), nearest first to a region.
package struct ItemPlaces {
    package let db: any Database

    package init(db: any Database) {
        self.db = db
    }

    package struct Place: Content, Equatable {
        package let hall: UUID
        package let name: String
        package let nameEn: String
        package let regionCode: String
        package let regionName: String
        package let address: String
        /// A town (street) or village centre: 就近办.
        package let nearby: Bool
        /// Steps through the tree of divisions from the region asked about.
        package let steps: Int
    }

    package struct Answer: Content {
        package let item: String
        /// The region the places are ordered from.
        package let near: String
        /// Whether the item is handled in person at all (at a window or nearby).
        package let inPerson: Bool
        /// How many halls take it in; `places` holds the nearest `limit` of them.
        package let total: Int
        package let places: [Place]
    }

    package static let limits = 1...200

    /// The nearest `limit` places for the published item `code`, nearest first to `near` (a
    /// known region code; nil: the item's own region).
    package func places(code: String, near raw: String?, limit: Int = 20) async throws -> Answer {
        guard let entry = try await CatalogStore.published(.item, code: code, on: db) else { throw TongbanError.notFound("item") }
        let implemented = try RegionCode(entry.regionCode)
        let near: RegionCode
        if let raw, !raw.isEmpty {
            guard let region = try? RegionCode(raw), try await Region.find(region.value, on: db) != nil else {
                throw TongbanError.invalid(field: "near", "region.unknown")
            }
            near = region
        } else {
            near = implemented
        }
        let item = try entry.item()
        let inPerson = item.channels.contains(.window) || item.channels.contains(.nearby)
        guard inPerson else { return Answer(item: entry.code, near: near.value, inPerson: false, total: 0, places: []) }
        // only the halls where it is offered: inside its region, or at a region above it
        let above = ServiceArea.lineage(implemented).map(\.value)
        let candidates = try await Hall.query(on: db).group(.or) { or in
            or.filter(\.$regionCode, .custom("LIKE"), implemented.significantPrefix + "%")
            or.filter(\.$regionCode ~~ above)
        }.all()
        let halls = candidates.filter { $0.intake?.takes(entry.code, implementedIn: implemented) ?? false }
        let ordered = ServiceArea.nearestFirst(halls, from: near, regionOf: { $0.region ?? implemented }, tieBreak: { $0.name < $1.name })
            .prefix(limit)
        let names = try await CatalogPages.regionNames(Set(ordered.map(\.regionCode)), on: db)
        let places = try ordered.map { hall in
            let region = hall.region ?? implemented
            return Place(
                hall: try hall.requireID(), name: hall.name, nameEn: hall.nameEn, regionCode: region.value,
                regionName: names[region.value] ?? region.value, address: hall.address, nearby: HallIntake.isNearby(region),
                steps: ServiceArea.distance(near, region))
        }
        return Answer(item: entry.code, near: near.value, inPerson: true, total: halls.count, places: places)
    }
}
