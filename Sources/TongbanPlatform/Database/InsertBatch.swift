import Fluent
import FluentSQLiteDriver
import Foundation
import SQLKit

/// Rows for several tables written together. On PostgreSQL they go in one statement (data-
/// modifying common table expressions), one round trip however many tables; on SQLite, which is
/// in-process and has no round trips to save, one multi-row INSERT per table. Foreign keys are
/// checked at the end of the statement, so parents and children may travel together.
package struct InsertBatch: Sendable {
    /// A column value: a bind, or NULL.
    package enum Value: Sendable {
        case bind(any Encodable & Sendable)
        case null
    }

    package private(set) var tables: [(table: String, columns: [String], rows: [[Value]])] = []

    package var isEmpty: Bool { tables.isEmpty }

    /// Cells so far: at most this many parameters are bound.
    package private(set) var bindCount = 0

    package init() {}

    /// Adds another batch's rows after these.
    package mutating func append(_ other: InsertBatch) {
        for table in other.tables {
            for row in table.rows { add(table.table, table.columns, row) }
        }
    }

    /// Adds one row; rows of one table must name the same columns in the same order.
    package mutating func add(_ table: String, _ values: [(String, (any Encodable & Sendable)?)]) {
        add(table, values.map(\.0), values.map { $0.1.map(Value.bind) ?? .null })
    }

    private mutating func add(_ table: String, _ columns: [String], _ row: [Value]) {
        bindCount += row.count
        if let index = tables.firstIndex(where: { $0.table == table && $0.columns == columns }) {
            tables[index].rows.append(row)
        } else {
            tables.append((table, columns, [row]))
        }
    }

    /// Writes the rows, and then `last` (an UPDATE, say) in the same statement on PostgreSQL.
    package func run(on db: any Database, followedBy last: SQLQueryString? = nil) async throws {
        if db.isPostgres {
            guard let statement = postgresStatement(endingWith: last) else { return }
            try await db.sql.raw(statement).run()
        } else {
            // SQLite: straight to the driver, the statement text with numbered parameters, the
            // values converted as Fluent's SQLite encoder would. These run inside the group
            // commit's transaction, one after another; going through SQLKit's serialiser and
            // encoder cost more than the database's own work.
            guard let sqlite = db as? any SQLiteDatabase else { fatalError("Tongban runs on PostgreSQL or SQLite only") }
            for table in tables {
                let (sql, binds) = try Self.sqliteInsert(table.table, table.columns, table.rows)
                try await sqlite.query(sql, binds, logger: db.logger) { _ in }.get()
            }
            if let last { try await db.sql.raw(last).run() }
        }
    }

    /// PostgreSQL: the rows and then `last`, in one statement; the number of rows `last` returns.
    package func run(on db: any Database, returningFrom last: SQLQueryString) async throws -> Int {
        precondition(db.isPostgres)
        return try await db.sql.raw(postgresStatement(endingWith: last)!).all().count
    }

    /// PostgreSQL: every table's INSERT as a data-modifying CTE, then `last` (or the final
    /// INSERT itself); nil when there is nothing to write.
    private func postgresStatement(endingWith last: SQLQueryString?) -> SQLQueryString? {
        var inserts = tables.map { Self.insert($0.table, $0.columns, $0.rows) }
        guard let main = last ?? inserts.popLast() else { return nil }
        let ctes = inserts.enumerated().map { index, insert -> SQLQueryString in "w\(unsafeRaw: String(index)) AS (\(insert))" }
        return ctes.isEmpty ? main : "WITH \(ctes.joined(separator: ", ")) \(main)"
    }

    package static func sqliteInsert(_ table: String, _ columns: [String], _ rows: [[Value]]) throws -> (String, [SQLiteData]) {
        var sql = "INSERT INTO \"\(table)\" (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES "
        var binds: [SQLiteData] = []
        binds.reserveCapacity(rows.count * columns.count)
        for (index, row) in rows.enumerated() {
            sql += index == 0 ? "(" : ", ("
            for (column, value) in row.enumerated() {
                if column > 0 { sql += ", " }
                switch value {
                case .null: sql += "NULL"
                case let .bind(value):
                    binds.append(try sqliteData(value))
                    sql += "?\(binds.count)"
                }
            }
            sql += ")"
        }
        return (sql, binds)
    }

    private static let sqliteEncoder = SQLiteDataEncoder()

    /// What `SQLiteDataEncoder` makes of a value, without its `Encoder` machinery for the common
    /// case of an identifier (it writes a UUID as its text).
    package static func sqliteData(_ value: any Encodable & Sendable) throws -> SQLiteData {
        if let uuid = value as? UUID { return .text(uuid.uuidString) }
        return try sqliteEncoder.encode(value)
    }

    package static func insert(_ table: String, _ columns: [String], _ rows: [[Value]]) -> SQLQueryString {
        let values: [SQLQueryString] = rows.map { row in
            let cells: [SQLQueryString] = row.map { value in
                switch value {
                case let .bind(v): "\(bind: v)"
                case .null: "NULL"
                }
            }
            return "(\(cells.joined(separator: ", ")))"
        }
        // the table and column names are this program's own constants: quoted here once, not escaped
        let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        return "INSERT INTO \(unsafeRaw: "\"\(table)\"") (\(unsafeRaw: names)) VALUES \(values.joined(separator: ", "))"
    }
}
