import Testing
@testable import TongbanCore

@Suite("the audit hash chain")
struct AuditChainTests {
    func chain(_ count: Int, rng: inout SplitMix64) -> [AuditRecord] {
        var records: [AuditRecord] = []
        var previous = AuditChain.genesis
        for sequence in 1...count {
            let record = AuditChain.seal(
                AuditRecord(
                    sequence: Int64(sequence), atMillis: 1_700_000_000_000 + Int64.random(in: 0...1_000_000, using: &rng),
                    actorID: Bool.random(using: &rng) ? nil : "actor-\(Int.random(in: 1...9, using: &rng))",
                    actorLabel: "staff:王\(sequence)",
                    action: ["auth.signIn", "account.register", "personalData.read"].randomElement(using: &rng)!,
                    resource: "account:\(sequence)", purpose: Bool.random(using: &rng) ? "办件审查" : nil, requestID: "r\(sequence)",
                    details: Bool.random(using: &rng) ? nil : "d|\(sequence)", previousHash: previous))
            previous = record.hash
            records.append(record)
        }
        return records
    }

    @Test("intact chains verify")
    func intact() {
        var rng = SplitMix64(seed: 1)
        for count in [1, 2, 10, 257] {
            #expect(AuditChain.verify(chain(count, rng: &rng)) == .ok(entries: count))
        }
        #expect(AuditChain.verify([]) == .ok(entries: 0))
    }

    @Test("changing any field of any entry is detected at that entry")
    func tampering() {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<200 {
            var records = chain(20, rng: &rng)
            let victim = Int.random(in: 0..<20, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: records[victim].actorLabel += "x"
            case 1: records[victim].atMillis += 1
            case 2: records[victim].action = "nothing.happened"
            case 3: records[victim].purpose = records[victim].purpose == nil ? "" : nil
            case 4: records[victim].details = (records[victim].details ?? "") + " "
            case 5: records[victim].resource = "account:other"
            default: records[victim].actorID = records[victim].actorID == nil ? "actor-1" : nil
            }
            #expect(AuditChain.verify(records) == .broken(sequence: Int64(victim + 1), reason: .hashMismatch))
        }
    }

    @Test("a resealed forgery breaks the link of the next entry")
    func resealed() {
        var rng = SplitMix64(seed: 3)
        var records = chain(10, rng: &rng)
        records[4].actorLabel = "someone else"
        records[4] = AuditChain.seal(records[4])
        #expect(AuditChain.verify(records) == .broken(sequence: 6, reason: .linkMismatch))
    }

    @Test("removed or repeated entries are detected")
    func gaps() {
        var rng = SplitMix64(seed: 4)
        var records = chain(10, rng: &rng)
        records.remove(at: 3)
        #expect(AuditChain.verify(records) == .broken(sequence: 5, reason: .sequenceGap))
        let again = chain(5, rng: &rng)
        #expect(AuditChain.verify(again + [again[4]]) == .broken(sequence: 5, reason: .sequenceGap))
    }

    @Test("field boundaries cannot be shifted without changing the hash")
    func boundaries() {
        let a = AuditRecord(
            sequence: 1, atMillis: 0, actorID: nil, actorLabel: "ab", action: "c", resource: "r", purpose: nil,
            requestID: nil, details: nil, previousHash: AuditChain.genesis)
        var b = a
        b.actorLabel = "a"
        b.action = "bc"
        #expect(AuditChain.hash(of: a) != AuditChain.hash(of: b))
    }
}
