import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 就近办: where an item can be handled in person — every hall whose windows take it in
/// (收受分离: a city's item at each street centre of the city), nearest first to a region.
package struct ItemPlaces {
    package let db: any Database
    package let areas: HallAreas

    package init(db: any Database, areas: HallAreas) {
        self.db = db
        self.areas = areas
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
        let halls = try await areas.all(on: db).filter { $0.intake.takes(entry.code, implementedIn: implemented) }
        let ordered = ServiceArea.nearestFirst(halls, from: near, regionOf: \.intake.region, tieBreak: { $0.name < $1.name }).prefix(limit)
        let names = try await CatalogPages.regionNames(Set(ordered.map(\.intake.region.value)), on: db)
        let places = ordered.map { hall in
            let region = hall.intake.region
            return Place(
                hall: hall.id, name: hall.name, nameEn: hall.nameEn, regionCode: region.value,
                regionName: names[region.value] ?? region.value,
                address: hall.address, nearby: HallIntake.isNearby(region), steps: ServiceArea.distance(near, region))
        }
        return Answer(item: entry.code, near: near.value, inPerson: true, total: halls.count, places: places)
    }
}
