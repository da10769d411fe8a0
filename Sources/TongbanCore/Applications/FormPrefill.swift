/// 只询问一次 (ask once): what the government already knows of an applicant is offered as the
/// answers of a form, each with where it came from, so the applicant reads and corrects rather
/// than types again. The applicant's verified identity is not theirs to change on a form: it is
/// locked, filled when left out, and a different value is refused.
public enum FormPrefill {
    /// Where a prefilled answer came from, most binding first.
    public enum Source: Sendable, Hashable {
        /// 实名认证: the account's verified name and number (locked).
        case identity
        /// 账户资料: what the account holds beyond its identity (the mobile it registered with, the
        /// enterprise's legal representative).
        case account
        /// 共享数据: the applicant's record in a data resource the platform may read for the item.
        case sharedData(code: String, name: String, owner: String)
        /// 电子证照: a valid licence the applicant holds.
        case license(typeName: String, identifier: String)
    }

    /// One value a source holds for a form key.
    public struct Offer: Sendable, Hashable {
        public var key: String
        public var value: String
        public var source: Source
        public init(key: String, value: String, source: Source) {
            self.key = key
            self.value = value
            self.source = source
        }
    }

    /// A form answer the platform fills in.
    public struct Answer: Sendable, Hashable {
        public var value: String
        public var source: Source
        public var locked: Bool { source == .identity }
    }

    /// The standard fields (标准字段) that name who applies, by the kind of applicant: a person's
    /// own name and number, an enterprise's own name and credit code. They are the fields an
    /// issued licence takes from `applicant.*` whatever the form said; a person founding a
    /// company still types the company's name, which no account holds yet.
    public static func identityKeys(_ kind: AccountKind) -> (name: String, number: String)? {
        switch kind {
        case .person: ("applicantName", "applicantId")
        case .enterprise: ("enterpriseName", "creditCode")
        case .staff: nil
        }
    }

    /// The identity offers of a verified applicant (nothing for one whose identity is not proven).
    public static func identity(kind: AccountKind, verified: Bool, name: String, number: String?) -> [Offer] {
        guard verified, let keys = identityKeys(kind) else { return [] }
        var offers = [Offer(key: keys.name, value: name, source: .identity)]
        if let number, !number.isEmpty { offers.append(Offer(key: keys.number, value: number, source: .identity)) }
        return offers
    }

    /// The form's answers the offers can give: for each field, the first offer in the order
    /// given whose value the field accepts (normalised as a typed answer would be). A value the
    /// field would refuse (a licence's "500 万元人民币" for a number of 万元) is not offered.
    public static func answers(for form: [FormField], offers: [Offer], today: CalendarDate) -> [String: Answer] {
        var fields: [String: FormField] = [:]
        for field in form where field.type != .file {
            fields[field.key] = fields[field.key] ?? field
        }
        var answers: [String: Answer] = [:]
        for offer in offers where answers[offer.key] == nil {
            guard let field = fields[offer.key], let value = accepted(offer.value, by: field, today: today) else { continue }
            answers[offer.key] = Answer(value: value, source: offer.source)
        }
        return answers
    }

    /// The value as the field would store it, or nil when the field refuses it.
    static func accepted(_ value: String, by field: FormField, today: CalendarDate) -> String? {
        var optional = field
        optional.required = false
        guard case let .success(clean) = FormCheck.check([field.key: value], against: [optional], today: today) else { return nil }
        return clean[field.key]
    }

    /// The answers with the applicant's identity in them: a locked field left empty takes the
    /// verified value; one answered otherwise is a problem under `form.<key>`. Compared as the
    /// form check normalises (trimmed, upper-cased codes).
    public static func withIdentity(
        _ answers: [String: String], identity: [Offer], form: [FormField], today: CalendarDate
    ) -> Result<[String: String], FieldErrors> {
        let locked = Self.answers(for: form, offers: identity, today: today)
        guard !locked.isEmpty else { return .success(answers) }
        var filled = answers
        var problems = FieldErrors()
        let fields = Dictionary(form.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for (key, answer) in locked.sorted(by: { $0.key < $1.key }) {
            let typed = (answers[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if typed.isEmpty {
                filled[key] = answer.value
                continue
            }
            guard let field = fields[key] else { continue }
            if accepted(typed, by: field, today: today) == answer.value { continue }
            problems.add("form.\(key)", "form.identityLocked")
            problems.label("form.\(key)", field.label, field.labelEn)
        }
        return problems.isEmpty ? .success(filled) : .failure(problems)
    }
}

extension LicenseType {
    /// The form answers a licence of this type gives back: each licence field to the first form
    /// key it is issued from (a household register's name answers `applicantName`, not the
    /// `babyName` it may also have been filled from).
    public func formAnswers(_ values: [String: String]) -> [(key: String, value: String)] {
        fields.compactMap { field in
            guard let key = field.from.first(where: { !$0.contains(".") }), let value = values[field.key], !value.isEmpty else {
                return nil
            }
            return (key, value)
        }
    }
}

extension DataResource {
    /// The form answers a subject's record gives: each field that names its standard form field.
    public func formAnswers(_ record: [String: String]) -> [(key: String, value: String)] {
        fields.compactMap { field in
            guard let key = field.formField, let value = record[field.key], !value.isEmpty else { return nil }
            return (key, value)
        }
    }
}
