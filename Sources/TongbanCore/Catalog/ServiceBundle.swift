/// 一件事: a life or business event served as one — one form, one set of materials, one window.
public struct ServiceBundle: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var category: BundleCategory
    public var summary: String
    public var leadDepartment: ItemDepartment
    public var regionCode: RegionCode
    /// The short questionnaire that decides which items apply.
    public var questions: [BundleQuestion]
    public var members: [BundleMember]
    public var keywords: [String]
    public var source: String?

    public init(
        code: String, name: String, category: BundleCategory, summary: String, leadDepartment: ItemDepartment,
        regionCode: RegionCode, questions: [BundleQuestion] = [], members: [BundleMember], keywords: [String] = [],
        source: String? = nil
    ) {
        self.code = code
        self.name = name
        self.category = category
        self.summary = summary
        self.leadDepartment = leadDepartment
        self.regionCode = regionCode
        self.questions = questions
        self.members = members
        self.keywords = keywords
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case code, name, category, summary, leadDepartment, regionCode, questions, members, keywords, source
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        category = try c.decode(BundleCategory.self, forKey: .category)
        summary = try c.decode(String.self, forKey: .summary)
        leadDepartment = try c.decode(ItemDepartment.self, forKey: .leadDepartment)
        regionCode = try c.decode(RegionCode.self, forKey: .regionCode)
        questions = try c.decodeIfPresent([BundleQuestion].self, forKey: .questions) ?? []
        members = try c.decode([BundleMember].self, forKey: .members)
        keywords = try c.decodeIfPresent([String].self, forKey: .keywords) ?? []
        source = try c.decodeIfPresent(String.self, forKey: .source)
    }
}

/// 一类事: the life and business events bundles are grouped by.
public enum BundleCategory: String, Codable, Sendable, CaseIterable {
    case enterpriseStart, enterpriseChange, construction, socialOrganization, talent, employment
    case birth, schooling, retirement, property, other

    public var chineseName: String {
        switch self {
        case .enterpriseStart: "企业开办"
        case .enterpriseChange: "企业变更"
        case .construction: "工程建设"
        case .socialOrganization: "社会组织"
        case .talent: "人才"
        case .employment: "就业"
        case .birth: "出生"
        case .schooling: "就学"
        case .retirement: "退休"
        case .property: "不动产"
        case .other: "其他"
        }
    }

    /// Business events serve enterprises; life events serve persons.
    public var isBusinessEvent: Bool { [.enterpriseStart, .enterpriseChange, .construction, .socialOrganization].contains(self) }
}

public struct BundleQuestion: Codable, Sendable, Hashable {
    public var key: String
    public var text: String
    public var textEn: String
    /// The answers one may give (`yes`/`no` for a yes-or-no question).
    public var options: [BundleOption]
    public init(key: String, text: String, textEn: String, options: [BundleOption]) {
        self.key = key
        self.text = text
        self.textEn = textEn
        self.options = options
    }

    public static func yesNo(_ key: String, _ text: String, _ textEn: String) -> BundleQuestion {
        BundleQuestion(
            key: key, text: text, textEn: textEn,
            options: [
                BundleOption(value: "yes", label: "是", labelEn: "Yes"),
                BundleOption(value: "no", label: "否", labelEn: "No"),
            ])
    }
}

public struct BundleOption: Codable, Sendable, Hashable {
    public var value: String
    public var label: String
    public var labelEn: String
    public init(value: String, label: String, labelEn: String) {
        self.value = value
        self.label = label
        self.labelEn = labelEn
    }
}

/// An item of the bundle, included always or when an answer is among `when.values`.
public struct BundleMember: Codable, Sendable, Hashable {
    /// The item's implementation code (or basic code for a basic item).
    public var itemCode: String
    public var when: BundleCondition?
    public init(itemCode: String, when: BundleCondition? = nil) {
        self.itemCode = itemCode
        self.when = when
    }
}

public struct BundleCondition: Codable, Sendable, Hashable {
    public var question: String
    public var values: [String]
    public init(question: String, values: [String]) {
        self.question = question
        self.values = values
    }
}
