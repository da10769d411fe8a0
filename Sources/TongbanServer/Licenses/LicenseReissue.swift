import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// 延续 and 变更: the issuing department renews a licence (a new period from today) or changes
/// its fields; either way the holder gets the next version (same serial, version + 1, new
/// signature) and the old version is cancelled (注销) naming its successor — both in one
/// transaction, and only if nobody changed the old one meanwhile.
enum LicenseReissue {
    enum Kind: String, Codable { case renew, change }

    struct Body: Content {
        var kind: String?
        var fields: [String: String]?
        var reason: String?
    }

    static func run(_ req: Request) async throws -> LicenseVerdict {
        let actor = try req.requireAccount().actor
        let raw = try req.parameters.require("identifier").uppercased()
        let identifier: LicenseIdentifier
        do { identifier = try LicenseIdentifier(raw) } catch { throw TongbanError.invalid(field: "identifier", error.rawValue) }
        guard let old = try await LicenseRecord.query(on: req.db).filter(\.$identifier == identifier.value).first() else {
            throw TongbanError.notFound("license")
        }
        guard Policy.decide(actor, .review, .license(departmentID: old.departmentID)).isAllowed else {
            throw TongbanError.denied(.roleMissing)
        }
        guard let type = req.application.licenseTypes[old.typeCode] else { throw TongbanError.notFound("license") }
        let body = try req.content.decode(Body.self)
        var problems = FieldErrors()
        let kind = body.kind.flatMap(Kind.init(rawValue:))
        if kind == nil { problems.add("kind", body.kind == nil ? "field.required" : "field.unknownValue") }
        let reason = problems.text("reason", body.reason, maxLength: 500)
        var fields = old.fieldValues
        for (key, value) in (body.fields ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard type.fields.contains(where: { $0.key == key }) else { problems.add(FieldError(field: "fields.\(key)", key: "license.unknownField", label: key, labelEn: key)); continue }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.count > 500 { problems.add("fields.\(key)", "field.required") } else { fields[key] = trimmed }
        }
        if kind == .change && fields == old.fieldValues { problems.add("fields", "license.nothingChanged") }
        try problems.throwIfAny()
        guard let kind, let reason else { throw problems }
        guard old.licenseStatus == .valid else {
            throw TongbanError.conflict("license.statusChangeRefused", ["from": req.t("licenseStatus.\(old.status)"), "to": req.t("licenseStatus.04")])
        }
        guard identifier.version < 999, let holder = try await Account.find(old.holderID, on: req.db), let issuer = try? CreditCode(old.issuerCode) else {
            throw TongbanError.conflict("license.cannotReissue")
        }
        let today = req.application.today
        let next = try LicenseIdentifier.make(typeCode: identifier.typeCode, issuer: identifier.issuer, serial: identifier.serial, version: identifier.version + 1)
        let validUntil = kind == .renew ? type.validUntil(issuedOn: today) : old.validUntil.flatMap(CalendarDate.init(iso:))
        let license = try await LicenseIssuance.sign(type, holder: holder, holderCode: old.holderCode, fields: fields, identifier: next,
                                                     issuer: .init(code: issuer, name: old.issuerName, departmentID: old.departmentID),
                                                     on: today, validUntil: validUntil, app: req.application)
        license.applicationID = old.applicationID
        license.caseID = old.caseID
        let changed = fields.keys.filter { fields[$0] != old.fieldValues[$0] }.sorted()
        let audit = req.auditEvent("license.\(kind.rawValue)", resource: "license:\(next.value)",
                                   details: "replaces \(old.identifier)\(changed.isEmpty ? "" : "; changed \(changed.joined(separator: ","))"): \(reason)")
        try await req.db.write { tx in
            let cancelled = try await tx.sql.update(LicenseRecord.schema)
                .set("status", to: LicenseStatus.cancelled.rawValue).set("status_reason", to: "换发新版本 \(next.value)：\(reason)").set("updated_at", to: req.now)
                .where("identifier", .equal, old.identifier).where("status", .equal, LicenseStatus.valid.rawValue)
                .returning("id").all()
            guard cancelled.count == 1 else { throw TongbanError.conflict("license.changedMeanwhile") }
            try await license.create(on: tx)
            try await OutboxEvent(topic: "license.\(kind.rawValue)", subject: next.value,
                                  payload: ["license": next.value, "replaces": old.identifier, "holder": old.holderID.uuidString], at: req.now).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return try await LicenseVerification.verify(license.token, req: req)
    }
}

/// 颁发 by hand: a reviewer of a department issues a licence of a type to a person or an
/// enterprise without a case (a licence converted from paper, say), every field of the type
/// given, with a reason; the department signs it like any other.
enum LicenseDirectIssue {
    struct Body: Content {
        var type: String?
        var holderID: UUID?
        var fields: [String: String]?
        var reason: String?
    }

    static func run(_ req: Request) async throws -> Response {
        let actor = try req.requireAccount().actor
        guard let departmentID = actor.departmentID, Policy.decide(actor, .review, .license(departmentID: departmentID)).isAllowed,
              let department = try await Department.find(departmentID, on: req.db), let issuer = try? CreditCode(department.creditCode) else {
            throw TongbanError.denied(.roleMissing)
        }
        let body = try req.content.decode(Body.self)
        var problems = FieldErrors()
        let type = body.type.flatMap { req.application.licenseTypes[$0] }
        if type == nil { problems.add("type", body.type == nil ? "field.required" : "field.unknownValue") }
        var holder: Account? = nil
        if let id = body.holderID { holder = try await Account.find(id, on: req.db) }
        if holder == nil || holder?.kind == .staff { problems.add("holderID", body.holderID == nil ? "field.required" : "application.unknownApplicant") }
        let reason = problems.text("reason", body.reason, maxLength: 500)
        var fields: [String: String] = [:]
        if let type {
            let given = body.fields ?? [:]
            for key in given.keys.sorted() where !type.fields.contains(where: { $0.key == key }) {
                problems.add(FieldError(field: "fields.\(key)", key: "license.unknownField", label: key, labelEn: key))
            }
            for field in type.fields {
                let value = given[field.key]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if value.isEmpty || value.count > 500 { problems.add(FieldError(field: "fields.\(field.key)", key: "field.required", label: field.label, labelEn: field.labelEn)) }
                else { fields[field.key] = value }
            }
        }
        try problems.throwIfAny()
        guard let type, let holder, let reason else { throw problems }
        let today = req.application.today
        let serial = today.description.replacingOccurrences(of: "-", with: "") + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)
        let identifier = try LicenseIdentifier.make(typeCode: type.typeCode, issuer: issuer, serial: serial.uppercased())
        let license = try await LicenseIssuance.sign(type, holder: holder, holderCode: LicenseIssuance.holderCode(holder, keys: req.application.keys),
                                                     fields: fields, identifier: identifier,
                                                     issuer: .init(code: issuer, name: department.name, departmentID: departmentID),
                                                     on: today, validUntil: type.validUntil(issuedOn: today), app: req.application)
        let audit = req.auditEvent("license.issue", resource: "license:\(identifier.value)", details: "\(type.code) to \(holder.displayName): \(reason)")
        try await req.db.write { tx in
            try await license.create(on: tx)
            try await OutboxEvent(topic: "license.issued", subject: identifier.value,
                                  payload: ["license": identifier.value, "holder": holder.id!.uuidString, "type": type.code], at: req.now).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return try await LicenseVerification.verify(license.token, req: req).encodeResponse(status: .created, for: req)
    }
}
