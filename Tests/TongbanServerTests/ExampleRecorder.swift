import Foundation
import TongbanOpenAPI
@testable import TongbanServer

/// With `TONGBAN_RECORD_API_EXAMPLES=<file>` in the environment (`scripts/record-api-examples.sh`),
/// keeps one successful exchange of each operation the suite calls — the request it sent and the
/// answer, both held to the contract first — and writes them to the file as they come.
final class ExampleRecorder: @unchecked Sendable {
    static let shared = ExampleRecorder(path: ProcessInfo.processInfo.environment["TONGBAN_RECORD_API_EXAMPLES"])

    let path: String?
    private let lock = NSLock()
    private var exchanges: [String: OpenAPIExamples.Exchange] = [:]

    init(path: String?) { self.path = path }

    func record(operation: String, request: Data?, response: Data) {
        guard let path else { return }
        let decoder = JSONDecoder()
        let sent = request.flatMap { try? decoder.decode(JSONValue.self, from: $0) }.map(Self.shortened).map(Self.redacted)
        let answered = response.isEmpty ? nil : (try? decoder.decode(JSONValue.self, from: response)).map(Self.shortened).map(Self.redacted)
        lock.withLock {
            // the first exchange that shows both sides wins; one that shows less is replaced by it
            if let known = exchanges[operation], known.request != nil || sent == nil, known.response != nil || answered == nil { return }
            exchanges[operation] = OpenAPIExamples.Exchange(request: sent, response: answered)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(exchanges) { try? data.write(to: URL(fileURLWithPath: path)) }
        }
    }

    /// Members that carry a credential, and what an example shows instead.
    static let secrets: [String: JSONValue] = [
        "password": "Example-passw0rd", "currentPassword": "Example-passw0rd", "newPassword": "Example-passw0rd-2",
        "accessToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.example.signature", "refreshToken": "example-refresh-token",
    ]

    /// Credentials replaced: a document anyone reads must not hold one that works (the suite's
    /// are the demo accounts' password and tokens signed by its keys).
    static func redacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .array(values):
            return .array(values.map(redacted))
        case let .object(pairs):
            return .object(pairs.map { key, member in (key, secrets[key] ?? redacted(member)) })
        case let .string(text) where text.hasPrefix("tbk_"):
            return "tbk_example-client-key"  // a client system's key, whatever member holds it
        case let .string(text) where text.hasPrefix("whsec_"):
            return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  // a webhook secret: the Standard Webhooks specification's example
        default:
            return value
        }
    }

    /// Arrays cut to their first two elements: a page of twenty items says no more than two do.
    static func shortened(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .array(values):
            return .array(values.prefix(2).map(shortened))
        case let .object(pairs):
            return .object(pairs.map { ($0.0, shortened($0.1)) })
        default:
            return value
        }
    }
}
