import Foundation
import TongbanCore
import TongbanPlatform

/// Reads the demo catalog (`Resources/Catalog/demo-catalog.json`): Zhejiang departments, the
/// materials and form fields items share, the items and the bundles. The file is written
/// compactly — items name shared materials and fields by key and their steps by pattern — and
/// this expands it into full `ServiceItem`s, so every item passes the same rules as any other.
struct DemoCatalog {
    struct Department: Decodable {
        let name: String
        let stem: String
        let region: String
    }
    struct Spec: Decodable {
        let departments: [String: Department]
        let materials: [String: Material]
        let fields: [String: FormFieldSpec]
        let items: [ItemSpec]
        let bundles: [BundleSpec]
    }
    struct FormFieldSpec: Decodable {
        let label: String
        let labelEn: String
        let type: FieldType
        let choices: [String]?
        let validation: FieldValidation?
    }
    /// A material named by key, optionally overriding some of its properties, or given in full.
    enum MaterialRef: Decodable {
        case shared(String, required: Bool?, tolerable: Bool?, copies: Int?, form: MaterialForm?)
        case full(Material)
        enum Keys: String, CodingKey { case ref, required, tolerable, copies, form }
        init(from decoder: any Decoder) throws {
            if let key = try? decoder.singleValueContainer().decode(String.self) {
                self = .shared(key, required: nil, tolerable: nil, copies: nil, form: nil)
                return
            }
            let c = try decoder.container(keyedBy: Keys.self)
            if let key = try c.decodeIfPresent(String.self, forKey: .ref) {
                self = .shared(
                    key, required: try c.decodeIfPresent(Bool.self, forKey: .required),
                    tolerable: try c.decodeIfPresent(Bool.self, forKey: .tolerable),
                    copies: try c.decodeIfPresent(Int.self, forKey: .copies), form: try c.decodeIfPresent(MaterialForm.self, forKey: .form))
            } else {
                self = .full(try Material(from: decoder))
            }
        }
    }
    struct FieldRef: Decodable {
        let key: String
        let required: Bool
        init(from decoder: any Decoder) throws {
            if let key = try? decoder.singleValueContainer().decode(String.self) {
                self.key = key
                required = true
                return
            }
            struct Optional: Decodable {
                let key: String
                let required: Bool
            }
            let spec = try Optional(from: decoder)
            key = spec.key
            required = spec.required
        }
    }
    struct ItemSpec: Decodable {
        let basic: String
        let name: String
        let sub: String?
        let kind: String
        let dept: String
        let level: RegionLevel?
        let legal: [[String]]
        let conditions: [String]
        let statutory: Int?
        let promised: Int?
        let mode: HandlingMode?
        let commitment: Bool?
        let instant: [InstantRule]?
        let fees: [Fee]?
        let channels: [Channel]
        let visits: [String]?
        let materials: [MaterialRef]
        let form: [FieldRef]
        let steps: String?
        let stepDays: Int?
        let reviewers: [String]?
        let result: ItemResult?
        let prereq: [String]?
        let keywords: [String]?
        let windows: [ServiceWindow]?
        let source: String
        let basicDept: String?
        /// 审管衔接: the department key that supervises what it approves, or "self" for the
        /// implementing department's own enforcement side (each region's, where it is implemented).
        let supervisedBy: String?
        /// 实名认证: 3 where the item is submitted online only by an identity verified in person.
        let assurance: Int?
        let alsoIn: [Elsewhere]?
        struct Elsewhere: Decodable {
            let dept: String
            let promised: Int?
        }
    }
    struct BundleSpec: Decodable {
        let code: String
        let name: String
        let category: BundleCategory
        let summary: String
        let lead: String
        let questions: [BundleQuestion]?
        let members: [Member]
        let keywords: [String]?
        let source: String
        struct Member: Decodable {
            let basic: String
            let when: BundleCondition?
        }
    }

    struct Problem: Error, CustomStringConvertible { let description: String }

    let departments: [(name: String, code: CreditCode, region: RegionCode)]
    let items: [ServiceItem]
    let bundles: [ServiceBundle]

