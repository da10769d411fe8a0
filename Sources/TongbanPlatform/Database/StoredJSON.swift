import Foundation

/// JSON as the platform stores and digests it: keys sorted, so that equal values are equal text
/// (a request's digest does not depend on the order of its keys); slashes left as they are.
package enum StoredJSON {
    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A stored object of strings (an outbox payload) read back; anything else reads as empty.
    package static func stringMap(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}
