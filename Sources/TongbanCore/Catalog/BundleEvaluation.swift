/// What a bundle yields for one set of answers: the items that apply, one merged form, one
/// merged list of materials grouped by source, and what it costs the citizen.
public struct BundleEvaluation: Sendable, Equatable {
    public struct MergedField: Sendable, Equatable {
        public var field: FormField
        /// Codes of the items that ask for it.
        public var askedBy: [String]
    }

    public struct MergedMaterial: Sendable, Equatable {
        public var material: Material
        public var neededBy: [String]
    }

    public struct Cost: Sendable, Equatable {
        public var items: Int
        /// In-person visits if each item were done on its own, and at the bundle's one window.
        public var visitsSeparately: Int
        public var visits: Int
        /// Materials over all items counted one by one, vs. what the applicant still supplies.
        public var materialsSeparately: Int
        public var materialsToSupply: Int
        /// Materials that e-licences or shared data replace, and those departments produce.
        public var materialsReplacedByData: Int
        public var materialsFromDepartments: Int
        /// Promised working days done one after another, and along the critical path when
        /// items run in parallel, waiting only for prerequisites.
        public var daysInSequence: Int
        public var daysCriticalPath: Int
        /// The item codes on the critical path, first to last.
        public var criticalPath: [String]
    }

    public var items: [ServiceItem]
    /// For each applying item (by code), the applying items whose result it waits for: the
    /// items among them that its prerequisites name.
    public var dependencies: [String: [String]]
    public var form: [MergedField]
    public var materials: [MergedMaterial]
    public var cost: Cost

    public func materials(from source: MaterialSource) -> [MergedMaterial] { materials.filter { $0.material.source == source } }
}

/// Why a bundle cannot be published or evaluated; each names what is wrong.
public enum BundleProblem: Error, Sendable, Equatable {
    case unknownItem(String)
    case duplicateItem(String)
    case unknownQuestion(String)
    case unknownOption(question: String, value: String)
    case missingAnswer(String)
    case fieldConflict(key: String, items: [String])
    case dependencyCycle([String])
    /// For these answers the item applies but none of the bundle's items it depends on does.
    case prerequisiteLeftOut(item: String, answers: String)
    case invalid(field: String, key: String)

    public var messageKey: String {
        switch self {
        case .unknownItem: "bundle.unknownItem"
        case .duplicateItem: "bundle.duplicateItem"
        case .unknownQuestion: "bundle.unknownQuestion"
        case .unknownOption: "bundle.unknownOption"
        case .missingAnswer: "bundle.missingAnswer"
        case .fieldConflict: "bundle.fieldConflict"
        case .dependencyCycle: "bundle.dependencyCycle"
        case .prerequisiteLeftOut: "bundle.prerequisiteLeftOut"
        case let .invalid(_, key): key
        }
    }

    /// What the message is about: the item, question, field key or cycle.
    public var subject: String {
        switch self {
        case let .unknownItem(code), let .duplicateItem(code): code
        case let .unknownQuestion(key), let .missingAnswer(key): key
        case let .unknownOption(question, value): "\(question)=\(value)"
        case let .fieldConflict(key, items): "\(key): \(items.joined(separator: ", "))"
        case let .dependencyCycle(codes): codes.joined(separator: " → ")
        case let .prerequisiteLeftOut(item, answers): "\(item) (\(answers))"
        case let .invalid(field, _): field
        }
    }
}

