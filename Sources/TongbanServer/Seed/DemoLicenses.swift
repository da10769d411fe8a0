import Fluent
import Foundation
import TongbanCases
import TongbanCore
import TongbanPlatform
import Vapor

/// The demo holders' wallets: the person's resident identity card (issued by the district's
/// police) and the enterprise's business licence (issued by its market regulator), signed like
/// any other licence, so "use my e-licence" can be tried from the first start.
enum DemoLicenses {
    static let police = (name: "杭州市公安局西湖区分局", stem: "11330106002489487")
    static let marketRegulator = (name: "杭州市西湖区市场监督管理局", stem: "11330106002489110")

    static func issue(app: Application, db: any Database, person: Account, personID: IdentityNumber, enterprise: Account) async throws {
        guard let idCard = app.licenseTypes["jmsfz"], let business = app.licenseTypes["yyzz"],
            let policeCode = CreditCode.completing(police.stem), let amrCode = CreditCode.completing(marketRegulator.stem),
            let idIssued = CalendarDate(year: 2019, month: 5, day: 20), let businessIssued = CalendarDate(year: 2021, month: 3, day: 15)
        else { return }
        let departments = try await Department.query(on: db).filter(\.$creditCode ~~ [policeCode.value, amrCode.value]).all()
        func group(_ code: CreditCode) -> UUID? { departments.first { $0.creditCode == code.value }?.id }
        // the card prints sex and date of birth as the number encodes them
        let signer = app.licenseSigner
        let card = try await signer.make(
            idCard, holder: person,
            form: [
                "applicantName": person.displayName, "applicantId": personID.masked, "address": "浙江省杭州市西湖区文三路 90 号",
                "gender": personID.isMale ? "男" : "女", "birthDate": personID.birthDate.description,
            ],
            facts: [:], issuer: .init(code: policeCode, name: police.name, departmentID: group(policeCode)), on: idIssued)
        let licence = try await signer.make(
            business, holder: enterprise,
            form: [
                "legalRepName": enterprise.legalRepresentative ?? "", "registeredCapital": "500 万元人民币",
                "premisesAddress": "浙江省杭州市西湖区文三路 478 号 5 楼", "businessScope": "软件开发；信息技术咨询服务",
            ],
            facts: ["item.sub": "有限责任公司（自然人投资或控股）"],
            issuer: .init(code: amrCode, name: marketRegulator.name, departmentID: group(amrCode)), on: businessIssued)
        try await card.create(on: db)
        try await licence.create(on: db)
        // the district's police issues identity cards and household registers (its items in the
        // demo catalog decide none, so the grant is made here)
        let now = app.clock.now()
        for type in ["jmsfz", "hkb"] {
            _ = try await LicenseIssuer.grant(type, creditCode: policeCode.value, by: "system:seed", at: now, on: db)
        }
    }
}
