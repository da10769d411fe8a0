import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `/messages`: the inbox page, newest first, unread ones marked; a message opened is read.
package struct InboxPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("messages", use: page)
        routes.post("messages", "read", use: readAll)
        routes.post("messages", ":id", "open", use: open)
    }

    struct MessageView: Encodable {
        let id: String
        let title: String
        let body: String
        let at: String
        let unread: Bool
        let required: Bool
    }

    struct Context: Encodable {
        let page: PageContext
        let messages: [MessageView]
        let hasMessages: Bool
        let unread: Int
    }

    func page(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/messages") }
        let desk = InboxDesk(context: req.context)
        let rows = try await desk.messages()
        let language = req.language
        let views = rows.map { m in
            MessageView(
                id: m.id!.uuidString, title: m.title(language), body: m.body(language), at: LocalTime(m.visibleAt).wallClockText,
                unread: m.readAt == nil, required: m.required)
        }
        let context = Context(
            page: req.pageContext(title: req.t("messages.title")), messages: views, hasMessages: !views.isEmpty,
            unread: views.filter(\.unread).count)
        return try await req.view.render("messages", context).encodeResponse(for: req)
    }

    /// Opens a message: read from now on, and on to where it points.
    func open(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/messages") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("message") }
        let message = try await InboxDesk(context: req.context).markRead(id)
        // only a path of this site: a link is never taken from elsewhere
        let link = message.link.hasPrefix("/") && !message.link.hasPrefix("//") ? message.link : "/messages"
        return req.redirect(to: link)
    }

    func readAll(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/messages") }
        _ = try await InboxDesk(context: req.context).markAllRead()
        return req.redirect(to: "/messages")
    }
}
