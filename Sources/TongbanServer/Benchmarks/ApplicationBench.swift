import Fluent
import Foundation
import TongbanCatalog
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban bench applications`: prepares a database for the submission benchmark
/// (`Benchmarks/applications.sh`): migrates, seeds the demo accounts if there are none, and
/// publishes one item with five form fields, no materials to upload and one review step. Prints
/// the item's code and a request body the benchmark posts.
enum ApplicationBench {
    static func item() throws -> ServiceItem {
        let basic = try BasicCode("330A9999000001")
        let department = ItemDepartment(name: "杭州市西湖区市场监督管理局", code: CreditCode.completing("11330106002489110")!.value)
        let region = try RegionCode("330106")
        return ServiceItem(
            basicCode: basic, implementationCode: try ImplementationCode(basic: basic, region: region, departmentCode: department.code),
            name: "基准测试事项", subItemName: nil, kind: .publicService,
            department: department, regionCode: region, level: .county,
            legalBasis: [LegalBasis(law: "《浙江省公共数据条例》", article: "第二十一条")], statutoryDays: 10, promisedDays: 5,
            channels: [.online, .window], materials: [],
            form: [
                FormField(key: "name", label: "名称", labelEn: "Name", type: .text, validation: FieldValidation(maxLength: 50)),
                FormField(
                    key: "count", label: "数量", labelEn: "Count", type: .number, validation: FieldValidation(minimum: 1, maximum: 1000)),
                FormField(key: "startDate", label: "开始日期", labelEn: "Start date", type: .date),
                FormField(key: "category", label: "类别", labelEn: "Category", type: .choice, choices: ["甲", "乙", "丙"]),
                FormField(key: "mobile", label: "联系电话", labelEn: "Mobile", type: .mobile),
            ],
            steps: [
                ProcessStep(kind: .acceptance, name: "受理", department: department.name),
                ProcessStep(kind: .review, name: "审查", department: department.name),
                ProcessStep(kind: .decision, name: "决定", department: department.name),
                ProcessStep(kind: .delivery, name: "送达", department: department.name),
            ],
            keywords: ["基准"])
    }

    static func body() throws -> String {
        #"{"item":"\#(try item().code)","form":{"name":"基准测试","count":"12","startDate":"2026-12-01","category":"乙","mobile":"13800138000"}}"#
    }

    static func prepare(_ app: Application, say: (String) -> Void) async throws {
        try await app.autoMigrate()
        if try await Account.query(on: app.db).count() == 0 {
            _ = try await DemoSeed.run(app: app, db: app.db, regionsFolder: TongbanResources.regions, catalog: false)
            say("seeded the demo accounts")
        }
        let summary = try await CatalogImport.write(
            [ItemFiles.Row(line: 1, item: try item())], by: "bench", at: app.clock.now(), on: app.db)
        say("bench item \(try item().code): \(summary.added) added, \(summary.unchanged) unchanged")
        say("body: \(try body())")
    }
}
