import Fluent
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// The licence API: the published keys, verification for anyone, the holder's wallet.
struct LicenseAPI {
    func register(_ app: Application, api: any RoutesBuilder) {
        app.get(".well-known", "jwks.json", use: jwks)
        api.post("licenses", "verify", use: verify)
        api.get("licenses", use: wallet)
        api.post("licenses") { req in
            let desk = LicenseDirectIssue(
                context: req.context, signer: LicenseSigner(app: req.application),
                types: req.application.licenseTypes)
            let license = try await desk.issue(try req.content.decode(LicenseDirectIssue.Body.self))
            return try await LicenseVerification.verify(license.token, req: req).encodeResponse(status: .created, for: req)
        }
        api.post("licenses", ":identifier", "status", use: changeStatus)
        api.post("licenses", ":identifier", "reissue") { req in
            let desk = LicenseReissue(
                context: req.context, wording: req.wording, signer: LicenseSigner(app: req.application),
                types: req.application.licenseTypes)
            let identifier = try req.parameters.require("identifier")
            let license = try await desk.reissue(identifier, try req.content.decode(LicenseReissue.Body.self))
            return try await LicenseVerification.verify(license.token, req: req)
        }
    }

    struct StatusBody: Content {
        var status: String?
        var reason: String?
    }

    /// Suspends, restores, withdraws, cancels or revokes a licence, with a reason: a reviewer of
    /// the issuing department. Verification says so at once.
    func changeStatus(req: Request) async throws -> LicenseVerdict {
        let actor = try req.requireAccount().actor
        let identifier = try req.parameters.require("identifier").uppercased()
        guard let license = try await LicenseRecord.query(on: req.db).filter(\.$identifier == identifier).first() else {
            throw TongbanError.notFound("license")
        }
        guard Policy.decide(actor, .review, .license(departmentID: license.departmentID)).isAllowed else {
            throw TongbanError.denied(.roleMissing)
        }
        let body = try req.content.decode(StatusBody.self)
        var problems = FieldErrors()
        let next = body.status.flatMap(LicenseStatus.init(rawValue:))
        if next == nil { problems.add("status", body.status == nil ? "field.required" : "field.unknownValue") }
        let reason = problems.text("reason", body.reason, maxLength: 500)
        try problems.throwIfAny()
        guard let next, let reason else { throw problems }
        let current = license.licenseStatus
        guard current.canChange(to: next) else {
            throw TongbanError.conflict(
                "license.statusChangeRefused",
                ["from": req.t("licenseStatus.\(current.rawValue)"), "to": req.t("licenseStatus.\(next.rawValue)")])
        }
        let audit = req.auditEvent(
            "license.status", resource: "license:\(identifier)", details: "\(current.rawValue) → \(next.rawValue): \(reason)")
        try await req.db.write { tx in
            // only if nobody changed it since it was read: else a 409
            let changed = try await tx.sql.update(LicenseRecord.schema)
                .set("status", to: next.rawValue).set("status_reason", to: reason).set("updated_at", to: req.now)
                .where("identifier", .equal, identifier).where("status", .equal, current.rawValue)
                .returning("id").all()
            guard changed.count == 1 else { throw TongbanError.conflict("license.changedMeanwhile") }
            try await OutboxEvent(
                topic: "license.status", subject: identifier,
                payload: ["license": identifier, "from": current.rawValue, "to": next.rawValue],
                at: req.now
            ).create(on: tx)
            try await AuditLog.append(audit, on: tx, now: req.now)
        }
        return try await LicenseVerification.verify(license.token, req: req)
    }

    /// Every licence signing key, in use or retired, so that any JOSE library can check any
    /// licence with this document alone.
    func jwks(req: Request) async throws -> Response {
        let response = Response(status: .ok, body: .init(string: try await LicenseKeys.jwks(on: req.db)))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "jwk-set+json")
        response.headers.cacheControl = .init(maxAge: 300)
        return response
    }

    struct VerifyBody: Content { var token: String? }

    /// Verification for anyone, no sign-in: a bad token is an answer (`invalid` with its reason),
    /// not an error.
    func verify(req: Request) async throws -> LicenseVerdict {
        let body = try req.content.decode(VerifyBody.self)
        guard let token = body.token else { throw TongbanError.invalid(field: "token", "field.required") }
        return try await LicenseVerification.verify(token, req: req)
    }

    struct LicenseDTO: Content {
        let identifier: String
        let typeCode: String
        let typeName: String
        let issuerName: String
        let issuedOn: String
        let validUntil: String?
        let status: String
        let fields: [String: String]
        /// The compact JWS to present elsewhere.
        let token: String
        let verifyURL: String
    }

    /// The signed-in holder's licences (电子证照夹), newest first.
    func wallet(req: Request) async throws -> [LicenseDTO] {
        let account = try req.requireAccount()
        try req.authorize(.view, .holderRecords(holderID: try account.requireID()))
        let licenses = try await LicenseRecord.query(on: req.db).filter(\.$holderID == account.requireID()).sort(\.$createdAt, .descending)
            .all()
        return licenses.map { l in
            LicenseDTO(
                identifier: l.identifier, typeCode: l.typeCode, typeName: l.typeName, issuerName: l.issuerName, issuedOn: l.issuedOn,
                validUntil: l.validUntil, status: l.status, fields: l.fieldValues, token: l.token,
                verifyURL: "/verify?id=\(l.identifier)")
        }
    }
}
