import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TongbanPlatform
import Vapor

/// The accounts API clients sign in as, remembered by id and version. Every request still asks
/// the database whether the account is active and at which version — one indexed read of two
/// columns, so a disabled account, changed roles or a new password take effect at once, from any
/// server process — but the whole account is loaded again only when its version moved. (Every
/// change of an account bumps its version.)
///
/// The remembered accounts are shared between requests and must not be changed in place: a
/// change loads its own copy.
package final class SignedInAccounts: @unchecked Sendable {
    private let lock = NIOLock()
    private var remembered: [UUID: Account] = [:]
    package let capacity: Int

    package init(capacity: Int = 10_000) { self.capacity = capacity }

    private struct Current: Decodable { let version: Int }

    /// The active account with this id, or nil when there is none or it is disabled.
    package func active(_ id: UUID, on db: any Database) async throws -> Account? {
        guard
            let current = try await db.sql.raw("SELECT version FROM accounts WHERE id = \(bind: id) AND status = 'active'")
                .first(decoding: Current.self)
        else { return nil }
        if let known = lock.withLock({ remembered[id] }), known.version == current.version { return known }
        guard let fresh = try await Account.find(id, on: db), fresh.status == .active else { return nil }
        lock.withLock {
            if remembered.count >= capacity { remembered.removeAll(keepingCapacity: true) }
            remembered[id] = fresh
        }
        return fresh
    }
}

extension Application {
    private struct SignedInAccountsKey: StorageKey { typealias Value = SignedInAccounts }

    package var signedInAccounts: SignedInAccounts {
        get { storage[SignedInAccountsKey.self]! }
        set { storage[SignedInAccountsKey.self] = newValue }
    }
}
