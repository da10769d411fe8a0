import Fluent
import Foundation
import SQLKit

/// A change to rows that exist, made inside a group write's transaction before its new rows
/// are inserted: an update of one row by id that must find it (in the state `onlyIf` names),
/// or a delete of the rows whose column holds a value.
package enum RowChange: Sendable {
    case update(
        table: String, id: UUID, values: [(String, InsertBatch.Value)], onlyIf: (column: String, value: any Encodable & Sendable)?,
        otherwise: TongbanError)
    case delete(table: String, where: String, equals: UUID)

    /// An update of `table`'s row `id` to the values of an insert's column list (the id column
    /// itself is never rewritten).
    package static func update(
        _ table: String, id: UUID, columns: [(String, (any Encodable & Sendable)?)],
        onlyIf: (column: String, value: any Encodable & Sendable)? = nil, otherwise: TongbanError
    ) -> RowChange {
        let values = columns.filter { $0.0 != "id" }.map { ($0.0, $0.1.map(InsertBatch.Value.bind) ?? .null) }
        return .update(table: table, id: id, values: values, onlyIf: onlyIf, otherwise: otherwise)
    }

    /// Bound parameters this change uses.
    package var bindCount: Int {
        switch self {
        case let .update(_, _, values, onlyIf, _): values.count + 1 + (onlyIf == nil ? 0 : 1)
        case .delete: 1
        }
    }

    package func run(on tx: any Database) async throws {
        switch self {
        case let .update(table, id, values, onlyIf, otherwise):
            let assignments: [SQLQueryString] = values.map { column, value in
                switch value {
                case let .bind(v): "\(ident: column) = \(bind: v)"
                case .null: "\(ident: column) = NULL"
                }
            }
            var statement: SQLQueryString = "UPDATE \(ident: table) SET \(assignments.joined(separator: ", ")) WHERE id = \(bind: id)"
            if let onlyIf {
                statement += " AND \(ident: onlyIf.column) = \(bind: onlyIf.value)"
            }
            statement += " RETURNING id"
            let changed = try await tx.sql.raw(statement).all()
            guard changed.count == 1 else { throw otherwise }
        case let .delete(table, column, value):
            try await tx.sql.raw("DELETE FROM \(ident: table) WHERE \(ident: column) = \(bind: value)").run()
        }
    }
}
