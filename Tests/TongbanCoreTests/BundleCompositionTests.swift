import Testing
@testable import TongbanCore

@Suite("Bundle composition")
struct BundleCompositionTests {
    /// A random bundle: items whose prerequisites point only at earlier items (so no cycle),
    /// some conditional on a yes/no question.
    func randomBundle(_ rng: inout SplitMix64, size: Int) -> (ServiceBundle, [String: ServiceItem]) {
        var items: [ServiceItem] = []
        for i in 0..<size {
            var item = Generate.item(&rng, index: i)
            if i > 0 {
                item.prerequisites = (0..<i).filter { _ in Int.random(in: 0..<4, using: &rng) == 0 }.map { items[$0].basicCode }
            }
            items.append(item)
        }
        let questions = [BundleQuestion.yesNo("q1", "是否一？", "One?"), BundleQuestion.yesNo("q2", "是否二？", "Two?")]
        let members = items.map { item in
            BundleMember(
                itemCode: item.code,
                when: Int.random(in: 0..<3, using: &rng) == 0
                    ? BundleCondition(question: ["q1", "q2"].randomElement(using: &rng)!, values: ["yes"]) : nil)
        }
        let bundle = ServiceBundle(
            code: "B-1", name: "测试一件事", category: .enterpriseStart, summary: "测试",
            leadDepartment: Generate.department, regionCode: Generate.hangzhou, questions: questions, members: members)
        return (bundle, Dictionary(uniqueKeysWithValues: items.map { ($0.code, $0) }))
    }

