import Foundation
import TongbanPlatform
import TongbanSupervision

/// 电子监察 figures and 民呼我应 in `/openapi.json` (issue 6).
extension OpenAPIDocument {
    package static let supervisionOperations: [Operation] = {
        let complaint = ref("ComplaintAnswered")
        let id = pathParameter("id", format: "uuid")
        let scope = [
            query("from", "string", "first day (YYYY-MM-DD, default 89 days before `to`); applications submitted from this day"),
            query("to", "string", "last day (YYYY-MM-DD, default today); at most 1,100 days after `from`"),
            query("region", "string", "a region code: it and everything inside it", pattern: orEmpty(regionPattern)),
            query("department", "string", "a department's id", pattern: orEmpty(uuidPattern)),
            query("item", "string", "an item's implementation code", length: 100),
        ]
        return [
            Operation(
                method: "get", path: "/api/v1/supervision/figures", id: "supervisionFigures",
                summary:
                    "电子监察: a period's figures (cases, 网上办, 马上办, 就近办, 一次办, 零跑腿, on time, working days used vs promised, materials saved, ratings, follow-ups), the trend, departments ranked and items — a supervisor's region, or a staff member's own department",
                tag: "supervision", auth: true, response: ref("SupervisionFigures"), errors: [401, 403, 422], parameters: scope),
            Operation(
                method: "get", path: "/api/v1/public/figures", id: "publicFigures",
                summary: "The same figures for everyone, without signing in: totals per department and item only, no personal data",
                tag: "supervision", response: ref("SupervisionFigures"), errors: [422], parameters: scope),
            Operation(
                method: "get", path: "/api/v1/supervision/warnings", id: "warningsBoard",
                summary:
                    "The warnings board: open cases with yellow or red warnings, follow-ups and complaints past their deadline (escalated or not), counted per department — a supervisor's region, or a staff member's own department",
                tag: "supervision", auth: true, response: ref("WarningBoard"), errors: [401, 403]),
            Operation(
                method: "get", path: "/api/v1/supervision/frozen-accounts", id: "frozenAccounts",
                summary:
                    "冒名注册: accounts frozen because the real holder of the identity number they registered proved it (newest 200 of the supervisor's region), with what each had made",
                tag: "supervision", auth: true, response: list(ref("FrozenAccount")), errors: [401, 403]),
            Operation(
                method: "get", path: "/api/v1/handoffs", id: "handoffs",
                summary:
                    "审管衔接: approvals handed to the caller's department to sign for (unsigned by default: reddest and oldest first), or a supervisor's region's",
                tag: "supervision", auth: true, response: list(ref("Handoff")), errors: [401, 403, 422],
                parameters: [query("state", "string", "unsigned (default), signed or all", values: ["", "unsigned", "signed", "all"])]),
            Operation(
                method: "post", path: "/api/v1/handoffs/{id}/sign", id: "signHandoff",
                summary: "Sign for a handoff: received from now on (reviewers and window clerks of the supervising department)",
                tag: "supervision", auth: true, response: ref("Handoff"), errors: [401, 403, 404, 409], parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/complaints", id: "sendComplaint",
                summary:
                    "民呼我应: send a complaint, question or suggestion (kind) about an item (its code), a department (its id) or one's own application (its id) — routed to the answerable department, due in TONGBAN_COMPLAINT_DAYS working days",
                tag: "complaints", auth: true, body: "Complaint", response: complaint, success: 201, errors: [401, 403, 409, 422]),
            Operation(
                method: "get", path: "/api/v1/complaints", id: "complaints",
                summary:
                    "The caller's messages; a department's staff: the department's; supervisors: the region's (unanswered first, soonest due)",
                tag: "complaints", auth: true, response: list(complaint), errors: [401, 403]),
            Operation(
                method: "get", path: "/api/v1/complaints/{id}", id: "complaint", summary: "One message, its answer and rating",
                tag: "complaints", auth: true, response: complaint, errors: [401, 404], parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/complaints/{id}/answer", id: "answerComplaint",
                summary:
                    "The answering department's staff answer, once (with the version read: of two at once, one wins, the other gets 409)",
                tag: "complaints", auth: true, body: "ComplaintAnswer", response: complaint, errors: [401, 403, 404, 409, 422],
                parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/complaints/{id}/rating", id: "rateComplaintAnswer",
                summary: "The sender rates the answer, once (five levels, an optional comment)",
                tag: "complaints", auth: true, body: "ComplaintRating", response: complaint, errors: [401, 403, 404, 409, 422],
                parameters: [id]),
        ]
    }()
}
