import Fluent
import SQLKit
import Foundation
import TongbanCore
import Vapor

/// Loads region CSV files (the reference data's four files) into the `regions` table. Rows
/// already present are left alone, so an import can be repeated.
package enum RegionImport {
    package static let files = ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"]

    package struct Summary: Sendable {
        package var read = 0
        package var added = 0

        package init(read: Int = 0, added: Int = 0) {
            self.read = read
            self.added = added
        }
    }

    /// `provincePrefix` ("33") limits the import to one province.
    package static func run(folder: String, provincePrefix: String? = nil, files: [String] = RegionImport.files, on db: any Database)
        async throws
        -> Summary
    {
        var records: [RegionRecord] = []
        for file in files {
            let path = (folder as NSString).appendingPathComponent(file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw TongbanError(status: .badRequest, code: "import.missingFile", arguments: ["file": path])
            }
            do {
                records += try RegionCSV.parse(text, file: file, codePrefix: provincePrefix)
            } catch {
                throw TongbanError(status: .badRequest, code: "import.badRow", arguments: ["problem": error.description])
            }
        }
        // a city without counties (东莞市, 中山市, 儋州市) is listed again among the counties under its own code
        var seen = Set<String>()
        records = records.filter { seen.insert($0.code.value).inserted }
        var summary = Summary(read: records.count)
        let existing = Set(try await Region.query(on: db).field(\.$id).all().compactMap(\.id))
        let fresh = records.filter { !existing.contains($0.code.value) }
        // Parents before children; the CSV order already is, but an explicit sort keeps it true.
        let ordered = fresh.sorted { ($0.level, $0.code) < ($1.level, $1.code) }
        // Plain multi-row INSERTs: the first start seeds 1,489 rows and should not wait on model overhead.
        try await db.write { tx in
            for start in stride(from: 0, to: ordered.count, by: 500) {
                var insert = tx.sql.insert(into: Region.schema).columns("code", "name", "level", "parent_code", "statistical_zone")
                for record in ordered[start..<min(start + 500, ordered.count)] {
                    insert = insert.values(
                        SQLBind(record.code.value), SQLBind(record.name), SQLBind(record.level.rawValue),
                        SQLBind(record.parent?.value), SQLBind(record.code.isStatisticalZone))
                }
                try await insert.run()
            }
        }
        summary.added = ordered.count
        return summary
    }
}
