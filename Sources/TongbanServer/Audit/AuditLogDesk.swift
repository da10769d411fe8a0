import Fluent
import Foundation
import TongbanCore
import TongbanPlatform

/// The audit log's proofs: the signed tree head anyone may fetch, an entry's inclusion in it for
/// those who may see the entry (the data subject of a read, the region's supervisors), and the
/// consistency of two heads (only hashes: anyone).
struct AuditLogDesk {
    let context: UseCaseContext

    struct TreeHead: Codable, Equatable, Sendable {
        let treeSize: Int64
        /// The root, in hexadecimal.
        let rootHash: String
        let timestamp: Date
        /// The same, in milliseconds since 1970 (UTC), as the checkpoint has it.
        let timestampMillis: Int64
        let keyID: String
        /// Ed25519 over `checkpoint`, in base64.
        let signature: String
        /// The signed text: origin, size, root in base64, time.
        let checkpoint: String

        init(_ stored: StoredTreeHead) {
            treeSize = stored.head.size
            rootHash = stored.head.root.hexDigits
            timestamp = Date(timeIntervalSince1970: Double(stored.head.atMillis) / 1000)
            timestampMillis = stored.head.atMillis
            keyID = stored.keyID
            signature = stored.signature.base64EncodedString()
            checkpoint = stored.head.checkpoint
        }
    }

    struct Inclusion: Codable, Equatable, Sendable {
        let entryKey: String
        let sequence: Int64
        /// What the entry says (its content hash is SHA-256 of `canonical`), for the data subject
        /// of a read; a supervisor, who reads the trail with people's names masked, gets the
        /// hashes alone.
        let content: AuditContent?
        let canonical: String?
        let contentHash: String
        /// SHA-256(0x00 ‖ "tongban-audit-leaf-v2|<sequence>|<contentHash>").
        let leafHash: String
        /// The audit path from the leaf's sibling up (RFC 9162 §2.1.3.1), in hexadecimal.
        let path: [String]
        let treeHead: TreeHead
    }

    struct Consistency: Codable, Equatable, Sendable {
        let from: Int64
        let to: Int64
        /// RFC 9162 §2.1.4.1, in hexadecimal.
        let path: [String]
        /// The signed heads of the two sizes, where a batch ended there.
        let fromHead: TreeHead?
        let toHead: TreeHead?
    }

    func latestHead() async throws -> TreeHead {
        guard let head = try await AuditTree.latestHead(on: context.db) else { throw TongbanError.notFound("audit tree head") }
        return TreeHead(head)
    }

    /// Entry `entryKey`'s proof in the signed head of `treeSize` entries (default: the newest).
    func inclusion(entryKey: String, treeSize: Int64?) async throws -> Inclusion {
        try await entryAndInclusion(entryKey: entryKey, treeSize: treeSize).proof
    }

    /// The entry as stored (a page shows it, masked for a supervisor) with its proof.
    func entryAndInclusion(entryKey: String, treeSize: Int64?) async throws -> (entry: AuditEntry, proof: Inclusion) {
        _ = try context.requireAccount()
        guard let entry = try await AuditEntry.query(on: context.db).filter(\.$entryKey == entryKey).first() else {
            throw TongbanError.notFound("audit entry")
        }
        let subject = try await authorizeView(entry)
        guard let (sequence, leafHash) = try await AuditLog.leaf(ofEntry: try entry.requireID(), on: context.db) else {
            throw TongbanError.conflict("audit.notYetInLog")
        }
        guard let latest = try await AuditTree.latestHead(on: context.db) else { throw TongbanError.conflict("audit.notYetInLog") }
        let size = treeSize ?? latest.head.size
        guard size <= latest.head.size else { throw TongbanError.invalid(field: "treeSize", "audit.beyondHead") }
        guard size >= sequence else { throw TongbanError.invalid(field: "treeSize", "audit.entryAfterSize") }
        guard let head = try await AuditTree.head(size: size, on: context.db) else {
            throw TongbanError.invalid(field: "treeSize", "audit.noSignedHead")
        }
        let path = try await AuditTree.inclusionProof(sequence: sequence, size: size, on: context.db)
        let content = subject ? entry.opened(context.keys).content : nil
        let proof = Inclusion(
            entryKey: entryKey, sequence: sequence, content: content, canonical: content?.canonical, contentHash: entry.contentHash,
            leafHash: leafHash, path: path.map(\.hexDigits), treeHead: TreeHead(head))
        return (entry, proof)
    }

    /// The proof that the tree of `to` entries extends the tree of `from`.
    func consistency(from: Int64, to: Int64) async throws -> Consistency {
        guard from <= to else { throw TongbanError.invalid(field: "from", "audit.rangeBackwards") }
        guard let latest = try await AuditTree.latestHead(on: context.db), to <= latest.head.size else {
            throw TongbanError.invalid(field: "to", "audit.beyondHead")
        }
        let path = try await AuditTree.consistencyProof(from: from, to: to, on: context.db)
        return Consistency(
            from: from, to: to, path: path.map(\.hexDigits),
            fromHead: try await AuditTree.head(size: from, on: context.db).map(TreeHead.init),
            toHead: try await AuditTree.head(size: to, on: context.db).map(TreeHead.init))
    }

    /// The subject of a read sees its entry (true); supervisors and admins, the entries of their
    /// region (false). Anyone else learns nothing, not even that the entry exists.
    private func authorizeView(_ entry: AuditEntry) async throws -> Bool {
        if let read = try await DataRead.query(on: context.db).filter(\.$auditKey == entry.entryKey).first(),
            context.account?.id == read.subjectID
        {
            try context.authorize(.view, .holderRecords(holderID: read.subjectID))
            return true
        }
        guard context.allows(.view, .auditEntry(regionCode: entry.regionCode.flatMap { try? RegionCode($0) })) else {
            throw TongbanError.notFound("audit entry")
        }
        return false
    }
}