public enum BundleComposer {
    /// Every problem that keeps the bundle from being published, with all its items applying at
    /// once: its own rules, unknown items, questions or options, form fields defined two ways, and
    /// cycles in the items' prerequisites.
    public static func problems(_ bundle: ServiceBundle, items: [String: ServiceItem]) -> [BundleProblem] {
        var problems = descriptionProblems(bundle)
        var seen = Set<String>()
        for member in bundle.members {
            if !seen.insert(member.itemCode).inserted { problems.append(.duplicateItem(member.itemCode)) }
            if items[member.itemCode] == nil { problems.append(.unknownItem(member.itemCode)) }
            if let when = member.when {
                guard let question = bundle.questions.first(where: { $0.key == when.question }) else {
                    problems.append(.unknownQuestion(when.question))
                    continue
                }
                for value in when.values where !question.options.contains(where: { $0.value == value }) {
                    problems.append(.unknownOption(question: when.question, value: value))
                }
            }
        }
        let all = bundle.members.compactMap { items[$0.itemCode] }
        problems += mergeForm(all).conflicts
        if let cycle = findCycle(all) { problems.append(.dependencyCycle(cycle)) }
        if problems.isEmpty { problems += leftOutPrerequisites(bundle, items: items) }
        return problems
    }

    /// The dependency graph holds for every answer: an item that depends on another of the
    /// bundle never applies without one of those it depends on (it would wait for a case that
    /// was never opened). At most 4,096 sets of answers are tried, the questionnaire's first.
    static func leftOutPrerequisites(_ bundle: ServiceBundle, items: [String: ServiceItem]) -> [BundleProblem] {
        let members = bundle.members.compactMap { items[$0.itemCode] }
        let basics = Set(members.map(\.basicCode))
        var found: [String: BundleProblem] = [:]
        var answers: [String: String] = [:]
        var tried = 0
        func walk(_ index: Int) {
            guard tried < 4_096 else { return }
            guard index == bundle.questions.count else {
                for option in bundle.questions[index].options {
                    answers[bundle.questions[index].key] = option.value
                    walk(index + 1)
                }
                return
            }
            tried += 1
            let applying = bundle.members.filter { member in member.when.map { $0.values.contains(answers[$0.question] ?? "") } ?? true }
                .compactMap { items[$0.itemCode] }
            let present = Set(applying.map(\.basicCode))
            for item in applying where found[item.code] == nil {
                let inBundle = item.prerequisites.filter(basics.contains)
                guard !inBundle.isEmpty, !inBundle.contains(where: present.contains) else { continue }
                let said = bundle.questions.map { "\($0.key)=\(answers[$0.key] ?? "")" }.joined(separator: ", ")
                found[item.code] = .prerequisiteLeftOut(item: item.code, answers: said)
            }
        }
        walk(0)
        return members.compactMap { found[$0.code] }
    }

    /// The bundle's own rules, which need no catalog to check: a name, a summary and a lead
    /// department, a code of the standard's symbols, members, questions with two or more distinct options, each key once.
    /// A draft is held to them when it is saved (as an item's draft is to its own rules);
    /// publishing adds the rules about its items.
    public static func descriptionProblems(_ bundle: ServiceBundle) -> [BundleProblem] {
        var errors = FieldErrors()
        _ = errors.text("name", bundle.name, maxLength: 100)
        _ = errors.text("summary", bundle.summary, maxLength: 2000)
        _ = errors.text("leadDepartment.name", bundle.leadDepartment.name, maxLength: 100)
        if !ImplementationCode.isDepartmentCode(bundle.leadDepartment.code) {
            errors.add("leadDepartment.code", "catalog.invalidDepartmentCode")
        }
        if bundle.code.isEmpty || bundle.code.count > 40 || !bundle.code.allSatisfy({ BasicCode.isSymbol($0) || $0 == "-" }) {
            errors.add("code", "bundle.invalidCode")
        }
        if bundle.members.isEmpty { errors.add("members", "field.required") }
        for (i, q) in bundle.questions.enumerated() {
            _ = errors.text("questions[\(i)].text", q.text, maxLength: 200)
            _ = errors.text("questions[\(i)].textEn", q.textEn, maxLength: 200)
            if q.options.count < 2 || Set(q.options.map(\.value)).count != q.options.count {
                errors.add("questions[\(i)].options", "catalog.choicesNeeded")
            }
        }
        if Set(bundle.questions.map(\.key)).count != bundle.questions.count { errors.add("questions", "catalog.duplicate") }
        return errors.errors.map { .invalid(field: $0.field, key: $0.key) }
    }

