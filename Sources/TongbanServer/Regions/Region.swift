import Fluent
import SQLKit
import TongbanCore
import Vapor

/// 行政区划: one administrative division, keyed by its code.
final class Region: Model, @unchecked Sendable {
    static let schema = "regions"

    // managed fields
    @ID(custom: "code", generatedBy: .user) var id: String?

    // data fields
    @Field(key: "name") var name: String
    @Field(key: "level") var level: RegionLevel
    @OptionalField(key: "parent_code") var parentCode: String?
    /// Development zones with statistical, not GB/T 2260, codes.
    @Field(key: "statistical_zone") var statisticalZone: Bool

    init() {}

    init(_ record: RegionRecord) {
        id = record.code.value
        name = record.name
        level = record.level
        parentCode = record.parent?.value
        statisticalZone = record.code.isStatisticalZone
    }

    func toDTO() -> RegionDTO {
        RegionDTO(code: id ?? "", name: name, level: level, parentCode: parentCode, statisticalZone: statisticalZone)
    }
}

struct RegionDTO: Content {
    let code: String
    let name: String
    let level: RegionLevel
    let parentCode: String?
    let statisticalZone: Bool
}

struct CreateRegion: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(Region.schema)
            .field("code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("level", .string, .required)
            .field("parent_code", .string)
            .field("statistical_zone", .bool, .required)
            .create()
        try await database.sql.create(index: "regions_parent_code").on(Region.schema).column("parent_code").run()
    }

    func revert(on database: Database) async throws {
        try await database.schema(Region.schema).delete()
    }
}
