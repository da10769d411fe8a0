import Foundation

/// Where a page may send the browser back to: a page of this site only. Browsers drop TAB, CR
/// and LF from a `Location` and read a backslash as a slash, so `/\t/evil.example` or
/// `/\evil.example` would leave the site; anything with such a character is refused, and the
/// rest is percent-encoded as a URL carries it.
package enum LocalRedirect {
    /// The path and query of a page of this site, ready for `Location`; nil for anything else.
    package static func path(_ back: String?) -> String? {
        guard let back, back.hasPrefix("/"), !back.hasPrefix("//") else { return nil }
        let hostile = back.unicodeScalars.contains { scalar in
            scalar == "\\" || scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
                || scalar.properties.generalCategory == .format
        }
        guard !hostile else { return nil }
        return back.addingPercentEncoding(withAllowedCharacters: allowed)
    }

    /// What a path and query keep as they are.
    private static let allowed = CharacterSet.urlPathAllowed.union(.urlQueryAllowed).subtracting(CharacterSet(charactersIn: "%\\"))
}
