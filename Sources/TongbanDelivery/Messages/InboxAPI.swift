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

        init(_ m: InboxMessage, _ language: Language) throws {
            id = try m.requireID()
            topic = m.topic
            title = m.title(language)
            body = m.body(language)
            link = m.link
            required = m.required
            at = m.visibleAt
            readAt = m.readAt
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
        return Inbox(unread: try await desk.unread(), messages: try messages.map { try MessageDTO($0, req.language) })
    }

    func read(req: Request) async throws -> MessageDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("message") }
        return try MessageDTO(try await InboxDesk(context: req.context).markRead(id), req.language)
    }

    func readAll(req: Request) async throws -> Marked {
        Marked(marked: try await InboxDesk(context: req.context).markAllRead())
    }
}
