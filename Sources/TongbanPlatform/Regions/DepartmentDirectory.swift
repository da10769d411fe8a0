import Fluent
import Foundation
import TongbanCore

/// The departments as routing sees them: by unified social credit code, which is unique, never
/// by display name, which is not (every district has a 市场监督管理局). A catalog step published
/// before steps carried codes names its department only by name; it is routed to the department
/// of that name in the item's own region or the nearest one above it — never to another
/// region's namesake.
package struct DepartmentDirectory: Sendable {
    private var byCode: [String: UUID] = [:]
    private var byRegionAndName: [String: UUID] = [:]

    package init(_ departments: [Department]) {
        for department in departments {
            guard let id = department.id else { continue }
            byCode[department.creditCode] = id
            byRegionAndName[Self.key(department.regionCode, department.name)] = id
        }
    }

    /// The department with this unified social credit code.
    package func id(creditCode: String) -> UUID? { byCode[creditCode] }

    /// The department an item names (the item's own department).
    package func id(of department: ItemDepartment, in region: RegionCode) -> UUID? {
        id(code: department.code, name: department.name, in: region)
    }

    /// The department a step names: its code, else (older catalogs) its name in the item's
    /// region or above; a step naming none is the item's own department's.
    package func id(of step: ProcessStep, item: ServiceItem) -> UUID? {
        guard let name = step.department, name != item.department.name || step.departmentCode != nil else {
            return id(of: item.department, in: item.regionCode)
        }
        return id(code: step.departmentCode, name: name, in: item.regionCode)
    }

    private func id(code: String?, name: String, in region: RegionCode) -> UUID? {
        if let code, let id = byCode[code] { return id }
        var level: RegionCode? = region
        while let current = level {
            if let id = byRegionAndName[Self.key(current.value, name)] { return id }
            level = current.parent
        }
        return nil
    }

    private static func key(_ region: String, _ name: String) -> String { region + "|" + name }
}
