import Fluent
import TongbanCore
import Vapor

/// 部门: an agency, identified by its unified social credit code, in one region.
final class Department: Model, @unchecked Sendable {
    static let schema = "departments"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    // data fields
    @Field(key: "credit_code") var creditCode: String
    @Field(key: "name") var name: String
    @Field(key: "region_code") var regionCode: String

    init() {}

    init(id: UUID? = nil, creditCode: CreditCode, name: String, regionCode: RegionCode) {
        self.id = id
        self.creditCode = creditCode.value
        self.name = name
        self.regionCode = regionCode.value
    }

    var region: RegionCode? { try? RegionCode(regionCode) }

    func toDTO() throws -> DepartmentDTO {
        DepartmentDTO(id: try requireID(), creditCode: creditCode, name: name, regionCode: regionCode)
    }
}

struct DepartmentDTO: Content {
    let id: UUID
    let creditCode: String
    let name: String
    let regionCode: String
}

struct CreateDepartment: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(Department.schema)
            .id()
            .field("credit_code", .string, .required)
            .field("name", .string, .required)
            .field("region_code", .string, .required, .references(Region.schema, "code"))
            .field("created_at", .datetime)
            .unique(on: "credit_code")
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema(Department.schema).delete()
    }
}
