/// One row of the region reference data, after padding and level assignment.
public struct RegionRecord: Hashable, Sendable, Codable {
    public let code: RegionCode
    public let name: String

    public init(code: RegionCode, name: String) {
        self.code = code
        self.name = name
    }

    public var level: RegionLevel { code.level }
    public var parent: RegionCode? { code.parent }
}

/// Reads the four CSV files of the reference data (`provinces.csv`, `cities.csv`, `areas.csv`,
/// `streets.csv`): each row starts with `code,"name"`.
public enum RegionCSV {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let reason: String
        public var description: String { "\(file):\(line): \(reason)" }
    }

    /// Parses one file's text. `codePrefix` keeps only the rows whose code starts with it (one
    /// province: "33"); rows are skipped on their raw bytes, before anything is decoded, because
    /// the streets file has 41,000 lines and a province needs a few thousand.
    public static func parse(_ text: String, file: String, codePrefix: String? = nil) throws(Problem) -> [RegionRecord] {
        var records: [RegionRecord] = []
        let prefix = Array((codePrefix ?? "").utf8)
        var lineNumber = 0
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if lineNumber == 1 {
                guard rawLine.starts(with: "code,name".utf8) else {
                    throw Problem(file: file, line: 1, reason: "expected the header code,name,…")
                }
                continue
            }
            guard !rawLine.isEmpty, rawLine.starts(with: prefix) else { continue }
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            let fields: [String]
            do { fields = try CSV.parse(String(line)).first?.fields ?? [] } catch {
                throw Problem(file: file, line: lineNumber, reason: error.reason)
            }
            guard fields.count >= 2 else { throw Problem(file: file, line: lineNumber, reason: "expected at least code and name") }
            let code: RegionCode
            do { code = try RegionCode.padded(fields[0]) } catch {
                throw Problem(file: file, line: lineNumber, reason: "invalid region code \(fields[0])")
            }
            let name = fields[1]
            guard !name.isEmpty, name.count <= 100 else { throw Problem(file: file, line: lineNumber, reason: "empty or over-long name") }
            records.append(RegionRecord(code: code, name: name))
        }
        return records
    }
}
