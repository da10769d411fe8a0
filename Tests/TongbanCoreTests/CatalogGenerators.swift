@testable import TongbanCore

extension Generate {
    static let department = ItemDepartment(name: "杭州市市场监督管理局", code: "11330100MB1725881B")
    static let hangzhou = try! RegionCode("330100")

    /// A valid item with a random basic code, days, materials from a shared pool of keys (so
    /// bundles share some) and form fields from a shared pool of definitions.
    static func item(_ rng: inout SplitMix64, index: Int, materialPool: Int = 12, fieldPool: Int = 10) -> ServiceItem {
        let statutory = Int.random(in: 0...40, using: &rng)
        let promised = Int.random(in: 0...statutory, using: &rng)
        let materials = (0..<materialPool).shuffled(using: &rng).prefix(Int.random(in: 0...6, using: &rng)).map { k in
            Material(
                key: "m\(k)", name: "材料\(k)", required: Bool.random(using: &rng),
                source: MaterialSource.allCases[k % 4], licenseType: k % 4 == 1 ? "LT\(k)" : nil,
                dataResource: k % 4 == 2 ? "DR\(k)" : nil, producedBy: k % 4 == 3 ? "某部门" : nil)
        }
        let form = (0..<fieldPool).shuffled(using: &rng).prefix(Int.random(in: 0...5, using: &rng)).map { k in
            FormField(
                key: "f\(k)", label: "字段\(k)", labelEn: "Field \(k)", type: FieldType.allCases[k % 3],
                required: Bool.random(using: &rng))
        }
        let visits = (0..<Int.random(in: 0...2, using: &rng)).map { Visit(reason: "现场核验\($0)") }
        return ServiceItem(
            basicCode: try! BasicCode(String(format: "330A%05d00000", index)), name: "事项\(index)", kind: .licensing,
            department: department, regionCode: hangzhou, level: .city, statutoryDays: statutory,
            promisedDays: promised, channels: [.online, .window], visits: visits, materials: Array(materials),
            form: Array(form))
    }
}
