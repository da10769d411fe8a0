import Foundation
import NIOPosix
import TongbanCore
import Vapor

extension Application {
    private struct ConfigurationKey: StorageKey { typealias Value = TongbanConfiguration }
    private struct KeyRingKey: StorageKey { typealias Value = KeyRing }

    package var tongban: TongbanConfiguration {
        get { storage[ConfigurationKey.self]! }
        set { storage[ConfigurationKey.self] = newValue }
    }

    package var keys: KeyRing {
        get { storage[KeyRingKey.self]! }
        set { storage[KeyRingKey.self] = newValue }
    }

    /// Hashing and checking passwords, at the configured cost, on the application's thread pool.
    package var passwords: PasswordHasher { PasswordHasher(pool: threadPool, cost: tongban.passwordCost) }

    package func hashPassword(_ password: String) async throws -> String {
        try await passwords.hash(password)
    }

    /// Today's calendar date in Asia/Shanghai on the platform clock: deadlines count from it,
    /// birth dates are checked against it.
    package var today: CalendarDate { clock.today }
}

/// bcrypt off the event loop: a hash takes tens of milliseconds by design.
package struct PasswordHasher: Sendable {
    package let pool: NIOThreadPool
    package let cost: Int

    package func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await pool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    package func verify(_ password: String, against hash: String) async throws -> Bool {
        try await pool.runIfActive { (try? Bcrypt.verify(password, created: hash)) ?? false }
    }
}
