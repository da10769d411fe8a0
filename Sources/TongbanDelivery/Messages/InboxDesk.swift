import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 站内消息, the signed-in account's own: its messages newest first (those due to be shown), how
/// many are unread, and marking one or all read.
package struct InboxDesk {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    /// The acting account, if the policy lets it read its own messages.
    private func owner() throws -> UUID {
        let account = try context.requireAccount()
        let id = try account.requireID()
        try context.authorize(.view, .inbox(accountID: id))
        return id
    }

    package func messages(limit: Int = 100) async throws -> [InboxMessage] {
        let id = try owner()
        return try await InboxMessage.query(on: context.db).filter(\.$accountID == id).filter(\.$visibleAt <= context.now)
            .sort(\.$visibleAt, .descending).sort(\.$createdAt, .descending).limit(min(max(limit, 1), 500)).all()
    }

    /// Where each of these messages went beyond the inbox, and how far it got.
    package func sends(of messages: [InboxMessage]) async throws -> [UUID: [MessageSend]] {
        let id = try owner()
        let ids = messages.compactMap(\.id)
        guard !ids.isEmpty else { return [:] }
        var found: [UUID: [MessageSend]] = [:]
        for slice in ids.chunked(500) {
            for send in try await MessageSend.query(on: context.db).filter(\.$accountID == id).filter(\.$messageID ~~ slice).all() {
                found[send.messageID, default: []].append(send)
            }
        }
        for key in found.keys { found[key]?.sort { $0.channel < $1.channel } }
        return found
    }

    private struct Count: Decodable { let unread: Int }

    package func unread() async throws -> Int {
        let id = try owner()
        return try await Self.unread(of: id, on: context.db, now: context.now)
    }

    /// The unread count (the header's badge), without the policy: the caller is the account itself.
    package static func unread(of account: UUID, on db: any Database, now: Date) async throws -> Int {
        try await db.sql.raw(
            """
            SELECT COUNT(*) AS unread FROM inbox_messages
            WHERE account_id = \(bind: account) AND read_at IS NULL AND visible_at <= \(bind: now)
            """
        ).first(decoding: Count.self)?.unread ?? 0
    }

    /// Marks one message read; another account's reads as absent.
    package func markRead(_ message: UUID) async throws -> InboxMessage {
        let id = try owner()
        guard let row = try await InboxMessage.find(message, on: context.db), row.accountID == id, row.visibleAt <= context.now else {
            throw TongbanError.notFound("message")
        }
        if row.readAt == nil {
            let now = context.now
            try await context.db.write { tx in
                try await tx.sql.raw("UPDATE inbox_messages SET read_at = \(bind: now) WHERE id = \(bind: message) AND read_at IS NULL")
                    .run()
            }
            row.readAt = now
        }
        return row
    }

    /// Marks every message shown so far read; how many were unread.
    package func markAllRead() async throws -> Int {
        let id = try owner()
        let now = context.now
        return try await context.db.write { tx in
            try await tx.sql.raw(
                """
                UPDATE inbox_messages SET read_at = \(bind: now)
                WHERE account_id = \(bind: id) AND read_at IS NULL AND visible_at <= \(bind: now) RETURNING id
                """
            ).all().count
        }
    }
}

/// Counts the signed-in account's unread messages for the header of the page it asks for.
package struct UnreadMessagesMiddleware: AsyncMiddleware {
    package init() {}

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method == .GET, let id = request.currentAccount?.id {
            request.unreadMessages = try await InboxDesk.unread(of: id, on: request.db, now: request.context.now)
        }
        return try await next.respond(to: request)
    }
}

extension Application {
    private struct MessageTemplatesKey: StorageKey { typealias Value = MessageTemplates }
    /// The message templates, checked when the application is configured.
    package var messageTemplates: MessageTemplates {
        get { storage[MessageTemplatesKey.self] ?? MessageTemplates(byTopic: [:]) }
        set { storage[MessageTemplatesKey.self] = newValue }
    }
}
