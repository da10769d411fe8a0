import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// What a dashboard is about: a period (whole days, both ends included) and optionally a region
/// (it and everything inside it), a department and an item.
package struct SupervisionScope: Sendable, Equatable {
    package var from: CalendarDate
    package var to: CalendarDate
    package var region: RegionCode?
    package var departmentID: UUID?
    package var itemCode: String?

    package init(from: CalendarDate, to: CalendarDate, region: RegionCode? = nil, departmentID: UUID? = nil, itemCode: String? = nil) {
        self.from = from
        self.to = to
        self.region = region
        self.departmentID = departmentID
        self.itemCode = itemCode
    }

    fileprivate var filters: SQLQueryString {
        var where_: SQLQueryString = ""
        if let region { where_ = where_ + " AND region_code LIKE \(bind: region.significantPrefix + "%")" }
        if let departmentID { where_ = where_ + " AND department_id = \(bind: departmentID)" }
        if let itemCode { where_ = where_ + " AND item_code = \(bind: itemCode)" }
        return where_
    }

    /// The period as the rollup tables hold it: whole calendar months from the monthly table,
    /// the days before the first and after the last whole month from the daily one.
    package func parts(monthly: Bool) -> [(table: String, from: CalendarDate, to: CalendarDate)] {
        let daily = "supervision_daily"
        guard monthly else { return [(daily, from, to)] }
        let firstWhole = from.day == 1 ? from : TrendStep.month.buckets(from: from, to: from.adding(days: 31)!)[1]
        let afterLastWhole = TrendStep.month.start(of: to.adding(days: 1)!)
        guard firstWhole < afterLastWhole else { return [(daily, from, to)] }
        var parts: [(String, CalendarDate, CalendarDate)] = []
        if from < firstWhole { parts.append((daily, from, firstWhole.adding(days: -1)!)) }
        parts.append(("supervision_monthly", firstWhole, TrendStep.month.start(of: afterLastWhole.adding(days: -1)!)))
        if afterLastWhole <= to { parts.append((daily, afterLastWhole, to)) }
        return parts
    }

    /// The rows of the scope, from both tables: a subquery to sum over.
    fileprivate func rows(monthly: Bool) -> SQLQueryString {
        let columns =
            "day, region_code, department_id, department_name, item_code, item_name, " + SupervisionColumns.names.joined(separator: ", ")
        return parts(monthly: monthly).map { part -> SQLQueryString in
            "SELECT \(unsafeRaw: columns) FROM \(unsafeRaw: part.table) WHERE day >= \(bind: part.from.description) AND day <= \(bind: part.to.description)\(filters)"
        }.joined(separator: " UNION ALL ")
    }
}

/// The sums of the rollup a dashboard shows: totals, per day or month (for the trend), per
/// department (the ranking) and per item.
package enum SupervisionQuery {
    package struct Group: Sendable {
        package let key: String
        package let name: String
        package let totals: SupervisionTotals
    }

    package static func totals(_ scope: SupervisionScope, on db: any Database) async throws -> SupervisionTotals {
        guard let row = try await db.sql.raw("SELECT \(unsafeRaw: SupervisionColumns.sums) FROM (\(scope.rows(monthly: true))) r").first()
        else { return SupervisionTotals() }
        return try SupervisionColumns.totals(from: row)
    }

    /// Totals per day that has any (with `monthly`, whole months come as their first day).
    package static func daily(_ scope: SupervisionScope, monthly: Bool, on db: any Database) async throws -> [(
        day: CalendarDate, totals: SupervisionTotals
    )] {
        try await db.sql.raw(
            """
            SELECT day, \(unsafeRaw: SupervisionColumns.sums) FROM (\(scope.rows(monthly: monthly))) r GROUP BY day ORDER BY day
            """
        ).all().compactMap { row in
            guard let day = CalendarDate(iso: try row.decode(column: "day", as: String.self)) else { return nil }
            return (day, try SupervisionColumns.totals(from: row))
        }
    }

    package static func byDepartment(_ scope: SupervisionScope, on db: any Database) async throws -> [Group] {
        try await db.sql.raw(
            """
            SELECT department_id, MAX(department_name) AS name, \(unsafeRaw: SupervisionColumns.sums)
            FROM (\(scope.rows(monthly: true))) r GROUP BY department_id
            """
        ).all().map { row in
            Group(
                key: try row.decodeNil(column: "department_id") ? "" : try row.decode(column: "department_id", as: UUID.self).uuidString,
                name: try row.decode(column: "name", as: String.self), totals: try SupervisionColumns.totals(from: row))
        }
    }

    package static func byItem(_ scope: SupervisionScope, on db: any Database) async throws -> [Group] {
        try await db.sql.raw(
            """
            SELECT item_code, MAX(item_name) AS name, \(unsafeRaw: SupervisionColumns.sums)
            FROM (\(scope.rows(monthly: true))) r WHERE item_code <> '' GROUP BY item_code
            """
        ).all().map { row in
            Group(
                key: try row.decode(column: "item_code", as: String.self), name: try row.decode(column: "name", as: String.self),
                totals: try SupervisionColumns.totals(from: row))
        }
    }
}
