import Foundation
import Testing
@testable import TongbanCore

/// 民呼我应's rules: what a message must hold, who acts when, what supervision counts.
@Suite("complaint rules")
struct ComplaintRulesTests {
    @Test("a message: kind, subject, target, title of 4–80, body of 10–2,000 with its line breaks; every problem named at once")
    func check() {
        let ok = ComplaintRules.check(kind: "complaint", subject: "item", target: " 330A0001 ", title: "窗口推诿", body: "第一行说明情况。\r\n第二行补充细节。")
        guard case let .success(value) = ok else {
            Issue.record("\(ok)")
            return
        }
        #expect(value.target == "330A0001" && value.body == "第一行说明情况。\n第二行补充细节。" && value.kind == .complaint && value.subject == .item)
        guard case let .failure(all) = ComplaintRules.check(kind: "rant", subject: "mayor", target: "", title: "短", body: "太短") else {
            Issue.record("accepted")
            return
        }
        #expect(Set(all.errors.map(\.field)) == ["kind", "subject", "target", "title", "body"])
        guard
            case let .failure(control) = ComplaintRules.check(
                kind: "suggestion", subject: "department", target: "x", title: "一个建议", body: "内容里有\u{0007}控制字符的文字")
        else {
            Issue.record("accepted")
            return
        }
        #expect(control.errors.map(\.key) == ["field.controlCharacters"])
        guard
            case let .failure(long) = ComplaintRules.check(
                kind: "consultation", subject: "application", target: "x", title: String(repeating: "长", count: 81),
                body: String(repeating: "字", count: 2_001))
        else {
            Issue.record("accepted")
            return
        }
        #expect(long.errors.map(\.key) == ["field.tooLong", "field.tooLong"])
    }

    @Test(
        "answer while open, rate once answered; overdue only while unanswered and after the last day; on time counted against the due date")
    func lifecycle() {
        let due = CalendarDate(year: 2026, month: 11, day: 30)!
        for state in ComplaintState.allCases {
            #expect(ComplaintRules.mayAnswer(state) == (state == .open))
            #expect(ComplaintRules.mayRate(state) == (state == .answered))
            for offset in -3...3 {
                let today = due.adding(days: offset)!
                #expect(ComplaintRules.isOverdue(due: due, on: today, state: state) == (state == .open && offset > 0))
            }
        }
        let facts = [
            ComplaintFacts(dueOn: due, answeredOn: due), ComplaintFacts(dueOn: due, answeredOn: due.adding(days: 1)),
            ComplaintFacts(dueOn: due, answeredOn: nil), ComplaintFacts(dueOn: due, answeredOn: due.adding(days: -4)),
        ]
        let t = facts.map(SupervisionTotals.of).reduce(SupervisionTotals(), +)
        #expect(t.complaints == 4 && t.complaintsAnswered == 3 && t.complaintsOnTimeRate == Rate(2, of: 4))
    }
}
