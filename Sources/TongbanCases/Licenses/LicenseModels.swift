import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 电子证照: one issued licence, as its issuer's registry keeps it. The signed token is what the
/// holder carries; the status here is what a verifier is told now.
package final class LicenseRecord: Model, @unchecked Sendable {
    package static let schema = "licenses"

    @ID(key: .id) package var id: UUID?
    @Field(key: "identifier") package var identifier: String
    /// The catalog's short type code (`yyzz`).
    @Field(key: "type_code") package var typeCode: String
    @Field(key: "type_name") package var typeName: String
    @Field(key: "holder_id") package var holderID: UUID
    @Field(key: "holder_name") package var holderName: String
    /// A credit code, or an identity number shown masked.
    @Field(key: "holder_code") package var holderCode: String
    @Field(key: "issuer_code") package var issuerCode: String
    @Field(key: "issuer_name") package var issuerName: String
    @OptionalField(key: "department_id") package var departmentID: UUID?
    /// The licence's fields as JSON (sorted keys), sealed to this cell (`fieldValues(_:)`).
    @Field(key: "fields") package var fields: String
    @Field(key: "issued_on") package var issuedOn: String
    @OptionalField(key: "valid_until") package var validUntil: String?
    /// `LicenseStatus` raw value (01 有效 …).
    @Field(key: "status") package var status: String
    @OptionalField(key: "status_reason") package var statusReason: String?
    /// The signed licence the holder carries, sealed to this cell (`token(_:)`).
    @Field(key: "token") package var token: String
    @Field(key: "kid") package var kid: String
    @OptionalField(key: "application_id") package var applicationID: UUID?
    @OptionalField(key: "case_id") package var caseID: UUID?
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}

    package var licenseStatus: LicenseStatus { LicenseStatus(rawValue: status) ?? .valid }

    /// The fields, opened (a row written before they were sealed reads as it was).
    package func fieldValues(_ keys: KeyRing) -> [String: String] {
        guard let id else { return [:] }
        return Self.fieldValues(fields, id: id, keys: keys)
    }

    package static func fieldValues(_ stored: String, id: UUID, keys: KeyRing) -> [String: String] {
        let json = stored.hasPrefix(KeyRing.sealedPrefix) ? keys.open(stored, table: schema, row: id, column: "fields") : stored
        return json.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
    }

    /// The signed licence, opened.
    package func token(_ keys: KeyRing) -> String {
        guard let id else { return "" }
        return token.hasPrefix(KeyRing.sealedPrefix) ? keys.open(token, table: Self.schema, row: id, column: "token") ?? "" : token
    }

    /// Seals the fields (JSON) and the token to this row's cells (its id is set first if it has none).
    package func seal(fields json: String, token signed: String, keys: KeyRing) {
        if id == nil { id = UUID() }
        fields = keys.seal(json, table: Self.schema, row: id!, column: "fields")
        token = keys.seal(signed, table: Self.schema, row: id!, column: "token")
    }
}

/// 34. Licences' fields and tokens sealed to their cells (M7), in pages.
package struct SealLicenseContents: AsyncMigration {
    let keys: KeyRing

    package init(keys: KeyRing) { self.keys = keys }

    package func prepare(on database: any Database) async throws {
        let keys = self.keys
        try await ResealInPages.run(
            {
                LicenseRecord.query(on: $0).field(\.$id).field(\.$fields).field(\.$token)
                    .filter(\.$token, .custom("NOT LIKE"), "v2:%")
            }, on: database
        ) { license in
            license.seal(fields: license.fields, token: license.token, keys: keys)
        }
    }

    package func revert(on database: any Database) async throws {}
}

/// A department's signing key for licences (Ed25519). The private half is kept encrypted with
/// the server's key ring; a retired key no longer signs but stays published, so that licences it
/// signed still verify.
package final class LicenseSigningKey: Model, @unchecked Sendable {
    package static let schema = "license_keys"

    @ID(custom: "kid", generatedBy: .user) package var id: String?
    @Field(key: "issuer_code") package var issuerCode: String
    @Field(key: "issuer_name") package var issuerName: String
    /// base64url of the raw 32-byte public key (the JWK's `x`).
    @Field(key: "public_x") package var publicX: String
    @Field(key: "private_cipher") package var privateCipher: String
    @Field(key: "created_at") package var createdAt: Date
    @OptionalField(key: "retired_at") package var retiredAt: Date?

    package init() {}
}

package struct CreateLicenses: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(LicenseSigningKey.schema)
            .field("kid", .string, .identifier(auto: false))
            .field("issuer_code", .string, .required)
            .field("issuer_name", .string, .required)
            .field("public_x", .string, .required)
            .field("private_cipher", .string, .required)
            .field("created_at", .datetime, .required)
            .field("retired_at", .datetime)
            .create()
        try await database.schema(LicenseRecord.schema)
            .id()
            .field("identifier", .string, .required)
            .field("type_code", .string, .required)
            .field("type_name", .string, .required)
            .field("holder_id", .uuid, .required)
            .field("holder_name", .string, .required)
            .field("holder_code", .string, .required)
            .field("issuer_code", .string, .required)
            .field("issuer_name", .string, .required)
            .field("department_id", .uuid)
            .field("fields", .string, .required)
            .field("issued_on", .string, .required)
            .field("valid_until", .string)
            .field("status", .string, .required)
            .field("status_reason", .string)
            .field("token", .string, .required)
            .field("kid", .string, .required)
            .field("application_id", .uuid)
            .field("case_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "identifier")
            .create()
        for statement in [
            // one signing key in use per issuer, whichever process makes it first
            "CREATE UNIQUE INDEX license_keys_active ON license_keys (issuer_code) WHERE retired_at IS NULL",
            "CREATE INDEX licenses_by_holder ON licenses (holder_id, type_code)",
            "CREATE INDEX licenses_by_case ON licenses (case_id)",
        ] { try await database.sql.raw(SQLQueryString(statement)).run() }
    }

    package func revert(on database: Database) async throws {
        try await database.schema(LicenseRecord.schema).delete()
        try await database.schema(LicenseSigningKey.schema).delete()
    }
}
