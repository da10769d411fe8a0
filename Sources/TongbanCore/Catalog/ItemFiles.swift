import Foundation

/// Reading and writing item files: JSON Lines (one complete item per line) and CSV (the flat
/// fields). Reading checks every row and reports every bad one with its line, so that a file is
/// taken whole or not at all.
public enum ItemFiles {
    public struct RowProblem: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let field: String
        public let key: String
        public var description: String { "line \(line): \(field.isEmpty ? "" : field + ": ")\(key)" }
        public init(line: Int, field: String, key: String) {
            self.line = line
            self.field = field
            self.key = key
        }
    }

    /// Every problem of a rejected file, in line order.
    public struct Rejection: Error, Sendable, Equatable {
        public let problems: [RowProblem]
        public init(problems: [RowProblem]) { self.problems = problems }
    }

    public struct Row: Sendable {
        public let line: Int
        public let item: ServiceItem
        public init(line: Int, item: ServiceItem) {
            self.line = line
            self.item = item
        }
    }

    /// The columns of Tongban's flat CSV, in order.
    public static let flatColumns = [
        "basic_code", "implementation_code", "name", "sub_item_name", "kind", "department_name",
        "department_code", "region_code", "level", "statutory_days", "promised_days", "handling_mode",
        "channels", "visit_reasons", "legal_basis", "keywords", "source",
    ]
    /// The columns of a published implementation list (as the Guang'an district list has them).
    public static let publishedListColumns = [
        "department", "main_item", "name", "area_code", "item_code", "task_type", "kind", "dept_code",
    ]

    /// Every row of a file in either format, or every problem in it.
    public static func read(_ text: String, csv: Bool) -> Result<[Row], Rejection> {
        let (rows, problems) = csv ? readCSV(text) : readJSONLines(text)
        var all = problems
        var seen: [String: Int] = [:]
        for row in rows {
            for error in ItemRules.problems(row.item).errors {
                all.append(RowProblem(line: row.line, field: error.field, key: error.key))
            }
            if seen[row.item.code] != nil {
                all.append(RowProblem(line: row.line, field: "code", key: "import.duplicateCode"))
            } else {
                seen[row.item.code] = row.line
            }
        }
        if rows.isEmpty && all.isEmpty { all.append(RowProblem(line: 1, field: "", key: "import.empty")) }
        return all.isEmpty ? .success(rows) : .failure(Rejection(problems: all.sorted { ($0.line, $0.field) < ($1.line, $1.field) }))
    }

    static func readJSONLines(_ text: String) -> ([Row], [RowProblem]) {
        var rows: [Row] = []
        var problems: [RowProblem] = []
        let decoder = JSONDecoder()
        // "\r\n" is one Character in Swift, so split on line ends of either kind.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            do {
                rows.append(Row(line: index + 1, item: try decoder.decode(ServiceItem.self, from: Data(trimmed.utf8))))
            } catch {
                let problem = DecodingProblem(error)
                problems.append(RowProblem(line: index + 1, field: problem.field, key: problem.key))
            }
        }
        return (rows, problems)
    }

    static func readCSV(_ text: String) -> ([Row], [RowProblem]) {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch { return ([], [RowProblem(line: error.line, field: "", key: "import.csvMalformed")]) }
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) else { return ([], []) }
        let publishedList = header == publishedListColumns
        guard publishedList || header == flatColumns else { return ([], [RowProblem(line: 1, field: "", key: "import.unknownHeader")]) }
        var rows: [Row] = []
        var problems: [RowProblem] = []
        for record in records.dropFirst() {
            guard record.fields.count == header.count else {
                problems.append(RowProblem(line: record.line, field: "", key: "import.wrongColumnCount"))
                continue
            }
            do {
                let item = publishedList ? try publishedListItem(record.fields) : try flatItem(record.fields)
                rows.append(Row(line: record.line, item: item))
            } catch {
                problems.append(RowProblem(line: record.line, field: error.field, key: error.key))
            }
        }
        return (rows, problems)
    }

    static func flatItem(_ f: [String]) throws(FieldError) -> ServiceItem {
        func required(_ i: Int) throws(FieldError) -> String {
            let value = f[i].trimmingCharacters(in: .whitespaces)
            if value.isEmpty { throw FieldError(field: flatColumns[i], key: "field.required") }
            return value
        }
        func optional(_ i: Int) -> String? {
            let v = f[i].trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        }
        func days(_ i: Int) throws(FieldError) -> Int? {
            guard let raw = optional(i) else { return nil }
            guard let value = Int(raw) else { throw FieldError(field: flatColumns[i], key: "field.wrongType") }
            return value
        }
        func list(_ i: Int) -> [String] {
            f[i].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        func parse<T>(_ i: Int, _ make: (String) -> T?) throws(FieldError) -> T {
            guard let value = make(try required(i)) else { throw FieldError(field: flatColumns[i], key: "field.unknownValue") }
            return value
        }
        let basic = try parse(0) { try? BasicCode($0) }
        let implementation: ImplementationCode?
        if let raw = optional(1) {
            guard let code = try? ImplementationCode(raw) else {
                throw FieldError(field: "implementation_code", key: "catalog.invalidImplementationCode")
            }
            implementation = code
        } else {
            implementation = nil
        }
        var channels: [Channel] = []
        for name in list(12) {
            guard let channel = Channel(rawValue: name) else { throw FieldError(field: "channels", key: "field.unknownValue") }
            channels.append(channel)
        }
        return ServiceItem(
            basicCode: basic, implementationCode: implementation, name: try required(2), subItemName: optional(3),
            kind: try parse(4) { ItemKind(codeOrName: $0) },
            department: ItemDepartment(name: try required(5), code: try required(6).uppercased()),
            regionCode: try parse(7) { try? RegionCode(normalizing: $0) }, level: try parse(8) { RegionLevel(rawValue: $0) },
            legalBasis: list(14).map { LegalBasis(law: $0) }, statutoryDays: try days(9), promisedDays: try days(10),
            handlingMode: try parse(11) { HandlingMode(rawValue: $0) }, channels: channels.isEmpty ? [.window] : channels,
            visits: list(13).map(Visit.init), keywords: list(15), source: optional(16))
    }

    /// A row of a published implementation list: names, department, kind and the real code; no
    /// time limits or materials (those are curated afterwards). The list does not say how often
    /// one must come in, so one window visit is assumed and said so.
    static func publishedListItem(_ f: [String]) throws(FieldError) -> ServiceItem {
        let trimmed = f.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let code = try? ImplementationCode(trimmed[4]) else {
            throw FieldError(field: "item_code", key: "catalog.invalidImplementationCode")
        }
        guard let area = try? RegionCode(normalizing: trimmed[3]) else { throw FieldError(field: "area_code", key: "region.invalidCode") }
        guard let kind = ItemKind(codeOrName: trimmed[6]) else { throw FieldError(field: "kind", key: "field.unknownValue") }
        guard !trimmed[2].isEmpty else { throw FieldError(field: "name", key: "field.required") }
        guard !trimmed[0].isEmpty else { throw FieldError(field: "department", key: "field.required") }
        let region = code.region ?? area
        let main = trimmed[1]
        let hasMain = !main.isEmpty && main != "未分类" && main != trimmed[2]
        return ServiceItem(
            basicCode: code.basic, implementationCode: code, name: hasMain ? main : trimmed[2],
            subItemName: hasMain ? trimmed[2] : nil, kind: kind,
            department: ItemDepartment(name: trimmed[0], code: code.departmentCode), regionCode: region, level: region.level,
            channels: [.window], visits: [Visit(reason: "清单未载明到场次数，按到窗口一次计")],
            source: "published implementation list, area \(trimmed[3]), department code \(trimmed[7])")
    }

    public static func jsonLines(_ items: [ServiceItem]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try items.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
    }

    public static func flatCSV(_ items: [ServiceItem]) -> String {
        var lines = [flatColumns.joined(separator: ",")]
        for item in items {
            let fields: [String] = [
                item.basicCode.value, item.implementationCode?.value ?? "", item.name, item.subItemName ?? "", item.kind.rawValue,
                item.department.name, item.department.code, item.regionCode.value, item.level.rawValue,
                item.statutoryDays.map(String.init) ?? "", item.promisedDays.map(String.init) ?? "", item.handlingMode.rawValue,
                item.channels.map(\.rawValue).joined(separator: "|"), item.visits.map(\.reason).joined(separator: "|"),
                item.legalBasis.map(\.law).joined(separator: "|"), item.keywords.joined(separator: "|"), item.source ?? "",
            ]
            lines.append(fields.map(CSV.escape).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
