import Crypto
import Foundation

/// The platform's own Ed25519 keys, derived from the key file's oldest data key (HKDF-SHA256, a
/// label per use), so every process of a deployment signs with the same key, through data-key
/// rotations, until that data key is retired. Their public halves are in `/.well-known/jwks.json`.
extension KeyRing {
    /// `v1a` webhook signatures: an auditor checks a delivery without the subscriber's shared secret.
    package var webhookSigningKey: Curve25519.Signing.PrivateKey { derivedSigningKey("webhook-signing-ed25519-v1") }

    /// `webhook-` and the first 16 hex digits of the public key's SHA-256.
    package var webhookKeyID: String { Self.keyID("webhook", webhookSigningKey.publicKey) }

    package var webhookJWK: [String: String] { Self.jwk(webhookSigningKey.publicKey, kid: webhookKeyID) }

    /// The audit log's signed tree heads.
    package var auditLogSigningKey: Curve25519.Signing.PrivateKey { derivedSigningKey("audit-log-ed25519-v1") }

    package var auditLogKeyID: String { Self.keyID("audit-log", auditLogSigningKey.publicKey) }

    private func derivedSigningKey(_ label: String) -> Curve25519.Signing.PrivateKey {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: derivationKey, salt: Data("tongban".utf8), info: Data(label.utf8), outputByteCount: 32)
        return seed.withUnsafeBytes { try! Curve25519.Signing.PrivateKey(rawRepresentation: Data($0)) }
    }

    package static func keyID(_ use: String, _ key: Curve25519.Signing.PublicKey) -> String {
        use + "-" + SHA256.hash(data: key.rawRepresentation).hex.prefix(16)
    }

    /// A public key as a JWK (RFC 8037).
    package static func jwk(_ key: Curve25519.Signing.PublicKey, kid: String) -> [String: String] {
        ["kty": "OKP", "crv": "Ed25519", "x": key.rawRepresentation.base64URLEncodedString(), "kid": kid, "alg": "EdDSA", "use": "sig"]
    }
}
