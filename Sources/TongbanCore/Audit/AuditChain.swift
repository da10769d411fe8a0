import Crypto
import Foundation

/// One entry of the append-only audit trail: who did what to which resource, why, and in which
/// request. Entries are chained: each hash covers the entry's content and the previous hash, so
/// changing, removing or reordering a stored entry breaks the chain from there on.
public struct AuditRecord: Sendable, Equatable, Codable {
    public var sequence: Int64
    /// Milliseconds since 1970 in UTC; an integer so that every database stores it exactly.
    public var atMillis: Int64
    public var actorID: String?
    public var actorLabel: String
    public var action: String
    public var resource: String
    public var purpose: String?
    public var requestID: String?
    public var details: String?
    public var previousHash: String
    public var hash: String

    public init(
        sequence: Int64, atMillis: Int64, actorID: String?, actorLabel: String, action: String, resource: String,
        purpose: String?, requestID: String?, details: String?, previousHash: String, hash: String = ""
    ) {
        self.sequence = sequence
        self.atMillis = atMillis
        self.actorID = actorID
        self.actorLabel = actorLabel
        self.action = action
        self.resource = resource
        self.purpose = purpose
        self.requestID = requestID
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
    }
}

public enum AuditChain {
    /// The "previous hash" of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 over the previous hash and a length-prefixed encoding of every field, so that no
    /// two different entries encode alike.
    public static func hash(of record: AuditRecord) -> String {
        var canonical = "tongban-audit-v1"
        for field in [
            String(record.sequence), String(record.atMillis), record.actorID, record.actorLabel, record.action,
            record.resource, record.purpose, record.requestID, record.details, record.previousHash,
        ] {
            if let field {
                canonical += "|\(field.utf8.count):\(field)"
            } else {
                canonical += "|-"
            }
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(canonical.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Fills in the hash of a record that follows `previousHash`.
    public static func seal(_ record: AuditRecord) -> AuditRecord {
        var sealed = record
        sealed.hash = hash(of: record)
        return sealed
    }

    public enum Verdict: Sendable, Equatable {
        case ok(entries: Int)
        case broken(sequence: Int64, reason: Reason)
    }

    public enum Reason: String, Sendable, Equatable {
        /// The stored hash is not the hash of the stored content.
        case hashMismatch = "hash does not match content"
        /// The entry does not point at the hash of the entry before it.
        case linkMismatch = "previous hash does not match the entry before"
        /// A sequence number is missing or repeated.
        case sequenceGap = "sequence number gap"
    }

    /// Walks entries in order; call `feed` once per entry and `finish` at the end, so a long
    /// trail can be checked page by page without holding it in memory.
    public struct Verifier: Sendable {
        private var expectedPrevious = AuditChain.genesis
        private var expectedSequence: Int64 = 1
        private var count = 0
        public private(set) var failure: Verdict?

        public init() {}

        public mutating func feed(_ record: AuditRecord) {
            guard failure == nil else { return }
            if record.sequence != expectedSequence {
                failure = .broken(sequence: record.sequence, reason: .sequenceGap)
            } else if record.previousHash != expectedPrevious {
                failure = .broken(sequence: record.sequence, reason: .linkMismatch)
            } else if AuditChain.hash(of: record) != record.hash {
                failure = .broken(sequence: record.sequence, reason: .hashMismatch)
            } else {
                expectedPrevious = record.hash
                expectedSequence += 1
                count += 1
            }
        }

        public var verdict: Verdict { failure ?? .ok(entries: count) }
    }

    public static func verify(_ records: some Sequence<AuditRecord>) -> Verdict {
        var verifier = Verifier()
        for record in records { verifier.feed(record) }
        return verifier.verdict
    }
}
