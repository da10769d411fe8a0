/// 数据资源: a data set a department owns and may share with others, described as the
/// government data-sharing catalogs (政务信息资源目录) describe theirs.
public struct DataResource: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var nameEn: String
    public var owner: ItemDepartment
    /// Whose data each record is: a person (keyed by identity number) or an enterprise (by credit code).
    public var subject: AccountKind
    public var fields: [Field]
    public var sharing: SharingClass
    /// Whether reading a subject's record for an application needs the subject's consent.
    public var consentRequired: Bool
    /// 更新频率: `realtime`, `daily`, `monthly`…
    public var updateFrequency: String
    public var legalBasis: String

    public struct Field: Codable, Sendable, Hashable {
        public var key: String
        public var label: String
        public var labelEn: String
        public var sensitivity: Sensitivity
        /// The standard form field (标准字段) this field answers, for 只询问一次.
        public var formField: String?
        public init(key: String, label: String, labelEn: String, sensitivity: Sensitivity, formField: String? = nil) {
            self.key = key
            self.label = label
            self.labelEn = labelEn
            self.sensitivity = sensitivity
            self.formField = formField
        }
    }

    public init(
        code: String, name: String, nameEn: String, owner: ItemDepartment, subject: AccountKind, fields: [Field],
        sharing: SharingClass, consentRequired: Bool, updateFrequency: String, legalBasis: String
    ) {
        self.code = code
        self.name = name
        self.nameEn = nameEn
        self.owner = owner
        self.subject = subject
        self.fields = fields
        self.sharing = sharing
        self.consentRequired = consentRequired
        self.updateFrequency = updateFrequency
        self.legalBasis = legalBasis
    }

    public func field(_ key: String) -> Field? { fields.first { $0.key == key } }

    /// A record as someone cleared to `clearance` sees the `fields` asked for: each value above
    /// the clearance masked, keeping only enough to recognise it.
    public func view(_ record: [String: String], fields keys: [String], clearance: Sensitivity) -> [String: String] {
        var shown: [String: String] = [:]
        for key in keys {
            guard let field = field(key), let value = record[key] else { continue }
            shown[key] = field.sensitivity <= clearance ? value : Self.mask(value)
        }
        return shown
    }

    /// Masks a value whatever it is: identifiers keep their region and last four characters,
    /// short values keep the first character, anything else is fully hidden.
    public static func mask(_ value: String) -> String {
        let count = value.count
        if count >= 15 { return Masking.keep(value, head: 6, tail: 4) }
        if count >= 2 && count <= 4 { return Masking.keep(value, head: 1, tail: 0) }
        return String(repeating: "*", count: max(count, 3))
    }
}

/// 敏感级别, lowest first: what a field reveals, and so who may read it unmasked.
public enum Sensitivity: String, Codable, Sendable, CaseIterable, Comparable {
    /// 公开: anyone may know it (an enterprise's name, its credit code).
    case `public`
    /// 内部: for government work (whether someone is insured).
    case `internal`
    /// 敏感: personal facts (address, marital status, wages).
    case sensitive
    /// 核心: identifiers and what could do harm if leaked (identity number, detailed income).
    case core

    public static func < (a: Sensitivity, b: Sensitivity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// 共享类型, as the State Council's rules for sharing government data define them.
public enum SharingClass: String, Codable, Sendable, CaseIterable {
    /// 无条件共享: any department may have it.
    case unconditional
    /// 有条件共享: only under an approved grant.
    case conditional
    /// 不予共享: not given to other departments at all.
    case notShared
}
