import Vapor

/// What a page, a CSV or a JSON answer says when its figures count a demo's sample rows:
/// "含演示数据" with how many, in the reader's language; nothing when none are counted (a
/// database never seeded with samples shows no banner).
package enum DemoNotice {
    package enum Counted: String {
        /// Sample cases in supervision and transparency figures.
        case cases
        /// Sample applications in a guide's "actual visits" and "materials saved".
        case applications
        /// Simulated queue tickets in a hall's statistics.
        case tickets
    }

    package static func text(_ count: Int, _ counted: Counted, _ req: Request) -> String? {
        guard count > 0 else { return nil }
        return req.t("demo.includes.\(counted.rawValue)", ["count": String(count)])
    }
}
