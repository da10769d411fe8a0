import Crypto
import Foundation
import TongbanCore
import Vapor

extension Request {
    private struct AccountKey: StorageKey { typealias Value = Account }

    /// The signed-in account of this request, if any.
    package var currentAccount: Account? {
        get { storage[AccountKey.self] }
        set { storage[AccountKey.self] = newValue }
    }

    private struct AgencyKey: StorageKey { typealias Value = Agency }

    /// The person acting for the signed-in enterprise (经办人), if it is not the enterprise's own sign-in.
    package var currentAgency: Agency? {
        get { storage[AgencyKey.self] }
        set { storage[AgencyKey.self] = newValue }
    }

    package var currentActor: Actor? { context.actor }

    private struct UnreadKey: StorageKey { typealias Value = Int }

    /// The signed-in account's unread messages, counted for the page's header.
    package var unreadMessages: Int? {
        get { storage[UnreadKey.self] }
        set { storage[UnreadKey.self] = newValue }
    }

    package func requireAccount() throws -> Account {
        guard let account = currentAccount else { throw TongbanError.denied(.loginRequired) }
        return account
    }
}

package enum SecretToken {
    /// 256 random bits, URL-safe.
    package static func make() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the database keeps of a token: its SHA-256.
    package static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hex
    }
}

extension Digest {
    package var hex: String { Array(self).hex }
}
