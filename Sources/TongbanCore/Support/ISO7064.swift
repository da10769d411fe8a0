/// ISO/IEC 7064 MOD 37,36: a hybrid check character over digits and capital letters (0–9 are
/// 0–9, A–Z are 10–35), as computed by python-stdnum's `iso7064.mod_37_36`. It catches every
/// single substitution; a swap of two neighbouring digits slips through about once in 200.
/// Used by application numbers and by e-license identifiers (GB/T 36904).
public enum ISO7064 {
    public static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    static func value(_ c: Character) -> Int? {
        guard let ascii = c.asciiValue else { return nil }
        switch ascii {
        case 48...57: return Int(ascii) - 48
        case 65...90: return Int(ascii) - 55
        default: return nil
        }
    }

    /// The check character for `text` (digits and capital letters; anything else is skipped
    /// by the caller, never here): nil when `text` holds another character.
    public static func mod37_36(_ text: some StringProtocol) -> Character? {
        var p = 36
        for c in text {
            guard let v = value(c) else { return nil }
            var s = (p + v) % 36
            if s == 0 { s = 36 }
            p = (s * 2) % 37
        }
        return alphabet[(37 - p) % 36]
    }
}
