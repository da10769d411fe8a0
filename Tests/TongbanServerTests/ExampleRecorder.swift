import Foundation
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
        let sent = request.flatMap { try? decoder.decode(JSONValue.self, from: $0) }.map(Self.shortened)
        let answered = response.isEmpty ? nil : (try? decoder.decode(JSONValue.self, from: response)).map(Self.shortened)
        lock.withLock {
            // the first exchange that shows both sides wins; one that shows less is replaced by it
            if let known = exchanges[operation], known.request != nil || sent == nil, known.response != nil || answered == nil { return }
            exchanges[operation] = OpenAPIExamples.Exchange(request: sent, response: answered)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(exchanges) { try? data.write(to: URL(fileURLWithPath: path)) }
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
