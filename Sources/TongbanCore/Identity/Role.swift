import Foundation

/// The kinds of account. 自然人 (natural person), 法人 (legal person, an enterprise), 工作人员 (staff).
public enum AccountKind: String, Codable, Sendable, CaseIterable {
    case person
    case enterprise
    case staff
}

/// What a staff member may do; one account can hold several.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    /// 综合窗口: single-window acceptance, assisted service.
    case windowClerk = "window_clerk"
    /// 后台审批: works the review tasks of their department.
    case reviewer
    /// 电子监察: deadlines, complaints, ratings, statistics.
    case supervisor
    /// 事项管理: maintains service items and bundles.
    case catalogAdmin = "catalog_admin"
    /// 数据管理: the data-resource catalog and sharing grants.
    case dataAdmin = "data_admin"
    /// 系统管理: staff accounts, roles, departments.
    case systemAdmin = "system_admin"

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
