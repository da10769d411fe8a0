import Testing
@testable import TongbanCore

/// 秒批 rules: generated answers and bounds checked against plain arithmetic on numbers and day
/// numbers, so the evaluator's string handling cannot hide a wrong comparison.
@Suite("Instant approval rules")
struct InstantRulesTests {
    static let today = CalendarDate(year: 2026, month: 11, day: 23)!
    static let fields = [
        FormField(key: "wage", label: "月工资", labelEn: "Monthly wage", type: .number),
        FormField(key: "hired", label: "录用日期", labelEn: "Hire date", type: .date),
        FormField(key: "kind", label: "类型", labelEn: "Kind", type: .choice, choices: ["甲", "乙", "丙"]),
        FormField(key: "note", label: "备注", labelEn: "Note", type: .text, required: false),
    ]

    @Test("5,000 generated rule sets: each line holds exactly when the arithmetic says so; the set passes only when every line does")
    func generated() {
        var rng = SplitMix64(seed: 20261123)
        for _ in 0..<5_000 {
            let wage = Int.random(in: 0...10_000, using: &rng)
            let hiredOffset = Int.random(in: -60...10, using: &rng)
            let hired = Self.today.adding(days: hiredOffset)!
            let kind = ["甲", "乙", "丙"].randomElement(using: &rng)!
            var form = ["wage": String(wage), "hired": hired.description, "kind": kind]
            if Bool.random(using: &rng) { form["note"] = "有" }
            var rules: [InstantRule] = []
            var expected: [Bool] = []
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                switch Int.random(in: 0..<7, using: &rng) {
                case 0:
                    let bound = Int.random(in: 0...10_000, using: &rng)
                    rules.append(InstantRule(field: "wage", test: .atLeast, value: String(bound)))
                    expected.append(wage >= bound)
                case 1:
                    let bound = Double(Int.random(in: 0...100_000, using: &rng)) / 10
                    rules.append(InstantRule(field: "wage", test: .atMost, value: String(bound)))
                    expected.append(Double(wage) <= bound)
                case 2:
                    let days = Int.random(in: 0...60, using: &rng)
                    rules.append(InstantRule(field: "hired", test: .atLeast, value: "today-\(days)"))
                    expected.append(hiredOffset >= -days)
                case 3:
                    let days = Int.random(in: 0...10, using: &rng)
                    rules.append(InstantRule(field: "hired", test: .atMost, value: days == 0 ? "today" : "today+\(days)"))
                    expected.append(hiredOffset <= days)
                case 4:
                    let date = Self.today.adding(days: Int.random(in: -60...10, using: &rng))!
                    rules.append(InstantRule(field: "hired", test: .atLeast, value: date.description))
                    expected.append(hired.dayNumber >= date.dayNumber)
                case 5:
                    let allowed = Array(["甲", "乙", "丙"].shuffled(using: &rng).prefix(Int.random(in: 1...2, using: &rng)))
                    if allowed.count == 1 {
                        rules.append(InstantRule(field: "kind", test: .equals, value: allowed[0]))
                    } else {
                        rules.append(InstantRule(field: "kind", test: .oneOf, values: allowed))
                    }
                    expected.append(allowed.contains(kind))
                default:
                    rules.append(InstantRule(field: "note", test: .answered))
                    expected.append(form["note"] != nil)
                }
            }
            var problems = FieldErrors()
            InstantRules.check(rules, form: Self.fields, &problems)
            #expect(problems.isEmpty)
            let outcome = InstantRules.evaluate(rules, form: form, fields: Self.fields, today: Self.today)
            #expect(outcome.trace.count == rules.count)
            #expect(outcome.trace.map { $0.hasSuffix("✓") } == expected, "\(rules) \(form)")
            #expect(outcome.passed == expected.allSatisfy { $0 })
        }
    }

    @Test("a submitted case is decided at once exactly when the rules pass; an item without rules never is")
    func decide() throws {
        let submitted = try CaseMachine.apply(.submit, to: CaseRecord(limit: 5), .init(actor: .applicant, today: Self.today))
        var item = ServiceItem(
            basicCode: try BasicCode("332C0005000001"), name: "就业登记", kind: ItemKind.allCases[0],
            department: ItemDepartment(name: "人社局", code: "11330106002489356X"), regionCode: try RegionCode("330106"),
            level: .county, form: Self.fields)
        #expect(InstantRules.decide(submitted, item: item, form: ["wage": "3000"], today: Self.today).outcome == nil)
        item.instantRules = [InstantRule(field: "wage", test: .atLeast, value: "2490")]
        let passed = InstantRules.decide(submitted, item: item, form: ["wage": "3000"], today: Self.today)
        #expect(
            passed.record.state == .decided && passed.record.decision?.route == .instant
                && passed.record.decision?.trace == passed.outcome?.trace)
        let failed = InstantRules.decide(submitted, item: item, form: ["wage": "2000"], today: Self.today)
        #expect(failed.record == submitted && failed.outcome?.passed == false)
        // only a case just submitted: an accepted one is never decided by rules
        let accepted = try CaseMachine.apply(
            .accept, to: try CaseMachine.apply(.passPrereview, to: submitted, .init(actor: .clerk, today: Self.today)),
            .init(actor: .clerk, today: Self.today))
        #expect(InstantRules.decide(accepted, item: item, form: ["wage": "3000"], today: Self.today).record == accepted)
    }

    @Test("malformed rules are named at their paths")
    func malformed() {
        let rules = [
            InstantRule(field: "missing", test: .equals, value: "x"),
            InstantRule(field: "kind", test: .equals, value: "丁"),
            InstantRule(field: "kind", test: .atLeast, value: "甲"),
            InstantRule(field: "wage", test: .atLeast, value: "lots"),
            InstantRule(field: "hired", test: .atMost, value: "today+x"),
            InstantRule(field: "hired", test: .atMost),
            InstantRule(field: "note", test: .answered, value: "x"),
            InstantRule(field: "kind", test: .oneOf),
            InstantRule(field: "wage", test: .atLeast, value: "2490"),
        ]
        var problems = FieldErrors()
        InstantRules.check(rules, form: Self.fields, &problems)
        #expect(
            problems.errors.map { "\($0.field) \($0.key)" } == [
                "instantRules[0].field catalog.ruleUnknownField", "instantRules[1].value catalog.ruleNotAChoice",
                "instantRules[2].test catalog.ruleNeedsOrder", "instantRules[3].value catalog.ruleValueMalformed",
                "instantRules[4].value catalog.ruleValueMalformed", "instantRules[5].value field.required",
                "instantRules[6].value catalog.ruleValueUnexpected", "instantRules[7].values field.required",
            ])
    }
}
