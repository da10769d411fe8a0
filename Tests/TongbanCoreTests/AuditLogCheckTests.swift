import Crypto
import Foundation
import Testing

@testable import TongbanCore

@Suite("checking the audit log")
struct AuditLogCheckTests {
    struct Stored {
        var sequence: Int64
        var content: AuditContent
        var contentHash: String
        var leafHash: Data
    }

    static let key = Curve25519.Signing.PrivateKey()

    /// A log of `count` entries with a signed head after every `batch` entries (and at the end).
    static func log(_ count: Int, batch: Int, rng: inout SplitMix64) -> (entries: [Stored], heads: [(AuditTreeHead, Data)]) {
        var entries: [Stored] = []
        var heads: [(AuditTreeHead, Data)] = []
        var frontier = MerkleFrontier()
        for sequence in 1...Int64(count) {
            let content = AuditContent(
                atMillis: 1_790_000_000_000 + sequence * 7, actorID: Bool.random(using: &rng) ? nil : UUID().uuidString,
                actorLabel: "窗口 · 王\(sequence)", action: ["auth.signIn", "data.read", "application.submitted"].randomElement(using: &rng)!,
                resource: "application:\(sequence)", purpose: Bool.random(using: &rng) ? "办件审查" : nil, requestID: "r\(sequence)",
                details: Bool.random(using: &rng) ? nil : "fields a|b")
            let leaf = AuditLeaf.hash(sequence: sequence, contentHash: content.hash)
            frontier.append(leafHash: leaf)
            entries.append(Stored(sequence: sequence, content: content, contentHash: content.hash, leafHash: leaf))
            if sequence % Int64(batch) == 0 || sequence == Int64(count) {
                let head = AuditTreeHead(size: frontier.size, root: frontier.root, atMillis: content.atMillis + 100)
                heads.append((head, try! head.sign(with: key)))
            }
        }
        return (entries, heads)
    }

    static func check(_ entries: [Stored], _ heads: [(AuditTreeHead, Data)]) -> AuditLogCheck.Verdict {
        var check = AuditLogCheck()
        var pending = heads[...]
        for entry in entries {
            check.feed(sequence: entry.sequence, content: entry.content, contentHash: entry.contentHash, leafHash: entry.leafHash)
            while let (head, signature) = pending.first, head.size <= check.frontier.size {
                check.check(head, signed: head.isSigned(signature, by: key.publicKey))
                pending = pending.dropFirst()
            }
        }
        // a head beyond the entries: they were cut short
        for (head, signature) in pending { check.check(head, signed: head.isSigned(signature, by: key.publicKey)) }
        return check.verdict
    }

    @Test("an untouched log checks, whatever its length and batches")
    func intact() {
        var rng = SplitMix64(seed: 1)
        for (count, batch) in [(1, 1), (2, 5), (63, 8), (64, 64), (300, 17)] {
            let (entries, heads) = Self.log(count, batch: batch, rng: &rng)
            #expect(Self.check(entries, heads) == .ok(entries: Int64(count), heads: heads.count))
        }
    }

    @Test("an edited, deleted or reordered entry is named; a forged head is caught")
    func tampering() {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<300 {
            var (entries, heads) = Self.log(40, batch: 6, rng: &rng)
            let victim = Int.random(in: 0..<39, using: &rng)
            let sequence = Int64(victim + 1)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0:
                entries[victim].content.details = (entries[victim].content.details ?? "") + "x"
                #expect(Self.check(entries, heads) == .broken(sequence: sequence, reason: .contentMismatch))
            case 1:
                entries[victim].content.atMillis += 1
                #expect(Self.check(entries, heads) == .broken(sequence: sequence, reason: .contentMismatch))
            case 2:
                entries.remove(at: victim)
                #expect(Self.check(entries, heads) == .broken(sequence: sequence, reason: .sequenceGap))
            case 3:
                // two rows swap places (their numbers)
                entries.swapAt(victim, victim + 1)
                entries[victim].sequence = sequence
                entries[victim + 1].sequence = sequence + 1
                #expect(Self.check(entries, heads) == .broken(sequence: sequence, reason: .leafMismatch))
            case 4:
                // an edit with its hashes made again: only the signed head catches it
                entries[victim].content.actorLabel = "someone else"
                entries[victim].contentHash = entries[victim].content.hash
                entries[victim].leafHash = AuditLeaf.hash(sequence: sequence, contentHash: entries[victim].contentHash)
                let headBefore = heads.last { $0.0.size < sequence }?.0.size ?? 0
                #expect(Self.check(entries, heads) == .broken(sequence: headBefore + 1, reason: .rootMismatch))
            case 5:
                // the newest entries cut off: the last head still counts them
                let kept = Int(heads[heads.count - 2].0.size) + 1
                entries.removeLast(entries.count - kept)
                #expect(Self.check(entries, heads) == .broken(sequence: Int64(kept) + 1, reason: .sequenceGap))
            default:
                let index = Int.random(in: 0..<heads.count, using: &rng)
                let head = heads[index].0
                heads[index].0 = AuditTreeHead(size: head.size, root: head.root, atMillis: head.atMillis + 1)
                let headBefore = index == 0 ? 0 : heads[index - 1].0.size
                #expect(Self.check(entries, heads) == .broken(sequence: headBefore + 1, reason: .badSignature))
            }
        }
    }

    @Test("the content hash covers every field and tells absent from empty")
    func contentHash() {
        let base = AuditContent(
            atMillis: 1, actorID: "a", actorLabel: "b", action: "c", resource: "d", purpose: "e", requestID: "f", details: "g")
        var variants = [base]
        for change in 0..<8 {
            var changed = base
            switch change {
            case 0: changed.atMillis = 2
            case 1: changed.actorID = nil
            case 2: changed.actorLabel = "b|"
            case 3: changed.action = "c2"
            case 4: changed.resource = ""
            case 5: changed.purpose = ""
            case 6: changed.requestID = nil
            default: changed.details = "|1:g"
            }
            variants.append(changed)
        }
        #expect(Set(variants.map(\.hash)).count == variants.count)
        #expect(AuditLeaf.hash(sequence: 1, contentHash: base.hash) != AuditLeaf.hash(sequence: 2, contentHash: base.hash))
    }
}
