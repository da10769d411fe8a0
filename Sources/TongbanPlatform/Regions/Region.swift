import Fluent
import SQLKit
import TongbanCore
import Vapor

/// 行政区划: one administrative division, keyed by its code.
package final class Region: Model, @unchecked Sendable {
    package static let schema = "regions"

    // managed fields
    @ID(custom: "code", generatedBy: .user) package var id: String?

    // data fields
    @Field(key: "name") package var name: String
    @Field(key: "level") package var level: RegionLevel
    @OptionalField(key: "parent_code") package var parentCode: String?
    /// Development zones with statistical, not GB/T 2260, codes.
    @Field(key: "statistical_zone") package var statisticalZone: Bool

    package init() {}

    package init(_ record: RegionRecord) {
        id = record.code.value
        name = record.name
        level = record.level
        parentCode = record.parent?.value
        statisticalZone = record.code.isStatisticalZone
    }

    package func toDTO() -> RegionDTO {
        RegionDTO(code: id ?? "", name: name, level: level, parentCode: parentCode, statisticalZone: statisticalZone)
    }
}

package struct RegionDTO: Content {
    package let code: String
    package let name: String
    package let level: RegionLevel
    package let parentCode: String?
    package let statisticalZone: Bool
}

package struct CreateRegion: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(Region.schema)
            .field("code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("level", .string, .required)
            .field("parent_code", .string)
            .field("statistical_zone", .bool, .required)
            .create()
        try await database.sql.create(index: "regions_parent_code").on(Region.schema).column("parent_code").run()
    }

    package func revert(on database: Database) async throws {
        try await database.schema(Region.schema).delete()
    }
}
