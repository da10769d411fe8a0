import Testing
@testable import TongbanCore

@Suite("E-licence identifiers and types")
struct LicenseIdentifierTests {
    static func creditCode(_ rng: inout SplitMix64) -> CreditCode {
        let alphabet = CreditCode.alphabet
        var first17 = "91330106"
        for _ in 0..<9 { first17.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
        return CreditCode.completing(first17)!
    }

    static func identifier(_ rng: inout SplitMix64) -> LicenseIdentifier {
        let authority = creditCode(&rng)
        let serial = String(Int.random(in: 1...999_999_999_999, using: &rng))
        return try! LicenseIdentifier.make(
            typeCode: authority.value + Int.random(in: 1...999, using: &rng).zeroPadded(to: 3),
            issuer: creditCode(&rng), serial: serial, version: Int.random(in: 1...999, using: &rng))
    }

    @Test("3,000 generated identifiers read back with their parts")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 36904)
        for _ in 0..<3_000 {
            let id = Self.identifier(&rng)
            let again = try LicenseIdentifier(id.value.lowercased())
            #expect(again == id && again.issuer == id.issuer && again.serial == id.serial && again.version == id.version)
            #expect(id.value.hasPrefix("1.2.156.3005.2."))
        }
    }

    @Test("every change of one character in 100 identifiers is refused")
    func substitutions() {
        var rng = SplitMix64(seed: 7064)
        let symbols = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.")
        var tried = 0
        for _ in 0..<100 {
            let id = Self.identifier(&rng)
            let chars = Array(id.value)
            for position in LicenseIdentifier.prefix.count..<chars.count {
                for symbol in symbols where symbol != chars[position] {
                    var changed = chars
                    changed[position] = symbol
                    tried += 1
                    #expect((try? LicenseIdentifier(String(changed))) == nil, "\(String(changed)) accepted")
                }
            }
        }
        #expect(tried > 100 * 60 * 30)
    }

    @Test("each problem is named")
    func problems() throws {
        var rng = SplitMix64(seed: 1)
        let id = Self.identifier(&rng)
        let parts = id.value.split(separator: ".").map(String.init)
        func attempt(_ text: String) -> LicenseIdentifier.Problem? {
            do {
                _ = try LicenseIdentifier(text)
                return nil
            } catch { return error }
        }
        #expect(attempt("") == .malformed)
        #expect(attempt("1.2.156.3005.3." + parts[5...].joined(separator: ".")) == .malformed)
        #expect(attempt(id.value + ".X") == .malformed)
        var badType = parts
        badType[5] = "1234567890123456I8001"
        #expect(attempt(badType.joined(separator: ".")) == .badTypeCode)
        var badIssuer = parts
        badIssuer[6] = "91330106MA2KXTW08X"
        #expect(attempt(badIssuer.joined(separator: ".")) == .badIssuerCode)
        var badCheck = parts
        badCheck[9] = badCheck[9] == "A" ? "B" : "A"
        #expect(attempt(badCheck.joined(separator: ".")) == .badCheckCharacter)
    }

    @Test("validity: N years from issue, the day before the anniversary; long-term types never expire")
    func validity() {
        let authority = ItemDepartment(name: "国家市场监督管理总局", code: "11100000MA00000011")
        var type = LicenseType(
            code: "spjyxkz", typeCode: "11100000MA0000001Q002", name: "食品经营许可证", nameEn: "Food business licence",
            authority: authority, fields: [.init(key: "operator", label: "经营者名称", labelEn: "Operator")], validityYears: 5)
        #expect(type.validUntil(issuedOn: CalendarDate(year: 2026, month: 11, day: 23)!) == CalendarDate(year: 2031, month: 11, day: 22))
        #expect(type.validUntil(issuedOn: CalendarDate(year: 2024, month: 2, day: 29)!) == CalendarDate(year: 2029, month: 2, day: 27))
        #expect(type.validUntil(issuedOn: CalendarDate(year: 2026, month: 1, day: 1)!) == CalendarDate(year: 2030, month: 12, day: 31))
        type.validityYears = nil
        #expect(type.validUntil(issuedOn: CalendarDate(year: 2026, month: 11, day: 23)!) == nil)
    }

    @Test("status changes: from valid and suspended only, never to expired, never out of an end")
    func statusChanges() {
        for from in LicenseStatus.allCases {
            for to in LicenseStatus.allCases {
                let expected =
                    (from == .valid && [.suspended, .withdrawn, .cancelled, .revoked].contains(to))
                    || (from == .suspended && [.valid, .withdrawn, .cancelled, .revoked].contains(to))
                #expect(from.canChange(to: to) == expected, "\(from) → \(to)")
            }
        }
    }
}
