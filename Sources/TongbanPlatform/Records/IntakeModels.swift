import Fluent
import SQLKit

/// 收受分离: an application remembers the window region (and hall) that took it in, so the
/// windows there work it while the deciding department reviews it; a hall's manager may narrow
/// what its windows take in.
package struct AddWindowIntake: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(ApplicationRecord.schema).field("taken_in", .string).update()
        try await database.schema(ApplicationRecord.schema).field("taken_in_hall_id", .uuid).update()
        try await database.schema(Hall.schema).field("intake_codes", .string).update()
        // until now a window took in only items of its own region: those applications were taken in where they are implemented
        try await database.sql.raw("UPDATE applications SET taken_in = region_code WHERE channel = 'window'").run()
        try await database.sql.create(index: "applications_taken_in").on(ApplicationRecord.schema).column("taken_in").run()
    }

    package func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX applications_taken_in").run()
        try await database.schema(Hall.schema).deleteField("intake_codes").update()
        try await database.schema(ApplicationRecord.schema).deleteField("taken_in_hall_id").update()
        try await database.schema(ApplicationRecord.schema).deleteField("taken_in").update()
    }
}

/// 帮办: an application a clerk makes for the person at the window remembers the hall ticket
/// being served there, so the ticket leads to what was done for it.
package struct AddWalkInTicket: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(ApplicationRecord.schema).field("hall_ticket_id", .uuid).update()
        try await database.sql.create(index: "applications_hall_ticket").on(ApplicationRecord.schema).column("hall_ticket_id").run()
    }

    package func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX applications_hall_ticket").run()
        try await database.schema(ApplicationRecord.schema).deleteField("hall_ticket_id").update()
    }
}
