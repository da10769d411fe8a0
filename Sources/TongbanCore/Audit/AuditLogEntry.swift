import Crypto
import Foundation

/// What an audit entry says: who did what to which resource, why, and in which request. The
/// business transaction stores it with its content hash; the sequencer later gives it a place in
/// the log's Merkle tree, whose leaf binds the place and the content hash together.
public struct AuditContent: Sendable, Equatable, Codable {
    /// Milliseconds since 1970 in UTC; an integer so that every database stores it exactly.
    public var atMillis: Int64
    public var actorID: String?
    public var actorLabel: String
    public var action: String
    public var resource: String
    public var purpose: String?
    public var requestID: String?
    public var details: String?

    public init(
        atMillis: Int64, actorID: String?, actorLabel: String, action: String, resource: String, purpose: String?, requestID: String?,
        details: String?
    ) {
        self.atMillis = atMillis
        self.actorID = actorID
        self.actorLabel = actorLabel
        self.action = action
        self.resource = resource
        self.purpose = purpose
        self.requestID = requestID
        self.details = details
    }

    /// The bytes the content hash covers: a label and every field length-prefixed (absent ones
    /// as `-`), so that no two different entries encode alike.
    public var canonical: String {
        var text = "tongban-audit-v2"
        for field in [String(atMillis), actorID, actorLabel, action, resource, purpose, requestID, details] {
            if let field {
                text += "|\(field.utf8.count):\(field)"
            } else {
                text += "|-"
            }
        }
        return text
    }

    /// SHA-256 of `canonical`, in hexadecimal.
    public var hash: String { Data(SHA256.hash(data: Data(canonical.utf8))).hexDigits }
}

/// The leaf of the log's tree for the entry at a position: its data names the position (1-based
/// sequence number) and the content hash, so an entry moved to another place no longer matches
/// its leaf.
public enum AuditLeaf {
    public static func data(sequence: Int64, contentHash: String) -> Data {
        Data("tongban-audit-leaf-v2|\(sequence)|\(contentHash)".utf8)
    }

    public static func hash(sequence: Int64, contentHash: String) -> Data {
        MerkleTree.leafHash(data(sequence: sequence, contentHash: contentHash))
    }
}

/// A tree head: how many entries the log held, the root of their tree, and when. What is signed
/// is a checkpoint in the manner of C2SP's tlog-checkpoint: an origin line, the size, the root in
/// base64, and the time as an extension line.
public struct AuditTreeHead: Sendable, Equatable {
    public static let origin = "tongban/audit-log/v1"

    public let size: Int64
    public let root: Data
    public let atMillis: Int64

    public init(size: Int64, root: Data, atMillis: Int64) {
        self.size = size
        self.root = root
        self.atMillis = atMillis
    }

    public var checkpoint: String {
        "\(Self.origin)\n\(size)\n\(root.base64EncodedString())\ntime \(atMillis)\n"
    }

    public func sign(with key: Curve25519.Signing.PrivateKey) throws -> Data {
        try key.signature(for: Data(checkpoint.utf8))
    }

    public func isSigned(_ signature: Data, by key: Curve25519.Signing.PublicKey) -> Bool {
        key.isValidSignature(signature, for: Data(checkpoint.utf8))
    }
}

/// Checks a stored log from its first entry: each entry's content against its content hash, its
/// leaf against its place, and each signed tree head's root against the tree the entries make.
/// Feed entries in sequence order and each head once the entries up to its size have been fed,
/// so a log of any length is checked page by page.
public struct AuditLogCheck: Sendable {
    public enum Reason: String, Sendable, Equatable {
        /// The entry's content is not what its hash was made from: it was edited.
        case contentMismatch = "entry content does not match its hash"
        /// The entry's leaf was made at another place: entries were reordered.
        case leafMismatch = "leaf does not match the entry's place"
        /// A sequence number is missing or repeated: an entry was deleted or inserted.
        case sequenceGap = "sequence number gap"
        /// The entries up to a signed head do not make its root.
        case rootMismatch = "tree head root does not match the entries"
        /// A head's signature does not verify with the log's published key.
        case badSignature = "tree head signature does not verify"
        /// Entries with a place in the log that no signed tree head covers: added behind the
        /// sequencer's back.
        case unsigned = "entry is in no signed tree head"
        /// An entry neither in a leaf nor queued for one: written behind the sequencer's back.
        case unplaced = "an entry is neither in the log nor queued for it"
    }

    public enum Verdict: Sendable, Equatable {
        case ok(entries: Int64, heads: Int)
        /// `sequence`: the first entry that is wrong (for a head, the first entry it added).
        case broken(sequence: Int64, reason: Reason)
    }

    public private(set) var frontier = MerkleFrontier()
    private var heads = 0
    private var lastHeadSize: Int64 = 0
    public private(set) var failure: Verdict?

    public init() {}

    public mutating func feed(sequence: Int64, content: AuditContent, contentHash: String, leafHash: Data) {
        guard failure == nil else { return }
        let expected = frontier.size + 1
        if sequence != expected {
            failure = .broken(sequence: min(sequence, expected), reason: .sequenceGap)
        } else if content.hash != contentHash {
            failure = .broken(sequence: sequence, reason: .contentMismatch)
        } else if AuditLeaf.hash(sequence: sequence, contentHash: contentHash) != leafHash {
            failure = .broken(sequence: sequence, reason: .leafMismatch)
        } else {
            frontier.append(leafHash: leafHash)
        }
    }

    /// A head whose size the entries fed so far have reached; `signed`: its signature verified.
    public mutating func check(_ head: AuditTreeHead, signed: Bool) {
        guard failure == nil else { return }
        if head.size != frontier.size {
            failure = .broken(sequence: min(head.size, frontier.size) + 1, reason: .sequenceGap)
        } else if !signed {
            failure = .broken(sequence: lastHeadSize + 1, reason: .badSignature)
        } else if head.root != frontier.root {
            failure = .broken(sequence: lastHeadSize + 1, reason: .rootMismatch)
        } else {
            heads += 1
            lastHeadSize = head.size
        }
    }

    /// The verdict once every entry and head has been fed.
    public var verdict: Verdict {
        if let failure { return failure }
        if frontier.size > lastHeadSize { return .broken(sequence: lastHeadSize + 1, reason: .unsigned) }
        return .ok(entries: frontier.size, heads: heads)
    }
}
