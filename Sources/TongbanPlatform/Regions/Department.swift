import Fluent
import TongbanCore
import Vapor

/// 部门: an agency, identified by its unified social credit code, in one region.
package final class Department: Model, @unchecked Sendable {
    package static let schema = "departments"

    // managed fields
    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    // data fields
    @Field(key: "credit_code") package var creditCode: String
    @Field(key: "name") package var name: String
    @Field(key: "region_code") package var regionCode: String

    package init() {}

    package init(id: UUID? = nil, creditCode: CreditCode, name: String, regionCode: RegionCode) {
        self.id = id
        self.creditCode = creditCode.value
        self.name = name
        self.regionCode = regionCode.value
    }

    package var region: RegionCode? { try? RegionCode(regionCode) }

    package func toDTO() throws -> DepartmentDTO {
        DepartmentDTO(id: try requireID(), creditCode: creditCode, name: name, regionCode: regionCode)
    }
}

package struct DepartmentDTO: Content {
    package let id: UUID
    package let creditCode: String
    package let name: String
    package let regionCode: String
}

package struct CreateDepartment: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(Department.schema)
            .id()
            .field("credit_code", .string, .required)
            .field("name", .string, .required)
            .field("region_code", .string, .required, .references(Region.schema, "code"))
            .field("created_at", .datetime)
            .unique(on: "credit_code")
            .create()
    }

    package func revert(on database: Database) async throws {
        try await database.schema(Department.schema).delete()
    }
}
