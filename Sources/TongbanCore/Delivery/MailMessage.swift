import Foundation

/// An e-mail as RFC 5322 and MIME want it: UTF-8 subject and names as encoded words (RFC 2047),
/// the UTF-8 body in base64 so no line is too long and no line is a lone ".", CRLF line ends.
public struct MailMessage: Sendable, Equatable {
    public let from: EmailAddress
    public let fromName: String
    public let to: EmailAddress
    public let subject: String
    public let body: String
    public let date: Date
    /// `<id@host>`: lets a receiver see a retried message is the same one.
    public let messageID: String

    public init(from: EmailAddress, fromName: String, to: EmailAddress, subject: String, body: String, date: Date, messageID: String) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID
    }

    /// The message as sent after DATA (without the terminating `.` line).
    public var rendered: String {
        let headers = [
            "From: \(Self.encodedWord(fromName)) <\(from.value)>",
            "To: <\(to.value)>",
            "Subject: \(Self.encodedWords(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
        ]
        let encoded = Data(body.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + encoded + "\r\n"
    }

    /// `=?utf-8?B?…?=` when the text is not plain printable ASCII; the text itself when it is.
    public static func encodedWord(_ text: String) -> String {
        isPlain(text) ? text : forcedWord(text)
    }

    private static func forcedWord(_ text: String) -> String {
        "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    private static func isPlain(_ text: String) -> Bool {
        // RFC 5322's specials would need quoting in a display name: encoded instead
        let specials = Set("=?\"()<>[]:;@\\,".unicodeScalars)
        return text.utf8.count <= 900 && text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && !specials.contains($0) }
    }

    /// Plain text as it is; other text as several encoded words, each within RFC 2047's 75
    /// characters and never splitting a character, folded onto continuation lines (the folds
    /// between encoded words are not part of the text).
    public static func encodedWords(_ text: String) -> String {
        if isPlain(text) { return text }
        var words: [String] = []
        var chunk = ""
        for character in text {
            let candidate = chunk + String(character)
            // 45 bytes of UTF-8 make 60 base64 characters, 72 with the `=?utf-8?B?` and `?=` around them
            if candidate.utf8.count > 45 {
                words.append(forcedWord(chunk))
                chunk = String(character)
            } else {
                chunk = candidate
            }
        }
        if !chunk.isEmpty || words.isEmpty { words.append(forcedWord(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    /// `Mon, 24 Nov 2026 10:00:00 +0800`, in Shanghai time, with English names whatever the locale.
    public static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// Dot-stuffing (RFC 5321 4.5.2): a line of the data that starts with "." gets another.
    public static func dotStuffed(_ data: String) -> String {
        data.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }
}
