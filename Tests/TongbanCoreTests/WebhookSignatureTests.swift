import Crypto
import Foundation
import Testing

@testable import TongbanCore

@Suite("Standard Webhooks signatures")
struct WebhookSignatureTests {
    // The reference vector of the Standard Webhooks libraries (`test_sign_function`).
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Data(#"{"test": 2432232314}"#.utf8)
    static let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    static func at(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    @Test("the reference vector: the same signature, with or without the whsec_ prefix")
    func referenceVector() throws {
        for serialized in [Self.secret, String(Self.secret.dropFirst("whsec_".count))] {
            let secret = try WebhookSecret(serialized: serialized)
            #expect(
                try WebhookSignature.symmetric(id: Self.id, timestamp: Self.timestamp, body: Self.body, secret: secret) == Self.expected)
            try WebhookSignature.verify(
                id: Self.id, timestamp: String(Self.timestamp), signatures: Self.expected, body: Self.body, secrets: [secret],
                now: Self.at(Self.timestamp))
        }
        // the libraries' own near miss: the last character of the signature changed
        #expect(throws: WebhookSignature.Problem.noMatchingSignature) {
            try WebhookSignature.verify(
                id: Self.id, timestamp: String(Self.timestamp), signatures: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
                body: Self.body, secrets: [try WebhookSecret(serialized: Self.secret)], now: Self.at(Self.timestamp))
        }
    }

    @Test("secrets: unpadded base64 is read, a secret shorter than 24 or longer than 64 bytes is refused, a new one reads back")
    func secrets() throws {
        // 25 and 26 bytes: two and one "=" of padding, which may be left out
        for length in [25, 26] {
            let secret = try WebhookSecret(bytes: Data((0..<length).map { UInt8($0 * 7 % 256) }))
            #expect(secret.serialized.hasSuffix("="))
            let unpadded = secret.serialized.replacingOccurrences(of: "=", with: "")
            #expect(try WebhookSecret(serialized: unpadded) == secret)
        }
        for length in [0, 1, 23, 65, 100] {
            #expect(throws: WebhookSignature.Problem.badSecret) { try WebhookSecret(bytes: Data(repeating: 7, count: length)) }
        }
        for length in [24, 32, 64] {
            #expect(try WebhookSecret(bytes: Data(repeating: 7, count: length)).bytes.count == length)
        }
        #expect(throws: WebhookSignature.Problem.badSecret) { try WebhookSecret(serialized: "whsec_not base64!") }
        #expect(throws: WebhookSignature.Problem.badSecret) { try WebhookSecret(serialized: "whsec_") }
        var seen = Set<Data>()
        for _ in 0..<50 {
            let secret = WebhookSecret.random()
            #expect(secret.serialized.hasPrefix("whsec_"))
            #expect(try WebhookSecret(serialized: secret.serialized) == secret)
            seen.insert(secret.bytes)
        }
        #expect(seen.count == 50)
    }

