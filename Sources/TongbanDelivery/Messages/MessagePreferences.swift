import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// The addresses and channel choices of the accounts a batch of messages goes to, read once.
struct ChannelBook {
    private var emails: [UUID: String] = [:]
    private var mobiles: [UUID: String] = [:]
    private var choices: [UUID: [String: ChannelChoice]] = [:]

    private struct Mobile: Decodable {
        let id: UUID
        let mobile_cipher: String
    }

    /// The recipients' addresses and choices; a mobile, sealed to its account's row, is re-sealed
    /// for the send that carries it.
    static func load(for accounts: Set<UUID>, keys: KeyRing, on db: any Database) async throws -> ChannelBook {
        var book = ChannelBook()
        for slice in Array(accounts).chunked(500) {
            let list = SQLList(slice.map { SQLBind($0) })
            let mobiles = try await db.sql.raw("SELECT id, mobile_cipher FROM accounts WHERE mobile_cipher IS NOT NULL AND id IN (\(list))")
                .all(decoding: Mobile.self)
            for row in mobiles {
                guard let mobile = keys.open(row.mobile_cipher, table: Account.schema, row: row.id, column: "mobile_cipher") else {
                    continue
                }
                book.mobiles[row.id] = keys.encrypt(mobile, field: "mobile")
            }
            for contact in try await MessageContact.query(on: db).filter(\.$accountID ~~ slice).all() {
                if let email = contact.emailCipher { book.emails[contact.accountID] = email }
            }
            for preference in try await MessagePreference.query(on: db).filter(\.$accountID ~~ slice).all() {
                book.choices[preference.accountID, default: [:]][preference.kind] = preference.choice
            }
        }
        return book
    }

    /// The channels beyond the inbox a message of `kind` goes to for `account`, with the address
    /// (as stored, encrypted) of each.
    func addresses(of account: UUID, for kind: MessageKind) -> [(MessageChannel, String)] {
        let choice = choices[account]?[kind.rawValue] ?? kind.standardChoice
        var found: [(MessageChannel, String)] = []
        if choice.email, let email = emails[account] { found.append((.email, email)) }
        if choice.sms, let mobile = mobiles[account] { found.append((.sms, mobile)) }
        return found
    }
}

/// The signed-in account's message settings: the e-mail address messages go to, and for each
/// kind of message whether it also goes by e-mail and by SMS. The inbox always has every message;
/// those the law requires are marked as such there whatever is chosen here.
package struct MessageSettingsDesk {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct Settings: Sendable, Equatable {
        /// The address as given, masked (`z***@example.com`), or nil.
        package let email: String?
        /// The account's mobile number, masked, or nil (no SMS can be sent without one).
        package let mobile: String?
        package let choices: [MessageKind: ChannelChoice]
    }

    private func owner(_ action: Action) throws -> Account {
        let account = try context.requireAccount()
        try context.authorize(action, .inbox(accountID: try account.requireID()))
        return account
    }

    /// Refuses a caller who may not change the settings (before anything they sent is read).
    package func authorizeChange() throws {
        _ = try owner(.edit)
    }

    package func settings() async throws -> Settings {
        let account = try owner(.view)
        return try await read(account)
    }

    private func read(_ account: Account) async throws -> Settings {
        let id = try account.requireID()
        let contact = try await MessageContact.query(on: context.db).filter(\.$accountID == id).first()
        let email = contact?.emailCipher.flatMap { context.keys.decrypt($0, field: MessageContact.emailField) }.flatMap(EmailAddress.init)
        let mobile = account.mobile(context.keys).map(Masking.mobile)
        let stored = try await MessagePreference.query(on: context.db).filter(\.$accountID == id).all()
        var choices: [MessageKind: ChannelChoice] = [:]
        for kind in MessageKind.allCases {
            choices[kind] = stored.first { $0.kind == kind.rawValue }?.choice ?? kind.standardChoice
        }
        return Settings(email: email?.masked, mobile: mobile, choices: choices)
    }

    /// What changes: the address (nil keeps it, "" removes it; a page trims what was typed) and the
    /// choices named (the others kept). A malformed address changes nothing.
    package func update(email typed: String?, choices: [MessageKind: ChannelChoice]) async throws -> Settings {
        let account = try owner(.edit)
        let id = try account.requireID()
        var cipher: String? = nil
        if let typed, !typed.isEmpty {
            guard let parsed = EmailAddress(typed) else { throw TongbanError.invalid(field: "email", "error.email.invalid") }
            cipher = context.keys.encrypt(parsed.value, field: MessageContact.emailField)
        }
        let emailCipher = cipher
        let now = context.now
        try await context.db.write { tx in
            if let typed {
                let contact = try await MessageContact.query(on: tx).filter(\.$accountID == id).first() ?? MessageContact()
                contact.accountID = id
                contact.emailCipher = emailCipher
                contact.updatedAt = now
                try await contact.save(on: tx)
            }
            for (kind, choice) in choices {
                let row =
                    try await MessagePreference.query(on: tx).filter(\.$accountID == id).filter(\.$kind == kind.rawValue).first()
                    ?? MessagePreference()
                row.accountID = id
                row.kind = kind.rawValue
                row.email = choice.email
                row.sms = choice.sms
                row.updatedAt = now
                try await row.save(on: tx)
            }
        }
        return try await read(account)
    }
}
