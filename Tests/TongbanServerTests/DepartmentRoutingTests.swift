import Foundation
import Testing
import TongbanPlatform
import TongbanSupervision
@testable import TongbanCore
@testable import TongbanServer

/// Cases and tasks go to departments by credit code: every district has a department of the
/// same name, and none may receive another district's work.
@Suite("routing to departments by id, never by name")
struct DepartmentRoutingTests {
    static let districts = ["330102", "330105", "330106", "330108", "330109", "330110"]
    static let names = ["市场监督管理局", "卫生健康局", "消防救援大队", "规划和自然资源局"]

    /// A department of each name in every district, and the city's own, each with its credit code.
    static func departments() -> [Department] {
        var made: [Department] = []
        for (d, district) in (districts + ["330100"]).enumerated() {
            for (n, name) in names.enumerated() {
                let stem = String(format: "91330100MA%02d%02d00", d, n) + "0"
                let code = CreditCode.completing(String(stem.prefix(17)))!
                let department = Department(id: UUID(), creditCode: code, name: name, regionCode: try! RegionCode(district))
                made.append(department)
            }
        }
        return made
    }

    @Test("2,000 generated items and steps, by code and (older catalogs) by name in the item's region or above")
    func generated() throws {
        let departments = Self.departments()
        let directory = DepartmentDirectory(departments)
        var rng = SupervisionSample.Random(seed: 0xD0_C0DE)
        for _ in 0..<2_000 {
            let region = try RegionCode(Self.districts.randomElement(using: &rng)!)
            let own = departments.filter { $0.regionCode == region.value }.randomElement(using: &rng)!
            let other = departments.filter { $0.id != own.id }.randomElement(using: &rng)!
            let item = ServiceItem(
                basicCode: try BasicCode("330A0004000001"), name: "样例", kind: .licensing,
                department: ItemDepartment(name: own.name, code: own.creditCode), regionCode: region, level: .county)
            // the item's own department: by its code, whatever else has its name
            #expect(directory.id(of: item.department, in: region) == own.id)
            // a step with a code goes to that department, even in another region
            let coded = ProcessStep(kind: .review, name: "并联审查", department: other.name, departmentCode: other.creditCode)
            #expect(directory.id(of: coded, item: item) == other.id)
            // a step naming only a name: the namesake in the item's district, else the city's, never a sibling district's
            let named = ProcessStep(kind: .review, name: "并联审查", department: other.name)
            let expected = departments.first { $0.name == other.name && $0.regionCode == region.value }?.id
            #expect(directory.id(of: named, item: item) == expected)
            // no step department: the item's own
            #expect(directory.id(of: ProcessStep(kind: .review, name: "审查"), item: item) == own.id)
        }
        // a department known only at the city: found from the district below it
        let cityOnly = Department(
            id: UUID(), creditCode: CreditCode.completing("11330100MB1234567")!, name: "数据资源管理局",
            regionCode: try RegionCode("330100"))
        let withCity = DepartmentDirectory(departments + [cityOnly])
        let item = ServiceItem(
            basicCode: try BasicCode("330A0004000001"), name: "样例", kind: .licensing,
            department: ItemDepartment(name: "市场监督管理局", code: "none"), regionCode: try RegionCode("330106"),
            level: .county)
        #expect(withCity.id(of: ProcessStep(kind: .review, name: "会审", department: "数据资源管理局"), item: item) == cityOnly.id)
        #expect(withCity.id(of: ProcessStep(kind: .review, name: "会审", department: "不存在的局"), item: item) == nil)
    }
}
