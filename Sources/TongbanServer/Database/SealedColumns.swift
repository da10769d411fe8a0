import Fluent
import Foundation
import SQLKit
import TongbanCases
import TongbanDelivery
import TongbanIdentity
import TongbanPlatform

/// Every column that holds values sealed with a data key, and how each is bound (to its cell or
/// to its column's name): what `tongban keys` re-seals under the current key and counts per key.
/// A new sealed column is added here, or rotation leaves it under a retired key.
struct SealedColumn: Sendable {
    let table: String
    let column: String
    /// The primary key, and whether it is a UUID (else text, e.g. a licence key's `kid`).
    var idColumn = "id"
    var idIsUUID = true
    var idIsInteger = false
    /// Other columns the binding needs, selected with the value.
    var context: [String] = []
    /// Whether the row's value is sealed at all (a message's text is sealed only when it says so).
    var applies: @Sendable (any SQLRow) throws -> Bool = { _ in true }
    /// The value opened with the ring, or nil when it does not open.
    let open: @Sendable (KeyRing, any SQLRow, String) throws -> String?
    /// The plain value sealed again, under the ring's current key.
    let seal: @Sendable (KeyRing, any SQLRow, String) throws -> String

    /// A value sealed to its cell, the row known by its id.
    static func cell(_ table: String, _ column: String) -> SealedColumn {
        SealedColumn(
            table: table, column: column,
            open: { keys, row, stored in keys.open(stored, table: table, row: try row.decode(column: "id", as: UUID.self), column: column)
            },
            seal: { keys, row, plain in keys.seal(plain, table: table, row: try row.decode(column: "id", as: UUID.self), column: column) })
    }

    /// A part of an audit entry, sealed to its cell (the entry's key is the row key); the entries
    /// of the system's own, in clear, are passed over.
    static func auditCell(_ column: String) -> SealedColumn {
        SealedColumn(
            table: AuditEntry.schema, column: column, idColumn: "id", idIsUUID: false, idIsInteger: true, context: ["entry_key"],
            applies: { row in try row.decode(column: "sealed_value", as: String.self).hasPrefix(KeyRing.sealedPrefix) },
            open: { keys, row, stored in
                keys.open(stored, table: AuditEntry.schema, rowKey: try row.decode(column: "entry_key", as: String.self), column: column)
            },
            seal: { keys, row, plain in
                keys.seal(plain, table: AuditEntry.schema, rowKey: try row.decode(column: "entry_key", as: String.self), column: column)
            })
    }

    /// A value sealed to the name of what it holds (`v1:`).
    static func field(_ table: String, _ column: String, _ field: String, idColumn: String = "id", idIsUUID: Bool = true) -> SealedColumn {
        SealedColumn(
            table: table, column: column, idColumn: idColumn, idIsUUID: idIsUUID,
            open: { keys, _, stored in keys.decrypt(stored, field: field) }, seal: { keys, _, plain in keys.encrypt(plain, field: field) })
    }

    static let all: [SealedColumn] = [
        .cell(Account.schema, "id_number_cipher"),
        .cell(Account.schema, "mobile_cipher"),
        .cell(ApplicationRecord.schema, "form"),
        .cell(ApplicationRecord.schema, "access_code"),
        .cell(ApplicationRecord.schema, "delivery_address"),
        .cell(Parcel.schema, "address"),
        .cell(LicenseRecord.schema, "fields"),
        .auditCell("actor_label"),
        .auditCell("purpose"),
        .auditCell("details"),
        .cell(LicenseRecord.schema, "token"),
        .cell(DataRead.schema, "reader_label"),
        .cell(DataRead.schema, "purpose"),
        SealedColumn(
            table: SharedRecord.schema, column: "data", context: ["resource_code", "subject_key"],
            open: { keys, row, stored in
                keys.open(stored, table: SharedRecord.schema, rowKey: try sharedCell(row), column: "data")
            },
            seal: { keys, row, plain in keys.seal(plain, table: SharedRecord.schema, rowKey: try sharedCell(row), column: "data") }),
        SealedColumn(
            table: MessageSend.schema, column: "address_cipher", context: ["channel"],
            open: { keys, row, stored in keys.decrypt(stored, field: try addressField(row)) },
            seal: { keys, row, plain in keys.encrypt(plain, field: try addressField(row)) }),
        SealedColumn(
            table: MessageSend.schema, column: "text", context: ["text_sealed"],
            applies: { row in try row.decode(column: "text_sealed", as: Bool.self) },
            open: { keys, _, stored in keys.decrypt(stored, field: MessageSend.sealedTextField) },
            seal: { keys, _, plain in keys.encrypt(plain, field: MessageSend.sealedTextField) }),
        .field(MessageContact.schema, "email_cipher", MessageContact.emailField),
        .field(WebhookSubscription.schema, "secret_cipher", WebhookSubscription.secretField),
        .field(WebhookSubscription.schema, "previous_secret_cipher", WebhookSubscription.secretField),
        .field(IdentityChallenge.schema, "pending_cipher", "identity_challenge"),
        .field(LicenseSigningKey.schema, "private_cipher", "license_key", idColumn: "kid", idIsUUID: false),
    ]

