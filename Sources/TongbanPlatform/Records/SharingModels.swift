import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// 免提交: one material of one case satisfied by what the government already holds instead of a
/// copy — the applicant's e-licence (with their consent), or a shared data resource. Each row is
/// also the consent's record: who allowed which department to read what, for which application,
/// until when. Counting these rows is "materials saved".
package final class MaterialReuse: Model, @unchecked Sendable {
    package static let schema = "material_reuses"

    package enum Via: String, Codable, Sendable { case license, data }

    @ID(key: .id) package var id: UUID?
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "case_id") package var caseID: UUID
    @Field(key: "item_code") package var itemCode: String
    @Field(key: "material_key") package var materialKey: String
    @Field(key: "material_name") package var materialName: String
    @Enum(key: "via") package var via: Via
    /// The licence's identifier, or the data resource's code.
    @Field(key: "source_ref") package var sourceRef: String
    /// The licence type's or the resource's name.
    @Field(key: "source_name") package var sourceName: String
    @OptionalField(key: "license_id") package var licenseID: UUID?
    /// Whose data it is: the licence holder or the data subject.
    @Field(key: "holder_id") package var holderID: UUID
    /// The department that may read it for this case.
    @Field(key: "department_name") package var departmentName: String
    /// Whether the holder consented (a licence always; shared data where the resource asks).
    @Field(key: "consented") package var consented: Bool
    @Field(key: "purpose") package var purpose: String
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "expires_at") package var expiresAt: Date

    /// How long a consent given when applying lets the department read the licence.
    package static let consentDays = 180

    package init() {}

    /// A consent (or basis) for one case's material, for the case's department, from `now`
    /// for `consentDays`.
    package init(
        case row: CaseRow, item: ServiceItem, material: Material, via: Via, sourceRef: String, sourceName: String, licenseID: UUID? = nil,
        holderID: UUID, consented: Bool, purpose: String, at now: Date
    ) {
        id = UUID.timeOrdered(at: now)
        applicationID = row.applicationID
        caseID = row.id!
        itemCode = item.code
        materialKey = material.key
        materialName = material.name
        self.via = via
        self.sourceRef = sourceRef
        self.sourceName = sourceName
        self.licenseID = licenseID
        self.holderID = holderID
        departmentName = row.departmentName
        self.consented = consented
        self.purpose = purpose
        createdAt = now
        expiresAt = now.addingTimeInterval(Double(Self.consentDays) * 86_400)
    }
}

/// One read of a person's or an enterprise's data under a consent or a sharing grant: the data
/// subject's own record of who looked, what, when and why (the audit log holds the same entry,
/// named by `auditKey`).
package final class DataRead: Model, @unchecked Sendable {
    package static let schema = "data_reads"

    @ID(key: .id) package var id: UUID?
    @Field(key: "subject_id") package var subjectID: UUID
    @OptionalField(key: "reader_id") package var readerID: UUID?
    /// "杭州市西湖区市场监督管理局 · 陈审批", or a client system's name; sealed to its cell.
    @Field(key: "reader_label") package var readerLabel: String
    /// `license:<identifier>` or `data:<resource code>`.
    @Field(key: "source") package var source: String
    @Field(key: "source_name") package var sourceName: String
    /// The fields read, comma-separated.
    @Field(key: "fields") package var fields: String
    /// Sealed to its cell.
    @Field(key: "purpose") package var purpose: String
    /// `consent:<reuse id>` or `grant:<grant id>`.
    @Field(key: "basis") package var basis: String
    @Field(key: "at") package var at: Date
    /// The key of the audit entry recording this read (reads from before the log have none).
    @OptionalField(key: "audit_key") package var auditKey: String?

    package init() {}

    /// Who read and why, opened in place (a part that does not open is left as stored).
    package func open(_ keys: KeyRing) {
        guard let id else { return }
        for (column, value) in [("reader_label", readerLabel), ("purpose", purpose)] where value.hasPrefix(KeyRing.sealedPrefix) {
            let opened = keys.open(value, table: Self.schema, row: id, column: column) ?? value
            if column == "reader_label" { readerLabel = opened } else { purpose = opened }
        }
    }
}

/// 39. Who read a person's data and why, sealed to their cells in the reads recorded before
/// (pages of 500, read and written as columns, not through the model).
package struct SealDataReads: AsyncMigration {
    let keys: KeyRing

    package init(keys: KeyRing) { self.keys = keys }

    private struct Row: Decodable {
        let id: UUID
        let reader_label: String
        let purpose: String
    }

    package func prepare(on database: any Database) async throws {
        while true {
            let page = try await database.sql.raw(
                """
                SELECT id, reader_label, purpose FROM data_reads WHERE reader_label NOT LIKE 'v2:%'
                ORDER BY id LIMIT \(bind: ResealInPages.pageSize)
                """
            ).all(decoding: Row.self)
            if page.isEmpty { return }
            try await database.transaction { tx in
                for row in page {
                    try await tx.sql.raw(
                        """
                        UPDATE data_reads SET reader_label = \(bind: keys.seal(row.reader_label, table: DataRead.schema, row: row.id, column: "reader_label")),
                        purpose = \(bind: keys.seal(row.purpose, table: DataRead.schema, row: row.id, column: "purpose"))
                        WHERE id = \(bind: row.id)
                        """
                    ).run()
                }
            }
        }
    }

    package func revert(on database: any Database) async throws {}
}

