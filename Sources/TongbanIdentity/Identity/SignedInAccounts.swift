import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TongbanPlatform
import Vapor

/// The accounts API clients sign in as, remembered by id and version, so that a disabled account,
/// changed roles or a new password take effect at once, from any server process, without each
/// request loading the account. (Every change of an account bumps its version.)
///
/// On PostgreSQL with the change feed live (`AccountChanges`), an account read while the feed
/// was live is trusted without a statement until a notice names it (a trigger notifies at the
/// commit of every change of its version or status, from any path or process); a notice that
/// arrives while a request is reading makes that read untrusted. Otherwise (SQLite, the feed not
/// yet or no longer live) every request asks the database whether the account is active and at
/// which version — one indexed read of two columns — and the account is loaded again only when
/// its version moved.
///
/// The remembered accounts are shared between requests and must not be changed in place: a
/// change loads its own copy.
package final class SignedInAccounts: @unchecked Sendable {
    private let lock = NIOLock()
    private var remembered: [UUID: Account] = [:]
    /// Remembered while the feed was live, with no notice since: used without asking.
    private var trusted: Set<UUID> = []
    private var live = false
    /// Moves on with every notice and every change of the feed's state: a read that saw it move
    /// may have missed a change.
    private var epoch: UInt64 = 0
    package let capacity: Int

    package init(capacity: Int = 10_000) { self.capacity = capacity }

    private struct Current: Decodable { let version: Int }

    /// The active account with this id, or nil when there is none or it is disabled.
    package func active(_ id: UUID, on db: any Database) async throws -> Account? {
        let (known, readAt, isTrusted) = lock.withLock { (remembered[id], epoch, live && trusted.contains(id)) }
        if isTrusted, let known { return known }
        guard
            let current = try await db.sql.raw("SELECT version FROM accounts WHERE id = \(bind: id) AND status = 'active'")
                .first(decoding: Current.self)
        else { return nil }
        if let known, known.version == current.version {
            remember(known, readAt: readAt)
            return known
        }
        guard let fresh = try await Account.find(id, on: db), fresh.status == .active else { return nil }
        remember(fresh, readAt: readAt)
        return fresh
    }

    private func remember(_ account: Account, readAt: UInt64) {
        guard let id = account.id else { return }
        lock.withLock {
            if remembered[id] == nil, remembered.count >= capacity {
                remembered.removeAll(keepingCapacity: true)
                trusted.removeAll(keepingCapacity: true)
            }
            remembered[id] = account
            if live && epoch == readAt { trusted.insert(id) }
        }
    }

    /// Whether accounts are being trusted between notices.
    package var isLive: Bool { lock.withLock { live } }

    /// Whether this account is being answered without asking the database.
    package func isTrusted(_ id: UUID) -> Bool { lock.withLock { live && trusted.contains(id) } }

    /// The feed became live, or stopped being: either way nothing read before is trusted.
    package func feed(live isLive: Bool) {
        lock.withLock {
            live = isLive
            epoch &+= 1
            trusted.removeAll(keepingCapacity: true)
        }
    }

    /// A notice: this account changed (an unreadable one, say from another tool, distrusts all).
    package func changed(_ payload: String) {
        lock.withLock {
            epoch &+= 1
            if let id = UUID(uuidString: payload) {
                trusted.remove(id)
            } else {
                trusted.removeAll(keepingCapacity: true)
            }
        }
    }
}

extension Application {
    private struct SignedInAccountsKey: StorageKey { typealias Value = SignedInAccounts }

    package var signedInAccounts: SignedInAccounts {
        get { storage[SignedInAccountsKey.self]! }
        set { storage[SignedInAccountsKey.self] = newValue }
    }
}
