import Crypto
import Fluent
import Foundation
import JWT
import NIOConcurrencyHelpers
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// What a licence's compact JWS carries. Status is not in it (it changes after issue): a
/// verifier asks the registry, or reads the verification page the link opens.
package struct LicenseClaims: JWTPayload, Equatable {
    /// The GB/T 36904 identifier.
    package var jti: IDClaim
    /// The issuing department's credit code.
    package var iss: IssuerClaim
    /// The holder's credit code, or masked identity number.
    package var sub: SubjectClaim
    package var iat: IssuedAtClaim
    package var nbf: NotBeforeClaim
    /// The end of the last valid day (Asia/Shanghai); absent for a long-term licence.
    package var exp: ExpirationClaim?
    package var typeCode: String
    package var typeName: String
    package var holderName: String
    package var issuerName: String
    package var issuedOn: String
    package var validUntil: String?
    package var fields: [String: String]

    package init(
        jti: IDClaim, iss: IssuerClaim, sub: SubjectClaim, iat: IssuedAtClaim, nbf: NotBeforeClaim, exp: ExpirationClaim? = nil,
        typeCode: String, typeName: String, holderName: String, issuerName: String, issuedOn: String, validUntil: String? = nil,
        fields: [String: String]
    ) {
        self.jti = jti
        self.iss = iss
        self.sub = sub
        self.iat = iat
        self.nbf = nbf
        self.exp = exp
        self.typeCode = typeCode
        self.typeName = typeName
        self.holderName = holderName
        self.issuerName = issuerName
        self.issuedOn = issuedOn
        self.validUntil = validUntil
        self.fields = fields
    }

    /// Expiry and status are the verdict's business, reported rather than thrown.
    package func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The departments' licence signing keys (Ed25519, JWS `EdDSA`), loaded from the database into
/// one JWT key collection per process. Each issuer has one key in use at a time; rotating it
/// retires the old key, which stays in the collection and in the published JWK Set.
package final class LicenseKeys: @unchecked Sendable {

    package init() {}
    private let lock = NIOLock()
    /// The signing keys in use.
    private let collection = JWTKeyCollection()
    /// Public keys by kid, for checking signatures without the collection's JWT machinery.
    /// Every key's public half and the issuer it belongs to, by key id.
    private var publicKeys: [String: (key: Curve25519.Signing.PublicKey, issuer: String)] = [:]
    private var inUse: [String: String] = [:]

    /// The key an issuer signs with now, made on first use (one per issuer even with several
    /// processes: a unique index lets only one be in use).
    package func signingKid(issuerCode: String, issuerName: String, context: UseCaseContext) async throws -> String {
        // a key another process retired (`tongban license rotate`) is not used here either:
        // issuing is rare enough for one indexed read to ask
        if let kid = lock.withLock({ inUse[issuerCode] }) {
            if try await LicenseSigningKey.find(kid, on: context.db)?.retiredAt == nil { return kid }
            lock.withLock { _ = inUse.removeValue(forKey: issuerCode) }
        }
        if let key = try await LicenseSigningKey.query(on: context.db).filter(\.$issuerCode == issuerCode).filter(\.$retiredAt == nil)
            .first()
        {
            try await load(key, keyRing: context.keys)
            lock.withLock { inUse[issuerCode] = key.id! }
            return key.id!
        }
        let key = Self.newKey(issuerCode: issuerCode, issuerName: issuerName, context: context)
        do {
            try await context.db.write { tx in
                try await key.create(on: tx)
                try await AuditLog.append(
                    AuditEvent(
                        actorLabel: "system", action: "license.keyCreated", resource: "license-key:\(key.id!)",
                        details: "\(issuerName) \(issuerCode)"), on: tx, now: context.now)
            }
        } catch  where error.isConstraintViolation {
            return try await signingKid(issuerCode: issuerCode, issuerName: issuerName, context: context)  // another process made one first
        }
        try await load(key, keyRing: context.keys)
        lock.withLock { inUse[issuerCode] = key.id! }
        return key.id!
    }

    /// Retires the issuer's key in use; the next licence is signed with a new one.
    package func rotate(issuerCode: String, context: UseCaseContext) async throws {
        try await context.db.write { tx in
            try await LicenseSigningKey.query(on: tx).filter(\.$issuerCode == issuerCode).filter(\.$retiredAt == nil)
                .set(\.$retiredAt, to: context.now).update()
            try await AuditLog.append(
                AuditEvent(actorLabel: "system", action: "license.keyRotated", resource: "license-issuer:\(issuerCode)"), on: tx,
                now: context.now)
        }
        lock.withLock { _ = inUse.removeValue(forKey: issuerCode) }
    }

    package func sign(_ claims: LicenseClaims, kid: String) async throws -> String {
        try await collection.sign(claims, kid: JWKIdentifier(string: kid))
    }

    package enum Failure: Error { case malformed, unknownKey, badSignature }

    /// The claims of a token signed by one of the platform's keys (in use or retired). A compact
    /// JWS checked directly (RFC 7515 with EdDSA, RFC 8037): the header names the key, the
    /// signature covers `header.payload` as sent.
    package func verify(_ token: String, db: any Database, keyRing: KeyRing) async throws(Failure) -> LicenseClaims {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { Substring($0) }
        guard parts.count == 3, let headerData = Data(base64URL: parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: headerData), let kid = header.kid
        else { throw .malformed }
        guard header.alg == "EdDSA", let signature = Data(base64URL: parts[2]), signature.count == 64 else { throw .badSignature }
        var key = lock.withLock { publicKeys[kid] }
        if key == nil {
            // a key another process made, or none of ours
            guard let stored = try? await LicenseSigningKey.find(kid, on: db) else { throw .unknownKey }
            do { try await load(stored, keyRing: keyRing) } catch { throw .unknownKey }
            key = lock.withLock { publicKeys[kid] }
        }
        guard let key else { throw .unknownKey }
        let signed = token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)
        guard key.key.isValidSignature(signature, for: Data(signed)) else { throw .badSignature }
        guard let claims = Self.claims(payload: parts[1]) else { throw .malformed }
        // a department's key vouches for that department's licences only
        guard claims.iss.value == key.issuer else { throw .badSignature }
        return claims
    }

    /// What a token's payload says, signature unchecked (to name what a forgery changed).
    package static func claims(of token: String) -> LicenseClaims? {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        return claims(payload: Substring(parts[1]))
    }

    private static func claims(payload: Substring) -> LicenseClaims? {
        guard let data = Data(base64URL: payload) else { return nil }
        return try? JSONDecoder().decode(LicenseClaims.self, from: data)
    }

    private struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    /// The public keys of every licence signing key, in use or retired, and the platform's other
    /// signing keys (`others`: the webhook key), as a JWK Set.
    package static func jwks(on db: any Database, others: [[String: String]] = []) async throws -> String {
        let keys = try await LicenseSigningKey.query(on: db).sort(\.$createdAt).all()
        let entries =
            keys.map { key in
                ["kty": "OKP", "crv": "Ed25519", "x": key.publicX, "kid": key.id!, "alg": "EdDSA", "use": "sig"]
            } + others
        let data = try JSONSerialization.data(withJSONObject: ["keys": entries], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private func load(_ key: LicenseSigningKey, keyRing: KeyRing) async throws {
        let kid = JWKIdentifier(string: key.id!)
        guard let x = Data(base64URL: key.publicX) else { throw Abort(.internalServerError, reason: "licence key \(key.id!) unreadable") }
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: x)
        // only a key in use signs; checking uses the public keys alone
        if key.retiredAt == nil, let raw = keyRing.decrypt(key.privateCipher, field: "license_key"), let bytes = Data(base64Encoded: raw) {
            await collection.add(eddsa: EdDSA.PrivateKey(backing: try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)), kid: kid)
        }
        lock.withLock { publicKeys[key.id!] = (publicKey, key.issuerCode) }
    }

    private static func newKey(issuerCode: String, issuerName: String, context: UseCaseContext) -> LicenseSigningKey {
        let secret = Curve25519.Signing.PrivateKey()
        let key = LicenseSigningKey()
        key.id =
            "\(issuerCode)-\(context.today.description.replacingOccurrences(of: "-", with: ""))-\(UUID().uuidString.prefix(8).lowercased())"
        key.issuerCode = issuerCode
        key.issuerName = issuerName
        key.publicX = secret.publicKey.rawRepresentation.base64URLEncodedString()
        key.privateCipher = context.keys.encrypt(secret.rawRepresentation.base64EncodedString(), field: "license_key")
        key.createdAt = context.now
        return key
    }
}

extension Application {
    private struct LicenseKeysKey: StorageKey { typealias Value = LicenseKeys }
    package var licenseKeys: LicenseKeys {
        get { storage[LicenseKeysKey.self]! }
        set { storage[LicenseKeysKey.self] = newValue }
    }

    private struct LicenseTypesKey: StorageKey { typealias Value = [String: LicenseType] }
    /// The e-licence types by their short code (`Resources/Catalog/license-types.json`).
    package var licenseTypes: [String: LicenseType] {
        get { storage[LicenseTypesKey.self] ?? [:] }
        set { storage[LicenseTypesKey.self] = newValue }
    }
}

package enum LicenseTypeFile {
    package struct File: Decodable { let types: [LicenseType] }

    package static func load(_ path: String) throws -> [String: LicenseType] {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        var types: [String: LicenseType] = [:]
        for type in file.types {
            let problems = type.problems()
            guard problems.isEmpty else {
                throw Abort(
                    .internalServerError,
                    reason: "licence type \(type.code): " + problems.errors.map { "\($0.field) \($0.key)" }.joined(separator: "; "))
            }
            types[type.code] = type
        }
        return types
    }
}
