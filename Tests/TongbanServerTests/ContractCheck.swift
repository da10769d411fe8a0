import Foundation
import Testing
import TongbanOpenAPI
import TongbanPlatform
@testable import TongbanServer

/// A JSON value as the wire carries it: numbers that are whole stay integers, booleans stay
/// booleans (what a schema's `integer` and `boolean` ask of them).
indirect enum WireJSON: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([WireJSON])
    case object([String: WireJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([WireJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: WireJSON].self))
        }
    }

    static func parse(_ data: Data) -> WireJSON? { try? JSONDecoder().decode(WireJSON.self, from: data) }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// Checks real answers of `/api/v1` against `/openapi.json`: the status must be one the
/// operation documents, and the body must match the schema documented for it — every property
/// declared (an answer carrying a field the contract does not name fails), every required one
/// present, the types, enums, formats and bounds kept. An object schema that names no
/// properties (and no `additionalProperties` schema for a map) is itself a failure: it says
/// nothing a client could rely on.
struct ContractCheck {
    static let shared = ContractCheck()

    let document: WireJSON
    let schemas: [String: WireJSON]
    /// (method, path segments, operation)
    let operations: [(String, [Substring], [String: WireJSON])]

    init() {
        document = WireJSON.parse(OpenAPIDocument.encoded) ?? .null
        guard case let .object(root) = document, case let .object(paths)? = root["paths"],
            case let .object(components)? = root["components"], case let .object(schemas)? = components["schemas"]
        else {
            self.schemas = [:]
            operations = []
            return
        }
        self.schemas = schemas
        var operations: [(String, [Substring], [String: WireJSON])] = []
        for (path, item) in paths {
            guard case let .object(methods) = item else { continue }
            for (method, operation) in methods {
                guard case let .object(fields) = operation else { continue }
                operations.append((method.uppercased(), path.split(separator: "/"), fields))
            }
        }
        self.operations = operations
    }

    /// The documented operation a request reaches: literal segments matched before parameters.
    func operation(method: String, path: String) -> [String: WireJSON]? {
        let segments = path.split(separator: "?", maxSplits: 1)[0].split(separator: "/")
        var best: (score: Int, fields: [String: WireJSON])?
        for (candidateMethod, template, fields) in operations where candidateMethod == method && template.count == segments.count {
            var score = 0
            var matches = true
            for (wanted, given) in zip(template, segments) {
                if wanted.hasPrefix("{") { continue }
                if wanted == given {
                    score += 1
                } else {
                    matches = false
                    break
                }
            }
            if matches, score > (best?.score ?? -1) { best = (score, fields) }
        }
        return best?.fields
    }

    /// The problems of one answer; empty when it keeps the contract.
    func problems(method: String, path: String, status: Int, contentType: String?, body: Data) -> [String] {
        // a route the API does not have (tests of 404 and 405) has no contract to keep
        guard let operation = operation(method: method, path: path) else { return [] }
        let name: String
        if case let .string(id)? = operation["operationId"] { name = id } else { name = "\(method) \(path)" }
        guard case let .object(responses)? = operation["responses"], let documented = responses[String(status)] else {
            return ["\(name): status \(status) is not documented"]
        }
        let schema = documented.member("content")?.member("application/json")?.member("schema")
        guard !body.isEmpty, contentType?.contains("json") == true else {
            return schema == nil || body.isEmpty && status == 204
                ? [] : ["\(name) \(status): documented as JSON, answered \(contentType ?? "nothing")"]
        }
        guard let schema else { return ["\(name) \(status): a JSON body the contract does not describe"] }
        guard let value = WireJSON.parse(body) else { return ["\(name) \(status): the body is not JSON"] }
        var found: [String] = []
        check(value, against: schema, at: "\(name) \(status) $", into: &found)
        return found
    }

    /// The problems of a request body against the operation's request schema (an example must keep it).
    func requestProblems(method: String, path: String, body: Data) -> [String] {
        guard let operation = operation(method: method, path: path),
            let schema = operation["requestBody"]?.member("content")?.member("application/json")?.member("schema")
        else { return [] }
        guard let value = WireJSON.parse(body) else { return ["the request is not JSON"] }
        var found: [String] = []
        check(value, against: schema, at: "request $", into: &found)
        return found
    }

    private func resolve(_ schema: WireJSON) -> WireJSON {
        guard case let .string(ref)? = schema.member("$ref") else { return schema }
        let name = String(ref.dropFirst("#/components/schemas/".count))
        return schemas[name].map(resolve) ?? .null
    }

