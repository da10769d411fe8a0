import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 延续 and 变更: the issuing department renews a licence (a new period from today) or changes
/// its fields; either way the holder gets the next version (same serial, version + 1, new
/// signature) and the old version is cancelled (注销) naming its successor — both in one
/// transaction, and only if nobody changed the old one meanwhile.
package struct LicenseReissue {
    package let context: UseCaseContext
    /// The reader's language, for a refusal naming statuses.
    package let wording: Wording
    package let signer: LicenseSigner
    package let types: [String: LicenseType]

    package enum Kind: String, Codable { case renew, change }

    package struct Body: Content {
        package var kind: String?
        package var fields: [String: String]?
        package var reason: String?

        package init(kind: String? = nil, fields: [String: String]? = nil, reason: String? = nil) {
            self.kind = kind
            self.fields = fields
            self.reason = reason
        }
    }

    /// The issuing department's reviewer renews or changes licence `raw`: the next version is
    /// signed and stored, the old one cancelled naming it.
    package func reissue(_ raw: String, _ body: Body) async throws -> LicenseRecord {
        let actor = try context.requireAccount().actor
        let db = context.db
        let identifier: LicenseIdentifier
        do {
            identifier = try LicenseIdentifier(raw.uppercased())
        } catch {
            throw TongbanError.invalid(field: "identifier", error.rawValue)
        }
        guard let old = try await LicenseRecord.query(on: db).filter(\.$identifier == identifier.value).first() else {
            throw TongbanError.notFound("license")
        }
        guard context.allows(.review, .license(departmentID: old.departmentID)) else {
            throw TongbanError.denied(.roleMissing)
        }
        guard let type = types[old.typeCode] else { throw TongbanError.notFound("license") }
        try await LicenseIssuer.require(type, department: old.departmentID, on: db)
        var problems = FieldErrors()
        let kind = body.kind.flatMap(Kind.init(rawValue:))
        if kind == nil { problems.add("kind", body.kind == nil ? "field.required" : "field.unknownValue") }
        let reason = problems.text("reason", body.reason, maxLength: 500)
        var fields = old.fieldValues(context.keys)
        for (key, value) in (body.fields ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard type.fields.contains(where: { $0.key == key }) else {
                problems.add(FieldError(field: "fields.\(key)", key: "license.unknownField", label: key, labelEn: key))
                continue
            }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.count > 500 { problems.add("fields.\(key)", "field.required") } else { fields[key] = trimmed }
        }
        if kind == .change && fields == old.fieldValues(context.keys) { problems.add("fields", "license.nothingChanged") }
        try problems.throwIfAny()
        guard let kind, let reason else { throw problems }
        guard old.licenseStatus == .valid else {
            let from = wording.t("licenseStatus.\(old.status)")
            throw TongbanError.conflict("license.statusChangeRefused", ["from": from, "to": wording.t("licenseStatus.04")])
        }
        guard identifier.version < 999, let holder = try await Account.find(old.holderID, on: db),
            let issuer = try? CreditCode(old.issuerCode)
        else {
            throw TongbanError.conflict("license.cannotReissue")
        }
        let today = context.today
        let now = context.now
        let next = try LicenseIdentifier.make(
            typeCode: identifier.typeCode, issuer: identifier.issuer, serial: identifier.serial, version: identifier.version + 1)
        let validUntil = kind == .renew ? type.validUntil(issuedOn: today) : old.validUntil.flatMap(CalendarDate.init(iso:))
        let license = try await signer.sign(
            type, holder: holder, holderCode: old.holderCode, fields: fields, identifier: next,
            issuer: .init(code: issuer, name: old.issuerName, departmentID: old.departmentID),
            on: today, validUntil: validUntil)
        license.applicationID = old.applicationID
        license.caseID = old.caseID
        let changed = fields.keys.filter { fields[$0] != old.fieldValues(context.keys)[$0] }.sorted()
        let audit = context.auditEvent(
            "license.\(kind.rawValue)", resource: "license:\(next.value)",
            details: "replaces \(old.identifier)\(changed.isEmpty ? "" : "; changed \(changed.joined(separator: ","))"): \(reason)")
        try await db.write { tx in
            let cancelled = try await tx.sql.update(LicenseRecord.schema)
                .set("status", to: LicenseStatus.cancelled.rawValue)
                .set("status_reason", to: "换发新版本 \(next.value)：\(reason)")
                .set("updated_at", to: now)
                .where("identifier", .equal, old.identifier).where("status", .equal, LicenseStatus.valid.rawValue)
                .returning("id").all()
            guard cancelled.count == 1 else { throw TongbanError.conflict("license.changedMeanwhile") }
            try await license.create(on: tx)
            try await OutboxEvent(
                kind == .renew ? .licenseRenewed : .licenseChanged, subject: next.value,
                payload: ["license": next.value, "replaces": old.identifier, "holder": old.holderID.uuidString],
                audience: EventAudience(departmentID: old.departmentID, regionCode: nil), at: now
            ).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return license
    }
}

/// 颁发 by hand: a reviewer of a department issues a licence of a type to a person or an
/// enterprise without a case (a licence converted from paper, say), every field of the type
/// given, with a reason; the department signs it like any other.
package struct LicenseDirectIssue {
    package let context: UseCaseContext
    package let signer: LicenseSigner
    package let types: [String: LicenseType]

    package struct Body: Content {
        package var type: String?
        package var holderID: UUID?
        package var fields: [String: String]?
        package var reason: String?

        package init(type: String? = nil, holderID: UUID? = nil, fields: [String: String]? = nil, reason: String? = nil) {
            self.type = type
            self.holderID = holderID
            self.fields = fields
            self.reason = reason
        }
    }

    /// A reviewer of the acting account's department issues a licence of a type.
    package func issue(_ body: Body) async throws -> LicenseRecord {
        let actor = try context.requireAccount().actor
        let db = context.db
        guard let departmentID = actor.departmentID, context.allows(.review, .license(departmentID: departmentID)),
            let department = try await Department.find(departmentID, on: db), let issuer = try? CreditCode(department.creditCode)
        else {
            throw TongbanError.denied(.roleMissing)
        }
        var problems = FieldErrors()
        let type = body.type.flatMap { types[$0] }
        if type == nil { problems.add("type", body.type == nil ? "field.required" : "field.unknownValue") }
        // a type the department does not issue is refused before anything else is read
        if let type { try await LicenseIssuer.require(type, department: departmentID, on: db) }
        var holder: Account? = nil
        if let id = body.holderID { holder = try await Account.find(id, on: db) }
        if holder == nil || holder?.kind == .staff {
            problems.add("holderID", body.holderID == nil ? "field.required" : "application.unknownApplicant")
        }
        let reason = problems.text("reason", body.reason, maxLength: 500)
        var fields: [String: String] = [:]
        if let type {
            let given = body.fields ?? [:]
            for key in given.keys.sorted() where !type.fields.contains(where: { $0.key == key }) {
                problems.add(FieldError(field: "fields.\(key)", key: "license.unknownField", label: key, labelEn: key))
            }
            for field in type.fields {
                let value = given[field.key]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if value.isEmpty || value.count > 500 {
                    problems.add(
                        FieldError(field: "fields.\(field.key)", key: "field.required", label: field.label, labelEn: field.labelEn))
                } else {
                    fields[field.key] = value
                }
            }
        }
        try problems.throwIfAny()
        guard let type, let holder, let reason else { throw problems }
        let today = context.today
        let now = context.now
        let serial =
            today.description.replacingOccurrences(of: "-", with: "") + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)
        let identifier = try LicenseIdentifier.make(typeCode: type.typeCode, issuer: issuer, serial: serial.uppercased())
        let license = try await signer.sign(
            type, holder: holder, holderCode: LicenseIssuance.holderCode(holder, keys: context.keys),
            fields: fields, identifier: identifier,
            issuer: .init(code: issuer, name: department.name, departmentID: departmentID),
            on: today, validUntil: type.validUntil(issuedOn: today))
        let holderID = try holder.requireID()
        let audit = context.auditEvent(
            "license.issue", resource: "license:\(identifier.value)", details: "\(type.code) to \(holder.displayName): \(reason)")
        try await db.write { tx in
            try await license.create(on: tx)
            try await OutboxEvent(
                .licenseIssued, subject: identifier.value,
                payload: ["license": identifier.value, "holder": holderID.uuidString, "type": type.code],
                audience: EventAudience(departmentID: departmentID, regionCode: department.region), at: now
            ).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return license
    }
}
