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
        routes.get("messages", "settings", use: settingsPage)
        routes.post("messages", "settings", use: saveSettings)
    }

    struct MessageView: Encodable {
        let id: String
        let title: String
        let body: String
        let at: String
        let unread: Bool
        let required: Bool
        /// `短信：已送达`, one per channel beyond the inbox.
        let sends: [String]
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
        let sends = try await desk.sends(of: rows)
        let language = req.language
        let views = rows.map { m in
            MessageView(
                id: m.id!.uuidString, title: m.title(language), body: m.body(language), at: LocalTime(m.visibleAt).wallClockText,
                unread: m.readAt == nil, required: m.required,
                sends: (sends[m.id!] ?? []).map { req.t("messages.channel.\($0.channel)") + req.t("messages.status.\($0.status)") })
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

    struct KindRow: Encodable {
        let kind: String
        let label: String
        let email: Bool
        let sms: Bool
    }

    struct SettingsContext: Encodable {
        let page: PageContext
        let email: String?
        let mobile: String?
        let kinds: [KindRow]
        let saved: Bool
        let errors: [String: String]
        let summary: String?
    }

    func settingsPage(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/messages/settings") }
        let settings = try await MessageSettingsDesk(context: req.context).settings()
        return try await renderSettings(req, settings, saved: req.query[String.self, at: "saved"] != nil)
    }

    private func renderSettings(
        _ req: Request, _ settings: MessageSettingsDesk.Settings, saved: Bool, email: String? = nil, failure: (any Error)? = nil
    ) async throws -> Response {
        let shown = try FormFailure(failure, req)
        let kinds = MessageKind.allCases.map { kind in
            let choice = settings.choices[kind] ?? kind.standardChoice
            return KindRow(kind: kind.rawValue, label: req.t("messages.kind.\(kind.rawValue)"), email: choice.email, sms: choice.sms)
        }
        let context = SettingsContext(
            page: req.pageContext(title: req.t("messages.settings.title")), email: email ?? settings.email, mobile: settings.mobile,
            kinds: kinds, saved: saved, errors: shown.fields, summary: shown.summary)
        let view = try await req.view.render("message-settings", context)
        return shown.apply(to: try await view.encodeResponse(status: shown.status, for: req))
    }

    struct SettingsForm: Content {
        let email: String?
        let channel: [String]?
    }

    /// The form: the address (empty removes it; left as shown keeps it) and a box per kind and channel.
    func saveSettings(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/messages/settings") }
        let desk = MessageSettingsDesk(context: req.context)
        let current = try await desk.settings()
        let form = try req.content.decode(SettingsForm.self)
        let ticked = Set(form.channel ?? [])
        var choices: [MessageKind: ChannelChoice] = [:]
        for kind in MessageKind.allCases {
            choices[kind] = ChannelChoice(email: ticked.contains("\(kind.rawValue).email"), sms: ticked.contains("\(kind.rawValue).sms"))
        }
        let typed = form.email?.trimmingCharacters(in: .whitespaces) ?? ""
        // the masked address shown back unchanged keeps the one stored
        let email = typed == current.email ? nil : typed
        do {
            _ = try await desk.update(email: email, choices: choices)
        } catch let error as TongbanError where error.status == .unprocessableEntity {
            return try await renderSettings(req, current, saved: false, email: typed, failure: error)
        }
        return req.redirect(to: "/messages/settings?saved=1")
    }
}