    func check(_ value: WireJSON, against raw: WireJSON, at place: String, into found: inout [String]) {
        let schema = resolve(raw)
        guard case let .object(rules) = schema else {
            found.append("\(place): schema missing")
            return
        }
        if case let .array(options)? = rules["oneOf"] ?? rules["anyOf"] {
            let fits = options.contains { option in
                var trial: [String] = []
                check(value, against: option, at: place, into: &trial)
                return trial.isEmpty
            }
            if !fits { found.append("\(place): matches none of the alternatives") }
            return
        }
        if let types = rules["type"]?.strings, !types.isEmpty {
            let actual = value.typeName
            let fits = types.contains(actual) || (actual == "integer" && types.contains("number"))
            if !fits {
                found.append("\(place): \(actual), documented \(types.joined(separator: "|"))")
                return
            }
        }
        if case let .array(allowed)? = rules["enum"], !allowed.contains(value) {
            found.append("\(place): \(value) not among the documented values")
        }
        switch value {
        case let .object(members):
            checkObject(members, rules, at: place, into: &found)
        case let .array(elements):
            if let items = rules["items"] {
                for (index, element) in elements.enumerated() {
                    check(element, against: items, at: "\(place)[\(index)]", into: &found)
                }
            } else {
                found.append("\(place): an array whose items are not described")
            }
        case let .string(text):
            checkString(text, rules, at: place, into: &found)
        case let .integer(number):
            if case let .integer(low)? = rules["minimum"], number < low { found.append("\(place): \(number) < \(low)") }
            if case let .integer(high)? = rules["maximum"], number > high { found.append("\(place): \(number) > \(high)") }
        default:
            break
        }
    }

    private func checkObject(_ members: [String: WireJSON], _ rules: [String: WireJSON], at place: String, into found: inout [String]) {
        let properties: [String: WireJSON]
        if case let .object(declared)? = rules["properties"] { properties = declared } else { properties = [:] }
        let extra = rules["additionalProperties"]
        if properties.isEmpty, extra == nil || extra == .bool(true) {
            found.append("\(place): an object whose properties are not described")
            return
        }
        if case let .array(required)? = rules["required"] {
            for case let .string(name) in required where members[name] == nil {
                found.append("\(place).\(name): required, missing")
            }
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let property = properties[name] {
                check(member, against: property, at: "\(place).\(name)", into: &found)
            } else if let extra, case .object = extra {
                check(member, against: extra, at: "\(place).\(name)", into: &found)
            } else {
                found.append("\(place).\(name): not in the contract")
            }
        }
    }

    private func checkString(_ text: String, _ rules: [String: WireJSON], at place: String, into found: inout [String]) {
        switch rules["format"] {
        case .string("uuid")?:
            if UUID(uuidString: text) == nil { found.append("\(place): \(text) is not a uuid") }
        case .string("date-time")?:
            if ISO8601DateFormatter().date(from: text) == nil { found.append("\(place): \(text) is not a date-time") }
        case .string("date")?:
            if text.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) == nil { found.append("\(place): \(text) is not a date") }
        default:
            break
        }
        if case let .integer(low)? = rules["minLength"], text.count < low { found.append("\(place): shorter than \(low)") }
        if case let .integer(high)? = rules["maxLength"], text.count > high { found.append("\(place): longer than \(high)") }
        if case let .string(pattern)? = rules["pattern"],
            let expression = try? NSRegularExpression(pattern: pattern),
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
        {
            found.append("\(place): \(text) does not match \(pattern)")
        }
    }
}

extension WireJSON {
    func member(_ name: String) -> WireJSON? {
        guard case let .object(members) = self else { return nil }
        return members[name]
    }

    var strings: [String]? {
        switch self {
        case let .string(one): [one]
        case let .array(many): many.compactMap { if case let .string(s) = $0 { s } else { nil } }
        default: nil
        }
    }
}

extension ContractCheck {
    /// Every place in the document where an answer's schema says "an object" and nothing more.
    func untypedAnswers() -> [String] {
        var found: [String] = []
        for (method, path, fields) in operations {
            guard case let .object(responses)? = fields["responses"] else { continue }
            for (status, response) in responses {
                guard let schema = response.member("content")?.member("application/json")?.member("schema") else { continue }
                var seen = Set<String>()
                untyped(schema, at: "\(method) /\(path.joined(separator: "/")) \(status)", seen: &seen, into: &found)
            }
        }
        return found.sorted()
    }

