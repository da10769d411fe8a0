/// 政务服务事项: one service described completely, in the same structure everywhere.
///
/// A basic item (基本目录) has no implementation code; an implementation (实施清单) carries the
/// basic item's code plus its own, and may differ from the basic item only in local fields (see
/// `StandardFields`). Status and version belong to the stored record, not to this description.
public struct ServiceItem: Codable, Sendable, Equatable {
    public var basicCode: BasicCode
    public var implementationCode: ImplementationCode?
    public var name: String
    public var subItemName: String?
    public var kind: ItemKind
    public var department: ItemDepartment
    public var regionCode: RegionCode
    /// The level the item is handled at.
    public var level: RegionLevel
    public var legalBasis: [LegalBasis]
    public var acceptanceConditions: [String]
    /// 法定时限 in working days; nil where the published list gives none.
    public var statutoryDays: Int?
    /// 承诺时限 in working days, never above the statutory limit.
    public var promisedDays: Int?
    public var handlingMode: HandlingMode
    /// 告知承诺: the item may be approved on the applicant's signed commitment.
    public var commitmentAllowed: Bool
    /// 秒批: when every rule holds over the form answers, a case is decided at once.
    public var instantRules: [InstantRule]
    /// Empty means free of charge.
    public var fees: [Fee]
    public var channels: [Channel]
    /// Each in-person visit the applicant must still make, and why; empty means none (零跑腿).
    public var visits: [Visit]
    public var materials: [Material]
    public var form: [FormField]
    public var steps: [ProcessStep]
    public var result: ItemResult?
    /// Basic codes of items whose result this one needs first (e.g. a food business licence
    /// after the business licence).
    public var prerequisites: [BasicCode]
    public var keywords: [String]
    /// Local: where to go.
    public var windows: [ServiceWindow]
    /// Where this description came from.
    public var source: String?
    /// 审管衔接: the department that supervises what the item approves; an approval is handed to
    /// it and counts as received only when it signs for it. Nil: no handoff.
    public var supervisingDepartment: ItemDepartment?
    /// 实名认证: the least level an applicant's identity must be proven to before they submit
    /// online (nil: Level 2, as for every item; 3: verified in person, for items such as marriage
    /// or real-estate registration). A window clerk entering it for someone (帮办) is in person.
    public var requiredAssurance: AssuranceLevel?

    public init(
        basicCode: BasicCode, implementationCode: ImplementationCode? = nil, name: String, subItemName: String? = nil,
        kind: ItemKind, department: ItemDepartment, regionCode: RegionCode, level: RegionLevel,
        legalBasis: [LegalBasis] = [], acceptanceConditions: [String] = [], statutoryDays: Int? = nil,
        promisedDays: Int? = nil, handlingMode: HandlingMode = .promised, commitmentAllowed: Bool = false,
        instantRules: [InstantRule] = [],
        fees: [Fee] = [], channels: [Channel] = [.window], visits: [Visit] = [], materials: [Material] = [],
        form: [FormField] = [], steps: [ProcessStep] = [], result: ItemResult? = nil,
        prerequisites: [BasicCode] = [], keywords: [String] = [], windows: [ServiceWindow] = [], source: String? = nil,
        supervisingDepartment: ItemDepartment? = nil, requiredAssurance: AssuranceLevel? = nil
    ) {
        self.basicCode = basicCode
        self.implementationCode = implementationCode
        self.name = name
        self.subItemName = subItemName
        self.kind = kind
        self.department = department
        self.regionCode = regionCode
        self.level = level
        self.legalBasis = legalBasis
        self.acceptanceConditions = acceptanceConditions
        self.statutoryDays = statutoryDays
        self.promisedDays = promisedDays
        self.handlingMode = handlingMode
        self.commitmentAllowed = commitmentAllowed
        self.instantRules = instantRules
        self.fees = fees
        self.channels = channels
        self.visits = visits
        self.materials = materials
        self.form = form
        self.steps = steps
        self.result = result
        self.prerequisites = prerequisites
        self.keywords = keywords
        self.windows = windows
        self.source = source
        self.supervisingDepartment = supervisingDepartment
        self.requiredAssurance = requiredAssurance
    }

