import Foundation

/// Turns a JSON decoding failure into a field problem a person can act on: the path of the field
/// (`materials[2].source`) and what is wrong with it.
public struct DecodingProblem: Error, Sendable, Equatable {
    public let field: String
    /// `field.required`, `field.wrongType`, `field.unknownValue`, a code's own key, or `json.malformed`.
    public let key: String

    public init(field: String, key: String) {
        self.field = field
        self.key = key
    }

    /// Decodes `data`, returning the problem if it fails, nil if it decodes.
    public init?<T: Decodable>(decoding type: T.Type, from data: Data) {
        do {
            _ = try JSONDecoder().decode(type, from: data)
            return nil
        } catch { self.init(error) }
    }

    public init(_ error: any Error) {
        guard let error = error as? DecodingError else {
            self.init(field: "", key: "json.malformed")
            return
        }
        switch error {
        case let .keyNotFound(key, context):
            self.init(field: Self.path(context.codingPath + [key]), key: "field.required")
        case let .valueNotFound(_, context):
            self.init(field: Self.path(context.codingPath), key: "field.required")
        case let .typeMismatch(_, context):
            self.init(field: Self.path(context.codingPath), key: "field.wrongType")
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty {
                self.init(field: "", key: "json.malformed")
            } else if context.debugDescription.hasPrefix("catalog.") || context.debugDescription.hasPrefix("region.") {
                self.init(field: Self.path(context.codingPath), key: context.debugDescription)
            } else {
                self.init(field: Self.path(context.codingPath), key: "field.unknownValue")
            }
        @unknown default:
            self.init(field: "", key: "json.malformed")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var path = ""
        for key in keys {
            if let index = key.intValue { path += "[\(index)]" } else { path += path.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return path
    }
}
