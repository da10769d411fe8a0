import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 实际跑动: how many in-person visits the submitted applications for an item really took — the
/// honest measure of "at most one visit", shown on the item's guide.
package struct ActualVisits: Decodable {
    package let applications: Int
    package let visits: Int
    /// Sample applications of a demo database among `applications`.
    package let samples: Int

    package var average: Double { applications == 0 ? 0 : Double(visits) / Double(applications) }

    package static func of(itemCode: String, on db: any Database) async throws -> ActualVisits {
        try await db.sql.raw(
            """
            SELECT COUNT(*) AS applications, CAST(COALESCE(SUM(a.visits), 0) AS BIGINT) AS visits,
                   CAST(COALESCE(SUM(CASE WHEN a.sample THEN 1 ELSE 0 END), 0) AS BIGINT) AS samples
            FROM applications a WHERE a.status <> 'draft'
              AND a.id IN (SELECT c.application_id FROM cases c WHERE c.item_code = \(bind: itemCode))
            """
        ).first(decoding: ActualVisits.self) ?? ActualVisits(applications: 0, visits: 0, samples: 0)
    }
}
