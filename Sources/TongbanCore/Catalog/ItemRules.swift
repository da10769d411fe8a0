import Foundation

/// The rules every item description keeps, checked before anything is stored. Each problem is
/// reported under the path of its field (`materials[2].licenseType`), all at once.
public enum ItemRules {
    static let materialKey = try! NSRegularExpression(pattern: "^[a-z][a-z0-9_]{0,63}$")
    static let formKey = try! NSRegularExpression(pattern: "^[a-zA-Z][a-zA-Z0-9_]{0,63}$")

    public static func problems(_ item: ServiceItem) -> FieldErrors {
        var errors = FieldErrors()
        _ = errors.text("name", item.name, maxLength: 200)
        if item.subItemName != nil { _ = errors.text("subItemName", item.subItemName, maxLength: 200) }
        _ = errors.text("department.name", item.department.name, maxLength: 100)
        if !ImplementationCode.isDepartmentCode(item.department.code) { errors.add("department.code", "catalog.invalidDepartmentCode") }
        if let code = item.implementationCode {
            if code.basic != item.basicCode { errors.add("implementationCode", "catalog.codeBasicMismatch") }
            if let region = code.region, region != item.regionCode { errors.add("implementationCode", "catalog.codeRegionMismatch") }
            if code.departmentCode != item.department.code { errors.add("implementationCode", "catalog.codeDepartmentMismatch") }
        }
        if item.level < item.regionCode.level { errors.add("level", "catalog.levelAboveRegion") }
        // nothing is submitted in an unproven name, whatever an item says
        if let level = item.requiredAssurance, level < .binding { errors.add("requiredAssurance", "catalog.assuranceBelowBinding") }
        checkTimeLimits(item, &errors)
        for (i, basis) in item.legalBasis.enumerated() {
            _ = errors.text("legalBasis[\(i)].law", basis.law, maxLength: 200)
            if basis.article != nil { _ = errors.text("legalBasis[\(i)].article", basis.article, maxLength: 2000) }
        }
        for (i, condition) in item.acceptanceConditions.enumerated() {
            _ = errors.text("acceptanceConditions[\(i)]", condition, maxLength: 1000)
        }
        for (i, fee) in item.fees.enumerated() {
            _ = errors.text("fees[\(i)].name", fee.name, maxLength: 100)
            _ = errors.text("fees[\(i)].amount", fee.amount, maxLength: 50)
            _ = errors.text("fees[\(i)].basis", fee.basis, maxLength: 300)
        }
        checkChannels(item, &errors)
        checkMaterials(item.materials, &errors)
        checkForm(item.form, &errors)
        InstantRules.check(item.instantRules, form: item.form, &errors)
        checkSteps(item.steps, &errors)
        if let result = item.result {
            _ = errors.text("result.name", result.name, maxLength: 100)
            if result.kind == .license, (result.licenseType ?? "").isEmpty { errors.add("result.licenseType", "field.required") }
            if result.delivery.isEmpty { errors.add("result.delivery", "field.required") }
        }
        if item.prerequisites.contains(item.basicCode) { errors.add("prerequisites", "catalog.prerequisiteSelf") }
        for (i, keyword) in item.keywords.enumerated() { _ = errors.text("keywords[\(i)]", keyword, maxLength: 20) }
        for (i, window) in item.windows.enumerated() {
            _ = errors.text("windows[\(i)].name", window.name, maxLength: 100)
            _ = errors.text("windows[\(i)].address", window.address, maxLength: 200)
        }
        return errors
    }

    static func checkTimeLimits(_ item: ServiceItem, _ errors: inout FieldErrors) {
        let maxDays = 3650
        if let days = item.statutoryDays, !(0...maxDays).contains(days) { errors.add("statutoryDays", "catalog.daysOutOfRange") }
        if let days = item.promisedDays, !(0...maxDays).contains(days) { errors.add("promisedDays", "catalog.daysOutOfRange") }
        if let promised = item.promisedDays, let statutory = item.statutoryDays, promised > statutory {
            errors.add("promisedDays", "catalog.promisedAboveStatutory")
        }
        if item.handlingMode == .instant, let promised = item.promisedDays, promised > 0 {
            errors.add("promisedDays", "catalog.instantHasDays")
        }
    }

    static func checkChannels(_ item: ServiceItem, _ errors: inout FieldErrors) {
        if item.channels.isEmpty { errors.add("channels", "field.required") }
        if Set(item.channels).count != item.channels.count { errors.add("channels", "catalog.duplicate") }
        if item.visits.isEmpty, !item.channels.contains(.online) { errors.add("visits", "catalog.zeroVisitsNeedsOnline") }
        for (i, visit) in item.visits.enumerated() { _ = errors.text("visits[\(i)].reason", visit.reason, maxLength: 300) }
    }

    static func checkMaterials(_ materials: [Material], _ errors: inout FieldErrors) {
        var seen = Set<String>()
        for (i, material) in materials.enumerated() {
            let path = "materials[\(i)]"
            if !matches(materialKey, material.key) { errors.add("\(path).key", "catalog.invalidKey") }
            if !seen.insert(material.key).inserted { errors.add("\(path).key", "catalog.duplicate") }
            _ = errors.text("\(path).name", material.name, maxLength: 200)
            if !(1...20).contains(material.copies) { errors.add("\(path).copies", "catalog.copiesOutOfRange") }
            switch material.source {
            case .eLicense where (material.licenseType ?? "").isEmpty: errors.add("\(path).licenseType", "field.required")
            case .sharedData where (material.dataResource ?? "").isEmpty: errors.add("\(path).dataResource", "field.required")
            case .department where (material.producedBy ?? "").isEmpty: errors.add("\(path).producedBy", "field.required")
            default: break
            }
            if material.tolerable, !material.required { errors.add("\(path).tolerable", "catalog.tolerableOptional") }
        }
    }

