import Fluent
import Foundation
import NIOConcurrencyHelpers
import TongbanCore
import Vapor

/// An event for notifications and other departments' systems, written in the transaction of
/// the change it reports and delivered later (at least once) by the relay, which copies it to
/// each subscription it reaches and then marks it handed on (`delivered_at`).
package final class OutboxEvent: Model, @unchecked Sendable {
    package static let schema = "outbox_events"

    @ID(key: .id) package var id: UUID?
    @Field(key: "topic") package var topic: String
    @Field(key: "subject") package var subject: String
    @Field(key: "payload") package var payload: String
    @Field(key: "created_at") package var createdAt: Date
    /// When the relay handed it to the subscriptions it reaches.
    @OptionalField(key: "delivered_at") package var deliveredAt: Date?
    /// The departments whose work it is, comma-separated ids (`EventAudience`).
    @OptionalField(key: "departments") package var departments: String?
    @OptionalField(key: "region_code") package var regionCode: String?

    package init() {}

    /// An event of a topic from the one list (`EventTopic.all`); the payload has exactly the
    /// topic's fields, which the tests hold every written event to.
    package init(_ topic: EventTopic, subject: String, payload: [String: String], audience: EventAudience, at: Date) {
        assert(topic.accepts(payloadKeys: Set(payload.keys)), "\(topic.name) payload \(payload.keys.sorted())")
        id = Self.nextID(at: at)
        self.topic = topic.name
        self.subject = subject
        createdAt = at
        self.payload = String(decoding: (try? StoredJSON.encoder.encode(payload)) ?? Data("{}".utf8), as: UTF8.self)
        departments = audience.departmentIDs.isEmpty ? nil : audience.departmentIDs.map(\.uuidString).joined(separator: ",")
        regionCode = audience.regionCode?.value
    }

    /// Whom it concerns, as written.
    package var audience: EventAudience { Self.audience(departments: departments, regionCode: regionCode) }

    /// Whom an event concerns, from its stored columns.
    package static func audience(departments: String?, regionCode: String?) -> EventAudience {
        EventAudience(
            departmentIDs: (departments ?? "").split(separator: ",").compactMap { UUID(uuidString: String($0)) },
            regionCode: regionCode.flatMap { try? RegionCode($0) })
    }

    private static let lastID = NIOLockedValueBox<UUID?>(nil)

    /// Time-ordered and strictly increasing within the process, so that two events written in
    /// one millisecond (a booking and its reminder) keep the order they were written in: the
    /// relay delivers a subject's events in this order.
    package static func nextID(at date: Date) -> UUID {
        lastID.withLockedValue { last in
            var next = UUID.timeOrdered(at: date)
            if let previous = last, !previous.precedes(next) {
                next = previous.successor
            }
            last = next
            return next
        }
    }
}

extension UUID {
    /// Byte order, as PostgreSQL and SQLite compare them.
    fileprivate func precedes(_ other: UUID) -> Bool {
        withUnsafeBytes(of: uuid) { a in withUnsafeBytes(of: other.uuid) { b in a.lexicographicallyPrecedes(b) } }
    }

    /// The next UUID in byte order, for ids made in the same millisecond (the version and
    /// variant bits are stepped over).
    fileprivate var successor: UUID {
        var bytes = withUnsafeBytes(of: uuid) { Array($0) }
        for index in stride(from: 15, through: 0, by: -1) {
            let (value, overflow) = bytes[index].addingReportingOverflow(1)
            bytes[index] = value
            if !overflow { break }
        }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
