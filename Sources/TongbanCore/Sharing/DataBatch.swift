import Foundation

/// A batch of records a resource's owner system loads (主题数据库): NDJSON, one record a line,
/// `{"subject": "<identity number or credit code>", "version": 3, "data": {"field": "value"},
/// "asOf": "2026-12-01T08:00:00Z"}`. The whole batch is checked before anything is written:
/// every bad line is named, and one bad line refuses the batch.
public struct DataBatch: Sendable, Equatable {
    public struct Record: Sendable, Equatable {
        public let line: Int
        /// The checked identity number or credit code.
        public let subject: String
        public let version: Int
        public let data: [String: String]
        /// When the owner's system says the record was true; nil: when it is loaded.
        public let asOf: Date?
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// 1-based; 0 for the batch as a whole.
        public let line: Int
        /// `subject`, `version`, `data.<field>`, `asOf`, or empty for the line itself.
        public let field: String
        public let key: String

        public var description: String { "line \(line)\(field.isEmpty ? "" : " \(field)"): \(key)" }
    }

    /// Every bad line of a refused batch.
    public struct Problems: Error, Sendable, Equatable {
        public let list: [Problem]
    }

    public static let maximumRecords = 10_000
    public static let maximumValueLength = 2_000

    /// The records, the latest version of each subject (a subject twice in one batch keeps its
    /// highest version; the same version twice must say the same).
    public let records: [Record]

    /// Checks the batch against the resource's fields; `today` checks identity numbers' birth dates.
    public static func parse(_ bytes: Data, resource: DataResource, today: CalendarDate) -> Result<DataBatch, Problems> {
        var problems: [Problem] = []
        var bySubject: [String: Record] = [:]
        var order: [String] = []
        let fields = Set(resource.fields.map(\.key))
        var lineNumber = 0
        var count = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            count += 1
            if count > maximumRecords {
                problems.append(Problem(line: 0, field: "", key: "dataLoad.tooManyRecords"))
                break
            }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                problems.append(Problem(line: lineNumber, field: "", key: "dataLoad.notJSON"))
                continue
            }
            let before = problems.count
            for key in object.keys.sorted() where !["subject", "version", "data", "asOf"].contains(key) {
                problems.append(Problem(line: lineNumber, field: key, key: "dataLoad.unknownMember"))
            }
            let subject = checkedSubject(object["subject"], kind: resource.subject, today: today)
            if subject == nil { problems.append(Problem(line: lineNumber, field: "subject", key: "dataLoad.badSubject")) }
            let version = (object["version"] as? NSNumber).flatMap { number -> Int? in
                let value = number.doubleValue
                // a JSON true is a number to Foundation too: its type says which
                guard String(cString: number.objCType) != "c", value == value.rounded(), value >= 1, value <= 9_007_199_254_740_991
                else { return nil }
                return Int(value)
            }
            if version == nil { problems.append(Problem(line: lineNumber, field: "version", key: "dataLoad.badVersion")) }
            var data: [String: String] = [:]
            if let given = object["data"] as? [String: Any], !given.isEmpty {
                for (key, value) in given.sorted(by: { $0.key < $1.key }) {
                    guard fields.contains(key) else {
                        problems.append(Problem(line: lineNumber, field: "data.\(key)", key: "dataLoad.unknownField"))
                        continue
                    }
                    guard let text = value as? String, text.count <= maximumValueLength,
                        !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
                    else {
                        problems.append(Problem(line: lineNumber, field: "data.\(key)", key: "dataLoad.badValue"))
                        continue
                    }
                    data[key] = text
                }
            } else {
                problems.append(Problem(line: lineNumber, field: "data", key: "dataLoad.noData"))
            }
            var asOf: Date? = nil
            if let raw = object["asOf"] {
                asOf = (raw as? String).flatMap { try? Date.ISO8601FormatStyle().parse($0) }
                if asOf == nil { problems.append(Problem(line: lineNumber, field: "asOf", key: "dataLoad.badAsOf")) }
            }
            guard problems.count == before, let subject, let version else { continue }
            let record = Record(line: lineNumber, subject: subject, version: version, data: data, asOf: asOf)
            if let earlier = bySubject[subject] {
                if earlier.version == version && earlier.data != data {
                    problems.append(Problem(line: lineNumber, field: "version", key: "dataLoad.conflictingDuplicate"))
                } else if version > earlier.version {
                    bySubject[subject] = record
                }
            } else {
                bySubject[subject] = record
                order.append(subject)
            }
        }
        if count == 0 && problems.isEmpty { problems.append(Problem(line: 0, field: "", key: "dataLoad.empty")) }
        guard problems.isEmpty else { return .failure(Problems(list: problems)) }
        return .success(DataBatch(records: order.compactMap { bySubject[$0] }))
    }

    private static func checkedSubject(_ value: Any?, kind: AccountKind, today: CalendarDate) -> String? {
        guard let text = value as? String else { return nil }
        switch kind {
        case .enterprise: return (try? CreditCode(text))?.value
        default: return (try? IdentityNumber(text, today: today))?.value
        }
    }
}
