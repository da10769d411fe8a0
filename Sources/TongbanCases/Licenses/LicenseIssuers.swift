import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// Which departments may issue which licence types (发证机关): a property-right certificate is the
/// real-estate registry's to issue, an identity card the police's. Granted by the operator
/// (`tongban license grant TYPE CREDIT_CODE`), by department id; every issue — after a decision,
/// by hand, or a renewal or change — is checked against it, and signed with the acting
/// department's own key.
package final class LicenseIssuer: Model, @unchecked Sendable {
    package static let schema = "license_issuers"

    @ID(key: .id) package var id: UUID?
    /// The licence type's short code (`yyzz`).
    @Field(key: "license_type") package var licenseType: String
    @Field(key: "department_id") package var departmentID: UUID
    @Field(key: "granted_at") package var grantedAt: Date
    @Field(key: "granted_by") package var grantedBy: String

    package init() {}

    package init(licenseType: String, departmentID: UUID, at now: Date, by: String) {
        self.id = UUID()
        self.licenseType = licenseType
        self.departmentID = departmentID
        self.grantedAt = now
        self.grantedBy = by
    }

    /// Whether `department` may issue licences of `type`.
    package static func mayIssue(_ type: String, department: UUID?, on db: any Database) async throws -> Bool {
        guard let department else { return false }
        return try await query(on: db).filter(\.$licenseType == type).filter(\.$departmentID == department).count() > 0
    }

    /// Refuses with 403 `license.notIssuer` unless `department` may issue `type`.
    package static func require(_ type: LicenseType, department: UUID?, on db: any Database) async throws {
        guard try await mayIssue(type.code, department: department, on: db) else {
            throw TongbanError(status: .forbidden, code: "license.notIssuer", arguments: ["type": type.name])
        }
    }

    /// Grants `type` to the department with `creditCode` (nothing if it already holds it).
    package static func grant(_ type: String, creditCode: String, by: String, at now: Date, on db: any Database) async throws -> Bool {
        guard let department = try await Department.query(on: db).filter(\.$creditCode == creditCode).first(), let id = department.id else {
            return false
        }
        if try await mayIssue(type, department: id, on: db) { return true }
        try await db.write { tx in
            try await LicenseIssuer(licenseType: type, departmentID: id, at: now, by: by).create(on: tx)
            try await AuditLog.append(
                AuditEvent(actorLabel: by, action: "license.issuerGranted", resource: "department:\(id)", details: "type=\(type)"), on: tx,
                now: now)
        }
        return true
    }
}

/// 25. Licence types' issuing departments.
package struct CreateLicenseIssuers: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(LicenseIssuer.schema)
            .id()
            .field("license_type", .string, .required)
            .field("department_id", .uuid, .required, .references(Department.schema, "id"))
            .field("granted_at", .datetime, .required)
            .field("granted_by", .string, .required)
            .unique(on: "license_type", "department_id")
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(LicenseIssuer.schema).delete()
    }
}
