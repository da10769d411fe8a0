import Foundation
import Testing
@testable import TongbanCore

/// What a licence says of its holder comes from the verified account, never from the answers
/// typed (security review M8): over generated forms that name someone else.
@Suite("licence fields")
struct LicenseFillTests {
    static let food = LicenseType(
        code: "spjyxkz", typeCode: "11100000MA0000001Q002", name: "食品经营许可证", nameEn: "Food business licence",
        authority: ItemDepartment(name: "国家市场监督管理总局", code: "11100000MA0000001Q"),
        fields: [
            .init(key: "operatorName", label: "经营者名称", labelEn: "Operator", from: ["enterpriseName", "applicant.name"]),
            .init(key: "creditCode", label: "社会信用代码", labelEn: "Credit code", from: ["creditCode", "applicant.code"]),
            .init(key: "premises", label: "经营场所", labelEn: "Premises", from: ["premisesAddress"]),
            .init(key: "decidedOn", label: "发证日期", labelEn: "Issued", from: ["decision.on"]),
        ], validityYears: 5)

    @Test("over 2,000 generated forms naming another operator and code: the licence names the account that applied")
    func identityFromAccount() {
        var rng = SplitMix64(seed: 808)
        for _ in 0..<2_000 {
            let ownName = "企业\(Int.random(in: 1...99_999, using: &rng))有限公司"
            let ownCode = Generate.creditCode(&rng)
            let form = [
                "enterpriseName": Bool.random(using: &rng) ? "冒用\(Int.random(in: 1...999, using: &rng))公司" : ownName,
                "creditCode": Bool.random(using: &rng) ? Generate.creditCode(&rng) : "",
                "premisesAddress": "西湖区文三路 \(Int.random(in: 1...999, using: &rng)) 号",
            ]
            let facts = ["applicant.name": ownName, "applicant.code": ownCode, "decision.on": "2026-11-24"]
            let fields = Self.food.fill(form: form, facts: facts)
            #expect(fields["operatorName"] == ownName)
            #expect(fields["creditCode"] == ownCode)
            // what is not the holder's identity still comes from the form
            #expect(fields["premises"] == form["premisesAddress"])
            #expect(fields["decidedOn"] == "2026-11-24")
        }
    }

    @Test("a person founding a business types its name and code, which no account holds yet; their own name is never typed")
    func personFounding() {
        let fields = Self.food.fill(
            form: ["creditCode": "92330106MA2H000001", "enterpriseName": "小张面馆"], facts: ["applicant.name": "张晓明", "applicant.code": ""])
        #expect(fields["creditCode"] == "92330106MA2H000001")
        #expect(fields["operatorName"] == "小张面馆")
        let card = LicenseType(
            code: "jmsfz", typeCode: "11100000MA0000003Y001", name: "居民身份证", nameEn: "Identity card",
            authority: ItemDepartment(name: "公安部", code: "11100000MA0000003Y"),
            fields: [.init(key: "name", label: "姓名", labelEn: "Name", from: ["applicantName", "applicant.name"])], validityYears: 10)
        #expect(card.fill(form: ["applicantName": "李四"], facts: ["applicant.name": "张晓明", "applicant.code": ""])["name"] == "张晓明")
    }
}
