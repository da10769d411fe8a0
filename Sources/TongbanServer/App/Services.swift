import Foundation
import NIOPosix
import TongbanCore
import Vapor

extension Application {
    private struct ConfigurationKey: StorageKey { typealias Value = TongbanConfiguration }
    private struct KeyRingKey: StorageKey { typealias Value = KeyRing }

    var tongban: TongbanConfiguration {
        get { storage[ConfigurationKey.self]! }
        set { storage[ConfigurationKey.self] = newValue }
    }

    var keys: KeyRing {
        get { storage[KeyRingKey.self]! }
        set { storage[KeyRingKey.self] = newValue }
    }

    /// bcrypt off the event loop.
    func hashPassword(_ password: String) async throws -> String {
        let cost = tongban.passwordCost
        return try await threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verifyPassword(_ password: String, against hash: String) async throws -> Bool {
        try await threadPool.runIfActive { (try? Bcrypt.verify(password, created: hash)) ?? false }
    }

    /// Today's calendar date in Asia/Shanghai on the platform clock: deadlines count from it,
    /// birth dates are checked against it.
    var today: CalendarDate { clock.today }
}
