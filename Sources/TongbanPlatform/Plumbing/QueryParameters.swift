import TongbanCore
import Vapor

extension Request {
    /// An integer query parameter within `range`, or `fallback` when absent. Anything else is
    /// a 422 naming the parameter, rather than silently ignored.
    package func integerQuery(_ name: String, in range: ClosedRange<Int>, default fallback: Int?) throws -> Int? {
        guard let raw = query[String.self, at: name] else { return fallback }
        guard let value = Int(raw), range.contains(value) else {
            throw TongbanError.invalid(field: name, "field.outOfRange")
        }
        return value
    }
}

extension String {
    /// A form or query value left empty means "not given".
    package var nonEmpty: String? { isEmpty ? nil : self }
}
