import Foundation
import Testing
@testable import TongbanCore

/// What a client sees of a record, and whether a grant lets a read through: checked against an
/// independent statement of the rule over many generated cases.
@Suite("data sharing rules")
struct DataSharingRulesTests {
    static func resource(_ rng: inout SplitMix64) -> DataResource {
        let fields = (0..<Int.random(in: 1...8, using: &rng)).map { i in
            DataResource.Field(
                key: "f\(i)", label: "字段\(i)", labelEn: "Field \(i)", sensitivity: Sensitivity.allCases.randomElement(using: &rng)!)
        }
        return DataResource(
            code: "r", name: "资源", nameEn: "Resource", owner: ItemDepartment(name: "部门", code: "11330106002489487J"),
            subject: .person, fields: fields, sharing: .conditional, consentRequired: true, updateFrequency: "daily", legalBasis: "—")
    }

    static func value(_ rng: inout SplitMix64) -> String {
        let pool = Array("张晓明杭州西湖0123456789ABCX")
        return String((0..<Int.random(in: 1...20, using: &rng)).map { _ in pool.randomElement(using: &rng)! })
    }

    @Test("a field above the clearance is never shown as it is; at or below it, exactly as stored; only fields asked for")
    func masking() {
        var rng = SplitMix64(seed: 36)
        for _ in 0..<5_000 {
            let resource = Self.resource(&rng)
            var record: [String: String] = [:]
            for field in resource.fields { record[field.key] = Self.value(&rng) }
            let asked = resource.fields.map(\.key).filter { _ in Bool.random(using: &rng) } + (Bool.random(using: &rng) ? ["unknown"] : [])
            let clearance = Sensitivity.allCases.randomElement(using: &rng)!
            let shown = resource.view(record, fields: asked, clearance: clearance)
            #expect(Set(shown.keys) == Set(asked.filter { resource.field($0) != nil }))
            for (key, value) in shown {
                let field = resource.field(key)!
                if field.sensitivity <= clearance {
                    #expect(value == record[key])
                } else {
                    #expect(value != record[key] && value.contains("*"), "\(key) \(field.sensitivity) shown to \(clearance)")
                    #expect(value.count >= min(3, record[key]!.count))
                }
            }
        }
    }

    @Test(
        "a read passes exactly when the grant is active, for this resource, not past its last day, covers the fields and names the purpose")
    func grantScope() {
        var rng = SplitMix64(seed: 37)
        let purposes = ["核验参保", "核验参保 ", "核验户籍", ""]
        let keys = ["a", "b", "c", "d", "e"]
        guard let base = CalendarDate(year: 2026, month: 6, day: 1) else { return }
        var passed = 0
        for _ in 0..<10_000 {
            let scope = GrantScope(
                resource: ["r", "s"].randomElement(using: &rng)!, fields: Set(keys.filter { _ in Bool.random(using: &rng) }),
                purpose: purposes.randomElement(using: &rng)!, lastDay: base.adding(days: Int.random(in: -5...5, using: &rng))!,
                active: Int.random(in: 0..<5, using: &rng) > 0)
            let resource = ["r", "s"].randomElement(using: &rng)!
            let fields = keys.filter { _ in Int.random(in: 0..<3, using: &rng) == 0 }
            let purpose = purposes.randomElement(using: &rng)!
            let outcome = scope.check(resource: resource, fields: fields, purpose: purpose, today: base)
            let allowed =
                scope.active && scope.resource == resource && base <= scope.lastDay && Set(fields).isSubset(of: scope.fields)
                && purpose.trimmingCharacters(in: .whitespaces) == scope.purpose.trimmingCharacters(in: .whitespaces)
            switch outcome {
            case .success:
                #expect(allowed)
                passed += 1
            case let .failure(reason):
                #expect(!allowed)
                // the first rule broken is the one named
                let expected: GrantScope.Refusal =
                    !scope.active
                    ? .notGranted
                    : scope.resource != resource
                        ? .otherResource
                        : base > scope.lastDay ? .expired : !Set(fields).isSubset(of: scope.fields) ? .fieldsOutside : .otherPurpose
                #expect(reason == expected)
            }
        }
        #expect(passed > 100, "the generator reaches allowed reads too")
    }

    @Test("asking for a not-shared resource or for fields it does not have is refused, naming each")
    func requests() {
        var rng = SplitMix64(seed: 38)
        for _ in 0..<1_000 {
            var resource = Self.resource(&rng)
            resource.sharing = SharingClass.allCases.randomElement(using: &rng)!
            let asked = resource.fields.map(\.key).filter { _ in Bool.random(using: &rng) } + (Bool.random(using: &rng) ? ["zz"] : [])
            let problems = GrantScope.requestProblems(resource, fields: asked)
            #expect(problems.errors.contains { $0.key == "sharing.notShared" } == (resource.sharing == .notShared))
            #expect(problems.errors.contains { $0.key == "sharing.unknownField" } == asked.contains("zz"))
            #expect(problems.errors.contains { $0.key == "field.required" } == asked.isEmpty)
        }
    }
}