    static func checkForm(_ form: [FormField], _ errors: inout FieldErrors) {
        var seen = Set<String>()
        for (i, field) in form.enumerated() {
            let path = "form[\(i)]"
            if !matches(formKey, field.key) { errors.add("\(path).key", "catalog.invalidKey") }
            if !seen.insert(field.key).inserted { errors.add("\(path).key", "catalog.duplicate") }
            _ = errors.text("\(path).label", field.label, maxLength: 100)
            _ = errors.text("\(path).labelEn", field.labelEn, maxLength: 100)
            if field.type == .choice {
                if field.choices.count < 2 || Set(field.choices).count != field.choices.count {
                    errors.add("\(path).choices", "catalog.choicesNeeded")
                }
            } else if !field.choices.isEmpty {
                errors.add("\(path).choices", "catalog.choicesOnlyForChoice")
            }
            if let v = field.validation {
                if let lo = v.minLength, let hi = v.maxLength, lo > hi { errors.add("\(path).validation", "catalog.rangeInverted") }
                if let lo = v.minimum, let hi = v.maximum, lo > hi { errors.add("\(path).validation", "catalog.rangeInverted") }
                if (v.minLength ?? 0) < 0 { errors.add("\(path).validation", "catalog.rangeInverted") }
                if let pattern = v.pattern {
                    do throws(FormPattern.Problem) {
                        _ = try FormPattern(pattern)
                    } catch {
                        errors.add("\(path).validation.pattern", Self.patternProblemKey(error))
                    }
                }
            }
        }
    }

    static func patternProblemKey(_ problem: FormPattern.Problem) -> String {
        switch problem {
        case .syntax: "catalog.invalidPattern"
        case .unsupported: "catalog.unsupportedPattern"
        case .tooLarge: "catalog.patternTooLarge"
        }
    }

    static func checkSteps(_ steps: [ProcessStep], _ errors: inout FieldErrors) {
        guard !steps.isEmpty else { return }
        for kind in [StepKind.acceptance, .decision] where steps.filter({ $0.kind == kind }).count != 1 {
            errors.add("steps", kind == .acceptance ? "catalog.oneAcceptanceStep" : "catalog.oneDecisionStep")
        }
        let order = StepKind.allCases
        for (i, step) in steps.enumerated() {
            let path = "steps[\(i)]"
            _ = errors.text("\(path).name", step.name, maxLength: 100)
            if let days = step.days, !(0...3650).contains(days) { errors.add("\(path).days", "catalog.daysOutOfRange") }
            if step.pausesClock, ![.inspection, .hearing, .expertReview].contains(step.kind) {
                errors.add("\(path).pausesClock", "catalog.onlySpecialStepsPause")
            }
            if i > 0, order.firstIndex(of: step.kind)! < order.firstIndex(of: steps[i - 1].kind)!,
                !(step.kind == .review && [.inspection, .hearing, .expertReview].contains(steps[i - 1].kind))
            {
                errors.add("\(path).kind", "catalog.stepOutOfOrder")
            }
            if step.parallelGroup != nil, ![.review, .inspection, .hearing, .expertReview].contains(step.kind) {
                errors.add("\(path).parallelGroup", "catalog.onlyReviewsParallel")
            }
        }
    }

    static func matches(_ regex: NSRegularExpression, _ value: String) -> Bool {
        regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }
}

/// 同一事项、同一标准: the fields an implementation takes from its basic item unchanged.
/// A region sets only what is local: department, windows and addresses, the promised limit (not
/// above the statutory one), local fees on a local basis, channels and visits, steps, keywords.
public enum StandardFields {
    /// The names of the standard fields in which `implementation` differs from `basic`.
    public static func changes(basic: ServiceItem, implementation: ServiceItem) -> [String] {
        var changed: [String] = []
        if basic.basicCode != implementation.basicCode { changed.append("basicCode") }
        if basic.name != implementation.name { changed.append("name") }
        if basic.subItemName != implementation.subItemName { changed.append("subItemName") }
        if basic.kind != implementation.kind { changed.append("kind") }
        if basic.legalBasis != implementation.legalBasis { changed.append("legalBasis") }
        if basic.acceptanceConditions != implementation.acceptanceConditions { changed.append("acceptanceConditions") }
        if basic.statutoryDays != implementation.statutoryDays { changed.append("statutoryDays") }
        if basic.materials != implementation.materials { changed.append("materials") }
        if basic.form != implementation.form { changed.append("form") }
        if basic.result != implementation.result { changed.append("result") }
        return changed
    }

    /// A new implementation of `basic`: the standard fields copied, the local ones given.
    public static func implementation(
        of basic: ServiceItem, region: RegionCode, level: RegionLevel, department: ItemDepartment,
        promisedDays: Int?, windows: [ServiceWindow] = []
    ) throws(ImplementationCode.Problem) -> ServiceItem {
        var item = basic
        item.implementationCode = try ImplementationCode(basic: basic.basicCode, region: region, departmentCode: department.code)
        item.regionCode = region
        item.level = level
        item.department = department
        item.promisedDays = promisedDays
        item.windows = windows
        return item
    }
}