package struct CreateMaterialReuses: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(MaterialReuse.schema)
            .id()
            .field("application_id", .uuid, .required, .references(ApplicationRecord.schema, "id"))
            .field("case_id", .uuid, .required, .references(CaseRow.schema, "id"))
            .field("item_code", .string, .required)
            .field("material_key", .string, .required)
            .field("material_name", .string, .required)
            .field("via", .string, .required)
            .field("source_ref", .string, .required)
            .field("source_name", .string, .required)
            .field("license_id", .uuid)
            .field("holder_id", .uuid, .required)
            .field("department_name", .string, .required)
            .field("consented", .bool, .required)
            .field("purpose", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "case_id", "material_key")
            .create()
        try await database.schema(DataRead.schema)
            .id()
            .field("subject_id", .uuid, .required)
            .field("reader_id", .uuid)
            .field("reader_label", .string, .required)
            .field("source", .string, .required)
            .field("source_name", .string, .required)
            .field("fields", .string, .required)
            .field("purpose", .string, .required)
            .field("basis", .string, .required)
            .field("at", .datetime, .required)
            .create()
        for statement in [
            "CREATE INDEX material_reuses_by_application ON material_reuses (application_id)",
            "CREATE INDEX material_reuses_by_item ON material_reuses (item_code)",
            "CREATE INDEX data_reads_by_subject ON data_reads (subject_id, at)",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: Database) async throws {
        try await database.schema(DataRead.schema).delete()
        try await database.schema(MaterialReuse.schema).delete()
    }
}

extension InsertBatch {
    package mutating func add(_ r: MaterialReuse) {
        add(
            MaterialReuse.schema,
            [
                ("id", r.id), ("application_id", r.applicationID), ("case_id", r.caseID), ("item_code", r.itemCode),
                ("material_key", r.materialKey), ("material_name", r.materialName), ("via", r.via.rawValue), ("source_ref", r.sourceRef),
                ("source_name", r.sourceName), ("license_id", r.licenseID), ("holder_id", r.holderID),
                ("department_name", r.departmentName),
                ("consented", r.consented), ("purpose", r.purpose), ("created_at", r.createdAt), ("expires_at", r.expiresAt),
            ])
    }
}

/// A department's system that reads shared data through the API: its key is shown once and
/// stored only as a SHA-256 hash (the key is 256 random bits, so a slow hash adds nothing but
/// latency); found by its public prefix.
package final class APIClient: Model, @unchecked Sendable {
    package static let schema = "api_clients"

    @ID(key: .id) package var id: UUID?
    @Field(key: "department_id") package var departmentID: UUID
    @Field(key: "department_name") package var departmentName: String
    @Field(key: "name") package var name: String
    @Field(key: "key_prefix") package var keyPrefix: String
    @Field(key: "key_hash") package var keyHash: String
    /// The highest sensitivity it may read unmasked.
    @Enum(key: "clearance") package var clearance: Sensitivity
    @Field(key: "rate_per_minute") package var ratePerMinute: Int
    @Field(key: "created_by") package var createdBy: UUID
    @Field(key: "created_at") package var createdAt: Date
    @OptionalField(key: "revoked_at") package var revokedAt: Date?
    /// After this its key is refused (set at creation, at most two years on); nil only for a
    /// client made before keys expired, which migration 28 gave a year from its creation.
    @OptionalField(key: "expires_at") package var expiresAt: Date?
    @OptionalField(key: "revoked_by") package var revokedBy: UUID?

    package init() {}
}

/// One subject's record in a data resource, as its owner keeps it: found by the keyed hash of
/// the subject's identity number or credit code (the plain number is not stored here).
package final class SharedRecord: Model, @unchecked Sendable {
    package static let schema = "shared_records"

    @ID(key: .id) package var id: UUID?
    @Field(key: "resource_code") package var resourceCode: String
    @Field(key: "subject_key") package var subjectKey: String
    /// The subject's account, when they have one: their access record lists reads of this row.
    @OptionalField(key: "subject_id") package var subjectID: UUID?
    /// The fields as JSON (sorted keys).
    @Field(key: "data") package var data: String
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}

    /// The record's fields (a person's household, income, insurance…), sealed to its cell (M7):
    /// the resource and the subject's key name the row, so a record copied onto another subject
    /// opens to nothing. A record loaded before records were sealed (and not yet re-sealed by
    /// migration 31) holds its JSON in clear.
    package func values(_ keys: KeyRing) -> [String: String] {
        Self.values(of: data, resource: resourceCode, subjectKey: subjectKey, keys: keys)
    }

    package static func values(of data: String, resource: String, subjectKey: String, keys: KeyRing) -> [String: String] {
        let json =
            data.hasPrefix(KeyRing.sealedPrefix) ? keys.open(data, table: schema, rowKey: cell(resource, subjectKey), column: "data") : data
        return json.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
    }

    package static func sealed(_ json: String, resource: String, subjectKey: String, keys: KeyRing) -> String {
        keys.seal(json, table: schema, rowKey: cell(resource, subjectKey), column: "data")
    }

    package static func cell(_ resource: String, _ subjectKey: String) -> String { resource + "/" + subjectKey }
}

/// 31. Shared records' data sealed to their cells (M7), in pages; sealed ones are left alone.
package struct SealSharedRecords: AsyncMigration {
    let keys: KeyRing

    package init(keys: KeyRing) { self.keys = keys }

    package func prepare(on database: any Database) async throws {
        let keys = self.keys
        try await ResealInPages.run(
            {
                SharedRecord.query(on: $0).field(\.$id).field(\.$data).field(\.$resourceCode).field(\.$subjectKey)
                    .filter(\.$data, .custom("NOT LIKE"), "v2:%")
            }, on: database
        ) { record in
            record.data = SharedRecord.sealed(record.data, resource: record.resourceCode, subjectKey: record.subjectKey, keys: keys)
        }
    }

    package func revert(on database: any Database) async throws {}
}
