import Testing
@testable import TongbanCore

@Suite("GB 11643 identity numbers")
struct IdentityNumberTests {
    let today = Generate.today

    @Test("published examples are valid")
    func publishedExamples() throws {
        // The standard's own example, with an X check character, and a classic example.
        let x = try IdentityNumber("11010519491231002X", today: today)
        #expect(x.birthDate == CalendarDate(year: 1949, month: 12, day: 31))
        #expect(!x.isMale)
        #expect(try IdentityNumber("11010519491231002x", today: today).value == "11010519491231002X")
    }

    @Test("thousands of generated valid numbers are accepted")
    func generatedValid() throws {
        var rng = SplitMix64(seed: 11643)
        for _ in 0..<5000 {
            let number = Generate.identityNumber(&rng)
            let parsed = try IdentityNumber(number, today: today)
            #expect(parsed.value == number)
            #expect(
                parsed.masked.count == 18 && parsed.masked.hasPrefix(String(number.prefix(6)))
                    && parsed.masked.hasSuffix(String(number.suffix(4))))
        }
    }

    @Test("every single-character change of a valid number is rejected")
    func singleCharacterChanges() {
        var rng = SplitMix64(seed: 20260)
        let symbols = Array("0123456789X")
        var checked = 0
        for _ in 0..<300 {
            let number = Array(Generate.identityNumber(&rng))
            for position in 0..<18 {
                for replacement in symbols where replacement != number[position] {
                    var changed = number
                    changed[position] = replacement
                    #expect(throws: IdentityNumber.Problem.self, "\(String(changed)) from \(String(number))") {
                        try IdentityNumber(String(changed), today: today)
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 300 * 18 * 10)
    }

    @Test("each problem is named")
    func problems() {
        #expect(throws: IdentityNumber.Problem.wrongLength) { try IdentityNumber("3301061990030712", today: today) }
        #expect(throws: IdentityNumber.Problem.notDigits) { try IdentityNumber("33010619900307A236", today: today) }
        // 1990-02-30 does not exist; the check character is correct for the digits.
        let feb30 = "33010619900230123"
        #expect(throws: IdentityNumber.Problem.invalidBirthDate) {
            try IdentityNumber(feb30 + String(IdentityNumber.checkCharacter(for: feb30.compactMap(\.wholeNumberValue))), today: today)
        }
        let future = "33010620301201123"
        #expect(throws: IdentityNumber.Problem.birthDateInFuture) {
            try IdentityNumber(future + String(IdentityNumber.checkCharacter(for: future.compactMap(\.wholeNumberValue))), today: today)
        }
        let tomorrow = "33010620261124123"
        #expect(throws: IdentityNumber.Problem.birthDateInFuture) {
            try IdentityNumber(tomorrow + String(IdentityNumber.checkCharacter(for: tomorrow.compactMap(\.wholeNumberValue))), today: today)
        }
        #expect(throws: IdentityNumber.Problem.wrongCheckCharacter) { try IdentityNumber("330106199003071235", today: today) }
    }

    @Test("a birth date of today is accepted")
    func bornToday() throws {
        let stem = "33010620261123001"
        #expect(IdentityNumber.completing(stem, today: today) != nil)
    }
}

@Suite("mainland mobile numbers and masking")
struct MobileAndMaskingTests {
    @Test("valid forms are normalised", arguments: ["13812345678", "+86 138 1234 5678", "8613812345678", "138-1234-5678", "19912345678"])
    func valid(raw: String) throws {
        #expect(try MobileNumber(raw).value.count == 11)
    }

    @Test(
        "invalid numbers are rejected",
        arguments: ["1381234567", "23812345678", "12812345678", "138123456789", "1381234567a", "", "+1 13812345678"])
    func invalid(raw: String) {
        #expect(throws: MobileNumber.Problem.invalid) { try MobileNumber(raw) }
    }

    @Test("masking keeps only the agreed parts")
    func masking() throws {
        #expect(Masking.identityNumber("330106199003071236") == "330106********1236")
        #expect(try MobileNumber("13812345678").masked == "138****5678")
        #expect(Masking.keep("abc", head: 3, tail: 4) == "***")
    }
}
