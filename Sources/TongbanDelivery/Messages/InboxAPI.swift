import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `/api/v1/messages`: the signed-in account's messages in its language, the unread count,
/// marking read. Adapters over `InboxDesk`.
package struct InboxAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.get("messages", use: list)
        api.post("messages", "read", use: readAll)
        api.post("messages", ":id", "read", use: read)
        api.get("messages", "settings", use: settings)
        api.put("messages", "settings", use: updateSettings)
    }

    /// How far a message got on one channel beyond the inbox.
    package struct SendDTO: Content {
        package let channel: String
        package let status: String
    }

    package struct MessageDTO: Content {
        package let id: UUID
        package let topic: String
        package let title: String
        package let body: String
        package let link: String
        /// Required by law: always in the inbox, whatever channels the person chose.
        package let required: Bool
        package let at: Date
        package let readAt: Date?
        /// E-mail and SMS copies and their status (queued, sent, delivered, failed).
        package let sends: [SendDTO]

        init(_ m: InboxMessage, _ language: Language, sends: [MessageSend]) throws {
            id = try m.requireID()
            topic = m.topic
            title = m.title(language)
            body = m.body(language)
            link = m.link
            required = m.required
            at = m.visibleAt
            readAt = m.readAt
            self.sends = sends.map { SendDTO(channel: $0.channel, status: $0.status) }
        }
    }

    package struct Inbox: Content {
        package let unread: Int
        package let messages: [MessageDTO]
    }

    package struct Marked: Content {
        package let marked: Int
    }

    func list(req: Request) async throws -> Inbox {
        let desk = InboxDesk(context: req.context)
        let messages = try await desk.messages()
        let sends = try await desk.sends(of: messages)
        return Inbox(
            unread: try await desk.unread(), messages: try messages.map { try MessageDTO($0, req.language, sends: sends[$0.id!] ?? []) })
    }

    func read(req: Request) async throws -> MessageDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("message") }
        let desk = InboxDesk(context: req.context)
        let message = try await desk.markRead(id)
        return try MessageDTO(message, req.language, sends: try await desk.sends(of: [message])[id] ?? [])
    }

    /// The message settings: the address (masked), the mobile (masked), and per kind of message
    /// whether it also goes by e-mail and SMS.
    package struct SettingsDTO: Content {
        package let email: String?
        package let mobile: String?
        package let choices: [String: ChannelChoice]

        init(_ settings: MessageSettingsDesk.Settings) {
            email = settings.email
            mobile = settings.mobile
            choices = Dictionary(uniqueKeysWithValues: settings.choices.map { ($0.key.rawValue, $0.value) })
        }
    }

    /// A change: `email` ("" removes it, absent keeps it) and the kinds named in `choices` (a kind
    /// given as null is kept as it is).
    package struct SettingsChange: Content {
        package let email: String?
        package let choices: [String: ChannelChoice?]?
    }

    func settings(req: Request) async throws -> SettingsDTO {
        SettingsDTO(try await MessageSettingsDesk(context: req.context).settings())
    }

    func updateSettings(req: Request) async throws -> SettingsDTO {
        let desk = MessageSettingsDesk(context: req.context)
        // who may change them is decided before the body is read
        try desk.authorizeChange()
        let change = try req.content.decode(SettingsChange.self)
        var choices: [MessageKind: ChannelChoice] = [:]
        for (name, choice) in change.choices ?? [:] {
            guard let kind = MessageKind(rawValue: name) else { throw TongbanError.invalid(field: "choices", "error.messageKind.unknown") }
            if let choice { choices[kind] = choice }
        }
        return SettingsDTO(try await desk.update(email: change.email, choices: choices))
    }

    func readAll(req: Request) async throws -> Marked {
        Marked(marked: try await InboxDesk(context: req.context).markAllRead())
    }
}
