import TongbanPlatform
/// A JSON value, for documents built in code (the OpenAPI description) and the examples read into them.
package indirect enum JSONValue: Codable, Sendable, ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByArrayLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral
{
    package typealias Key = String
    package typealias Value = JSONValue

    case string(String)
    case int(Int)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    package init(stringLiteral value: String) { self = .string(value) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int) { self = .int(value) }

    private struct CodingName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        package init(_ string: String) { stringValue = string }
        package init?(stringValue: String) { self.stringValue = stringValue }
        package init?(intValue: Int) { nil }
    }

    package func encode(to encoder: any Encoder) throws {
        switch self {
        case let .string(value):
            var c = encoder.singleValueContainer()
            try c.encode(value)
        case let .int(value):
            var c = encoder.singleValueContainer()
            try c.encode(value)
        case let .number(value):
            var c = encoder.singleValueContainer()
            try c.encode(value)
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case let .bool(value):
            var c = encoder.singleValueContainer()
            try c.encode(value)
        case let .array(values):
            var c = encoder.unkeyedContainer()
            for value in values { try c.encode(value) }
        case let .object(pairs):
            var c = encoder.container(keyedBy: CodingName.self)
            for (key, value) in pairs { try c.encode(value, forKey: CodingName(key)) }
        }
    }

    /// Members in the order the decoder gives them (the document is written with sorted keys).
    package init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer() {
            if single.decodeNil() {
                self = .null
                return
            }
            if let value = try? single.decode(Bool.self) {
                self = .bool(value)
                return
            }
            if let value = try? single.decode(Int.self) {
                self = .int(value)
                return
            }
            if let value = try? single.decode(Double.self) {
                self = .number(value)
                return
            }
            if let value = try? single.decode(String.self) {
                self = .string(value)
                return
            }
        }
        if var list = try? decoder.unkeyedContainer() {
            var values: [JSONValue] = []
            while !list.isAtEnd { values.append(try list.decode(JSONValue.self)) }
            self = .array(values)
            return
        }
        let members = try decoder.container(keyedBy: CodingName.self)
        self = .object(try members.allKeys.map { ($0.stringValue, try members.decode(JSONValue.self, forKey: $0)) })
    }
}

extension JSONValue {
    /// Every `"type": "integer"` without bounds bounded to the integers every JSON client reads
    /// exactly (a larger number does not decode: the server cannot answer it as a field's error).
    package func boundingIntegers(to limit: Int) -> JSONValue {
        switch self {
        case let .array(values):
            return .array(values.map { $0.boundingIntegers(to: limit) })
        case let .object(pairs):
            var bounded = pairs.map { ($0.0, $0.1.boundingIntegers(to: limit)) }
            let isInteger = pairs.contains { key, value in
                guard key == "type", case let .string(type) = value else { return false }
                return type == "integer"
            }
            if isInteger, !pairs.contains(where: { $0.0 == "minimum" || $0.0 == "maximum" }) {
                bounded += [("minimum", .int(-limit)), ("maximum", .int(limit))]
            }
            return .object(bounded)
        default:
            return self
        }
    }
}

extension JSONValue {
    /// A request body's optional members may be sent as `null`: the server decodes them as absent. Each
    /// property a schema does not require is said to take `null` too, beside what it says.
    package func optionalsNullable() -> JSONValue {
        switch self {
        case let .array(values):
            return .array(values.map { $0.optionalsNullable() })
        case let .object(pairs):
            var required: Set<String> = []
            for case let ("required", .array(names)) in pairs {
                for case let .string(name) in names { required.insert(name) }
            }
            return .object(
                pairs.map { key, value in
                    guard key == "properties", case let .object(properties) = value else { return (key, value.optionalsNullable()) }
                    let members = properties.map { name, schema in
                        (name, required.contains(name) ? schema.optionalsNullable() : schema.optionalsNullable().allowingNull())
                    }
                    return (key, .object(members))
                })
        default:
            return self
        }
    }

    private func allowingNull() -> JSONValue {
        ["anyOf": [self, ["type": "null"]]]
    }
}
