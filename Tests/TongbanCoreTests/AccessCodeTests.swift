import Testing
@testable import TongbanCore

/// 查询码: random, typed back any way a person types it, nothing else taken.
@Suite("status-lookup codes")
struct AccessCodeTests {
    @Test("a generated code reads back as shown, in lower case, without the hyphen, with spaces, with I/L/O for 1/1/0")
    func roundTrips() throws {
        var random = SplitMix64(seed: 6)
        for _ in 0..<5000 {
            let code = AccessCode.random(using: &random)
            #expect(code.value.count == 8 && code.value.allSatisfy { AccessCode.alphabet.contains($0) })
            #expect(code.description.count == 9 && code.description.dropFirst(4).first == "-")
            for typed in [code.description, code.value.lowercased(), " " + code.description.replacingOccurrences(of: "-", with: " ") + " "]
            {
                #expect(try AccessCode(typed) == code)
            }
            let confusable = code.value.replacingOccurrences(of: "1", with: "l").replacingOccurrences(of: "0", with: "O")
            #expect(try AccessCode(confusable) == code)
            #expect(code.matches(code.value))
            let changed = String(code.value.dropLast()) + (code.value.last == "Z" ? "Y" : "Z")
            #expect(!code.matches(changed) && !code.matches(code.value + "0") && !code.matches(""))
        }
    }

    @Test("too short, too long, or a character outside the alphabet (U, punctuation, Chinese) is refused with its reason")
    func refusals() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let length = Int.random(in: 0...16, using: &random)
            let body = String((0..<length).map { _ in AccessCode.alphabet.randomElement(using: &random)! })
            if length != 8 {
                #expect(throws: AccessCode.Problem.wrongLength) { try AccessCode(body) }
            }
            for bad in ["U", "#", "码", "_"] where length >= 1 {
                let index = body.index(body.startIndex, offsetBy: Int.random(in: 0..<min(length, 8), using: &random))
                var broken = body
                broken.replaceSubrange(index...index, with: bad)
                #expect(throws: AccessCode.Problem.invalidCharacter) { try AccessCode(broken) }
            }
        }
        // 40 bits: two codes drawn alike in 5,000 would mean a broken source
        var seen = Set<AccessCode>()
        for _ in 0..<5000 { seen.insert(AccessCode.random()) }
        #expect(seen.count == 5000)
    }
}
