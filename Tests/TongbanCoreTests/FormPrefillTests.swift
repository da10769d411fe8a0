import Foundation
import Testing
@testable import TongbanCore

/// 只询问一次: which offered value fills each field, and the verified identity that cannot be
/// changed on a form — over generated offers and answers.
@Suite("prefilled forms")
struct FormPrefillTests {
    static let today = CalendarDate(year: 2026, month: 12, day: 7)!
    static let form: [FormField] = [
        FormField(key: "applicantName", label: "申请人姓名", labelEn: "Name", type: .text, validation: .init(maxLength: 50)),
        FormField(key: "applicantId", label: "申请人身份证号码", labelEn: "Identity number", type: .identityNumber),
        FormField(
            key: "enterpriseName", label: "企业名称", labelEn: "Enterprise", type: .text, validation: .init(minLength: 4, maxLength: 100)),
        FormField(key: "creditCode", label: "统一社会信用代码", labelEn: "Credit code", type: .creditCode),
        FormField(key: "mobile", label: "联系电话", labelEn: "Mobile", type: .mobile),
        FormField(key: "registeredCapital", label: "注册资本（万元）", labelEn: "Capital", type: .number, validation: .init(minimum: 0)),
        FormField(key: "premisesAddress", label: "经营场所地址", labelEn: "Premises", type: .address),
        FormField(key: "floorPlan", label: "场所平面图", labelEn: "Floor plan", type: .file),
    ]
    static let sources: [FormPrefill.Source] = [
        .identity, .account, .sharedData(code: "enterprise_registration", name: "企业登记信息", owner: "市场监管局"),
        .license(typeName: "营业执照", identifier: "33010600000000000000000000001"),
    ]

    /// A value the field takes (as it would be stored) or one it refuses.
    static func value(for key: String, acceptable: Bool, _ rng: inout SplitMix64) -> String {
        let n = Int.random(in: 1...9_999, using: &rng)
        switch (key, acceptable) {
        case ("applicantName", true): return "姓名\(n)"
        case ("applicantName", false): return String(repeating: "长", count: 51)
        case ("applicantId", true): return Generate.identityNumber(&rng)
        case ("applicantId", false): return "330106********\(n)"
        case ("enterpriseName", true): return "杭州\(n)有限公司"
        case ("enterpriseName", false): return "云帆"
        case ("creditCode", true): return Generate.creditCode(&rng)
        case ("creditCode", false): return "91330106MA2KXTW08" + (n % 2 == 0 ? "" : "Q")
        case ("mobile", true): return "138\(String(format: "%08d", n))"
        case ("mobile", false): return "0571-\(n)"
        case ("registeredCapital", true): return String(n)
        case ("registeredCapital", false): return "\(n) 万元人民币"
        case ("premisesAddress", _), ("floorPlan", _): return acceptable ? "西湖区文三路 \(n) 号" : ""
        default: return "\(n)"
        }
    }

    @Test(
        "over 3,000 generated offer lists: each field takes the first acceptable offer in the order given, never a refused value, an unknown key or a file"
    )
    func firstAcceptableWins() {
        var rng = SplitMix64(seed: 2_112)
        let keys = Self.form.map(\.key) + ["unknownKey"]
        for _ in 0..<3_000 {
            var offers: [FormPrefill.Offer] = []
            var expected: [String: (String, FormPrefill.Source)] = [:]
            for _ in 0..<Int.random(in: 0...14, using: &rng) {
                let key = keys.randomElement(using: &rng)!
                let acceptable = Int.random(in: 0..<4, using: &rng) > 0
                let source = Self.sources.randomElement(using: &rng)!
                let value = Self.value(for: key, acceptable: acceptable, &rng)
                offers.append(.init(key: key, value: value, source: source))
                let offerable = acceptable && key != "floorPlan" && key != "unknownKey"
                if offerable && expected[key] == nil { expected[key] = (value, source) }
            }
            let answers = FormPrefill.answers(for: Self.form, offers: offers, today: Self.today)
            #expect(Set(answers.keys) == Set(expected.keys))
            for (key, (value, source)) in expected {
                #expect(answers[key]?.value == value && answers[key]?.source == source)
                #expect(answers[key]?.locked == (source == .identity))
            }
        }
    }

