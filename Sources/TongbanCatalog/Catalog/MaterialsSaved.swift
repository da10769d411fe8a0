import Fluent
import Foundation
import SQLKit
import TongbanPlatform

/// "Materials saved" (免提交): how many copies applicants did not have to bring because a
/// licence or shared data stood in for them — per item (one per case's material) and per bundle
/// (one per application's material: a licence serving two of its cases saved one copy).
package struct MaterialsSaved: Decodable {
    package let applications: Int
    package let materials: Int
    /// Sample applications of a demo database among `applications`.
    package let samples: Int

    package static func of(itemCode: String, on db: any Database) async throws -> MaterialsSaved {
        try await db.sql.raw(
            """
            SELECT COUNT(DISTINCT r.application_id) AS applications, COUNT(*) AS materials,
                   COUNT(DISTINCT CASE WHEN a.sample THEN a.id END) AS samples
            FROM material_reuses r JOIN applications a ON a.id = r.application_id
            WHERE r.item_code = \(bind: itemCode) AND a.status <> 'draft'
            """
        ).first(decoding: MaterialsSaved.self) ?? MaterialsSaved(applications: 0, materials: 0, samples: 0)
    }

    package static func of(bundleCode: String, on db: any Database) async throws -> MaterialsSaved {
        try await db.sql.raw(
            """
            SELECT COUNT(DISTINCT s.application_id) AS applications, COUNT(*) AS materials,
                   COUNT(DISTINCT CASE WHEN s.sample THEN s.application_id END) AS samples
            FROM (SELECT DISTINCT r.application_id, r.material_key, a.sample FROM material_reuses r
                  JOIN applications a ON a.id = r.application_id
                  WHERE a.target = 'bundle' AND a.target_code = \(bind: bundleCode) AND a.status <> 'draft') s
            """
        ).first(decoding: MaterialsSaved.self) ?? MaterialsSaved(applications: 0, materials: 0, samples: 0)
    }
}
