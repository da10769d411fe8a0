import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// A posted result (邮寄送达): one parcel with one or more cases' results (统一出件), its S10
/// tracking number, the address it went to (sealed), and where the carrier says it is.
package final class Parcel: Model, @unchecked Sendable {
    package static let schema = "parcels"

    @ID(key: .id) package var id: UUID?
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "tracking_number") package var trackingNumber: String
    @Field(key: "status") package var status: ParcelStatus
    /// The carrier's stamp of the event that set the status (milliseconds since 1970).
    @OptionalField(key: "status_at") package var statusAt: Int64?
    /// The cases whose results are in it, as a JSON array of ids.
    @Field(key: "case_ids") package var caseIDs: String
    /// `PostalAddress` as JSON, sealed to this cell.
    @OptionalField(key: "address") package var addressCipher: String?
    @Field(key: "region_code") package var regionCode: String
    @Field(key: "dispatched_on") package var dispatchedOn: String
    @Field(key: "dispatched_by") package var dispatchedBy: UUID
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}

    package func cases() -> [UUID] {
        ((try? JSONDecoder().decode([String].self, from: Data(caseIDs.utf8))) ?? []).compactMap(UUID.init(uuidString:))
    }
}

/// One tracking event a carrier reported for a parcel, kept whatever it did to the status; the
/// carrier's event id makes a repeated callback harmless.
package final class ParcelEvent: Model, @unchecked Sendable {
    package static let schema = "parcel_events"

    @ID(key: .id) package var id: UUID?
    @Field(key: "parcel_id") package var parcelID: UUID
    @Field(key: "event_key") package var eventKey: String
    @Field(key: "status") package var status: ParcelStatus
    @Field(key: "at") package var atMillis: Int64
    @OptionalField(key: "location") package var location: String?
    @Field(key: "received_at") package var receivedAt: Date

    package init() {}
}

/// 邮寄送达: parcels and their carriers' events.
package struct CreateParcels: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(Parcel.schema)
            .id()
            .field("application_id", .uuid, .required, .references(ApplicationRecord.schema, "id"))
            .field("tracking_number", .string, .required)
            .field("status", .string, .required)
            .field("status_at", .int64)
            .field("case_ids", .string, .required)
            .field("address", .string)
            .field("region_code", .string, .required)
            .field("dispatched_on", .string, .required)
            .field("dispatched_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "tracking_number")
            .create()
        try await database.sql.create(index: "parcels_by_application").on(Parcel.schema).column("application_id").run()
        try await database.schema(ParcelEvent.schema)
            .id()
            .field("parcel_id", .uuid, .required, .references(Parcel.schema, "id"))
            .field("event_key", .string, .required)
            .field("status", .string, .required)
            .field("at", .int64, .required)
            .field("location", .string)
            .field("received_at", .datetime, .required)
            .unique(on: "parcel_id", "event_key")
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(ParcelEvent.schema).delete()
        try await database.schema(Parcel.schema).delete()
    }
}