    @Test("random bundles: merged materials never exceed the naive sum; the critical path lies between the longest item and the sum")
    func citizenCost() throws {
        var rng = SplitMix64(seed: 21)
        for _ in 0..<3000 {
            let (bundle, items) = randomBundle(&rng, size: Int.random(in: 1...10, using: &rng))
            #expect(BundleComposer.problems(bundle, items: items).allSatisfy { if case .prerequisiteLeftOut = $0 { true } else { false } })
            let answers = ["q1": Bool.random(using: &rng) ? "yes" : "no", "q2": Bool.random(using: &rng) ? "yes" : "no"]
            let result = try BundleComposer.evaluate(bundle, answers: answers, items: items)
            let applicable = bundle.members.filter { $0.when.map { $0.values.contains(answers[$0.question]!) } ?? true }.map {
                items[$0.itemCode]!
            }
            #expect(result.items == applicable)
            let cost = result.cost
            #expect(cost.items == applicable.count)
            #expect(cost.materialsSeparately == applicable.reduce(0) { $0 + $1.materials.count })
            #expect(result.materials.count <= cost.materialsSeparately)
            #expect(cost.materialsToSupply + cost.materialsReplacedByData + cost.materialsFromDepartments == result.materials.count)
            #expect(Set(result.materials.map(\.material.key)) == Set(applicable.flatMap { $0.materials.map(\.key) }))
            #expect(Set(result.materials.map(\.material.key)).count == result.materials.count)
            // grouped by source: applicant first, then licences, shared data, departments
            let order = result.materials.map { MaterialSource.allCases.firstIndex(of: $0.material.source)! }
            #expect(order == order.sorted())
            #expect(Set(result.form.map(\.field.key)) == Set(applicable.flatMap { $0.form.map(\.key) }))
            for merged in result.form {
                #expect(merged.field.required == applicable.contains { $0.form.contains { $0.key == merged.field.key && $0.required } })
            }
            let sum = applicable.reduce(0) { $0 + $1.workingDays }
            let longest = applicable.map(\.workingDays).max() ?? 0
            #expect(cost.daysInSequence == sum)
            #expect(cost.daysCriticalPath <= sum && cost.daysCriticalPath >= longest)
            // the path is a real chain: each step needs the one before, and its days add up
            let path = cost.criticalPath.map { items[$0]! }
            #expect(path.reduce(0) { $0 + $1.workingDays } == cost.daysCriticalPath)
            for (a, b) in zip(path, path.dropFirst()) { #expect(b.prerequisites.contains(a.basicCode)) }
            #expect(cost.visits == (applicable.map(\.visits.count).max() ?? 0))
            #expect(cost.visits <= cost.visitsSeparately)
        }
    }

    @Test("items with no prerequisites among them run in parallel: the critical path is the longest item")
    func independentItems() throws {
        var rng = SplitMix64(seed: 22)
        for _ in 0..<500 {
            var (bundle, items) = randomBundle(&rng, size: Int.random(in: 1...10, using: &rng))
            for key in items.keys { items[key]!.prerequisites = [] }
            bundle.questions = []
            bundle.members = bundle.members.map { BundleMember(itemCode: $0.itemCode) }
            let cost = try BundleComposer.evaluate(bundle, answers: [:], items: items).cost
            #expect(cost.daysCriticalPath == items.values.map(\.workingDays).max())
            #expect(cost.criticalPath.count == 1)
        }
    }

    @Test("random bundles: an item is reported left out exactly when some answers apply it without any of its prerequisites in the bundle")
    func leftOutPrerequisites() throws {
        var rng = SplitMix64(seed: 26)
        var reported = 0
        for _ in 0..<2000 {
            let (bundle, items) = randomBundle(&rng, size: Int.random(in: 1...10, using: &rng))
            let basics = Set(bundle.members.map { items[$0.itemCode]!.basicCode })
            var expected: Set<String> = []
            for q1 in ["yes", "no"] {
                for q2 in ["yes", "no"] {
                    let answers = ["q1": q1, "q2": q2]
                    let evaluation = try BundleComposer.evaluate(bundle, answers: answers, items: items)
                    let present = Set(evaluation.items.map(\.basicCode))
                    for item in evaluation.items {
                        let inBundle = item.prerequisites.filter(basics.contains)
                        let waitsFor = evaluation.items.filter { item.prerequisites.contains($0.basicCode) }.map(\.code)
                        // the case waits for exactly the applying items its prerequisites name
                        #expect((evaluation.dependencies[item.code] ?? []) == waitsFor)
                        if !inBundle.isEmpty && !inBundle.contains(where: present.contains) { expected.insert(item.code) }
                    }
                }
            }
            let problems = BundleComposer.problems(bundle, items: items)
            let leftOut = problems.compactMap { problem -> String? in
                if case let .prerequisiteLeftOut(item, _) = problem { item } else { nil }
            }
            #expect(Set(leftOut) == expected && leftOut.count == expected.count)
            reported += leftOut.isEmpty ? 0 : 1
            if let first = problems.first { #expect(first.messageKey == "bundle.prerequisiteLeftOut") }
        }
        // both outcomes are common in the generated bundles
        #expect(reported > 100 && reported < 1_900)
    }

    @Test("a cycle in the prerequisites makes the bundle unpublishable and is shown")
    func cycles() throws {
        var rng = SplitMix64(seed: 23)
        for _ in 0..<500 {
            var (bundle, items) = randomBundle(&rng, size: Int.random(in: 2...10, using: &rng))
            bundle.members = bundle.members.map { BundleMember(itemCode: $0.itemCode) }
            bundle.questions = []
            let codes = bundle.members.map(\.itemCode)
            // close a loop: the first item now needs the last, which (transitively or directly) needs it
            let last = items[codes.last!]!
            items[codes.last!]!.prerequisites.append(items[codes.first!]!.basicCode)
            items[codes.first!]!.prerequisites.append(last.basicCode)
            let problems = BundleComposer.problems(bundle, items: items)
            guard case let .dependencyCycle(cycle)? = problems.first(where: { if case .dependencyCycle = $0 { true } else { false } })
            else {
                Issue.record("no cycle found")
                continue
            }
            #expect(cycle.first == cycle.last && cycle.count >= 3)
            #expect(throws: BundleProblem.self) { try BundleComposer.evaluate(bundle, answers: [:], items: items) }
        }
    }

    @Test("a form key two items define differently is a conflict naming both")
    func fieldConflict() throws {
        var rng = SplitMix64(seed: 24)
        var a = Generate.item(&rng, index: 1)
        var b = Generate.item(&rng, index: 2)
        a.form = [FormField(key: "shopName", label: "店名", labelEn: "Shop", type: .text)]
        b.form = [FormField(key: "shopName", label: "店名", labelEn: "Shop", type: .text, required: false)]
        var bundle = ServiceBundle(
            code: "B-2", name: "开店", category: .enterpriseStart, summary: "开店", leadDepartment: Generate.department,
            regionCode: Generate.hangzhou, members: [BundleMember(itemCode: a.code), BundleMember(itemCode: b.code)])
        var items = [a.code: a, b.code: b]
        #expect(BundleComposer.problems(bundle, items: items).isEmpty)
        #expect(try BundleComposer.evaluate(bundle, answers: [:], items: items).form.map(\.askedBy) == [[a.code, b.code]])
        items[b.code]!.form[0].type = .number
        #expect(BundleComposer.problems(bundle, items: items) == [.fieldConflict(key: "shopName", items: [a.code, b.code])])
        bundle.questions = [.yesNo("tobacco", "是否销售烟草？", "Tobacco?")]
        #expect(throws: BundleProblem.missingAnswer("tobacco")) { try BundleComposer.evaluate(bundle, answers: [:], items: items) }
        #expect(throws: BundleProblem.unknownOption(question: "tobacco", value: "maybe")) {
            try BundleComposer.evaluate(bundle, answers: ["tobacco": "maybe"], items: items)
        }
        #expect(throws: BundleProblem.unknownQuestion("pets")) {
            try BundleComposer.evaluate(bundle, answers: ["tobacco": "no", "pets": "yes"], items: items)
        }
        bundle.members.append(BundleMember(itemCode: "330X0000000000", when: BundleCondition(question: "alcohol", values: ["yes"])))
        #expect(BundleComposer.problems(bundle, items: items).contains(.unknownItem("330X0000000000")))
        #expect(BundleComposer.problems(bundle, items: items).contains(.unknownQuestion("alcohol")))
    }

