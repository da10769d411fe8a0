import Fluent
import SQLKit
import TongbanCore

/// 23. Every account's assurance level (实名认证等级): nothing a person or enterprise typed at
/// registration was proven, so they start at Level 1; staff, made by their administrator, at 3.
package struct AddAssuranceLevels: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        // one column at a time: SQLite adds one per statement
        try await database.schema(Account.schema)
            .field("assurance_level", .int, .required, .sql(.default(AssuranceLevel.registered.rawValue)))
            .update()
        try await database.schema(Account.schema).field("assurance_at", .datetime).update()
        try await database.sql.raw(
            "UPDATE accounts SET assurance_level = \(bind: AssuranceLevel.verifiedInPerson.rawValue) WHERE kind = 'staff'"
        ).run()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(Account.schema).deleteField("assurance_at").update()
        try await database.schema(Account.schema).deleteField("assurance_level").update()
    }
}
