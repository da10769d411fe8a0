import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// The licence API: the published keys, verification for anyone, the holder's wallet.
package struct LicenseAPI {
    package init() {}

    package func register(_ app: Application, api: any RoutesBuilder) {
        app.get(".well-known", "jwks.json", use: jwks)
        api.post("licenses", "verify", use: verify)
        api.get("licenses", use: wallet)
        api.post("licenses") { req in
            let desk = LicenseDirectIssue(
                context: req.context, signer: req.application.licenseSigner,
                types: req.application.licenseTypes)
            let license = try await desk.issue(try req.content.decode(LicenseDirectIssue.Body.self))
            return try await req.licenseVerification.verify(license.token(req.application.keys)).encodeResponse(status: .created, for: req)
        }
        api.post("licenses", ":identifier", "status", use: changeStatus)
        api.post("licenses", ":identifier", "reissue") { req in
            let desk = LicenseReissue(
                context: req.context, wording: req.wording, signer: req.application.licenseSigner,
                types: req.application.licenseTypes)
            let identifier = try req.parameters.require("identifier")
            let license = try await desk.reissue(identifier, try req.content.decode(LicenseReissue.Body.self))
            return try await req.licenseVerification.verify(license.token(req.application.keys))
        }
    }

    package struct StatusBody: Content {
        package var status: String?
        package var reason: String?
    }

    /// Suspends, restores, withdraws, cancels or revokes a licence, with a reason: a reviewer of
    /// the issuing department. Verification says so at once.
    package func changeStatus(req: Request) async throws -> LicenseVerdict {
        let change = LicenseStatusChange(context: req.context, wording: req.wording)
        let identifier = try req.parameters.require("identifier")
        // asked before the body is read: one who may not learns nothing from its validation
        try await change.authorize(identifier)
        let body = try req.content.decode(StatusBody.self)
        let license = try await change.change(identifier, to: body.status, reason: body.reason)
        return try await req.licenseVerification.verify(license.token(req.application.keys))
    }

    /// Every licence signing key, in use or retired, so that any JOSE library can check any
    /// licence with this document alone.
    package func jwks(req: Request) async throws -> Response {
        let response = Response(
            status: .ok,
            body: .init(
                string: try await LicenseKeys.jwks(
                    on: req.db,
                    others: [req.application.keys.webhookJWK] + (try await AuditTree.jwks(on: req.db, keys: req.application.keys)))))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "jwk-set+json")
        response.headers.cacheControl = .init(maxAge: 300)
        return response
    }

    package struct VerifyBody: Content { var token: String? }

    /// Verification for anyone, no sign-in: a bad token is an answer (`invalid` with its reason),
    /// not an error.
    package func verify(req: Request) async throws -> LicenseVerdict {
        let body = try req.content.decode(VerifyBody.self)
        guard let token = body.token else { throw TongbanError.invalid(field: "token", "field.required") }
        return try await req.licenseVerification.verifyPresented(token)
    }

    package struct LicenseDTO: Content {
        package let identifier: String
        package let typeCode: String
        package let typeName: String
        package let issuerName: String
        package let issuedOn: String
        package let validUntil: String?
        package let status: String
        package let fields: [String: String]
        /// The compact JWS to present elsewhere.
        package let token: String
        package let verifyURL: String
    }

    /// The signed-in holder's licences (电子证照夹), newest first.
    package func wallet(req: Request) async throws -> [LicenseDTO] {
        let licenses = try await LicenseWallet(context: req.context).licenses()
        return licenses.map { l in
            LicenseDTO(
                identifier: l.identifier, typeCode: l.typeCode, typeName: l.typeName, issuerName: l.issuerName, issuedOn: l.issuedOn,
                validUntil: l.validUntil, status: l.status, fields: l.fieldValues(req.application.keys),
                token: l.token(req.application.keys),
                verifyURL: "/verify?id=\(l.identifier)")
        }
    }
}
