import Foundation
import TongbanPlatform

/// An example request and answer for each operation of `/openapi.json`, taken from the exchanges
/// the test suite really had with the server (`scripts/record-api-examples.sh` writes
/// `Resources/OpenAPI/examples.json`), never written by hand: an example is something the server
/// took or said. A test holds every example to its schema and fails on an operation without one.
package enum OpenAPIExamples {
    package struct Exchange: Codable, Sendable {
        package var request: JSONValue?
        package var response: JSONValue?

        package init(request: JSONValue? = nil, response: JSONValue? = nil) {
            self.request = request
            self.response = response
        }
    }

    package static let file = TongbanResources.directory + "/OpenAPI/examples.json"

    /// Operation id → its example exchange.
    package static let recorded: [String: Exchange] = {
        guard let data = FileManager.default.contents(atPath: file) else { return [:] }
        return (try? JSONDecoder().decode([String: Exchange].self, from: data)) ?? [:]
    }()

}
