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
            try await db.sql.raw("\(statement)").run()
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
        return try await db.sql.raw("\(postgresStatement(endingWith: last)!)").all().count
    }

    /// PostgreSQL: every table's INSERT as a data-modifying CTE, then `last` (or the final
    /// INSERT itself); nil when there is nothing to write.
    private func postgresStatement(endingWith last: SQLQueryString?) -> PostgresInserts? {
        guard !tables.isEmpty || last != nil else { return nil }
        return PostgresInserts(tables: tables, last: last, bindCount: bindCount)
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
}

/// The text of a batch's statement on PostgreSQL, written straight out with its numbered
/// parameters: the group commit's thread builds one per commit, and building it through
/// `SQLQueryString` interpolations (one per cell) cost more than the rest of the commit's work.
private struct PostgresInserts: SQLExpression {
    let tables: [(table: String, columns: [String], rows: [[InsertBatch.Value]])]
    let last: SQLQueryString?
    let bindCount: Int

    func serialize(to serializer: inout SQLSerializer) {
        var sql = ""
        sql.reserveCapacity(64 + bindCount * 6)
        var binds: [any Encodable & Sendable] = []
        binds.reserveCapacity(bindCount)
        var parameter = serializer.binds.count
        let main = last == nil ? tables.count - 1 : tables.count
        for (index, table) in tables.enumerated() {
            if index < main {
                sql += index == 0 ? "WITH " : ", "
                sql += "w\(index) AS ("
            } else if index > 0 {
                sql += " "
            }
            // the table and column names are this program's own constants: quoted here, not escaped
            sql += "INSERT INTO \"\(table.table)\" ("
            sql += table.columns.map { "\"\($0)\"" }.joined(separator: ", ")
            sql += ") VALUES "
            for (rowIndex, row) in table.rows.enumerated() {
                sql += rowIndex == 0 ? "(" : ", ("
                for (column, value) in row.enumerated() {
                    if column > 0 { sql += ", " }
                    switch value {
                    case .null:
                        sql += "NULL"
                    case let .bind(value):
                        parameter += 1
                        binds.append(value)
                        sql += "$\(parameter)"
                    }
                }
                sql += ")"
            }
            if index < main { sql += ")" }
        }
        serializer.write(sql)
        serializer.binds.append(contentsOf: binds)
        if let last {
            if !tables.isEmpty { serializer.write(" ") }
            last.serialize(to: &serializer)
        }
    }
}
