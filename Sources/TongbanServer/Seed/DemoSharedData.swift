import Fluent
import Foundation
import TongbanCases
import TongbanCatalog
import TongbanCore
import TongbanPlatform
import Vapor

/// The demo data-sharing catalog's records for the demo person and enterprise, and one approved
/// grant (the district's market regulator may read four fields of the population data to check
/// the operators of sole proprietorships), so that lookups and the access record can be tried.
enum DemoSharedData {
    static func seed(app: Application, db: any Database, person: Account, personID: IdentityNumber, enterprise: Account) async throws {
        let keys = app.keys
        // the record holds the mobile the person registered with: the demo's codes reach it
        let mobile = person.mobile(keys) ?? ""
        let records: [(String, AccountKind, String, Account, [String: String])] = [
            (
                "population_basic", .person, personID.value, person,
                [
                    "name": person.displayName, "identityNumber": personID.value, "gender": personID.isMale ? "男" : "女",
                    "birthDate": personID.birthDate.description, "householdAddress": "浙江省杭州市西湖区文三路 90 号",
                    "householdType": "家庭户", "maritalStatus": "已婚", "mobile": mobile,
                ]
            ),
            (
                "social_security_status", .person, personID.value, person,
                [
                    "name": person.displayName, "identityNumber": personID.value, "insured": "参保缴费",
                    "insuranceTypes": "养老、医疗、失业、工伤、生育", "monthsPaid": "96", "employer": enterprise.displayName, "contributionBase": "8600",
                ]
            ),
            (
                "real_estate_registration", .person, personID.value, person,
                [
                    "name": person.displayName, "identityNumber": personID.value, "certificateNumber": "浙（2021）杭州市不动产权第 0123456 号",
                    "location": "西湖区文三路 90 号 3 幢 2 单元 501 室", "area": "89.36 平方米", "use": "住宅", "mortgaged": "已抵押",
                ]
            ),
            (
                "enterprise_registration", .enterprise, enterprise.creditCode ?? "", enterprise,
                [
                    "name": enterprise.displayName, "creditCode": enterprise.creditCode ?? "", "type": "有限责任公司（自然人投资或控股）",
                    "legalRepresentative": enterprise.legalRepresentative ?? "",
                    "legalRepresentativeIdentityNumber": IdentityNumber.completing(DemoSeed.representativeIDStem, today: app.today)?.value
                        ?? "",
                    "registeredCapital": "500 万元人民币",
                    "address": "浙江省杭州市西湖区文三路 478 号 5 楼", "establishedOn": "2021-03-15", "status": "存续",
                ]
            ),
        ]
        let now = app.clock.now()
        try await db.transaction { tx in
            for (resource, kind, code, holder, values) in records {
                let record = SharedRecord()
                record.resourceCode = resource
                record.subjectKey = DataResourceFile.subjectKey(code, kind: kind, keys: keys)
                record.subjectID = holder.id
                record.data = SharedRecord.sealed(
                    String(decoding: try StoredJSON.encoder.encode(values), as: UTF8.self), resource: resource,
                    subjectKey: record.subjectKey,
                    keys: keys)
                record.updatedAt = now
                try await record.create(on: tx)
            }
            guard let amr = try await Department.query(on: tx).filter(\.$name == "杭州市西湖区市场监督管理局").first(),
                let police = try await Account.query(on: tx).filter(\.$loginKey == Account.loginKey(staffUsername: "data.police")).first(),
                let requester = try await Account.query(on: tx).filter(\.$loginKey == Account.loginKey(staffUsername: "data.amr")).first()
            else { return }
            let grant = SharingGrant()
            grant.resourceCode = "population_basic"
            grant.requesterID = try amr.requireID()
            grant.requesterName = amr.name
            grant.ownerName = "杭州市公安局西湖区分局"
            grant.fields = "birthDate,gender,householdAddress,name"
            grant.purpose = "个体工商户设立登记：核验经营者身份与户籍信息"
            grant.legalBasis = "《促进个体工商户发展条例》第九条；《市场主体登记管理条例》第十七条"
            grant.days = 365
            grant.status = .approved
            grant.requestedBy = try requester.requireID()
            grant.decidedBy = police.id
            grant.lastDay = app.today.adding(days: 364)?.description
            grant.version = 2
            grant.createdAt = now
            grant.decidedAt = now
            try await grant.create(on: tx)
        }
    }
}
