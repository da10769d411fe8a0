import Foundation
import Testing
@testable import TongbanCore

@Suite("time-ordered identifiers (UUID version 7)")
struct TimeOrderedIDTests {
    @Test("each carries its millisecond, version 7 and the RFC 9562 variant, and reads back as a UUID from its text")
    func layout() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let millis = UInt64.random(in: 0..<(1 << 44), using: &random)  // to the year 2527
            let id = UUID.timeOrdered(at: Date(timeIntervalSince1970: Double(millis) / 1000 + 0.0004), using: &random)
            let text = id.uuidString
            #expect(id.timeOrderedMillis == millis)
            #expect(Array(text)[14] == "7")
            #expect("89AB".contains(Array(text)[19]))
            #expect(UUID(uuidString: text) == id)
        }
        #expect(UUID().timeOrderedMillis == nil)
    }

    @Test("made at later milliseconds they sort later, as text (how SQLite stores them) and as bytes (PostgreSQL)")
    func order() {
        var random = SystemRandomNumberGenerator()
        var millis: UInt64 = 1_790_000_000_000
        var made: [UUID] = []
        for _ in 0..<5_000 {
            millis += UInt64.random(in: 1...5_000, using: &random)
            made.append(UUID.timeOrdered(at: Date(timeIntervalSince1970: Double(millis) / 1000 + 0.0004), using: &random))
        }
        let texts = made.map(\.uuidString)
        #expect(texts == texts.sorted())
        let bytes = made.map { withUnsafeBytes(of: $0.uuid) { Array($0) } }
        #expect(bytes == bytes.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test("within one millisecond they stay distinct")
    func distinct() {
        let now = Date()
        let ids = (0..<100_000).map { _ in UUID.timeOrdered(at: now) }
        #expect(Set(ids).count == ids.count)
        #expect(Set(ids.map(\.timeOrderedMillis)).count == 1)
    }
}
