import Testing
@testable import TongbanCore

@Suite("Application numbers and form answers")
struct ApplicationNumberTests {
    @Test("2,000 generated numbers read back; every single substitution is caught, and nearly every swap of neighbours")
    func numbers() throws {
        var rng = SplitMix64(seed: 36)
        let regions = ["330106", "330102", "511602", "110105", "440305"]
        var substitutions = 0
        var swaps = 0
        var swapsCaught = 0
        for _ in 0..<2_000 {
            let date = CalendarDate(
                dayNumber: Int.random(
                    in: CalendarDate(iso: "2020-01-01")!.dayNumber...CalendarDate(iso: "2026-11-23")!.dayNumber, using: &rng))!
            let number = ApplicationNumber(
                region: try RegionCode(regions.randomElement(using: &rng)!), date: date,
                serial: Int.random(in: 1...99_999_999, using: &rng))
            let read = try ApplicationNumber(number.value)
            #expect(read == number && read.date == date)
            #expect(try ApplicationNumber(number.value.lowercased().replacingOccurrences(of: "-", with: " ")) == number)
            var chars = Array(number.value)
            let positions = chars.indices.filter { chars[$0] != "-" }
            // one substituted digit (or check character)
            let at = positions.randomElement(using: &rng)!
            let original = chars[at]
            chars[at] =
                at == chars.count - 1
                ? ISO7064.alphabet.filter { $0 != original }.randomElement(using: &rng)!
                : Character(String((original.wholeNumberValue! + Int.random(in: 1...9, using: &rng)) % 10))
            #expect(throws: ApplicationNumber.Problem.self) { try ApplicationNumber(String(chars)) }
            substitutions += 1
            // two neighbouring different digits swapped
            chars = Array(number.value)
            let pairs = positions.dropLast(2).filter { positions.contains($0 + 1) && chars[$0] != chars[$0 + 1] }
            if let i = pairs.randomElement(using: &rng) {
                chars.swapAt(i, i + 1)
                if (try? ApplicationNumber(String(chars))) == nil { swapsCaught += 1 }
                swaps += 1
            }
        }
        #expect(substitutions == 2_000 && swaps > 1_900)
        #expect(Double(swapsCaught) / Double(swaps) > 0.95, "\(swapsCaught) of \(swaps) swaps caught")
        // python-stdnum: iso7064.mod_37_36.calc_check_digit("33010620261123000000427") == "3"
        #expect(ISO7064.mod37_36("33010620261123000000427") == "3" && ISO7064.mod37_36("A12425GABC1234002") == "M")
        #expect(throws: ApplicationNumber.Problem.malformed) { try ApplicationNumber("330106-20261323-00000042-0") }
        #expect(throws: ApplicationNumber.Problem.malformed) { try ApplicationNumber("330106") }
    }

    @Test("form answers: every problem named at its field, answers normalised, unknown keys refused")
    func formAnswers() {
        let today = CalendarDate(iso: "2026-11-23")!
        let form = [
            FormField(key: "name", label: "名称", labelEn: "Name", type: .text, validation: FieldValidation(maxLength: 10)),
            FormField(key: "seats", label: "座位数", labelEn: "Seats", type: .number, validation: FieldValidation(minimum: 1, maximum: 500)),
            FormField(key: "opening", label: "开业日期", labelEn: "Opening", type: .date, required: false),
            FormField(key: "kind", label: "类型", labelEn: "Kind", type: .choice, choices: ["餐馆", "饮品店"]),
            FormField(key: "id", label: "身份证", labelEn: "ID", type: .identityNumber),
            FormField(key: "code", label: "信用代码", labelEn: "Code", type: .creditCode, required: false),
            FormField(key: "mobile", label: "手机", labelEn: "Mobile", type: .mobile),
            FormField(key: "region", label: "区划", labelEn: "Region", type: .region),
        ]
        let good = ["name": " 小馆 ", "seats": "40", "kind": "餐馆", "id": "11010519491231002x", "mobile": "13800138000", "region": "330106"]
        guard case let .success(clean) = FormCheck.check(good, against: form, today: today) else {
            Issue.record("good answers refused")
            return
        }
        #expect(clean["name"] == "小馆" && clean["id"] == "11010519491231002X" && clean["opening"] == nil)
        let bad = [
            "name": "一二三四五六七八九十一", "seats": "0", "opening": "2026-02-30", "kind": "酒吧", "id": "110105194912310021",
            "code": "91330106MA2B3C4D5X", "mobile": "1380013800", "region": "12", "extra": "x",
        ]
        guard case let .failure(problems) = FormCheck.check(bad, against: form, today: today) else {
            Issue.record("bad answers accepted")
            return
        }
        #expect(
            problems.errors.map(\.field).sorted() == [
                "form.code", "form.extra", "form.id", "form.kind", "form.mobile", "form.name", "form.opening", "form.region", "form.seats",
            ])
        guard case let .failure(missing) = FormCheck.check([:], against: form, today: today) else {
            Issue.record("empty answers accepted")
            return
        }
        #expect(Set(missing.errors.map(\.field)) == ["form.name", "form.seats", "form.kind", "form.id", "form.mobile", "form.region"])
        #expect(missing.errors.allSatisfy { $0.key == "field.required" })
    }
}
