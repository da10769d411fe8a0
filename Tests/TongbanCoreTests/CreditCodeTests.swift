import Testing
@testable import TongbanCore

@Suite("GB 32100 unified social credit codes")
struct CreditCodeTests {
    @Test(
        "real published codes are valid",
        arguments: ["91350100M000100Y43", "91110000802100433B", "91330000142916567N", "91440300708461136T"])
    func realCodes(code: String) throws {
        #expect(try CreditCode(code).value == code)
    }

    @Test("thousands of generated valid codes are accepted")
    func generatedValid() throws {
        var rng = SplitMix64(seed: 32100)
        for _ in 0..<5000 {
            let code = Generate.creditCode(&rng)
            #expect(try CreditCode(code).value == code)
            #expect(try CreditCode(code.lowercased()).value == code)
        }
    }

    @Test("every single-character change of a valid code is rejected")
    func singleCharacterChanges() {
        var rng = SplitMix64(seed: 2015)
        let symbols = CreditCode.alphabet + Array("IOSVZ")
        var checked = 0
        for _ in 0..<200 {
            let code = Array(Generate.creditCode(&rng))
            for position in 0..<18 {
                for replacement in symbols where replacement != code[position] {
                    var changed = code
                    changed[position] = replacement
                    #expect(throws: CreditCode.Problem.self, "\(String(changed)) from \(String(code))") { try CreditCode(String(changed)) }
                    checked += 1
                }
            }
        }
        #expect(checked == 200 * 18 * 35)
    }

    @Test("each problem is named")
    func problems() {
        #expect(throws: CreditCode.Problem.wrongLength) { try CreditCode("91350100M000100Y4") }
        #expect(throws: CreditCode.Problem.invalidCharacter) { try CreditCode("91350100M0001O0Y43") }
        #expect(throws: CreditCode.Problem.regionNotDigits) {
            try CreditCode(CreditCode.completing("91A50100M000100Y4").map(\.value) ?? "91A50100M000100Y4X")
        }
        #expect(throws: CreditCode.Problem.wrongCheckCharacter) { try CreditCode("91350100M000100Y44") }
    }

    @Test("the region code is read from positions 3 to 8")
    func region() throws {
        #expect(try CreditCode("91330000142916567N").regionCode == "330000")
    }
}
