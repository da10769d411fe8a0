import Crypto
import Foundation

/// A subscription's signing secret, Standard Webhooks 1.0: 24 to 64 random bytes, shown to its
/// owner base64-encoded after `whsec_`.
public struct WebhookSecret: Sendable, Equatable {
    public static let prefix = "whsec_"
    public static let allowedLength = 24...64

    public let bytes: Data

    public init(bytes: Data) throws(WebhookSignature.Problem) {
        guard Self.allowedLength.contains(bytes.count) else { throw .badSecret }
        self.bytes = bytes
    }

    /// `whsec_…` as shown to the owner; the prefix and base64 padding may be left out, as the
    /// reference libraries allow.
    public init(serialized: String) throws(WebhookSignature.Problem) {
        var text = serialized.hasPrefix(Self.prefix) ? String(serialized.dropFirst(Self.prefix.count)) : serialized
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard let bytes = Data(base64Encoded: text) else { throw .badSecret }
        try self.init(bytes: bytes)
    }

    /// 32 fresh random bytes.
    public static func random() -> WebhookSecret {
        let key = SymmetricKey(size: .bits256)
        // 32 bytes are within 24...64: the initialiser cannot refuse them
        return try! WebhookSecret(bytes: key.withUnsafeBytes { Data($0) })
    }

    public var serialized: String { Self.prefix + bytes.base64EncodedString() }
}

/// Standard Webhooks 1.0 signatures: the signed content is `id.timestamp.body`; `v1` is its
/// HMAC-SHA256 under the subscription's secret, `v1a` its Ed25519 signature under the platform's
/// key (published, so that anyone can check a delivery without the shared secret). The
/// `webhook-signature` header lists several, space-separated, so that a rotated secret and the one
/// it replaces both verify during the grace period.
public enum WebhookSignature {
    public enum Problem: Error, Sendable, Equatable {
        /// A secret that is not base64 of 24 to 64 bytes.
        case badSecret
        /// A message id or timestamp that cannot be signed unambiguously (empty, or with a `.`).
        case badIdentifier
        case missingHeaders
        case badTimestamp
        case tooOld
        case tooNew
        case noMatchingSignature
        /// The platform's Ed25519 key could not sign (the crypto library refused).
        case signingFailed
    }

    /// How far a timestamp may be from the receiver's clock: five minutes, as the reference libraries.
    public static let tolerance: Int64 = 300

    public static func signedContent(id: String, timestamp: Int64, body: Data) throws(Problem) -> Data {
        guard !id.isEmpty, !id.contains(".") else { throw .badIdentifier }
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        return content
    }

    /// `v1,<base64 HMAC-SHA256>`.
    public static func symmetric(id: String, timestamp: Int64, body: Data, secret: WebhookSecret) throws(Problem) -> String {
        let content = try signedContent(id: id, timestamp: timestamp, body: body)
        let code = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: secret.bytes))
        return "v1," + Data(code).base64EncodedString()
    }

    /// `v1a,<base64 Ed25519 signature>`.
    public static func asymmetric(
        id: String, timestamp: Int64, body: Data, key: Curve25519.Signing.PrivateKey
    ) throws(Problem) -> String {
        let content = try signedContent(id: id, timestamp: timestamp, body: body)
        guard let signature = try? key.signature(for: content) else { throw .signingFailed }
        return "v1a," + signature.base64EncodedString()
    }

    /// The `webhook-signature` header: one `v1` per secret still valid (the current one first),
    /// and a `v1a` when the platform's key is given.
    public static func header(
        id: String, timestamp: Int64, body: Data, secrets: [WebhookSecret], key: Curve25519.Signing.PrivateKey?
    ) throws(Problem) -> String {
        var signatures: [String] = []
        for secret in secrets {
            signatures.append(try symmetric(id: id, timestamp: timestamp, body: body, secret: secret))
        }
        if let key {
            signatures.append(try asymmetric(id: id, timestamp: timestamp, body: body, key: key))
        }
        return signatures.joined(separator: " ")
    }

    /// What a receiver does: the timestamp within `tolerance` of `now`, then some listed signature
    /// made with one of the secrets (`v1`, compared in constant time) or public keys (`v1a`).
    /// Signatures of other versions and malformed entries are passed over.
    public static func verify(
        id: String?, timestamp: String?, signatures: String?, body: Data,
        secrets: [WebhookSecret], publicKeys: [Curve25519.Signing.PublicKey] = [], now: Date,
        tolerance: Int64 = WebhookSignature.tolerance
    ) throws(Problem) {
        guard let id, let timestamp, let signatures, !id.isEmpty, !timestamp.isEmpty, !signatures.isEmpty else {
            throw .missingHeaders
        }
        guard let seconds = Int64(timestamp) else { throw .badTimestamp }
        let clock = Int64(now.timeIntervalSince1970.rounded(.down))
        if seconds < clock - tolerance { throw .tooOld }
        if seconds > clock + tolerance { throw .tooNew }
        let content = try signedContent(id: id, timestamp: seconds, body: body)
        for entry in signatures.split(separator: " ") {
            guard let comma = entry.firstIndex(of: ","),
                let signature = Data(base64Encoded: String(entry[entry.index(after: comma)...]))
            else { continue }
            switch entry[..<comma] {
            case "v1":
                for secret in secrets
                where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: content, using: SymmetricKey(data: secret.bytes)) {
                    return
                }
            case "v1a":
                for key in publicKeys where key.isValidSignature(signature, for: content) {
                    return
                }
            default:
                continue
            }
        }
        throw .noMatchingSignature
    }
}
