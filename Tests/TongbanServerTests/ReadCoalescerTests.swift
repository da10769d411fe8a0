import Foundation
import NIOConcurrencyHelpers
import Testing
import TongbanPlatform
@testable import TongbanServer

@Suite("reads coalesced")
struct ReadCoalescerTests {
    struct Failure: Error {}

    @Test("reads asked together share queries; each caller gets the value of its own key, or nil; no query names a key twice")
    func shared() async throws {
        let queries = NIOLockedValueBox<[[Int]]>([])
        let coalescer = ReadCoalescer<Int, String>(lanes: 2, maxKeys: 50) { keys in
            queries.withLockedValue { $0.append(keys) }
            try await Task.sleep(for: .milliseconds(2))
            // odd keys are not stored
            return Dictionary(uniqueKeysWithValues: keys.filter { $0 % 2 == 0 }.map { ($0, "value \($0)") })
        }
        let asked = (0..<1_000).map { _ in Int.random(in: 0..<300) }
        let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for key in asked { group.addTask { (key, try await coalescer.read(key)) } }
            return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
        #expect(answers.count == asked.count)
        for (key, value) in answers { #expect(value == (key % 2 == 0 ? "value \(key)" : nil)) }
        let made = queries.withLockedValue { $0 }
        #expect(made.count < asked.count / 2, "\(made.count) queries for \(asked.count) reads")
        #expect(made.allSatisfy { $0.count <= 50 && Set($0).count == $0.count })
        #expect(Set(made.flatMap { $0 }) == Set(asked))
    }

    @Test("a failed query fails the reads that waited for it, and the next reads are tried again")
    func failure() async throws {
        let failing = NIOLockedValueBox(true)
        let coalescer = ReadCoalescer<Int, Int>(lanes: 1) { keys in
            if failing.withLockedValue({ $0 }) { throw Failure() }
            return Dictionary(uniqueKeysWithValues: keys.map { ($0, $0 * 10) })
        }
        await #expect(throws: Failure.self) { try await coalescer.read(1) }
        failing.withLockedValue { $0 = false }
        #expect(try await coalescer.read(1) == 10)
    }
}
