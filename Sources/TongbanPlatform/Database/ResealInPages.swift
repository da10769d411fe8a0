import Fluent

/// A migration's walk over rows still holding a value in an older form: a page of 500 at a
/// time, each page rewritten in one transaction, until the query finds none. `rewrite` must
/// take a row out of the query's reach (or throw), or the walk never ends.
package enum ResealInPages {
    package static let pageSize = 500

    package static func run<Row: Model>(
        _ pending: @escaping @Sendable (any Database) -> QueryBuilder<Row>, on database: any Database,
        rewrite: @escaping @Sendable (Row) throws -> Void
    ) async throws {
        while true {
            let page = try await pending(database).limit(pageSize).all()
            if page.isEmpty { return }
            try await database.transaction { tx in
                for row in page {
                    try rewrite(row)
                    try await row.update(on: tx)
                }
            }
        }
    }
}
