import Foundation
import Testing
@testable import TongbanCore

@Suite("Item rules")
struct ItemRulesTests {
    func keys(_ item: ServiceItem) -> Set<String> { Set(ItemRules.problems(item).errors.map { "\($0.field):\($0.key)" }) }

    @Test("generated valid items pass; a promised limit above the statutory one is named")
    func timeLimits() {
        var rng = SplitMix64(seed: 11)
        for i in 0..<1000 {
            var item = Generate.item(&rng, index: i)
            #expect(ItemRules.problems(item).isEmpty)
            let statutory = item.statutoryDays!
            item.promisedDays = statutory + Int.random(in: 1...30, using: &rng)
            #expect(keys(item) == ["promisedDays:catalog.promisedAboveStatutory"])
        }
    }

    @Test("each broken rule is reported under its field, all at once")
    func eachRule() throws {
        var rng = SplitMix64(seed: 12)
        var item = Generate.item(&rng, index: 1)
        item.materials = [
            Material(key: "id_card", name: "身份证", source: .eLicense),
            Material(key: "id_card", name: "身份证复印件", required: false, tolerable: true, copies: 0, source: .sharedData),
        ]
        item.form = [
            FormField(key: "kind", label: "类型", labelEn: "Kind", type: .choice, choices: ["a"]),
            FormField(
                key: "1bad", label: "名称", labelEn: "Name", type: .text, choices: ["x", "y"],
                validation: FieldValidation(minLength: 5, maxLength: 2, pattern: "([")),
        ]
        item.channels = [.window]
        item.visits = []
        item.handlingMode = .instant
        item.promisedDays = 3
        item.statutoryDays = 5
        item.steps = [ProcessStep(kind: .decision, name: "决定"), ProcessStep(kind: .review, name: "审查", pausesClock: true)]
        item.prerequisites = [item.basicCode]
        #expect(
            keys(item) == [
                "materials[0].licenseType:field.required", "materials[1].key:catalog.duplicate",
                "materials[1].copies:catalog.copiesOutOfRange",
                "materials[1].dataResource:field.required", "materials[1].tolerable:catalog.tolerableOptional",
                "form[0].choices:catalog.choicesNeeded", "form[1].key:catalog.invalidKey", "form[1].choices:catalog.choicesOnlyForChoice",
                "form[1].validation:catalog.rangeInverted", "form[1].validation.pattern:catalog.invalidPattern",
                "visits:catalog.zeroVisitsNeedsOnline", "promisedDays:catalog.instantHasDays",
                "steps:catalog.oneAcceptanceStep", "steps[1].pausesClock:catalog.onlySpecialStepsPause",
                "steps[1].kind:catalog.stepOutOfOrder",
                "prerequisites:catalog.prerequisiteSelf",
            ])
    }

    @Test("an implementation code must agree with the item's basic code, region and department")
    func codeAgreement() throws {
        var rng = SplitMix64(seed: 13)
        let basic = Generate.item(&rng, index: 2)
        var item = try StandardFields.implementation(
            of: basic, region: try RegionCode("330106"), level: .county,
            department: ItemDepartment(name: "西湖区市场监督管理局", code: "11330106MB1725881B"), promisedDays: 1)
        #expect(ItemRules.problems(item).isEmpty)
        item.regionCode = try RegionCode("330105")
        item.department.code = "11330106MB17258810"
        item.basicCode = try BasicCode("330A9999900000")
        #expect(
            keys(item) == [
                "implementationCode:catalog.codeBasicMismatch", "implementationCode:catalog.codeRegionMismatch",
                "implementationCode:catalog.codeDepartmentMismatch",
            ])
        item = try StandardFields.implementation(
            of: basic, region: try RegionCode("330106"), level: .city,
            department: ItemDepartment(name: "x", code: "11330106MB1725881B"), promisedDays: 1)
        #expect(keys(item) == ["level:catalog.levelAboveRegion"])
    }

    @Test("unknown material sources and field types are refused when the document is read, naming the path")
    func unknownValues() throws {
        var rng = SplitMix64(seed: 14)
        var item = Generate.item(&rng, index: 3)
        item.materials = [Material(key: "a", name: "甲", source: .applicant)]
        item.form = [FormField(key: "a", label: "甲", labelEn: "A", type: .text)]
        let json = String(decoding: try JSONEncoder().encode(item), as: UTF8.self)
        for (broken, path) in [
            (json.replacingOccurrences(of: "\"applicant\"", with: "\"neighbour\""), "materials[0].source"),
            (json.replacingOccurrences(of: "\"type\":\"text\"", with: "\"type\":\"colour\""), "form[0].type"),
        ] {
            #expect(broken != json)
            let problem = DecodingProblem(decoding: ServiceItem.self, from: Data(broken.utf8))
            #expect(problem?.field == path)
            #expect(problem?.key == "field.unknownValue")
        }
        #expect(DecodingProblem(decoding: ServiceItem.self, from: Data(json.utf8)) == nil)
        var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        object["name"] = nil
        let missing = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        #expect(DecodingProblem(decoding: ServiceItem.self, from: Data(missing.utf8))?.field == "name")
        #expect(DecodingProblem(decoding: ServiceItem.self, from: Data(missing.utf8))?.key == "field.required")
    }

    @Test("an implementation may change local fields only; each changed standard field is named")
    func standardFields() throws {
        var rng = SplitMix64(seed: 15)
        for i in 0..<300 {
            let basic = Generate.item(&rng, index: i)
            var local = try StandardFields.implementation(
                of: basic, region: try RegionCode("330106"), level: .county,
                department: ItemDepartment(name: "西湖区", code: "11330106MB1725881B"),
                promisedDays: Int.random(in: 0...(basic.statutoryDays ?? 0), using: &rng),
                windows: [ServiceWindow(name: "综合窗口", address: "西湖区行政服务中心")])
            local.fees = [Fee(name: "工本费", amount: "10", basis: "浙价费〔2020〕1号")]
            local.keywords = ["本地"]
            #expect(StandardFields.changes(basic: basic, implementation: local).isEmpty)
            var changed = local
            var expected: [String] = []
            if Bool.random(using: &rng) {
                changed.name += "（改）"
                expected.append("name")
            }
            if Bool.random(using: &rng) {
                changed.kind = .confirmation
                expected.append("kind")
            }
            if Bool.random(using: &rng) {
                changed.legalBasis.append(LegalBasis(law: "某条例"))
                expected.append("legalBasis")
            }
            if Bool.random(using: &rng) {
                changed.statutoryDays = (changed.statutoryDays ?? 0) + 1
                expected.append("statutoryDays")
            }
            if Bool.random(using: &rng) {
                changed.materials.append(Material(key: "extra", name: "额外", source: .applicant))
                expected.append("materials")
            }
            if Bool.random(using: &rng) {
                changed.form.removeAll()
                if !local.form.isEmpty { expected.append("form") }
            }
            #expect(StandardFields.changes(basic: basic, implementation: changed) == expected)
        }
    }
}
