import Foundation

/// 电子监察 figures in `/openapi.json` (issue 6).
extension OpenAPIDocument {
    static let supervisionOperations: [Operation] = {
        let object: JSONValue = ["type": "object"]
        let scope = [
            query("from", "string", "first day (YYYY-MM-DD, default 89 days before `to`); applications submitted from this day"),
            query("to", "string", "last day (YYYY-MM-DD, default today); at most 1,100 days after `from`"),
            query("region", "string", "a region code: it and everything inside it"),
            query("department", "string", "a department's id"),
            query("item", "string", "an item's implementation code"),
        ]
        return [
            Operation(method: "get", path: "/api/v1/supervision/figures", id: "supervisionFigures",
                      summary: "电子监察: a period's figures (cases, 网上办, 马上办, 就近办, 一次办, 零跑腿, on time, working days used vs promised, materials saved, ratings, follow-ups), the trend, departments ranked and items — a supervisor's region, or a staff member's own department",
                      tag: "supervision", auth: true, response: object, errors: [401, 403, 422], parameters: scope),
            Operation(method: "get", path: "/api/v1/public/figures", id: "publicFigures",
                      summary: "The same figures for everyone, without signing in: totals per department and item only, no personal data",
                      tag: "supervision", response: object, errors: [422], parameters: scope),
        ]
    }()
}
