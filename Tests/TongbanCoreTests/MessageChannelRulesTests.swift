import Foundation
import Testing

@testable import TongbanCore

@Suite("message channels: status order, addresses, SMS masking, e-mail encoding")
struct MessageChannelRulesTests {
    @Test("generated orders of receipts: whatever order reports arrive in, the status ends at the furthest one and never goes back")
    func statusOnlyForward() {
        var rng = SplitMix64(seed: 19)
        for _ in 0..<2_000 {
            let reports = (0..<Int.random(in: 1...8, using: &rng)).map { _ in SendStatus.allCases.randomElement(using: &rng)! }
            var status = SendStatus.queued
            var history = [status]
            for report in reports {
                if let moved = status.moved(to: report) { status = moved }
                history.append(status)
            }
            #expect(zip(history, history.dropFirst()).allSatisfy { $0.rank <= $1.rank }, "\(reports)")
            let furthest = reports.map(\.rank).max() ?? 0
            #expect(status.rank == max(furthest, 0))
            // a final status is the first final report: delivered and failed never replace each other
            if let firstFinal = reports.first(where: \.isFinal) { #expect(status == firstFinal) }
        }
        #expect(SendStatus.sent.moved(to: .sent) == nil && SendStatus.delivered.moved(to: .sent) == nil)
    }

    @Test("e-mail addresses: what may end a header or add a recipient is refused; the domain is kept in lower case")
    func addresses() {
        #expect(EmailAddress("Zhang.San@Example.COM")?.value == "Zhang.San@example.com")
        #expect(EmailAddress("li@gov.cn")?.masked == "l***@gov.cn")
        #expect(EmailAddress(" li@gov.cn ") == nil)
        for bad in [
            "", "zhang", "zhang@", "@example.com", "a@b", "a@@b.com", "a b@example.com", "a@exa mple.com", "a@example.com\r\nBcc: x@y.z",
            "a@example.com>", "<a@example.com", "a,b@example.com", "a@-example.com", "a@example..com", "张三@example.com",
            String(repeating: "a", count: 65) + "@example.com",
        ] {
            #expect(EmailAddress(bad) == nil, "\(bad)")
        }
    }

    @Test("generated payloads: an SMS never carries a whole identifying number, only its last six characters")
    func smsMasking() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<1_000 {
            let number = String((0..<Int.random(in: 7...30, using: &rng)).map { _ in "0123456789ABCDEF".randomElement(using: &rng)! })
            let field = SMSText.maskedFields.randomElement(using: &rng)!
            let payload = [field: number, "item": "330100-000-00-00-0001", "date": "2026-11-25"]
            let masked = SMSText.masked(payload)
            #expect(masked[field] == "****" + number.suffix(6))
            #expect(masked["item"] == payload["item"] && masked["date"] == payload["date"])
            let text = SMSText.compose("您的申请 \(masked[field]!) 需要补正。")
            #expect(!text.contains(number) && text.hasPrefix("【一网通办】"))
        }
        #expect(SMSText.tail("123456") == "123456")
    }

    @Test("generated subjects: encoded words decode back to the subject, each within 75 characters, never splitting a character")
    func encodedSubjects() {
        var rng = SplitMix64(seed: 3)
        let alphabet = Array("申请已受理补正证照颁发预约提醒 ABCxyz0123:;,()<>\"=?_-—é😀")
        for _ in 0..<1_000 {
            let subject = String((0..<Int.random(in: 0...120, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let header = MailMessage.encodedWords(subject)
            let lines = header.components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.count <= 998 })
            #expect(decode(header) == subject, "\(subject)")
            if header.hasPrefix("=?") {
                let words = header.components(separatedBy: "\r\n ")
                #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?utf-8?B?") && $0.hasSuffix("?=") })
            }
        }
        #expect(MailMessage.encodedWords("Correction needed") == "Correction needed")
    }

    @Test("a rendered message: CRLF lines of at most 76 characters of body, a base64 body that decodes to the text, no line a lone dot")
    func rendered() {
        let body = "第一行\n.\n" + String(repeating: "很长的正文。", count: 60)
        let message = MailMessage(
            from: EmailAddress("noreply@tongban.example")!, fromName: "一网通办", to: EmailAddress("a@example.com")!, subject: "需要补正",
            body: body, date: Date(timeIntervalSince1970: 0), messageID: "<x@tongban.example>")
        let text = message.rendered
        let parts = text.components(separatedBy: "\r\n\r\n")
        #expect(parts.count == 2)
        #expect(parts[0].contains("Date: Thu, 01 Jan 1970 08:00:00 +0800"))
        #expect(parts[0].contains("Content-Transfer-Encoding: base64") && parts[0].contains("From: =?utf-8?B?"))
        let lines = parts[1].components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.allSatisfy { $0.count <= 76 && $0 != "." })
        #expect(Data(base64Encoded: lines.joined()).map { String(decoding: $0, as: UTF8.self) } == body)
        #expect(MailMessage.dotStuffed("a\r\n.\r\n..b") == "a\r\n..\r\n...b")
    }

    /// RFC 2047 decoding as a mail program does it: adjacent encoded words joined, folds dropped.
    private func decode(_ header: String) -> String {
        guard header.hasPrefix("=?") else { return header }
        let words = header.components(separatedBy: "\r\n ")
        var bytes = Data()
        for word in words {
            let inner = word.dropFirst("=?utf-8?B?".count).dropLast(2)
            bytes.append(Data(base64Encoded: String(inner)) ?? Data())
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
