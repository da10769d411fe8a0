import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// Applications written straight into the tables with chosen outcomes: for the tests that check
/// the rollup's SQL against the core's arithmetic, for the benchmark's million applications, and
/// for a demo's half year of history (marked as sample rows, `CaseFacts.sample`).
/// Each case becomes one application (or, when not the first of its application, joins the one
/// before it), with the columns the platform itself writes.
package enum SupervisionSample {
    package struct Case: Sendable {
        package var facts: CaseFacts
        package var regionCode: String
        package var departmentID: UUID?
        package var departmentName: String
        package var itemCode: String
        package var itemName: String
    }

    package struct Place: Sendable {
        package let regionCode: String
        package let departmentID: UUID?
        package let departmentName: String
        package let itemCode: String
        package let itemName: String

        package init(regionCode: String, departmentID: UUID?, departmentName: String, itemCode: String, itemName: String) {
            self.regionCode = regionCode
            self.departmentID = departmentID
            self.departmentName = departmentName
            self.itemCode = itemCode
            self.itemName = itemName
        }
    }

    /// A reproducible stream (SplitMix64), so a failing case can be made again.
    package struct Random: RandomNumberGenerator {
        package var state: UInt64
        package init(seed: UInt64) { state = seed }
        package mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Random cases over the period at the places: mostly decided, some in progress, refused or
    /// withdrawn; visits 0–3; instant, same-day, on-time and late decisions; bundles of 1–3.
    /// `settled`: every case has reached its end (concluded, refused, withdrawn, revoked) — a
    /// history that puts nothing on anyone's desk.
    package static func random(
        _ count: Int, from: CalendarDate, to: CalendarDate, places: [Place], settled: Bool = false, using rng: inout Random
    )
        -> [Case]
    {
        precondition(!places.isEmpty && from <= to)
        var cases: [Case] = []
        cases.reserveCapacity(count)
        var remainingInApplication = 0
        // a Zipf-like choice of place: a few items take most applications, as in a real hall
        let weights = places.indices.map { 1.0 / Double($0 + 1) }
        let total = weights.reduce(0, +)
        let cumulative = weights.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1 / total) }
        for _ in 0..<count {
            let first = remainingInApplication == 0
            if first { remainingInApplication = Int.random(in: 0..<10, using: &rng) == 0 ? Int.random(in: 2...3, using: &rng) : 1 }
            remainingInApplication -= 1
            let previous = first ? nil : cases.last
            let u = Double.random(in: 0..<1, using: &rng)
            let drawn = places[min(places.count - 1, cumulative.firstIndex { $0 >= u } ?? 0)]
            // an application is made in one region: its other cases are handled there too
            let place =
                previous.map {
                    Place(
                        regionCode: $0.regionCode, departmentID: drawn.departmentID, departmentName: drawn.departmentName,
                        itemCode: drawn.itemCode, itemName: drawn.itemName)
                } ?? drawn
            let submitted =
                previous?.facts.submittedOn ?? from.adding(days: Int.random(in: 0...(to.dayNumber - from.dayNumber), using: &rng))!
            let promised = [1, 3, 5, 10, 20].randomElement(using: &rng)!
            let roll = Int.random(in: 0..<100, using: &rng)
            let state: CaseState =
                roll < 60
                ? (settled ? .concluded : [.decided, .delivered, .concluded].randomElement(using: &rng)!)
                : roll < 80
                    ? (settled ? .concluded : [.submitted, .underReview, .inProcedure].randomElement(using: &rng)!)
                    : roll < 85 ? .refused : roll < 88 ? .withdrawn : roll < 90 ? .revoked : .concluded
            let decided = CaseFacts.decidedStates.contains(state)
            let daysUsed = decided ? (Int.random(in: 0..<5, using: &rng) == 0 ? 0 : Int.random(in: 0...(promised + 3), using: &rng)) : nil
            let decidedOn = daysUsed.map { submitted.adding(days: $0 == 0 ? 0 : $0 + $0 / 5 * 2)! }
            let dueOn: CalendarDate? = daysUsed == 0 ? nil : submitted.adding(days: promised + promised / 5 * 2)
            let facts = CaseFacts(
                submittedOn: submitted, firstOfApplication: first, online: previous?.facts.online ?? Bool.random(using: &rng),
                regionLevel: (try? RegionCode(place.regionCode).level) ?? .county, state: state,
                decidedOn: decidedOn, dueOn: dueOn, daysUsed: daysUsed, promisedDays: promised,
                visits: previous?.facts.visits ?? [0, 0, 0, 1, 1, 2, 3].randomElement(using: &rng)!,
                materialsSaved: Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 1...2, using: &rng) : 0)
            cases.append(
                Case(
                    facts: facts, regionCode: place.regionCode, departmentID: place.departmentID, departmentName: place.departmentName,
                    itemCode: place.itemCode, itemName: place.itemName))
        }
        return cases
    }

    /// The case's state-machine record as the platform would have written it.
    package static func record(_ f: CaseFacts) throws -> String {
        var record = CaseRecord(limit: f.promisedDays)
        record.state = f.state
        record.submittedOn = f.submittedOn
        if f.state.isAccepted || f.isDecided { record.acceptedOn = f.submittedOn }
        if let on = f.decidedOn, f.isDecided {
            record.decision = .init(
                approved: true, route: f.daysUsed == 0 ? .instant : .reviewed, on: on, reasons: "符合法定条件", legalBasis: "《中华人民共和国行政许可法》第三十八条")
        }
        return String(decoding: try StoredJSON.encoder.encode(record), as: UTF8.self)
    }

    /// Writes the cases (and their applications and reused materials) in batches of about 400
    /// applications, each batch one transaction.
    package static func insert(_ cases: [Case], on db: any Database, now: Date) async throws {
        var start = 0
        while start < cases.count {
            var end = min(cases.count, start + 400)
            while end < cases.count && !cases[end].facts.firstOfApplication { end += 1 }
            let slice = cases[start..<end]
            try await db.write { tx in
                var batch = InsertBatch()
                var applicationID = UUID()
                var position = 0
                var reuses: [[(String, (any Encodable & Sendable)?)]] = []
                for c in slice {
                    let f = c.facts
                    if f.firstOfApplication {
                        applicationID = UUID()
                        position = 0
                        // the platform's own rule (ApplicationStatus), for the application's first case
                        let status = ApplicationStatus(cases: [f.state]).rawValue
                        batch.add(
                            ApplicationRecord.schema,
                            [
                                ("id", applicationID), ("applicant_id", UUID()), ("applicant_name", "样本申请人"), ("applicant_tail", "0000"),
                                ("applicant_present", f.visits > 0), ("target", "item"), ("target_code", c.itemCode), ("target_version", 1),
                                ("target_name", c.itemName), ("region_code", c.regionCode), ("channel", f.online ? "online" : "window"),
                                ("status", status), ("form", "{}"), ("answers", "{}"), ("submitted_on", f.submittedOn.description),
                                ("visits", f.visits), ("created_at", f.submittedOn.noon), ("submitted_at", f.submittedOn.noon),
                                ("sample", f.sample),
                            ])
                    } else {
                        position += 1
                    }
                    let caseID = UUID()
                    let running = f.state.isAccepted
                    batch.add(
                        CaseRow.schema,
                        [
                            ("id", caseID), ("application_id", applicationID), ("position", position), ("item_code", c.itemCode),
                            ("item_version", 1),
                            ("item_name", c.itemName), ("department_name", c.departmentName), ("department_id", c.departmentID),
                            ("state", f.state.rawValue), ("record", try record(f)), ("version", 1), ("due_on", f.dueOn?.description),
                            ("yellow_on", f.dueOn?.adding(days: -1)?.description), ("clock_running", running), ("warning", "none"),
                            ("updated_at", now),
                            ("decided_on", f.decidedOn?.description), ("days_used", f.daysUsed), ("promised_days", f.promisedDays),
                            ("region_code", c.regionCode), ("sample", f.sample),
                        ])
                    for n in 0..<f.materialsSaved {
                        reuses.append([
                            ("id", UUID()), ("application_id", applicationID), ("case_id", caseID), ("item_code", c.itemCode),
                            ("material_key", "m\(n)"), ("material_name", "样本材料"), ("via", "license"), ("source_ref", "sample"),
                            ("source_name", "样本证照"), ("holder_id", UUID()), ("department_name", c.departmentName), ("consented", true),
                            ("purpose", "样本"), ("created_at", now), ("expires_at", now), ("sample", f.sample),
                        ])
                    }
                }
                for row in reuses { batch.add(MaterialReuse.schema, row) }
                try await batch.run(on: tx)
            }
            start = end
        }
    }
}

private extension CalendarDate {
    /// Noon in Shanghai on this day.
    var noon: Date { LocalTime(date: self, minute: 720).instant }
}
