/// Texts with `{name}` placeholders (message templates, the interface's strings).
public enum Placeholders {
    /// `text` with each `{name}` found in `values` replaced by its value, in one pass over the
    /// text: a placeholder inside a value is left as written (a person's own words are never
    /// expanded), and a brace that names nothing known stays as it is.
    public static func fill(_ text: String, _ values: [String: String]) -> String {
        let open = UInt8(ascii: "{")
        let close = UInt8(ascii: "}")
        guard !values.isEmpty, text.utf8.contains(open) else { return text }
        var filled = ""
        filled.reserveCapacity(text.utf8.count + 64)
        var rest = text[...]
        while let start = rest.utf8.firstIndex(of: open) {
            filled += rest[..<start]
            let nameStart = rest.utf8.index(after: start)
            let remainder = rest[nameStart...]
            if let end = remainder.utf8.firstIndex(of: close), let value = values[String(remainder[..<end])] {
                filled += value
                rest = remainder[remainder.utf8.index(after: end)...]
            } else {
                filled += "{"
                rest = remainder
            }
        }
        filled += rest
        return filled
    }
}