    /// The bundle for one set of answers. Every question must be answered with one of its options.
    public static func evaluate(
        _ bundle: ServiceBundle, answers: [String: String],
        items: [String: ServiceItem]
    ) throws(BundleProblem) -> BundleEvaluation {
        for key in answers.keys.sorted() where !bundle.questions.contains(where: { $0.key == key }) {
            throw .unknownQuestion(key)
        }
        for question in bundle.questions {
            guard let answer = answers[question.key] else { throw .missingAnswer(question.key) }
            guard question.options.contains(where: { $0.value == answer }) else {
                throw .unknownOption(question: question.key, value: answer)
            }
        }
        var applicable: [ServiceItem] = []
        for member in bundle.members {
            if let when = member.when, !when.values.contains(answers[when.question] ?? "") { continue }
            guard let item = items[member.itemCode] else { throw .unknownItem(member.itemCode) }
            applicable.append(item)
        }
        let (form, conflicts) = mergeForm(applicable)
        if let conflict = conflicts.first { throw conflict }
        let materials = passResultsOn(mergeMaterials(applicable), applicable)
        let (criticalDays, path) = try criticalPath(applicable)
        let needs = prerequisites(applicable)
        var dependencies: [String: [String]] = [:]
        for (i, item) in applicable.enumerated() where !needs[i].isEmpty { dependencies[item.code] = needs[i].map { applicable[$0].code } }
        let cost = BundleEvaluation.Cost(
            items: applicable.count,
            visitsSeparately: applicable.reduce(0) { $0 + $1.visits.count },
            visits: applicable.map(\.visits.count).max() ?? 0,
            materialsSeparately: applicable.reduce(0) { $0 + $1.materials.count },
            materialsToSupply: materials.filter { $0.material.source == .applicant }.count,
            materialsReplacedByData: materials.filter { [.eLicense, .sharedData].contains($0.material.source) }.count,
            materialsFromDepartments: materials.filter { $0.material.source == .department }.count,
            daysInSequence: applicable.reduce(0) { $0 + $1.workingDays },
            daysCriticalPath: criticalDays,
            criticalPath: path)
        return BundleEvaluation(items: applicable, dependencies: dependencies, form: form, materials: materials, cost: cost)
    }

    /// Fields merged by key, each asked once (required if any item requires it); a key that two
    /// items define differently is a conflict.
    static func mergeForm(_ items: [ServiceItem]) -> (form: [BundleEvaluation.MergedField], conflicts: [BundleProblem]) {
        var merged: [BundleEvaluation.MergedField] = []
        var index: [String: Int] = [:]
        var conflicts: [String: [String]] = [:]
        for item in items {
            for field in item.form {
                if let i = index[field.key] {
                    if merged[i].field.sameDefinition(as: field) {
                        merged[i].field.required = merged[i].field.required || field.required
                        merged[i].askedBy.append(item.code)
                    } else {
                        conflicts[field.key, default: merged[i].askedBy].append(item.code)
                    }
                } else {
                    index[field.key] = merged.count
                    merged.append(.init(field: field, askedBy: [item.code]))
                }
            }
        }
        return (merged, conflicts.keys.sorted().map { .fieldConflict(key: $0, items: conflicts[$0]!) })
    }

    /// Materials merged by key, each asked once, ordered by source (applicant first) then by
    /// first appearance. A material required by any item is required.
    static func mergeMaterials(_ items: [ServiceItem]) -> [BundleEvaluation.MergedMaterial] {
        var merged: [BundleEvaluation.MergedMaterial] = []
        var index: [String: Int] = [:]
        for item in items {
            for material in item.materials {
                if let i = index[material.key] {
                    merged[i].neededBy.append(item.code)
                    merged[i].material.required = merged[i].material.required || material.required
                    merged[i].material.tolerable = merged[i].material.tolerable && material.tolerable
                    merged[i].material.copies = max(merged[i].material.copies, material.copies)
                } else {
                    index[material.key] = merged.count
                    merged.append(.init(material: material, neededBy: [item.code]))
                }
            }
        }
        let order = MaterialSource.allCases
        return merged.enumerated().sorted {
            let a = order.firstIndex(of: $0.element.material.source)!
            let b = order.firstIndex(of: $1.element.material.source)!
            return a != b ? a < b : $0.offset < $1.offset
        }.map(\.element)
    }

