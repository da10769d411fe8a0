import Fluent
import Foundation
import TongbanCore
import Vapor

/// An event for notifications and other departments' systems, written in the transaction of
/// the change it reports and delivered later (at least once) by whoever reads the outbox.
package final class OutboxEvent: Model, @unchecked Sendable {
    package static let schema = "outbox_events"

    @ID(key: .id) package var id: UUID?
    @Field(key: "topic") package var topic: String
    @Field(key: "subject") package var subject: String
    @Field(key: "payload") package var payload: String
    @Field(key: "created_at") package var createdAt: Date
    @OptionalField(key: "delivered_at") package var deliveredAt: Date?

    package init() {}

    package init(topic: String, subject: String, payload: [String: String], at: Date) {
        id = UUID.timeOrdered(at: at)
        self.topic = topic
        self.subject = subject
        createdAt = at
        self.payload = String(decoding: (try? StoredJSON.encoder.encode(payload)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
