import Fluent
import Foundation
import SQLKit
import TongbanCore

/// What a dashboard is about: a period (whole days, both ends included) and optionally a region
/// (it and everything inside it), a department and an item.
struct SupervisionScope: Sendable, Equatable {
    var from: CalendarDate
    var to: CalendarDate
    var region: RegionCode?
    var departmentID: UUID?
    var itemCode: String?

    fileprivate var conditions: SQLQueryString {
        var where_: SQLQueryString = "day >= \(bind: from.description) AND day <= \(bind: to.description)"
        if let region {
            where_ = where_ + " AND region_code LIKE \(bind: region.significantPrefix + "%")"
        }
        if let departmentID { where_ = where_ + " AND department_id = \(bind: departmentID)" }
        if let itemCode { where_ = where_ + " AND item_code = \(bind: itemCode)" }
        return where_
    }
}

/// The sums of the daily rollup a dashboard shows: totals, per day (for the trend), per
/// department (the ranking) and per item.
enum SupervisionQuery {
    struct Group: Sendable {
        let key: String
        let name: String
        let totals: SupervisionTotals
    }

    static func totals(_ scope: SupervisionScope, on db: any Database) async throws -> SupervisionTotals {
        guard let row = try await db.sql.raw("SELECT \(unsafeRaw: SupervisionColumns.sums) FROM supervision_daily WHERE \(scope.conditions)").first()
        else { return SupervisionTotals() }
        return try SupervisionColumns.totals(from: row)
    }

    /// Totals per day that has any.
    static func daily(_ scope: SupervisionScope, on db: any Database) async throws -> [(day: CalendarDate, totals: SupervisionTotals)] {
        try await db.sql.raw("""
            SELECT day, \(unsafeRaw: SupervisionColumns.sums) FROM supervision_daily WHERE \(scope.conditions) GROUP BY day ORDER BY day
            """).all().compactMap { row in
            guard let day = CalendarDate(iso: try row.decode(column: "day", as: String.self)) else { return nil }
            return (day, try SupervisionColumns.totals(from: row))
        }
    }

    static func byDepartment(_ scope: SupervisionScope, on db: any Database) async throws -> [Group] {
        try await db.sql.raw("""
            SELECT department_id, MAX(department_name) AS name, \(unsafeRaw: SupervisionColumns.sums)
            FROM supervision_daily WHERE \(scope.conditions) GROUP BY department_id
            """).all().map { row in
            Group(key: try row.decodeNil(column: "department_id") ? "" : try row.decode(column: "department_id", as: UUID.self).uuidString,
                  name: try row.decode(column: "name", as: String.self), totals: try SupervisionColumns.totals(from: row))
        }
    }

    static func byItem(_ scope: SupervisionScope, on db: any Database) async throws -> [Group] {
        try await db.sql.raw("""
            SELECT item_code, MAX(item_name) AS name, \(unsafeRaw: SupervisionColumns.sums)
            FROM supervision_daily WHERE \(scope.conditions) AND item_code <> '' GROUP BY item_code
            """).all().map { row in
            Group(key: try row.decode(column: "item_code", as: String.self), name: try row.decode(column: "name", as: String.self),
                  totals: try SupervisionColumns.totals(from: row))
        }
    }
}
