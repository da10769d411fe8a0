import Foundation

/// 民呼我应: what someone sends — a complaint, a question, or a suggestion.
public enum ComplaintKind: String, Codable, Sendable, CaseIterable {
    case complaint, consultation, suggestion
}

/// What it is about; the platform routes it to the department answerable for that.
public enum ComplaintSubject: String, Codable, Sendable, CaseIterable {
    /// A service item: its department.
    case item
    /// A department, directly.
    case department
    /// One of the sender's own applications: the department of its first case.
    case application
}

/// | from     | action | to       |
/// |----------|--------|----------|
/// | open     | answer | answered (by the department, within the working days; overdue ones are escalated once) |
/// | answered | rate   | closed   (the sender rates the answer, once) |
public enum ComplaintState: String, Codable, Sendable, CaseIterable {
    case open, answered, closed
}

public enum ComplaintRules {
    public static let titleLimit = 80
    public static let bodyLimit = 2_000
    public static let answerLimit = 2_000
    /// Working days a department has to answer (TONGBAN_COMPLAINT_DAYS).
    public static let defaultDays = 5

    /// Free text of several lines: trimmed, CRLF made LF, no other control characters.
    public static func paragraph(_ field: String, _ value: String?, maxLength: Int, minLength: Int, into problems: inout FieldErrors)
        -> String?
    {
        let text = (value ?? "").replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            problems.add(field, "field.required")
            return nil
        }
        if text.count > maxLength {
            problems.add(field, "field.tooLong")
            return nil
        }
        if text.count < minLength {
            problems.add(field, "complaint.tooShort")
            return nil
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" }) {
            problems.add(field, "field.controlCharacters")
            return nil
        }
        return text
    }

    /// Everything wrong with a new message, at once.
    public static func check(kind: String?, subject: String?, target: String?, title: String?, body: String?)
        -> Result<(kind: ComplaintKind, subject: ComplaintSubject, target: String, title: String, body: String), FieldErrors>
    {
        var problems = FieldErrors()
        let kind = kind.flatMap(ComplaintKind.init(rawValue:))
        if kind == nil { problems.add("kind", "complaint.badKind") }
        let subject = subject.flatMap(ComplaintSubject.init(rawValue:))
        if subject == nil { problems.add("subject", "complaint.badSubject") }
        let target = problems.text("target", target, maxLength: 80)
        let title = problems.text("title", title, maxLength: titleLimit)
        if let title, title.count < 4 { problems.add("title", "complaint.tooShort") }
        let body = paragraph("body", body, maxLength: bodyLimit, minLength: 10, into: &problems)
        guard problems.isEmpty, let kind, let subject, let target, let title, let body else { return .failure(problems) }
        return .success((kind, subject, target, title, body))
    }

    public static func mayAnswer(_ state: ComplaintState) -> Bool { state == .open }
    public static func mayRate(_ state: ComplaintState) -> Bool { state == .answered }

    /// Overdue from the day after the last day, while unanswered.
    public static func isOverdue(due: CalendarDate, on today: CalendarDate, state: ComplaintState) -> Bool {
        state == .open && today > due
    }
}

/// One message as supervision counts it (on the day it was sent).
public struct ComplaintFacts: Sendable, Equatable {
    public var dueOn: CalendarDate
    public var answeredOn: CalendarDate?

    public init(dueOn: CalendarDate, answeredOn: CalendarDate?) {
        self.dueOn = dueOn
        self.answeredOn = answeredOn
    }
}

extension SupervisionTotals {
    /// What one message adds: received; answered; answered by its due date.
    public static func of(_ c: ComplaintFacts) -> SupervisionTotals {
        var t = SupervisionTotals()
        t.complaints = 1
        if let answered = c.answeredOn {
            t.complaintsAnswered = 1
            t.complaintsOnTime = answered <= c.dueOn ? 1 : 0
        }
        return t
    }
}