    /// A licence that one of the bundle's own items issues is not asked of the applicant: the
    /// issuing department passes it on (e.g. the business licence to the food licence).
    static func passResultsOn(_ materials: [BundleEvaluation.MergedMaterial], _ items: [ServiceItem]) -> [BundleEvaluation.MergedMaterial] {
        var issuers: [String: ServiceItem] = [:]
        for item in items { if let type = item.result?.licenseType, issuers[type] == nil { issuers[type] = item } }
        let passed = materials.map { merged -> BundleEvaluation.MergedMaterial in
            guard merged.material.source == .eLicense, let type = merged.material.licenseType, let issuer = issuers[type],
                !merged.neededBy.allSatisfy({ $0 == issuer.code })
            else { return merged }
            var changed = merged
            changed.material.source = .department
            changed.material.producedBy = "\(issuer.department.name)（\(issuer.displayName)）"
            return changed
        }
        let order = MaterialSource.allCases
        return passed.enumerated().sorted {
            let a = order.firstIndex(of: $0.element.material.source)!
            let b = order.firstIndex(of: $1.element.material.source)!
            return a != b ? a < b : $0.offset < $1.offset
        }.map(\.element)
    }

    /// Edges from each item to the items in the same set whose result it needs first.
    static func prerequisites(_ items: [ServiceItem]) -> [[Int]] {
        var byBasic: [BasicCode: [Int]] = [:]
        for (i, item) in items.enumerated() { byBasic[item.basicCode, default: []].append(i) }
        return items.map { item in item.prerequisites.flatMap { byBasic[$0] ?? [] } }
    }

    static func findCycle(_ items: [ServiceItem]) -> [String]? {
        let needs = prerequisites(items)
        var state = [UInt8](repeating: 0, count: items.count)  // 0 new, 1 on stack, 2 done
        var stack: [Int] = []
        func visit(_ i: Int) -> [String]? {
            state[i] = 1
            stack.append(i)
            for j in needs[i] {
                if state[j] == 1 {
                    let start = stack.firstIndex(of: j)!
                    return (stack[start...] + [j]).map { items[$0].code }
                }
                if state[j] == 0, let cycle = visit(j) { return cycle }
            }
            state[i] = 2
            stack.removeLast()
            return nil
        }
        for i in items.indices where state[i] == 0 {
            if let cycle = visit(i) { return cycle }
        }
        return nil
    }

    /// The longest chain of promised working days through the prerequisites.
    static func criticalPath(_ items: [ServiceItem]) throws(BundleProblem) -> (days: Int, path: [String]) {
        if let cycle = findCycle(items) { throw .dependencyCycle(cycle) }
        let needs = prerequisites(items)
        var finish = [Int?](repeating: nil, count: items.count)
        var before = [Int?](repeating: nil, count: items.count)
        func finishOf(_ i: Int) -> Int {
            if let done = finish[i] { return done }
            var start = 0
            for j in needs[i] {
                let ready = finishOf(j)
                if before[i] == nil || ready > start {
                    start = ready
                    before[i] = j
                }
            }
            finish[i] = start + items[i].workingDays
            return finish[i]!
        }
        guard let last = items.indices.max(by: { finishOf($0) < finishOf($1) }) else { return (0, []) }
        var path = [last]
        while let previous = before[path[0]] { path.insert(previous, at: 0) }
        return (finishOf(last), path.map { items[$0].code })
    }
}