    @Test("a licence one item of the bundle issues is passed on by its department, not asked of the applicant")
    func resultsPassedOn() throws {
        var rng = SplitMix64(seed: 25)
        var licence = Generate.item(&rng, index: 1)
        var food = Generate.item(&rng, index: 2)
        licence.result = ItemResult(kind: .license, name: "营业执照", licenseType: "yyzz", delivery: [.electronic])
        licence.materials = [Material(key: "id_card", name: "身份证", source: .applicant)]
        food.materials = [Material(key: "business_license", name: "营业执照", source: .eLicense, licenseType: "yyzz")]
        let bundle = ServiceBundle(
            code: "B-3", name: "开店", category: .enterpriseStart, summary: "开店", leadDepartment: Generate.department,
            regionCode: Generate.hangzhou, members: [BundleMember(itemCode: licence.code), BundleMember(itemCode: food.code)])
        let together = try BundleComposer.evaluate(bundle, answers: [:], items: [licence.code: licence, food.code: food])
        let passed = try #require(together.materials.first { $0.material.key == "business_license" })
        #expect(passed.material.source == .department && passed.material.producedBy?.contains(licence.department.name) == true)
        #expect(together.cost.materialsReplacedByData == 0 && together.cost.materialsFromDepartments == 1)
        var alone = bundle
        alone.members = [BundleMember(itemCode: food.code)]
        let foodOnly = try BundleComposer.evaluate(alone, answers: [:], items: [food.code: food])
        #expect(foodOnly.materials.first?.material.source == .eLicense)
    }
}