    /// The level an applicant must reach before submitting it: Level 2, or more where the item says.
    public var submissionAssurance: AssuranceLevel { max(requiredAssurance ?? .binding, .binding) }

    /// The code the item is known by: its implementation code, or its basic code for a basic item.
    public var code: String { implementationCode?.value ?? basicCode.value }
    public var isImplementation: Bool { implementationCode != nil }
    public var isOnline: Bool { channels.contains(.online) }
    public var isFree: Bool { fees.isEmpty }
    /// The working days a case takes at most once accepted: promised, else statutory, else 0.
    public var workingDays: Int { promisedDays ?? statutoryDays ?? 0 }
    public var displayName: String { subItemName.map { "\(name)（\($0)）" } ?? name }

    enum CodingKeys: String, CodingKey {
        case basicCode, implementationCode, name, subItemName, kind, department, regionCode, level, legalBasis
        case acceptanceConditions, statutoryDays, promisedDays, handlingMode, commitmentAllowed, instantRules, fees, channels, visits
        case materials, form, steps, result, prerequisites, keywords, windows, source, supervisingDepartment, requiredAssurance
    }

    // Lists and flags may be left out of a document; the rest is required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        basicCode = try c.decode(BasicCode.self, forKey: .basicCode)
        implementationCode = try c.decodeIfPresent(ImplementationCode.self, forKey: .implementationCode)
        name = try c.decode(String.self, forKey: .name)
        subItemName = try c.decodeIfPresent(String.self, forKey: .subItemName)
        kind = try c.decode(ItemKind.self, forKey: .kind)
        department = try c.decode(ItemDepartment.self, forKey: .department)
        regionCode = try c.decode(RegionCode.self, forKey: .regionCode)
        level = try c.decode(RegionLevel.self, forKey: .level)
        legalBasis = try c.decodeIfPresent([LegalBasis].self, forKey: .legalBasis) ?? []
        acceptanceConditions = try c.decodeIfPresent([String].self, forKey: .acceptanceConditions) ?? []
        statutoryDays = try c.decodeIfPresent(Int.self, forKey: .statutoryDays)
        promisedDays = try c.decodeIfPresent(Int.self, forKey: .promisedDays)
        handlingMode = try c.decodeIfPresent(HandlingMode.self, forKey: .handlingMode) ?? .promised
        commitmentAllowed = try c.decodeIfPresent(Bool.self, forKey: .commitmentAllowed) ?? false
        instantRules = try c.decodeIfPresent([InstantRule].self, forKey: .instantRules) ?? []
        fees = try c.decodeIfPresent([Fee].self, forKey: .fees) ?? []
        channels = try c.decodeIfPresent([Channel].self, forKey: .channels) ?? [.window]
        visits = try c.decodeIfPresent([Visit].self, forKey: .visits) ?? []
        materials = try c.decodeIfPresent([Material].self, forKey: .materials) ?? []
        form = try c.decodeIfPresent([FormField].self, forKey: .form) ?? []
        steps = try c.decodeIfPresent([ProcessStep].self, forKey: .steps) ?? []
        result = try c.decodeIfPresent(ItemResult.self, forKey: .result)
        prerequisites = try c.decodeIfPresent([BasicCode].self, forKey: .prerequisites) ?? []
        keywords = try c.decodeIfPresent([String].self, forKey: .keywords) ?? []
        windows = try c.decodeIfPresent([ServiceWindow].self, forKey: .windows) ?? []
        source = try c.decodeIfPresent(String.self, forKey: .source)
        supervisingDepartment = try c.decodeIfPresent(ItemDepartment.self, forKey: .supervisingDepartment)
        requiredAssurance = try c.decodeIfPresent(AssuranceLevel.self, forKey: .requiredAssurance)
    }
}