    private func untyped(_ raw: WireJSON, at place: String, seen: inout Set<String>, into found: inout [String]) {
        if case let .string(ref)? = raw.member("$ref") {
            guard seen.insert(ref).inserted else { return }
            untyped(resolve(raw), at: place, seen: &seen, into: &found)
            return
        }
        guard case let .object(rules) = raw else { return }
        for key in ["oneOf", "anyOf"] {
            if case let .array(options)? = rules[key] {
                for option in options { untyped(option, at: place, seen: &seen, into: &found) }
            }
        }
        let types = rules["type"]?.strings ?? []
        if types.contains("array") {
            if let items = rules["items"] { untyped(items, at: "\(place)[]", seen: &seen, into: &found) } else { found.append(place) }
        }
        if types.contains("object") {
            let properties: [String: WireJSON]
            if case let .object(declared)? = rules["properties"] { properties = declared } else { properties = [:] }
            let extra = rules["additionalProperties"]
            if properties.isEmpty, extra == nil || extra == .bool(true) { found.append(place) }
            for (name, property) in properties { untyped(property, at: "\(place).\(name)", seen: &seen, into: &found) }
            if let extra, case .object = extra { untyped(extra, at: "\(place).*", seen: &seen, into: &found) }
        }
    }
}

@Suite("the contract")
struct ContractTests {
    @Test("every answer of every operation is described: no object without its properties, no array without its items")
    func everyAnswerTyped() {
        let untyped = ContractCheck.shared.untypedAnswers()
        #expect(!ContractCheck.shared.operations.isEmpty)
        #expect(untyped.isEmpty, "untyped: \(untyped.joined(separator: "; "))")
    }

    @Test(
        "every example keeps its operation's schema, and every operation that takes or answers JSON has one",
        .disabled(if: ExampleRecorder.shared.path != nil, "the examples are being recorded"))
    func examples() {
        let check = ContractCheck.shared
        var found: [String] = []
        var missing: [String] = []
        for (method, segments, operation) in check.operations {
            let name = operation["operationId"]?.strings?.first ?? "\(method) /\(segments.joined(separator: "/"))"
            if let media = operation["requestBody"]?.member("content")?.member("application/json") {
                if let example = media.member("example"), let schema = media.member("schema") {
                    check.check(example, against: schema, at: "\(name) request example", into: &found)
                } else {
                    missing.append("\(name) request")
                }
            }
            guard case let .object(responses)? = operation["responses"] else { continue }
            for (status, response) in responses where status.hasPrefix("2") {
                guard let media = response.member("content")?.member("application/json") else { continue }
                if let example = media.member("example"), let schema = media.member("schema") {
                    check.check(example, against: schema, at: "\(name) \(status) example", into: &found)
                } else {
                    missing.append("\(name) \(status)")
                }
            }
        }
        #expect(found.isEmpty, "examples that break their schema: \(found.joined(separator: "; "))")
        #expect(missing.isEmpty, "no example (scripts/record-api-examples.sh records them): \(missing.sorted().joined(separator: ", "))")
    }

    @Test(
        "the checker refuses what the contract does not say: an undeclared field, a wrong type, a missing required field, an undocumented status"
    )
    func checkerRefuses() throws {
        let check = ContractCheck.shared
        let good = #"{"code": "330106", "name": "西湖区", "level": "county", "parentCode": "330100", "statisticalZone": false}"#
        let base = check.problems(
            method: "GET", path: "/api/v1/regions/330106", status: 200, contentType: "application/json",
            body: Data(good.utf8))
        #expect(base.isEmpty, "\(base)")
        let extra = #"{"code": "330106", "name": "西湖区", "level": "county", "statisticalZone": false, "secret": 1}"#
        #expect(
            check.problems(
                method: "GET", path: "/api/v1/regions/330106", status: 200, contentType: "application/json",
                body: Data(extra.utf8)
            ).contains { $0.contains("secret") })
        let wrongType = #"{"code": 330106, "name": "西湖区", "level": "county"}"#
        #expect(
            !check.problems(
                method: "GET", path: "/api/v1/regions/330106", status: 200, contentType: "application/json",
                body: Data(wrongType.utf8)
            ).isEmpty)
        let missing = #"{"name": "西湖区"}"#
        #expect(
            check.problems(
                method: "GET", path: "/api/v1/regions/330106", status: 200, contentType: "application/json",
                body: Data(missing.utf8)
            ).contains { $0.contains("required") })
        #expect(
            check.problems(
                method: "GET", path: "/api/v1/regions/330106", status: 418, contentType: "application/json",
                body: Data(good.utf8)
            ).contains { $0.contains("not documented") })
    }
}
