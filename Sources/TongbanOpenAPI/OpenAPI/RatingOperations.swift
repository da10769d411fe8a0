import Foundation
import TongbanPlatform
import TongbanRatings

/// 好差评 and follow-ups in `/openapi.json` (issue 6).
extension OpenAPIDocument {
    package static let ratingOperations: [Operation] = {
        let id = pathParameter("id", format: "uuid")
        let given = ref("GivenRating")
        return [
            Operation(
                method: "post", path: "/api/v1/applications/{id}/rating", id: "rateApplication",
                summary:
                    "一事一评: the applicant rates a concluded application once (five levels, reasons from the level's list, a comment); a bad rating opens a follow-up",
                tag: "ratings", auth: true, body: "Rating", response: given, success: 201, errors: [401, 404, 409, 422], parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/hall-tickets/{id}/rating", id: "rateVisit",
                summary:
                    "一次一评: the holder of a served hall ticket (its account, or the link of a kiosk ticket) rates the window's service; never the clerk",
                tag: "ratings", body: "Rating", response: given, success: 201, errors: [401, 403, 404, 409, 422], parameters: [id]),
            Operation(
                method: "get", path: "/api/v1/ratings/{id}", id: "rating", summary: "The rater's rating and how its follow-up stands",
                tag: "ratings", auth: true, response: given, errors: [401, 404], parameters: [id]),
            Operation(
                method: "put", path: "/api/v1/ratings/{id}", id: "reviseRating",
                summary: "Revise a rating, once, after its follow-up has ended",
                tag: "ratings", auth: true, body: "Rating", response: given, errors: [401, 404, 409, 422], parameters: [id]),
            Operation(
                method: "get", path: "/api/v1/follow-ups", id: "followUps",
                summary:
                    "Follow-ups of bad ratings: the caller's department's, or a supervisor's region's (overdue=true: past their deadline)",
                tag: "ratings", auth: true, response: list(ref("FollowUp")), errors: [401, 403, 422],
                parameters: [query("overdue", "string", "true: only those past their deadline", values: ["true", "false", ""])]),
            Operation(
                method: "post", path: "/api/v1/follow-ups/{id}/actions", id: "followUpAction",
                summary:
                    "The department calls back, fixes, schedules a fix (ledger, due date), explains, or appeals; a supervisor upholds or rejects an appeal",
                tag: "ratings", auth: true, body: "FollowUpAction", response: ref("FollowUp"), errors: [401, 403, 404, 409, 422],
                parameters: [id]),
        ]
    }()
}