    static func load(from path: String) throws -> DemoCatalog {
        let spec = try JSONDecoder().decode(Spec.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        return try DemoCatalog(spec)
    }

    init(_ spec: Spec) throws {
        var departments: [String: (name: String, code: CreditCode, region: RegionCode)] = [:]
        for (key, department) in spec.departments {
            guard let code = CreditCode.completing(department.stem), let region = try? RegionCode(department.region) else {
                throw Problem(description: "department \(key) does not validate")
            }
            departments[key] = (department.name, code, region)
        }
        self.departments = departments.values.sorted { $0.code.value < $1.code.value }
        var items: [ServiceItem] = []
        // the credit code of each department the spec names, for the steps it reviews in
        let codes = Dictionary(departments.values.map { ($0.name, $0.code.value) }, uniquingKeysWith: { first, _ in first })
        for itemSpec in spec.items {
            let item = try Self.item(itemSpec, spec, departments, codes: codes)
            // The basic item (基本目录) as the province defines it, where the spec names one.
            if let key = itemSpec.basicDept {
                guard let upper = departments[key] else { throw Problem(description: "item \(itemSpec.name): unknown department \(key)") }
                var basic = item
                basic.implementationCode = nil
                basic.department = ItemDepartment(name: upper.name, code: upper.code.value)
                basic.regionCode = upper.region
                basic.level = upper.region.level
                basic.windows = []
                basic.supervisingDepartment = nil
                basic.steps = Self.steps(itemSpec, basic.department, basic.handlingMode, codes: codes)
                items.append(basic)
            }
            items.append(item)
            // The same item implemented in other regions: same code, same standard, local department and promise.
            for other in itemSpec.alsoIn ?? [] {
                guard let local = departments[other.dept] else {
                    throw Problem(description: "item \(itemSpec.name): unknown department \(other.dept)")
                }
                var copy = try StandardFields.implementation(
                    of: item, region: local.region, level: local.region.level,
                    department: ItemDepartment(name: local.name, code: local.code.value),
                    promisedDays: other.promised)
                copy.steps = Self.steps(itemSpec, copy.department, copy.handlingMode, codes: codes)
                if itemSpec.supervisedBy == "self" { copy.supervisingDepartment = copy.department }
                items.append(copy)
            }
        }
        self.items = items
        // A bundle takes the implementation in its lead department's region.
        let byBasic = { (basic: String, region: RegionCode) -> ServiceItem? in
            items.first { $0.basicCode.value == basic && $0.isImplementation && $0.regionCode == region }
                ?? items.first { $0.basicCode.value == basic && $0.isImplementation }
        }
        bundles = try spec.bundles.map { b in
            guard let lead = departments[b.lead] else { throw Problem(description: "bundle \(b.code): unknown department \(b.lead)") }
            let members = try b.members.map { m in
                guard let item = byBasic(m.basic, lead.region) else {
                    throw Problem(description: "bundle \(b.code): unknown item \(m.basic)")
                }
                return BundleMember(itemCode: item.code, when: m.when)
            }
            return ServiceBundle(
                code: b.code, name: b.name, category: b.category, summary: b.summary,
                leadDepartment: ItemDepartment(name: lead.name, code: lead.code.value), regionCode: lead.region,
                questions: b.questions ?? [], members: members, keywords: b.keywords ?? [], source: b.source)
        }
    }

    static func item(
        _ s: ItemSpec, _ spec: Spec, _ departments: [String: (name: String, code: CreditCode, region: RegionCode)],
        codes: [String: String]
    ) throws -> ServiceItem {
        guard let department = departments[s.dept] else { throw Problem(description: "item \(s.name): unknown department \(s.dept)") }
        guard let kind = ItemKind(codeOrName: s.kind) else { throw Problem(description: "item \(s.name): unknown kind \(s.kind)") }
        let basic = try BasicCode(s.basic)
        let materials: [Material] = try s.materials.map { ref in
            switch ref {
            case let .full(material): return material
            case let .shared(key, required, tolerable, copies, form):
                guard var material = spec.materials[key] else { throw Problem(description: "item \(s.name): unknown material \(key)") }
                material.key = key
                if let required { material.required = required }
                if let tolerable { material.tolerable = tolerable }
                if let copies { material.copies = copies }
                if let form { material.form = form }
                return material
            }
        }
        let form: [FormField] = try s.form.map { ref in
            guard let f = spec.fields[ref.key] else { throw Problem(description: "item \(s.name): unknown field \(ref.key)") }
            return FormField(
                key: ref.key, label: f.label, labelEn: f.labelEn, type: f.type, required: ref.required,
                choices: f.choices ?? [], validation: f.validation)
        }
        let mode = s.mode ?? (s.promised == 0 ? .instant : .promised)
        let item = ServiceItem(
            basicCode: basic,
            implementationCode: try ImplementationCode(basic: basic, region: department.region, departmentCode: department.code.value),
            name: s.name, subItemName: s.sub, kind: kind, department: ItemDepartment(name: department.name, code: department.code.value),
            regionCode: department.region, level: s.level ?? department.region.level,
            legalBasis: s.legal.map { LegalBasis(law: $0[0], article: $0.count > 1 ? $0[1] : nil) },
            acceptanceConditions: s.conditions, statutoryDays: s.statutory, promisedDays: s.promised, handlingMode: mode,
            commitmentAllowed: s.commitment ?? false, instantRules: s.instant ?? [], fees: s.fees ?? [], channels: s.channels,
            visits: (s.visits ?? []).map(Visit.init),
            materials: materials, form: form,
            steps: steps(s, ItemDepartment(name: department.name, code: department.code.value), mode, codes: codes), result: s.result,
            prerequisites: try (s.prereq ?? []).map { try BasicCode($0) }, keywords: s.keywords ?? [], windows: s.windows ?? [],
            source: s.source,
            supervisingDepartment: try s.supervisedBy.map { key in
                if key == "self" { return ItemDepartment(name: department.name, code: department.code.value) }
                guard let supervising = departments[key] else { throw Problem(description: "item \(s.name): unknown department \(key)") }
                return ItemDepartment(name: supervising.name, code: supervising.code.value)
            }, requiredAssurance: s.assurance.flatMap(AssuranceLevel.init(rawValue:)))
        let problems = ItemRules.problems(item)
        guard problems.isEmpty else {
            throw Problem(description: "item \(s.name): " + problems.errors.map { "\($0.field) \($0.key)" }.joined(separator: "; "))
        }
        return item
    }

    /// The usual shapes of a procedure: on the spot; reviewed; reviewed with an on-site
    /// inspection; reviewed in parallel by several departments; with an expert review.
    static func steps(_ s: ItemSpec, _ owner: ItemDepartment, _ mode: HandlingMode, codes: [String: String]) -> [ProcessStep] {
        func step(_ kind: StepKind, _ name: String, days: Int? = nil, pausesClock: Bool = false) -> ProcessStep {
            ProcessStep(kind: kind, name: name, department: owner.name, departmentCode: owner.code, days: days, pausesClock: pausesClock)
        }
        let intake = [step(.prereview, "网上预审"), step(.acceptance, "受理")]
        let close = [step(.decision, "决定"), step(.delivery, "送达")]
        switch s.steps ?? (mode == .instant ? "instant" : "review") {
        case "instant":
            return [step(.acceptance, "受理")] + close
        case "inspection":
            return intake + [step(.review, "材料审查"), step(.inspection, "现场核查", days: s.stepDays ?? 5)] + close
        case "expert":
            return intake + [step(.review, "材料审查"), step(.expertReview, "专家评审", days: s.stepDays ?? 20, pausesClock: true)] + close
        case "parallel":
            return intake
                + (s.reviewers ?? [owner.name]).map {
                    ProcessStep(
                        kind: .review, name: "并联审查", department: $0, departmentCode: $0 == owner.name ? owner.code : codes[$0],
                        parallelGroup: "joint")
                } + close
        default:
            return intake + [step(.review, "审查")] + close
        }
    }
}
