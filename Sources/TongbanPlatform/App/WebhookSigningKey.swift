import Crypto
import Foundation

extension KeyRing {
    /// The platform's Ed25519 key for `v1a` webhook signatures, derived from the key file's oldest
    /// data key (HKDF-SHA256, its own label), so every process of a deployment signs with the same
    /// key, through data-key rotations, until that key is retired. Its public half is in `/.well-known/jwks.json`, so an
    /// auditor checks a delivery without the subscriber's shared secret.
    package var webhookSigningKey: Curve25519.Signing.PrivateKey {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: derivationKey, salt: Data("tongban".utf8), info: Data("webhook-signing-ed25519-v1".utf8), outputByteCount: 32)
        return seed.withUnsafeBytes { try! Curve25519.Signing.PrivateKey(rawRepresentation: Data($0)) }
    }

    /// The key's id in the JWK Set: `webhook-` and the first 16 hex digits of its public key's SHA-256.
    package var webhookKeyID: String {
        "webhook-" + SHA256.hash(data: webhookSigningKey.publicKey.rawRepresentation).hex.prefix(16)
    }

    /// The public key as a JWK (RFC 8037).
    package var webhookJWK: [String: String] {
        let x = webhookSigningKey.publicKey.rawRepresentation.base64URLEncodedString()
        return ["kty": "OKP", "crv": "Ed25519", "x": x, "kid": webhookKeyID, "alg": "EdDSA", "use": "sig"]
    }
}
