/// 证照类型: what a kind of e-licence records, who defines it, how long it is valid.
public struct LicenseType: Codable, Sendable, Hashable {
    /// The catalog's short code for the type (what items' results and materials name), e.g. `yyzz`.
    public var code: String
    /// The GB/T 36904 type code: the defining authority's credit code and a 3-digit sequence.
    public var typeCode: String
    public var name: String
    public var nameEn: String
    public var authority: ItemDepartment
    public var fields: [Field]
    /// Years a licence stays valid from its issue; nil for long-term (长期).
    public var validityYears: Int?

    public struct Field: Codable, Sendable, Hashable {
        public var key: String
        public var label: String
        public var labelEn: String
        /// Where issuance fills it from, first found wins: form answer keys, or `applicant.name`,
        /// `applicant.code`, `applicant.maskedId`, `item.name`, `item.sub`, `item.department`,
        /// `decision.on`.
        public var from: [String]
        public init(key: String, label: String, labelEn: String, from: [String] = []) {
            self.key = key
            self.label = label
            self.labelEn = labelEn
            self.from = from
        }
        enum CodingKeys: String, CodingKey { case key, label, labelEn, from }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode(String.self, forKey: .key)
            label = try c.decode(String.self, forKey: .label)
            labelEn = try c.decode(String.self, forKey: .labelEn)
            from = try c.decodeIfPresent([String].self, forKey: .from) ?? []
        }
    }

    /// The licence's fields for an approved case: each from the first of its sources that has a
    /// value (`facts` holds `applicant.name` and the like, `form` the answers). A field that can
    /// be the applicant's verified identity (a source `applicant.*`) takes it, whatever the form
    /// says, when it names who applied: an enterprise applying (its own name and code are on its
    /// account), or a person's own name and number (`applicantName`, `applicantId`). A person
    /// founding a company types the company's name, which no account holds yet.
    public func fill(form: [String: String], facts: [String: String]) -> [String: String] {
        var values: [String: String] = [:]
        let enterpriseApplies = !(facts["applicant.code"] ?? "").isEmpty
        for field in fields {
            let typed = field.from.filter { !$0.contains(".") }
            let namesApplicant = enterpriseApplies || typed.allSatisfy { $0.hasPrefix("applicant") }
            let verified = field.from.filter { $0.hasPrefix("applicant.") }.lazy.compactMap { facts[$0] }.first { !$0.isEmpty }
            if namesApplicant, let verified {
                values[field.key] = verified
                continue
            }
            if let value = field.from.lazy.compactMap({ facts[$0] ?? form[$0] }).first(where: { !$0.isEmpty }) { values[field.key] = value }
        }
        return values
    }

    public init(
        code: String, typeCode: String, name: String, nameEn: String, authority: ItemDepartment, fields: [Field], validityYears: Int?
    ) {
        self.code = code
        self.typeCode = typeCode
        self.name = name
        self.nameEn = nameEn
        self.authority = authority
        self.fields = fields
        self.validityYears = validityYears
    }

    /// The last day a licence issued on `issued` is valid, or nil for long-term.
    public func validUntil(issuedOn issued: CalendarDate) -> CalendarDate? {
        guard let years = validityYears else { return nil }
        // the day before the same date `years` later (29 February falls back to 28 February)
        let day = min(issued.day, CalendarDate.daysIn(month: issued.month, year: issued.year + years))
        return CalendarDate(year: issued.year + years, month: issued.month, day: day)?.adding(days: -1)
    }

    /// What is wrong with the type, at its paths.
    public func problems() -> FieldErrors {
        var errors = FieldErrors()
        if code.isEmpty || code.count > 32 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            errors.add("code", "catalog.invalidKey")
        }
        if typeCode.count != 21 || !typeCode.suffix(3).allSatisfy(\.isASCIIDigit) || (try? CreditCode(String(typeCode.prefix(18)))) == nil {
            errors.add("typeCode", "license.badTypeCode")
        }
        _ = errors.text("name", name, maxLength: 100)
        _ = errors.text("nameEn", nameEn, maxLength: 100)
        if (try? CreditCode(authority.code)) == nil { errors.add("authority.code", "license.badIssuerCode") }
        if fields.isEmpty { errors.add("fields", "field.required") }
        var seen = Set<String>()
        for (i, field) in fields.enumerated() where !seen.insert(field.key).inserted || field.key.isEmpty {
            errors.add("fields[\(i)].key", "catalog.duplicate")
        }
        if let years = validityYears, !(1...100).contains(years) { errors.add("validityYears", "field.outOfRange") }
        return errors
    }
}