/// The implementing department as the catalog names it: its name and its code (a credit code,
/// or an older agency code in imported lists).
public struct ItemDepartment: Codable, Sendable, Hashable {
    public var name: String
    public var code: String
    public init(name: String, code: String) {
        self.name = name
        self.code = code
    }
}

/// 设定依据: a law or regulation and the article.
public struct LegalBasis: Codable, Sendable, Hashable {
    public var law: String
    public var article: String?
    public init(law: String, article: String? = nil) {
        self.law = law
        self.article = article
    }
}

public struct Fee: Codable, Sendable, Hashable {
    public var name: String
    /// In yuan, as written in the charging standard (e.g. "80" or "0.5/㎡").
    public var amount: String
    public var basis: String
    public init(name: String, amount: String, basis: String) {
        self.name = name
        self.amount = amount
        self.basis = basis
    }
}

/// One in-person visit and why it cannot be avoided.
public struct Visit: Codable, Sendable, Hashable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// 申请材料. `key` names the material across items, so a bundle asks for it once.
public struct Material: Codable, Sendable, Hashable {
    public var key: String
    public var name: String
    public var required: Bool
    /// 容缺: may be missing at acceptance and supplied later.
    public var tolerable: Bool
    public var form: MaterialForm
    public var copies: Int
    public var format: MaterialFormat
    /// A blank template or sample, if any (a path under the site or a description).
    public var template: String?
    public var source: MaterialSource
    /// With source `eLicense`: the licence type code.
    public var licenseType: String?
    /// With source `sharedData`: the data resource code.
    public var dataResource: String?
    /// With source `department`: which department produces it.
    public var producedBy: String?
    public var note: String?

    public init(
        key: String, name: String, required: Bool = true, tolerable: Bool = false, form: MaterialForm = .original,
        copies: Int = 1, format: MaterialFormat = .either, template: String? = nil, source: MaterialSource = .applicant,
        licenseType: String? = nil, dataResource: String? = nil, producedBy: String? = nil, note: String? = nil
    ) {
        self.key = key
        self.name = name
        self.required = required
        self.tolerable = tolerable
        self.form = form
        self.copies = copies
        self.format = format
        self.template = template
        self.source = source
        self.licenseType = licenseType
        self.dataResource = dataResource
        self.producedBy = producedBy
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case key, name, required, tolerable, form, copies, format, template, source, licenseType, dataResource, producedBy, note
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // A missing key reads as empty, which the rules then name (shared definitions omit it).
        key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        name = try c.decode(String.self, forKey: .name)
        required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? true
        tolerable = try c.decodeIfPresent(Bool.self, forKey: .tolerable) ?? false
        form = try c.decodeIfPresent(MaterialForm.self, forKey: .form) ?? .original
        copies = try c.decodeIfPresent(Int.self, forKey: .copies) ?? 1
        format = try c.decodeIfPresent(MaterialFormat.self, forKey: .format) ?? .either
        template = try c.decodeIfPresent(String.self, forKey: .template)
        source = try c.decode(MaterialSource.self, forKey: .source)
        licenseType = try c.decodeIfPresent(String.self, forKey: .licenseType)
        dataResource = try c.decodeIfPresent(String.self, forKey: .dataResource)
        producedBy = try c.decodeIfPresent(String.self, forKey: .producedBy)
        note = try c.decodeIfPresent(String.self, forKey: .note)
    }
}

/// One field of the application form.
public struct FormField: Codable, Sendable, Hashable {
    public var key: String
    public var label: String
    public var labelEn: String
    public var type: FieldType
    public var required: Bool
    /// For `choice`: the allowed values.
    public var choices: [String]
    public var validation: FieldValidation?