    @Test(
        "over 2,000 generated applicants and answers: identity left out is filled, the same identity typed otherwise passes, another is refused at its field alone"
    )
    func identityLocked() {
        var rng = SplitMix64(seed: 77)
        for _ in 0..<2_000 {
            let kind: AccountKind = Bool.random(using: &rng) ? .person : .enterprise
            let verified = Int.random(in: 0..<5, using: &rng) > 0
            let name = kind == .person ? "张\(Int.random(in: 1...999, using: &rng))" : "杭州\(Int.random(in: 1...999, using: &rng))科技有限公司"
            let number = kind == .person ? Generate.identityNumber(&rng) : Generate.creditCode(&rng)
            let identity = FormPrefill.identity(kind: kind, verified: verified, name: name, number: number)
            let keys = FormPrefill.identityKeys(kind)!
            var answers = ["mobile": "13800138000", "premisesAddress": "西湖区文三路 90 号"]
            var refused: Set<String> = []
            for (key, own) in [(keys.name, name), (keys.number, number)] {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: break
                case 1: answers[key] = "  "
                case 2: answers[key] = " " + own.lowercased() + " "
                default:
                    let other =
                        kind == .person && key == keys.number
                        ? Generate.identityNumber(&rng) : (key == keys.number ? Generate.creditCode(&rng) : "他人\(own)")
                    answers[key] = other
                    if verified && other != own { refused.insert("form.\(key)") }
                }
            }
            let result = FormPrefill.withIdentity(answers, identity: identity, form: Self.form, today: Self.today)
            switch result {
            case let .success(filled):
                #expect(refused.isEmpty)
                #expect(filled["mobile"] == "13800138000" && filled["premisesAddress"] == "西湖区文三路 90 号")
                if verified {
                    for (key, own) in [(keys.name, name), (keys.number, number)] {
                        let typed = (answers[key] ?? "").trimmingCharacters(in: .whitespaces)
                        #expect(typed.isEmpty ? filled[key] == own : typed.uppercased() == own.uppercased())
                    }
                } else {
                    #expect(filled == answers)
                }
            case let .failure(problems):
                #expect(Set(problems.errors.map(\.field)) == refused)
                #expect(problems.errors.allSatisfy { $0.key == "form.identityLocked" && $0.label != nil })
            }
        }
    }

    @Test("a licence gives back each field to the first form key it was issued from; a shared record each field naming its form field")
    func sourcesAnswer() {
        let register = LicenseType(
            code: "hkb", typeCode: "11100000000013127D002", name: "户口簿", nameEn: "Household register",
            authority: ItemDepartment(name: "公安部", code: "11100000000013127D"),
            fields: [
                .init(key: "name", label: "姓名", labelEn: "Name", from: ["applicantName", "babyName", "applicant.name"]),
                .init(key: "issuedBy", label: "签发机关", labelEn: "Issued by", from: ["item.department"]),
                .init(key: "address", label: "住址", labelEn: "Address", from: ["address"]),
            ], validityYears: nil)
        let answers = register.formAnswers(["name": "张晓明", "issuedBy": "西湖分局", "address": ""])
        #expect(answers.map(\.key) == ["applicantName"] && answers.map(\.value) == ["张晓明"])
        let resource = DataResource(
            code: "enterprise_registration", name: "企业登记信息", nameEn: "Enterprise registration",
            owner: ItemDepartment(name: "市场监管局", code: "11330106002489110X"), subject: .enterprise,
            fields: [
                .init(
                    key: "legalRepresentative", label: "法定代表人", labelEn: "Legal representative", sensitivity: .public,
                    formField: "legalRepName"),
                .init(key: "status", label: "登记状态", labelEn: "Status", sensitivity: .public),
            ], sharing: .unconditional, consentRequired: false, updateFrequency: "realtime", legalBasis: "")
        let shared = resource.formAnswers(["legalRepresentative": "李云帆", "status": "存续"])
        #expect(shared.map(\.key) == ["legalRepName"] && shared.map(\.value) == ["李云帆"])
    }
}
