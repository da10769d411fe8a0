import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import TongbanCore

/// Why a message did not go: a mail relay's or a gateway's refusal, or a broken conversation.
/// `permanent` when it will never go as it is (SMTP 5xx, HTTP 4xx but 429: the address refused,
/// the credentials wrong); otherwise worth another try.
package struct SendFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package let permanent: Bool
    package let description: String

    package init(permanent: Bool, _ description: String) {
        self.permanent = permanent
        self.description = description
    }
}

/// Sends one e-mail. The dispatcher knows nothing of SMTP beyond this.
package protocol EmailSender: Sendable {
    func send(_ message: MailMessage) async throws(SendFailure)
}

extension SMTPClient: EmailSender {}

/// E-mail for a demonstration without a relay: each message written as an `.eml` file into a
/// folder (`TONGBAN_SMTP_URL=file:PATH`), readable with any mail program or `cat`.
package struct FileEmailSender: EmailSender {
    package let folder: String

    package init(folder: String) {
        self.folder = folder
    }

    package func send(_ message: MailMessage) async throws(SendFailure) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let name = message.messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<>")).replacingOccurrences(of: "@", with: "_")
            let path = (folder as NSString).appendingPathComponent(name + ".eml")
            try Data(message.rendered.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SendFailure(permanent: false, "\(folder): \(error)")
        }
    }
}

/// A message taken by its channel.
package struct SendAccepted: Sendable, Equatable {
    /// The channel's own id of it: the gateway's, which its receipts name; an e-mail's Message-ID.
    package let reference: String
    /// Whether the channel already knows it was delivered (a file sink does).
    package let delivered: Bool

    package init(reference: String, delivered: Bool) {
        self.reference = reference
        self.delivered = delivered
    }
}

/// Hands one SMS to a gateway.
package protocol SMSGateway: Sendable {
    func send(to mobile: String, text: String, messageID: UUID) async throws(SendFailure) -> SendAccepted
    func shutdown() async
}

extension SMSGateway {
    package func shutdown() async {}
}

/// SMS for a demonstration: each message one JSON line appended to a file
/// (`TONGBAN_SMS_URL=file:PATH`); `tail -f` shows them as they are sent.
package final class FileSMSGateway: SMSGateway {
    package let path: String
    private let lock = NIOLock()

    package init(path: String) {
        self.path = path
    }

    package func send(to mobile: String, text: String, messageID: UUID) async throws(SendFailure) -> SendAccepted {
        let line: [String: String] = ["id": messageID.uuidString.lowercased(), "to": mobile, "text": text]
        do {
            var data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
            data.append(UInt8(ascii: "\n"))
            try lock.withLock {
                let folder = (path as NSString).deletingLastPathComponent
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: data)
            }
        } catch {
            throw SendFailure(permanent: false, "\(path): \(error)")
        }
        return SendAccepted(reference: "file-" + messageID.uuidString.lowercased(), delivered: true)
    }
}

/// An HTTP SMS gateway: `POST {to, text, reference, callback}` as JSON, signed as Standard Webhooks
/// are (`webhook-id`, `webhook-timestamp`, `webhook-signature` v1 under the shared key), answered
/// with `{"id": "…"}`; the gateway posts delivery receipts to `callback`, signed the same way.
package final class HTTPSMSGateway: SMSGateway {
    private let client: HTTPClient
    private let url: String
    private let key: WebhookSecret
    private let callback: String
    private let wallClock: @Sendable () -> Date

    package init(
        url: String, key: WebhookSecret, callback: String, group: any EventLoopGroup, wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        client = HTTPClient(
            eventLoopGroupProvider: .shared(group),
            configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(15))))
        self.url = url
        self.key = key
        self.callback = callback
        self.wallClock = wallClock
    }

    private struct Answer: Decodable { let id: String }

    package func send(to mobile: String, text: String, messageID: UUID) async throws(SendFailure) -> SendAccepted {
        let reference = messageID.uuidString.lowercased()
        let body: [String: String] = ["to": mobile, "text": text, "reference": reference, "callback": callback]
        do {
            let bytes = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
            let id = "sms_" + reference
            let timestamp = Int64(wallClock().timeIntervalSince1970)
            let signature = try WebhookSignature.header(id: id, timestamp: timestamp, body: bytes, secrets: [key], key: nil)
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers = [
                "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp),
                "webhook-signature": signature,
            ]
            request.body = .bytes(ByteBuffer(data: bytes))
            let response = try await client.execute(request, timeout: .seconds(15))
            let answer = try await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else {
                let permanent = (400..<500).contains(response.status.code) && response.status != .tooManyRequests
                throw SendFailure(permanent: permanent, "SMS gateway: HTTP \(response.status.code)")
            }
            let decoded = try JSONDecoder().decode(Answer.self, from: Data(answer.readableBytesView))
            return SendAccepted(reference: decoded.id, delivered: false)
        } catch let error as SendFailure {
            throw error
        } catch {
            throw SendFailure(permanent: false, "SMS gateway: \(error)")
        }
    }

    package func shutdown() async {
        try? await client.shutdown()
    }
}
