import Foundation

/// Checks an applicant's answers against a form (an item's, or a bundle's merged form): every
/// problem at once, each under `form.<key>`, answers normalised (trimmed; identity numbers and
/// credit codes upper-cased). Answers to keys the form does not have are refused rather than
/// stored unseen. `file` fields are answered by uploaded materials, not here.
public enum FormCheck {
    public static let maxAnswerLength = 2_000

    public static func check(_ answers: [String: String], against form: [FormField], today: CalendarDate) -> Result<
        [String: String], FieldErrors
    > {
        var problems = FieldErrors()
        var clean: [String: String] = [:]
        let known = Set(form.map(\.key))
        for key in answers.keys.sorted() where !known.contains(key) {
            problems.add("form.\(key)", "application.unknownField")
        }
        for field in form where field.type != .file {
            let path = "form.\(field.key)"
            guard
                let raw = problems.text(
                    path, answers[field.key], maxLength: field.validation?.maxLength ?? maxAnswerLength, required: field.required)
            else { continue }
            if let value = check(raw, field, path: path, today: today, problems: &problems) { clean[field.key] = value }
        }
        for field in form { problems.label("form.\(field.key)", field.label, field.labelEn) }
        return problems.isEmpty ? .success(clean) : .failure(problems)
    }

    static func check(_ raw: String, _ field: FormField, path: String, today: CalendarDate, problems: inout FieldErrors) -> String? {
        if let min = field.validation?.minLength, raw.count < min {
            problems.add(path, "field.tooShort")
            return nil
        }
        // a pattern the catalog could not have published matches nothing rather than everything
        if let pattern = field.validation?.pattern, (try? FormPattern(pattern))?.matchesWhole(raw) != true {
            problems.add(path, "field.patternMismatch")
            return nil
        }
        switch field.type {
        case .text, .address, .file:
            return raw
        case .number:
            guard let number = Double(raw), number.isFinite else {
                problems.add(path, "field.notANumber")
                return nil
            }
            if let min = field.validation?.minimum, number < min {
                problems.add(path, "field.outOfRange")
                return nil
            }
            if let max = field.validation?.maximum, number > max {
                problems.add(path, "field.outOfRange")
                return nil
            }
            return raw
        case .date:
            guard CalendarDate(iso: raw) != nil else {
                problems.add(path, "field.invalidDate")
                return nil
            }
            return raw
        case .choice:
            guard field.choices.contains(raw) else {
                problems.add(path, "field.unknownValue")
                return nil
            }
            return raw
        case .identityNumber:
            return problems.check(path) { () throws(IdentityNumber.Problem) in try IdentityNumber(raw, today: today).value }
        case .creditCode:
            return problems.check(path) { () throws(CreditCode.Problem) in try CreditCode(raw).value }
        case .mobile:
            return problems.check(path) { () throws(MobileNumber.Problem) in try MobileNumber(raw).value }
        case .region:
            return problems.check(path) { () throws(RegionCode.Problem) in try RegionCode(raw).value }
        }
    }
}
