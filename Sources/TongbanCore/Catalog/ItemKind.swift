/// 事项类型: the national kinds of service item, with their two-digit codes.
public enum ItemKind: String, Codable, Sendable, CaseIterable {
    case licensing = "01"  // 行政许可
    case penalty = "02"  // 行政处罚
    case enforcement = "03"  // 行政强制
    case levy = "04"  // 行政征收
    case benefit = "05"  // 行政给付
    case inspection = "06"  // 行政检查
    case confirmation = "07"  // 行政确认
    case reward = "08"  // 行政奖励
    case adjudication = "09"  // 行政裁决
    case otherPower = "10"  // 其他行政权力
    case publicService = "20"  // 公共服务

    public var chineseName: String {
        switch self {
        case .licensing: "行政许可"
        case .penalty: "行政处罚"
        case .enforcement: "行政强制"
        case .levy: "行政征收"
        case .benefit: "行政给付"
        case .inspection: "行政检查"
        case .confirmation: "行政确认"
        case .reward: "行政奖励"
        case .adjudication: "行政裁决"
        case .otherPower: "其他行政权力"
        case .publicService: "公共服务"
        }
    }

    /// Reads a kind given by its code (`01`, `1`) or its Chinese name, as published lists write it.
    public init?(codeOrName raw: String) {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if let kind = ItemKind(rawValue: trimmed) {
            self = kind
            return
        }
        if trimmed.count == 1, let kind = ItemKind(rawValue: "0" + trimmed) {
            self = kind
            return
        }
        guard let kind = ItemKind.allCases.first(where: { $0.chineseName == trimmed }) else { return nil }
        self = kind
    }
}

/// 即办件 (decided on the spot) or 承诺件 (decided within the promised working days).
public enum HandlingMode: String, Codable, Sendable, CaseIterable {
    case instant
    case promised
}

/// Where an item can be applied for: online, at a hall window, or nearby at town or village level.
public enum Channel: String, Codable, Sendable, CaseIterable {
    case online
    case window
    case nearby
}

/// Who supplies a material.
public enum MaterialSource: String, Codable, Sendable, CaseIterable {
    /// The applicant brings or uploads it.
    case applicant
    /// An electronic licence of a given type replaces it (免提交).
    case eLicense
    /// A shared data resource replaces it.
    case sharedData
    /// A department produces it itself.
    case department
}

/// The types of an application form field.
public enum FieldType: String, Codable, Sendable, CaseIterable {
    case text, number, date, choice, identityNumber, creditCode, mobile, address, region, file
}

/// The kinds of process step, in their usual order.
public enum StepKind: String, Codable, Sendable, CaseIterable {
    case prereview, acceptance, review, inspection, hearing, expertReview, decision, delivery

    /// Steps an item may leave out.
    public var isOptional: Bool { [.prereview, .inspection, .hearing, .expertReview].contains(self) }
}

/// What the applicant receives.
public enum ResultKind: String, Codable, Sendable, CaseIterable {
    case license, document, decision
}

public enum DeliveryMethod: String, Codable, Sendable, CaseIterable {
    case window, post, electronic
}

/// 原件 or 复印件.
public enum MaterialForm: String, Codable, Sendable, CaseIterable {
    case original, copy, originalAndCopy
}

/// 纸质, 电子, or either.
public enum MaterialFormat: String, Codable, Sendable, CaseIterable {
    case paper, electronic, either
}
