import Foundation

/// RFC 4180 CSV: fields separated by commas, optionally quoted, `""` for a quote inside quotes,
/// line breaks inside quotes kept, CRLF or LF between records.
public enum CSV {
    public struct Record: Sendable, Equatable {
        /// The line the record starts on (1-based), for error messages.
        public let line: Int
        public let fields: [String]
    }

    public struct Problem: Error, Sendable, Equatable {
        public let line: Int
        public let reason: String
    }

    /// Records as RFC 4180 text with CRLF line ends; a field is quoted when it holds a comma, a
    /// quote or a line break. A text field a spreadsheet would run as a formula (starting with
    /// `=`, `+`, `-` or `@`, unless it is a number) gets a leading apostrophe.
    public static func format(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { field -> String in
                var text = field
                if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
                guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
                return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }

    public static func parse(_ text: String) throws(Problem) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedField = false
        var afterQuote = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(String(field))
            field = .init()
            if !(fields.count == 1 && fields[0].isEmpty && !quotedField) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            quotedField = false
            afterQuote = false
        }
        if let first = scalars.next(), first != "\u{FEFF}" { pending = first }  // a byte-order mark is not data
        while let c = pending ?? scalars.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = scalars.next() {
                        if next == "\"" {
                            field.append("\"")
                        } else {
                            inQuotes = false
                            afterQuote = true
                            pending = next
                        }
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case ",":
                fields.append(String(field))
                field = .init()
                quotedField = false
                afterQuote = false
            case "\r":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                guard field.isEmpty, !afterQuote else { throw Problem(line: line, reason: "a quote inside an unquoted field") }
                inQuotes = true
                quotedField = true
            default:
                guard !afterQuote else { throw Problem(line: line, reason: "text after a closing quote") }
                field.append(c)
            }
        }
        if inQuotes { throw Problem(line: recordLine, reason: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || quotedField { endRecord() }
        return records
    }

    /// One field for writing: quoted when it holds a comma, quote or line break.
    public static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
