import Fluent
import Foundation
import TongbanCatalog
import TongbanCore
import TongbanPlatform
import TongbanSupervision
import Vapor

/// Half a year of West Lake District's applications for the supervision dashboards of a fresh
/// demo: the district's published items (some also handled at street level, 就近办), outcomes
/// drawn from a fixed seed, then the rollup brought up to date so the figures show at once.
package enum DemoFigures {
    package static let streets = ["330106002", "330106004", "330106005", "330106007", "330106008"]

    package static func seed(app: Application, db: any Database, applications: Int = 4_000) async throws {
        let items = try await CatalogEntry.query(on: db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$regionCode == "330106").sort(\.$code).limit(40).all()
        guard !items.isEmpty else { return }
        var departments: [String: (UUID, String)] = [:]
        for d in try await Department.query(on: db).all() { departments[d.creditCode] = (try d.requireID(), d.name) }
        var places: [SupervisionSample.Place] = []
        for (i, item) in items.enumerated() {
            let department = item.departmentCode.flatMap { departments[$0] }
            let name = department?.1 ?? item.departmentName ?? "—"
            places.append(
                .init(
                    regionCode: item.regionCode, departmentID: department?.0, departmentName: name, itemCode: item.code, itemName: item.name
                ))
            if i % 3 == 0 {
                places.append(
                    .init(
                        regionCode: streets[i % streets.count], departmentID: department?.0, departmentName: name,
                        itemCode: item.code, itemName: item.name))
            }
        }
        let today = app.today
        var rng = SupervisionSample.Random(seed: 2026)
        let cases = SupervisionSample.random(
            applications, from: today.adding(days: -179)!, to: today, places: places, settled: true, using: &rng
        )
        // nothing decided after today; every row marked as the sample it is
        .map { c -> SupervisionSample.Case in
            var c = c
            c.facts.sample = true
            if let decided = c.facts.decidedOn, decided > today { c.facts.decidedOn = today }
            return c
        }
        try await SupervisionSample.insert(cases, on: db, now: app.clock.now())
        try await SupervisionRollup.refresh(app: app, now: app.clock.now())
    }
}