    @Test("generated messages: each verifies, and changing any part of it — a body byte, the id, the timestamp, the secret — does not")
    func generatedMessages() throws {
        var rng = SplitMix64(seed: 19)
        let key = Curve25519.Signing.PrivateKey()
        for _ in 0..<200 {
            let secret = try WebhookSecret(
                bytes: Data((0..<Int.random(in: 24...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
            let id = "msg_" + String(UInt64.random(in: 1...UInt64.max, using: &rng), radix: 36)
            let timestamp = Int64.random(in: 1_600_000_000...2_000_000_000, using: &rng)
            let body = Data((0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let header = try WebhookSignature.header(id: id, timestamp: timestamp, body: body, secrets: [secret], key: key)
            let now = Self.at(timestamp + Int64.random(in: -300...300, using: &rng))
            func verifies(
                id: String = id, timestamp: Int64 = timestamp, body: Data = body, secrets: [WebhookSecret] = [secret],
                keys: [Curve25519.Signing.PublicKey] = []
            ) -> Bool {
                (try? WebhookSignature.verify(
                    id: id, timestamp: String(timestamp), signatures: header, body: body, secrets: secrets, publicKeys: keys, now: now))
                    != nil
            }
            #expect(verifies())
            #expect(verifies(secrets: [], keys: [key.publicKey]))
            if !body.isEmpty {
                var changed = body
                let at = Int.random(in: 0..<body.count, using: &rng)
                changed[at] ^= UInt8.random(in: 1...255, using: &rng)
                #expect(!verifies(body: changed))
                #expect(!verifies(body: changed, secrets: [], keys: [key.publicKey]))
            }
            #expect(!verifies(body: body + Data([0x20])))
            #expect(!verifies(id: id + "x"))
            #expect(!verifies(timestamp: timestamp + 1))
            #expect(!verifies(secrets: [WebhookSecret.random()]))
            #expect(!verifies(secrets: [], keys: [Curve25519.Signing.PrivateKey().publicKey]))
        }
    }

    @Test(
        "the timestamp: five minutes either way are taken, one second more is not; a missing header or a timestamp that is not a number is refused"
    )
    func timestamps() throws {
        let secret = try WebhookSecret(serialized: Self.secret)
        func verify(
            now: Int64, timestamp: String? = String(WebhookSignatureTests.timestamp), id: String? = WebhookSignatureTests.id,
            signatures: String? = WebhookSignatureTests.expected
        ) throws(WebhookSignature.Problem) {
            try WebhookSignature.verify(
                id: id, timestamp: timestamp, signatures: signatures, body: Self.body, secrets: [secret], now: Self.at(now))
        }
        try verify(now: Self.timestamp + 300)
        try verify(now: Self.timestamp - 300)
        #expect(throws: WebhookSignature.Problem.tooOld) { try verify(now: Self.timestamp + 301) }
        #expect(throws: WebhookSignature.Problem.tooNew) { try verify(now: Self.timestamp - 301) }
        #expect(throws: WebhookSignature.Problem.badTimestamp) { try verify(now: Self.timestamp, timestamp: "hello") }
        #expect(throws: WebhookSignature.Problem.missingHeaders) { try verify(now: Self.timestamp, timestamp: nil) }
        #expect(throws: WebhookSignature.Problem.missingHeaders) { try verify(now: Self.timestamp, id: "") }
        #expect(throws: WebhookSignature.Problem.missingHeaders) { try verify(now: Self.timestamp, signatures: nil) }
    }

    @Test(
        "rotation: a header signed with the new and the old secret verifies with either; unknown versions and malformed entries are passed over"
    )
    func rotation() throws {
        let old = WebhookSecret.random()
        let new = WebhookSecret.random()
        let header = try WebhookSignature.header(id: Self.id, timestamp: Self.timestamp, body: Self.body, secrets: [new, old], key: nil)
        #expect(header.split(separator: " ").count == 2)
        for secrets in [[old], [new], [old, new]] {
            try WebhookSignature.verify(
                id: Self.id, timestamp: String(Self.timestamp), signatures: header, body: Self.body, secrets: secrets,
                now: Self.at(Self.timestamp))
        }
        let noisy = "v2,AAAA v1 v1,%%% v1a,AAAA " + header
        try WebhookSignature.verify(
            id: Self.id, timestamp: String(Self.timestamp), signatures: noisy, body: Self.body, secrets: [old], now: Self.at(Self.timestamp)
        )
        #expect(throws: WebhookSignature.Problem.noMatchingSignature) {
            try WebhookSignature.verify(
                id: Self.id, timestamp: String(Self.timestamp), signatures: "v2,AAAA v1 v1,%%%", body: Self.body, secrets: [old],
                now: Self.at(Self.timestamp))
        }
    }

    @Test("an id with a dot, or none, cannot be signed: the signed content would be ambiguous")
    func identifiers() {
        let secret = WebhookSecret.random()
        for id in ["", "msg.1", "."] {
            #expect(throws: WebhookSignature.Problem.badIdentifier) {
                try WebhookSignature.symmetric(id: id, timestamp: Self.timestamp, body: Self.body, secret: secret)
            }
        }
    }
}
