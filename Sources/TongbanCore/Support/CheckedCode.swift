/// A code that is a checked string: built only through its checking initialiser, written in JSON
/// as the plain string and checked again when read, so a bad code in a document is a decoding
/// error at its path rather than a value nobody checked.
public protocol CheckedCode: Codable, Comparable, CustomStringConvertible, Sendable {
    associatedtype Problem: Error & RawRepresentable where Problem.RawValue == String
    var value: String { get }
    init(_ raw: String) throws(Problem)
}

extension CheckedCode {
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(raw) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.rawValue))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}
