import Foundation
import TongbanPlatform

/// 经办人 in `/openapi.json`: the enterprises a person acts for, an acting token, an enterprise's
/// handlers and what was done in its name (issue 20).
extension OpenAPIDocument {
    package static let handlerOperations: [Operation] = {
        let enterprise = pathParameter("enterpriseID", format: "uuid")
        return [
            Operation(
                method: "get", path: "/api/v1/me/enterprises", id: "myEnterprises",
                summary: "Enterprises the signed-in person may act for: as legal representative (every item) or as a handler (by mandate)",
                tag: "identity", auth: true, response: list(ref("RepresentedEnterprise")), errors: [401, 403]),
            Operation(
                method: "post", path: "/api/v1/me/enterprises/{enterpriseID}/token", id: "actingToken",
                summary:
                    "An access token to act for the enterprise (subject the enterprise, `act` the person, RFC 8693); the mandate is checked on every request",
                tag: "identity", auth: true, response: ref("ActingToken"), success: 201, errors: [401, 403, 404],
                parameters: [enterprise]),
            Operation(
                method: "get", path: "/api/v1/enterprises/{enterpriseID}/handlers", id: "enterpriseHandlers",
                summary: "The enterprise's handlers, live first (its legal representative, or the enterprise's own sign-in)",
                tag: "identity", auth: true, response: list(ref("EnterpriseHandler")), errors: [401, 403, 404],
                parameters: [enterprise]),
            Operation(
                method: "post", path: "/api/v1/enterprises/{enterpriseID}/handlers", id: "nameHandler",
                summary:
                    "The legal representative names a proven person (Level 2 or more) to act for the enterprise: every item or the listed ones, until a day (at most three years)",
                tag: "identity", auth: true, body: "HandlerGrant", response: ref("EnterpriseHandler"), success: 201,
                errors: [400, 401, 403, 404, 409, 415, 422], parameters: [enterprise]),
            Operation(
                method: "post", path: "/api/v1/enterprises/{enterpriseID}/handlers/{handlerID}/revoke", id: "revokeHandler",
                summary: "The mandate ends at once (the legal representative or the enterprise's own sign-in)", tag: "identity",
                auth: true, success: 204, errors: [401, 403, 404, 409],
                parameters: [enterprise, pathParameter("handlerID", format: "uuid")]),
            Operation(
                method: "get", path: "/api/v1/enterprises/{enterpriseID}/acts", id: "enterpriseActs",
                summary: "What was done in the enterprise's name, newest first, and by whom (its own sign-in or a named handler)",
                tag: "identity", auth: true, response: list(ref("EnterpriseAct")), errors: [401, 403, 404], parameters: [enterprise]),
        ]
    }()

    package static let handlerRequestSchemas: [(String, JSONValue)] = [
        (
            "HandlerGrant",
            object(
                [
                    ("identityNumber", string("the handler's identity number", maxLength: 18)),
                    ("name", string("the handler's name, as on their proven account", maxLength: 50)),
                    (
                        "itemCodes",
                        ["type": "array", "items": string(maxLength: 64), "maxItems": 50, "description": "absent or empty: every item"]
                    ),
                    ("validUntil", string("the last day the mandate holds (at most three years ahead)", format: "date")),
                ],
                required: ["identityNumber", "name", "validUntil"])
        )
    ]

    package static let handlerSchemas: [(String, JSONValue)] = [
        (
            "RepresentedEnterprise",
            object(
                [
                    ("enterpriseID", uuid), ("name", text), ("creditCode", text), ("role", oneOf(["representative", "handler"])),
                    ("itemCodes", texts), ("validUntil", day),
                ],
                required: ["enterpriseID", "name", "creditCode", "role"])
        ),
        (
            "ActingToken",
            object(
                [
                    ("accessToken", text), ("tokenType", oneOf(["Bearer"])), ("expiresIn", integer), ("enterpriseID", uuid),
                    ("itemCodes", texts),
                ],
                required: ["accessToken", "tokenType", "expiresIn", "enterpriseID"])
        ),
        (
            "EnterpriseHandler",
            object(
                [
                    ("id", uuid), ("personName", text), ("itemCodes", texts), ("validUntil", day), ("grantedAt", instant),
                    ("revokedAt", instant), ("live", boolean),
                ],
                required: ["id", "personName", "validUntil", "grantedAt", "live"])
        ),
        (
            "EnterpriseAct",
            object(
                [("at", instant), ("action", text), ("resource", text), ("actor", text), ("agentID", uuid)],
                required: ["at", "action", "resource", "actor"])
        ),
    ]
}