    public init(
        key: String, label: String, labelEn: String, type: FieldType, required: Bool = true,
        choices: [String] = [], validation: FieldValidation? = nil
    ) {
        self.key = key
        self.label = label
        self.labelEn = labelEn
        self.type = type
        self.required = required
        self.choices = choices
        self.validation = validation
    }

    enum CodingKeys: String, CodingKey { case key, label, labelEn, type, required, choices, validation }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        label = try c.decode(String.self, forKey: .label)
        labelEn = try c.decode(String.self, forKey: .labelEn)
        type = try c.decode(FieldType.self, forKey: .type)
        required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? true
        choices = try c.decodeIfPresent([String].self, forKey: .choices) ?? []
        validation = try c.decodeIfPresent(FieldValidation.self, forKey: .validation)
    }

    /// Two definitions of one key agree when they would accept the same answers.
    public func sameDefinition(as other: FormField) -> Bool {
        type == other.type && choices == other.choices && validation == other.validation
    }
}

public struct FieldValidation: Codable, Sendable, Hashable {
    public var minLength: Int?
    public var maxLength: Int?
    public var minimum: Double?
    public var maximum: Double?
    /// A pattern the whole answer must match (`FormPattern`: ICU syntax, matched in linear time).
    public var pattern: String?
    public init(minLength: Int? = nil, maxLength: Int? = nil, minimum: Double? = nil, maximum: Double? = nil, pattern: String? = nil) {
        self.minLength = minLength
        self.maxLength = maxLength
        self.minimum = minimum
        self.maximum = maximum
        self.pattern = pattern
    }
}

/// 办理流程: one step. Steps sharing a `parallelGroup` run at the same time (并联).
public struct ProcessStep: Codable, Sendable, Hashable {
    public var kind: StepKind
    public var name: String
    /// The department that does the step, as the catalog names it (the item's own when absent)…
    public var department: String?
    /// …and its unified social credit code: tasks are routed by it, never by the name.
    public var departmentCode: String?
    /// The step's own limit in working days, if it has one.
    public var days: Int?
    /// Whether the case's clock stops while this step runs (inspections, hearings, expert reviews).
    public var pausesClock: Bool
    public var parallelGroup: String?

    public init(
        kind: StepKind, name: String, department: String? = nil, departmentCode: String? = nil, days: Int? = nil,
        pausesClock: Bool = false, parallelGroup: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.department = department
        self.departmentCode = departmentCode
        self.days = days
        self.pausesClock = pausesClock
        self.parallelGroup = parallelGroup
    }

    enum CodingKeys: String, CodingKey { case kind, name, department, departmentCode, days, pausesClock, parallelGroup }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(StepKind.self, forKey: .kind)
        name = try c.decode(String.self, forKey: .name)
        department = try c.decodeIfPresent(String.self, forKey: .department)
        departmentCode = try c.decodeIfPresent(String.self, forKey: .departmentCode)
        days = try c.decodeIfPresent(Int.self, forKey: .days)
        pausesClock = try c.decodeIfPresent(Bool.self, forKey: .pausesClock) ?? false
        parallelGroup = try c.decodeIfPresent(String.self, forKey: .parallelGroup)
    }
}

/// 办理结果: what the applicant receives and how.
public struct ItemResult: Codable, Sendable, Hashable {
    public var kind: ResultKind
    public var name: String
    /// With kind `license`: the e-licence type code.
    public var licenseType: String?
    public var delivery: [DeliveryMethod]
    public init(kind: ResultKind, name: String, licenseType: String? = nil, delivery: [DeliveryMethod]) {
        self.kind = kind
        self.name = name
        self.licenseType = licenseType
        self.delivery = delivery
    }
}

/// A local window: where to apply in person.
public struct ServiceWindow: Codable, Sendable, Hashable {
    public var name: String
    public var address: String
    public var hours: String?
    public var phone: String?
    public init(name: String, address: String, hours: String? = nil, phone: String? = nil) {
        self.name = name
        self.address = address
        self.hours = hours
        self.phone = phone
    }
}
