import Fluent
import Foundation
import TongbanCore
import Vapor

/// The licence API: the published keys, verification for anyone, the holder's wallet.
struct LicenseAPI {
    func register(_ app: Application, api: any RoutesBuilder) {
        app.get(".well-known", "jwks.json", use: jwks)
        api.post("licenses", "verify", use: verify)
        api.get("licenses", use: wallet)
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
        guard account.kind != .staff else { throw TongbanError.denied(.roleMissing) }
        let licenses = try await LicenseRecord.query(on: req.db).filter(\.$holderID == account.requireID()).sort(\.$createdAt, .descending).all()
        return licenses.map { l in
            LicenseDTO(identifier: l.identifier, typeCode: l.typeCode, typeName: l.typeName, issuerName: l.issuerName, issuedOn: l.issuedOn,
                       validUntil: l.validUntil, status: l.status, fields: l.fieldValues, token: l.token,
                       verifyURL: "/verify?id=\(l.identifier)")
        }
    }
}
