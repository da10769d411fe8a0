import Foundation

/// An example request and answer for each operation of `/openapi.json`, taken from the exchanges
/// the test suite really had with the server (`scripts/record-api-examples.sh` writes
/// `Resources/OpenAPI/examples.json`), never written by hand: an example is something the server
/// took or said. A test holds every example to its schema and fails on an operation without one.
enum OpenAPIExamples {
    struct Exchange: Codable, Sendable {
        var request: JSONValue?
        var response: JSONValue?
    }

    static let file = TongbanResources.directory + "/OpenAPI/examples.json"

    /// Operation id → its example exchange.
    static let recorded: [String: Exchange] = {
        guard let data = FileManager.default.contents(atPath: file) else { return [:] }
        return (try? JSONDecoder().decode([String: Exchange].self, from: data)) ?? [:]
    }()

}
