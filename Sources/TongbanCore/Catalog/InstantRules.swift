/// 秒批 (instant approval): rules an item publishes over the applicant's form answers. When every
/// rule of the item holds, the case is decided at once with no human step, and the trace of
/// what was checked is kept with the decision. When one fails, the case goes the usual way.
public struct InstantRule: Codable, Sendable, Hashable {
    /// How an answer is tested.
    public enum Test: String, Codable, Sendable, CaseIterable {
        /// The answer is the value.
        case equals
        /// The answer is one of the values.
        case oneOf
        /// A number or date at least the value.
        case atLeast
        /// A number or date at most the value.
        case atMost
        /// Answered at all (for optional fields).
        case answered
    }

    /// The form field's key.
    public var field: String
    public var test: Test
    /// For `equals`, `atLeast`, `atMost`. For a date field also `today`, `today-N` or
    /// `today+N` (calendar days), so that "hired within the last 30 days" can be said.
    public var value: String?
    /// For `oneOf`.
    public var values: [String]

    public init(field: String, test: Test, value: String? = nil, values: [String] = []) {
        self.field = field
        self.test = test
        self.value = value
        self.values = values
    }

    enum CodingKeys: String, CodingKey { case field, test, value, values }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        field = try c.decode(String.self, forKey: .field)
        test = try c.decode(Test.self, forKey: .test)
        value = try c.decodeIfPresent(String.self, forKey: .value)
        values = try c.decodeIfPresent([String].self, forKey: .values) ?? []
    }
}

public enum InstantRules {
    /// What the rules found: each rule's line of the trace, and whether all held.
    public struct Outcome: Sendable, Equatable {
        public var passed: Bool
        public var trace: [String]
    }

    /// Evaluates the rules over answers already checked by `FormCheck` (numbers and dates in
    /// their normal form). No rules is no instant approval.
    public static func evaluate(_ rules: [InstantRule], form: [String: String], fields: [FormField], today: CalendarDate) -> Outcome {
        guard !rules.isEmpty else { return Outcome(passed: false, trace: []) }
        var passed = true
        var trace: [String] = []
        for rule in rules {
            let answer = form[rule.field]
            let type = fields.first { $0.key == rule.field }?.type
            let holds = answer.map { holdsFor($0, rule, type: type, today: today) } ?? false
            passed = passed && holds
            let label = fields.first { $0.key == rule.field }?.label ?? rule.field
            trace.append("\(label) \(describe(rule, today: today)): \(answer.map { "“\($0)”" } ?? "—") \(holds ? "✓" : "✗")")
        }
        return Outcome(passed: passed, trace: trace)
    }

    static func holdsFor(_ answer: String, _ rule: InstantRule, type: FieldType?, today: CalendarDate) -> Bool {
        switch rule.test {
        case .answered: return !answer.isEmpty
        case .equals: return answer == rule.value
        case .oneOf: return rule.values.contains(answer)
        case .atLeast, .atMost:
            guard let bound = rule.value.flatMap({ resolve($0, type: type, today: today) }), let order = compare(answer, bound, type: type)
            else { return false }
            return rule.test == .atLeast ? order >= 0 : order <= 0
        }
    }

    /// -1, 0 or 1; nil when the two cannot be compared as the field's type.
    static func compare(_ a: String, _ b: String, type: FieldType?) -> Int? {
        switch type {
        case .number:
            guard let x = Double(a), let y = Double(b) else { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        case .date:
            guard let x = CalendarDate(iso: a), let y = CalendarDate(iso: b) else { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        default:
            return nil
        }
    }

    /// A bound as the answer is written: `today±N` becomes a date.
    static func resolve(_ value: String, type: FieldType?, today: CalendarDate) -> String? {
        guard type == .date, value.hasPrefix("today") else { return value }
        let rest = value.dropFirst("today".count)
        if rest.isEmpty { return today.description }
        guard let sign = rest.first, sign == "+" || sign == "-", let days = Int(rest.dropFirst()), (0...36_600).contains(days) else {
            return nil
        }
        return today.adding(days: sign == "+" ? days : -days)?.description
    }

    static func describe(_ rule: InstantRule, today: CalendarDate) -> String {
        let bound =
            rule.value.map { value in
                let resolved = value.hasPrefix("today") ? (resolve(value, type: .date, today: today) ?? value) : value
                return resolved == value ? value : "\(value) (\(resolved))"
            } ?? ""
        return switch rule.test {
        case .answered: "answered"
        case .equals: "= \(bound)"
        case .oneOf: "∈ {\(rule.values.joined(separator: ", "))}"
        case .atLeast: "≥ \(bound)"
        case .atMost: "≤ \(bound)"
        }
    }

    /// What is wrong with an item's rules, at their paths: a field the form lacks, a test that
    /// does not suit the field's type, a missing or malformed value.
    public static func check(_ rules: [InstantRule], form: [FormField], _ errors: inout FieldErrors) {
        for (i, rule) in rules.enumerated() {
            let path = "instantRules[\(i)]"
            guard let field = form.first(where: { $0.key == rule.field }) else {
                errors.add("\(path).field", "catalog.ruleUnknownField")
                continue
            }
            switch rule.test {
            case .answered:
                if rule.value != nil || !rule.values.isEmpty { errors.add("\(path).value", "catalog.ruleValueUnexpected") }
            case .equals:
                if rule.value == nil { errors.add("\(path).value", "field.required") }
                if field.type == .choice, let value = rule.value, !field.choices.contains(value) {
                    errors.add("\(path).value", "catalog.ruleNotAChoice")
                }
            case .oneOf:
                if rule.values.isEmpty { errors.add("\(path).values", "field.required") }
                if field.type == .choice, rule.values.contains(where: { !field.choices.contains($0) }) {
                    errors.add("\(path).values", "catalog.ruleNotAChoice")
                }
            case .atLeast, .atMost:
                guard field.type == .number || field.type == .date else {
                    errors.add("\(path).test", "catalog.ruleNeedsOrder")
                    continue
                }
                guard let value = rule.value else {
                    errors.add("\(path).value", "field.required")
                    continue
                }
                let resolved = resolve(value, type: field.type, today: CalendarDate(year: 2000, month: 1, day: 1)!)
                if resolved.flatMap({ compare($0, $0, type: field.type) }) == nil {
                    errors.add("\(path).value", "catalog.ruleValueMalformed")
                }
            }
        }
    }
}

extension InstantRules {
    /// A case just submitted for `item`: decided at once when the item publishes rules and they
    /// all hold; otherwise left as it is. The outcome is nil when the item has no rules.
    public static func decide(_ record: CaseRecord, item: ServiceItem, form: [String: String], today: CalendarDate) -> (
        record: CaseRecord, outcome: Outcome?
    ) {
        guard !item.instantRules.isEmpty, record.state == .submitted else { return (record, nil) }
        let outcome = evaluate(item.instantRules, form: form, fields: item.form, today: today)
        guard outcome.passed,
            let decided = try? CaseMachine.apply(.approveInstantly(trace: outcome.trace), to: record, .init(actor: .system, today: today))
        else { return (record, outcome) }
        return (decided, outcome)
    }
}