    private static func sharedCell(_ row: any SQLRow) throws -> String {
        SharedRecord.cell(try row.decode(column: "resource_code", as: String.self), try row.decode(column: "subject_key", as: String.self))
    }

    private static func addressField(_ row: any SQLRow) throws -> String {
        try row.decode(column: "channel", as: String.self) == "sms" ? "mobile" : MessageContact.emailField
    }
}

/// `tongban keys`: counts the values under each data key, re-seals them under the current one
/// online, a page at a time, and tells whether a key still seals anything.
struct DataKeyRotation {
    let db: any Database
    let keys: KeyRing
    var pageSize = 500

    struct Progress: Sendable, Equatable {
        var resealed = 0
        /// Values changed by a writer between the read and the write (left as that writer sealed them).
        var raced = 0
    }

    struct Unreadable: Error, CustomStringConvertible {
        let table: String
        let column: String
        let id: String
        var description: String {
            "\(table).\(column) of \(id) does not open with this key file: nothing of it was changed; restore its key before re-sealing"
        }
    }

    /// How many values each key seals, per column (`table.column` → key id → count).
    func census() async throws -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for column in SealedColumn.all {
            var tally: [String: Int] = [:]
            try await walkPages(column) { page in
                for (_, stored) in page {
                    if let id = KeyRing.keyID(of: stored) { tally[id, default: 0] += 1 }
                }
            }
            counts["\(column.table).\(column.column)"] = tally
        }
        return counts
    }

    /// Seals every value not under the current key again under it, a page at a time, each page
    /// one transaction; a value that does not open stops it before anything of its page is
    /// written (re-sealing it would lose it).
    func reseal(report: (String, Progress) -> Void = { _, _ in }) async throws -> Progress {
        var total = Progress()
        for column in SealedColumn.all {
            var progress = Progress()
            try await walkPages(column) { page in
                var rewrites: [(id: any SQLExpression, old: String, new: String)] = []
                for (row, stored) in page where KeyRing.keyID(of: stored).map({ $0 != keys.currentDataKeyID }) == true {
                    guard let plain = try column.open(keys, row, stored) else {
                        throw Unreadable(table: column.table, column: column.column, id: try Self.idText(row, column))
                    }
                    rewrites.append((try Self.idBind(row, column), stored, try column.seal(keys, row, plain)))
                }
                guard !rewrites.isEmpty else { return }
                let batch = rewrites
                let written = try await db.transaction { tx in
                    var written = 0
                    for rewrite in batch {
                        // only if no writer changed it meanwhile
                        let changed = try await tx.sql.update(column.table).set(SQLIdentifier(column.column), to: SQLBind(rewrite.new))
                            .where(SQLIdentifier(column.idColumn), .equal, rewrite.id)
                            .where(SQLIdentifier(column.column), .equal, SQLBind(rewrite.old))
                            .returning(SQLIdentifier(column.idColumn)).all()
                        if !changed.isEmpty { written += 1 }
                    }
                    return written
                }
                progress.resealed += written
                progress.raced += batch.count - written
            }
            report("\(column.table).\(column.column)", progress)
            total.resealed += progress.resealed
            total.raced += progress.raced
        }
        return total
    }

    /// The table's sealed values in pages, by primary key.
    private func walkPages(_ column: SealedColumn, _ visit: ([(any SQLRow, String)]) async throws -> Void) async throws {
        var after: (any SQLExpression)? = nil
        while true {
            let select = db.sql.select().column(SQLIdentifier(column.idColumn))
                .column(SQLAlias(SQLIdentifier(column.column), as: SQLIdentifier("sealed_value")))
                .from(column.table)
                .where(SQLIdentifier(column.column), .isNot, SQLLiteral.null)
                .orderBy(SQLIdentifier(column.idColumn)).limit(pageSize)
            for extra in column.context { select.column(SQLIdentifier(extra)) }
            if let after { select.where(SQLIdentifier(column.idColumn), .greaterThan, after) }
            let rows = try await select.all()
            guard let last = rows.last else { return }
            let page = try rows.filter(column.applies).map { ($0, try $0.decode(column: "sealed_value", as: String.self)) }
            try await visit(page)
            after = try Self.idBind(last, column)
        }
    }

    private static func idBind(_ row: any SQLRow, _ column: SealedColumn) throws -> any SQLExpression {
        if column.idIsInteger { return SQLBind(try row.decode(column: column.idColumn, as: Int64.self)) }
        return column.idIsUUID
            ? SQLBind(try row.decode(column: column.idColumn, as: UUID.self))
            : SQLBind(try row.decode(column: column.idColumn, as: String.self))
    }

    private static func idText(_ row: any SQLRow, _ column: SealedColumn) throws -> String {
        if column.idIsInteger { return String(try row.decode(column: column.idColumn, as: Int64.self)) }
        return column.idIsUUID
            ? try row.decode(column: column.idColumn, as: UUID.self).uuidString : try row.decode(column: column.idColumn, as: String.self)
    }
}
