/// 电子证照标识 (GB/T 36904-2018 as implementations use it):
/// `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`.
///
/// - type code: the defining authority's 18-character credit code and a 3-digit sequence;
/// - issuer code: the issuing authority's credit code;
/// - serial: the issuer's own number for the licence, 1–32 digits or capital letters;
/// - version: 3 digits, raised when a licence is changed or renewed;
/// - check: ISO/IEC 7064 MOD 37,36 over type + issuer + serial + version.
public struct LicenseIdentifier: CheckedCode, Hashable {
    public static let prefix = "1.2.156.3005.2"

    public enum Problem: String, Error, Sendable, Equatable {
        case malformed = "license.identifierMalformed"
        case badTypeCode = "license.badTypeCode"
        case badIssuerCode = "license.badIssuerCode"
        case badCheckCharacter = "license.badCheckCharacter"
    }

    public let value: String
    public let typeCode: String
    public let issuer: CreditCode
    public let serial: String
    public let version: Int

    public init(_ raw: String) throws(Problem) {
        let text = raw.trimmingCharacters(in: .whitespaces).uppercased()
        guard text.hasPrefix(Self.prefix + ".") else { throw .malformed }
        let parts = text.dropFirst(Self.prefix.count + 1).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, let check = parts[4].first, parts[4].count == 1 else { throw .malformed }
        let (type, issuerText, serial, version) = (parts[0], parts[1], parts[2], parts[3])
        guard (1...32).contains(serial.count), serial.allSatisfy({ $0.isASCIIDigit || ("A"..."Z").contains($0) }),
            version.count == 3, version.allSatisfy(\.isASCIIDigit)
        else { throw .malformed }
        guard type.count == 21, type.suffix(3).allSatisfy(\.isASCIIDigit), (try? CreditCode(String(type.prefix(18)))) != nil else {
            throw .badTypeCode
        }
        guard let issuer = try? CreditCode(issuerText) else { throw .badIssuerCode }
        guard ISO7064.mod37_36(type + issuerText + serial + version) == check else { throw .badCheckCharacter }
        value = text
        typeCode = type
        self.issuer = issuer
        self.serial = serial
        self.version = Int(version)!
    }

    /// The identifier of a new licence (the check character computed).
    public static func make(typeCode: String, issuer: CreditCode, serial: String, version: Int = 1) throws(Problem) -> LicenseIdentifier {
        guard (0...999).contains(version) else { throw .malformed }
        let v = version.zeroPadded(to: 3)
        guard let check = ISO7064.mod37_36(typeCode + issuer.value + serial + v) else { throw .malformed }
        return try LicenseIdentifier("\(prefix).\(typeCode).\(issuer.value).\(serial).\(v).\(check)")
    }
}

/// 证照状态, with the codes of the standard.
public enum LicenseStatus: String, Codable, Sendable, CaseIterable {
    case valid = "01"
    case suspended = "02"
    case withdrawn = "03"
    case cancelled = "04"
    case expired = "05"
    case revoked = "07"

    /// Whether staff may move a licence from this status to `next`: a valid licence may be
    /// suspended, withdrawn, cancelled or revoked; a suspended one restored or ended; an ended
    /// one (withdrawn, cancelled, revoked) stays ended. Expiry follows the dates, not staff.
    public func canChange(to next: LicenseStatus) -> Bool {
        switch (self, next) {
        case (.valid, .suspended), (.valid, .withdrawn), (.valid, .cancelled), (.valid, .revoked): true
        case (.suspended, .valid), (.suspended, .withdrawn), (.suspended, .cancelled), (.suspended, .revoked): true
        default: false
        }
    }
}
