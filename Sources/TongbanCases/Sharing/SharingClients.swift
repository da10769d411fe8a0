import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import TongbanCore
import TongbanPlatform
import Vapor

/// Client systems' keys and rate limits. A key is `tbk_<prefix>_<secret>`: the prefix finds the
/// client, the SHA-256 of the whole key must match. Clients are cached for a few seconds so a
/// lookup costs no extra read, and a revoked key stops working within that time in every process.
package final class SharingClients: Sendable {
    package struct Known: Sendable {
        package let id: UUID
        package let departmentID: UUID
        package let departmentName: String
        package let name: String
        package let keyHash: String
        package let clearance: Sensitivity
        package let ratePerMinute: Int
        package let revoked: Bool
        package let expiresAt: Date?
        package let loadedAt: CacheAge
    }

    private let cache = NIOLockedValueBox<[String: Known]>([:])
    /// Each client's allowance: its per-minute limit, refilled continuously.
    private let buckets = NIOLockedValueBox<[UUID: TokenBucket]>([:])
    package static let freshFor: TimeInterval = 5

    /// A new key: shown once to whoever made the client.
    package static func newKey() -> (key: String, prefix: String, hash: String) {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let prefix = String((0..<10).map { _ in alphabet.randomElement(using: &generator)! })
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64URLEncodedString()
        let key = "tbk_\(prefix)_\(secret)"
        return (key, prefix, hash(key))
    }

    package static func hash(_ key: String) -> String { SHA256.hash(data: Data(key.utf8)).hex }

    /// The client a key belongs to, or nil for a malformed, unknown or revoked key.
    package func authenticate(_ key: String, on db: any Database) async throws -> Known? {
        let parts = key.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0] == "tbk", parts[1].count == 10 else { return nil }
        let prefix = String(parts[1])
        var known = cache.withLockedValue { $0[prefix] }.flatMap { $0.loadedAt.isYoungerThan(Self.freshFor) ? $0 : nil }
        if known == nil {
            guard let row = try await APIClient.query(on: db).filter(\.$keyPrefix == prefix).first() else { return nil }
            let fresh = Known(
                id: try row.requireID(), departmentID: row.departmentID, departmentName: row.departmentName, name: row.name,
                keyHash: row.keyHash, clearance: row.clearance, ratePerMinute: row.ratePerMinute, revoked: row.revokedAt != nil,
                expiresAt: row.expiresAt, loadedAt: CacheAge())
            cache.withLockedValue { $0[prefix] = fresh }
            known = fresh
        }
        guard let client = known, !client.revoked else { return nil }
        // constant-time comparison of the hashes
        let given = Array(Self.hash(key).utf8)
        let stored = Array(client.keyHash.utf8)
        guard given.count == stored.count, zip(given, stored).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        return client
    }

    /// Counts a request against the client's per-minute limit: admitted, or the seconds to wait.
    package func admit(_ client: Known, at now: Date) -> TokenBucket.Admission {
        buckets.withLockedValue { buckets in
            var bucket =
                buckets[client.id].flatMap { $0.capacity == Double(client.ratePerMinute) ? $0 : nil }
                ?? TokenBucket(capacity: client.ratePerMinute, period: 60, now: now)
            let admission = bucket.take(at: now)
            buckets[client.id] = bucket
            return admission
        }
    }

    package func forget(prefix: String) { cache.withLockedValue { _ = $0.removeValue(forKey: prefix) } }
}

extension Application {
    private struct SharingClientsKey: StorageKey { typealias Value = SharingClients }
    package var sharingClients: SharingClients {
        if let existing = storage[SharingClientsKey.self] { return existing }
        let made = SharingClients()
        storage[SharingClientsKey.self] = made
        return made
    }

    private struct DataResourcesKey: StorageKey { typealias Value = [String: DataResource] }
    /// The data-sharing catalog by resource code (`Resources/Catalog/data-resources.json`).
    package var dataResources: [String: DataResource] {
        get { storage[DataResourcesKey.self] ?? [:] }
        set { storage[DataResourcesKey.self] = newValue }
    }
}

package enum DataResourceFile {
    package struct File: Decodable { let resources: [DataResource] }

    package static func load(_ path: String) throws -> [String: DataResource] {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        var resources: [String: DataResource] = [:]
        for resource in file.resources {
            guard (try? CreditCode(resource.owner.code)) != nil, !resource.fields.isEmpty, resources[resource.code] == nil else {
                throw Abort(.internalServerError, reason: "data resource \(resource.code): owner code, fields or code invalid")
            }
            resources[resource.code] = resource
        }
        return resources
    }

    /// The key a subject's records are found by: the keyed hash of their identity number or
    /// credit code.
    package static func subjectKey(_ value: String, kind: AccountKind, keys: KeyRing) -> String {
        keys.lookupHash(value, field: kind == .enterprise ? "credit_code" : "identity_number")
    }
}
