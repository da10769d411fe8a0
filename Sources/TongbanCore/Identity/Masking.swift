/// How personal identifiers are shown to people who may not see them whole.
public enum Masking {
    /// `330106199001011234` → `330106********1234`
    public static func identityNumber(_ value: String) -> String {
        keep(value, head: 6, tail: 4)
    }

    /// `13812345678` → `138****5678`
    public static func mobile(_ value: String) -> String {
        keep(value, head: 3, tail: 4)
    }

    /// Keeps the first `head` and last `tail` characters; masks everything when the value is too
    /// short for that to hide anything.
    public static func keep(_ value: String, head: Int, tail: Int) -> String {
        let chars = Array(value)
        guard chars.count > head + tail else { return String(repeating: "*", count: chars.count) }
        return String(chars[..<head]) + String(repeating: "*", count: chars.count - head - tail) + String(chars[(chars.count - tail)...])
    }
}
