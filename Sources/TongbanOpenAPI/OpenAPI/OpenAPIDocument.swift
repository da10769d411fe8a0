import Foundation
import TongbanCases
import TongbanCore
import TongbanIdentity
import TongbanPlatform
import Vapor

/// The OpenAPI 3.1 description of `/api/v1`. A test compares its operations with the routes the
/// application registers, so neither can drift from the other.
package enum OpenAPIDocument {
    package struct Operation {
        package let method: String
        package let path: String
        package let id: String
        package let summary: String
        package let tag: String
        package var auth = false
        package var body: String? = nil
        /// Whether a request without a body is taken (the body only adds to what is stored).
        package var bodyOptional = false
        package var response: JSONValue? = nil
        package var success = 200
        package var errors: [Int] = [400, 422]
        package var parameters: [JSONValue] = []
        /// A body that is a file, in one of these media types, instead of JSON.
        package var fileTypes: [String] = []
        /// Other successes answered with the same schema (a first draft is 201, a later one 200).
        package var alsoSuccess: [Int] = []
        /// An answer that is a file, in one of these media types, instead of JSON.
        package var answerTypes: [String] = []
    }

    package static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    package static func query(
        _ name: String, _ type: String = "string", _ description: String, range: ClosedRange<Int>? = nil,
        pattern: String? = nil, values: [String]? = nil, length: Int? = nil, required: Bool = false
    ) -> JSONValue {
        var schema: [(String, JSONValue)] = [("type", .string(type))]
        if let length { schema.append(("maxLength", .int(length))) }
        if let range { schema += [("minimum", .int(range.lowerBound)), ("maximum", .int(range.upperBound))] }
        if let pattern { schema.append(("pattern", .string(pattern))) }
        if let values { schema.append(("enum", .array(values.map { .string($0) }))) }
        return [
            "name": .string(name), "in": "query", "required": .bool(required), "description": .string(description),
            "schema": .object(schema),
        ]
    }

    /// A query parameter left empty (as a web form sends it) means "not given".
    package static func orEmpty(_ pattern: String) -> String { "^$|\(pattern)" }

    package static let uuidPattern = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"

    /// The largest integer every JSON client reads exactly.
    package static let maxSafeInteger = 9_007_199_254_740_991

    // What a schema can say of our checks; check characters it cannot, so those stay 422s.
    package static let identityPattern = "^[0-9]{17}[0-9Xx]$"
    package static let creditCodePattern = "^[0-9A-HJ-NP-RT-UW-Ya-hj-np-rt-uw-y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Ya-hj-np-rt-uw-y]{10}$"
    package static let datePattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    package static let regionPattern = "^(0[1-9]|[1-9][0-9])[0-9]{4}([0-9]{3}){0,2}$"
    /// Some visible character, no control characters (surrounding spaces are trimmed).
    package static let textPattern =
        "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u001F\\u007F-\\u009F\\s][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    package static func pathParameter(_ name: String, format: String? = nil) -> JSONValue {
        var schema: [(String, JSONValue)] = [("type", "string")]
        if let format { schema.append(("format", .string(format))) }
        return ["name": .string(name), "in": "path", "required": true, "schema": .object(schema)]
    }

    /// In three literals, not one (one literal of all of them took 0.16 s to type-check).
    package static let operations: [Operation] = accountOperations + catalogOperations + caseOperations

    /// Signing in, accounts, regions, departments and the audit trail.
    private static let accountOperations: [Operation] = [
        Operation(
            method: "post", path: "/api/v1/auth/login", id: "login", summary: "Sign in; returns an access token and a refresh token",
            tag: "identity",
            body: "LoginRequest", response: ref("Tokens"), errors: [400, 401, 422, 429]),
        Operation(
            method: "post", path: "/api/v1/auth/refresh", id: "refreshTokens", summary: "Rotate a refresh token", tag: "identity",
            body: "RefreshRequest", response: ref("Tokens"), errors: [400, 401, 422]),
        Operation(
            method: "post", path: "/api/v1/auth/logout", id: "logout", summary: "Revoke a refresh token and its family", tag: "identity",
            body: "RefreshRequest", success: 204, errors: [400, 401, 422]),
        Operation(
            method: "post", path: "/api/v1/register/person", id: "registerPerson", summary: "Register a natural person", tag: "identity",
            body: "PersonRegistration", response: ref("Account"), success: 201, errors: [400, 409, 415, 422, 429]),
        Operation(
            method: "post", path: "/api/v1/register/enterprise", id: "registerEnterprise", summary: "Register a legal person (enterprise)",
            tag: "identity",
            body: "EnterpriseRegistration", response: ref("Account"), success: 201, errors: [400, 409, 415, 422, 429]),
        Operation(
            method: "get", path: "/api/v1/me", id: "getMe", summary: "The signed-in account, unmasked", tag: "identity", auth: true,
            response: ref("Account"), errors: [401]),
        Operation(
            method: "post", path: "/api/v1/me/password", id: "changePassword", summary: "Change the password; ends other sign-ins",
            tag: "identity", auth: true,
            body: "PasswordChange", success: 204, errors: [400, 401, 403, 422]),
        Operation(
            method: "post", path: "/api/v1/register/reclaim", id: "startReclaim",
            summary:
                "Take back an identity number an unproven account registered: the registration as typed; a code goes to the population record's mobile",
            tag: "identity", body: "PersonRegistration", response: ref("CodeSent"), success: 202, errors: [400, 409, 415, 422, 429]),
        Operation(
            method: "post", path: "/api/v1/register/reclaim/code", id: "confirmReclaim",
            summary: "The code sent: the earlier account is frozen for review, and the person's own made at Level 2", tag: "identity",
            body: "ReclaimCode", response: ref("Account"), success: 201, errors: [400, 409, 415, 422, 429]),
        Operation(
            method: "post", path: "/api/v1/register/reclaim/window", id: "startReclaimAtWindow",
            summary:
                "Take back an identity number in person: the registration as typed, sealed under a window code (8 digits, 7 days) the person shows at any window with their identity card; the account made is Level 3",
            tag: "identity", body: "PersonRegistration", response: ref("WindowCode"), success: 202, errors: [400, 409, 415, 422, 429]),
        Operation(
            method: "post", path: "/api/v1/me/verification", id: "startVerification",
            summary: "实名认证二级: the name is checked against the population record, and a code sent to the mobile that record holds",
            tag: "identity", auth: true,
            body: "VerificationStart", response: ref("CodeSent"), success: 202, errors: [400, 401, 403, 409, 415, 422, 429]),
        Operation(
            method: "post", path: "/api/v1/me/verification/code", id: "confirmVerification",
            summary: "The code sent: the account is Level 2 (verified remotely)", tag: "identity", auth: true,
            body: "VerificationCodeEntry", response: ref("Account"), errors: [400, 401, 403, 409, 415, 422, 429]),
        Operation(
            method: "post", path: "/api/v1/me/verification/representative", id: "askRepresentative",
            summary: "实名认证二级 for an enterprise: the legal representative its market registration names is asked to confirm it",
            tag: "identity", auth: true, response: ref("RepresentativeAsked"), success: 202, errors: [401, 403, 409, 422]),
        Operation(
            method: "get", path: "/api/v1/me/representations", id: "representations",
            summary: "Enterprises waiting for the signed-in person, as their legal representative, to confirm them", tag: "identity",
            auth: true, response: ["type": "array", "items": ref("RepresentationRequest")], errors: [401]),
        Operation(
            method: "post", path: "/api/v1/me/representations/{requestID}/confirm", id: "confirmRepresentation",
            summary: "The legal representative (Level 2 or more) confirms the enterprise: it is Level 2", tag: "identity", auth: true,
            success: 204, errors: [401, 403, 404], parameters: [pathParameter("requestID", format: "uuid")]),
        Operation(
            method: "post", path: "/api/v1/me/window-code", id: "windowCode",
            summary: "实名认证三级: an eight-digit code, good for ten minutes, to show a window clerk who checks the identity card",
            tag: "identity", auth: true, response: ref("WindowCode"), success: 201, errors: [401, 403, 409]),
        Operation(
            method: "post", path: "/api/v1/identity-checks", id: "identityCheck",
            summary:
                "A window clerk's in-person check: the person's window code and the number and name on their card; the account is Level 3",
            tag: "identity", auth: true, body: "IdentityCheck", response: ref("Account"), errors: [400, 401, 403, 404, 409, 415, 422]),
        Operation(
            method: "get", path: "/api/v1/accounts", id: "listAccounts", summary: "Staff accounts in the caller's region", tag: "identity",
            auth: true,
            response: ref("AccountPage"), errors: [401, 403, 422],
            parameters: [
                query("page", "integer", "page, from 1", range: 1...100_000), query("per", "integer", "page size", range: 1...100),
            ]),
        Operation(
            method: "post", path: "/api/v1/accounts", id: "createStaff", summary: "Create a staff account (system admin)", tag: "identity",
            auth: true,
            body: "StaffCreation", response: ref("Account"), success: 201, errors: [400, 401, 403, 409, 422]),
        Operation(
            method: "get", path: "/api/v1/accounts/{accountID}", id: "getAccount",
            summary: "Another account; reading personal data needs a purpose and is audited", tag: "identity", auth: true,
            response: ref("Account"), errors: [401, 403, 404, 422],
            parameters: [
                pathParameter("accountID", format: "uuid"),
                query("purpose", "string", "why the data is read (required for another person's data)", pattern: textPattern),
            ]),
        Operation(
            method: "put", path: "/api/v1/accounts/{accountID}/roles", id: "changeRoles",
            summary: "Replace a staff member's roles (optimistic locking)", tag: "identity", auth: true,
            body: "RolesChange", response: ref("Account"), errors: [400, 401, 403, 404, 409, 422],
            parameters: [pathParameter("accountID", format: "uuid")]),
        Operation(
            method: "put", path: "/api/v1/accounts/{accountID}/status", id: "changeStatus",
            summary: "Disable or re-enable a staff account (optimistic locking); disabling ends its sign-ins", tag: "identity", auth: true,
            body: "StatusChange", response: ref("Account"), errors: [400, 401, 403, 404, 409, 422],
            parameters: [pathParameter("accountID", format: "uuid")]),
        Operation(
            method: "get", path: "/api/v1/regions", id: "listRegions", summary: "Provinces, or the children of a region", tag: "regions",
            response: ["type": "array", "items": ref("Region")], errors: [422],
            parameters: [query("parent", "string", "parent region code", pattern: regionPattern)]),
        Operation(
            method: "get", path: "/api/v1/regions/{code}", id: "getRegion", summary: "One region", tag: "regions",
            response: ref("Region"), errors: [404], parameters: [pathParameter("code")]),
        Operation(
            method: "get", path: "/api/v1/departments", id: "listDepartments", summary: "Departments, optionally within a region",
            tag: "regions",
            response: ["type": "array", "items": ref("Department")], errors: [422],
            parameters: [query("region", "string", "region code", pattern: regionPattern)]),
        Operation(
            method: "post", path: "/api/v1/departments", id: "createDepartment", summary: "Create a department (system admin)",
            tag: "regions", auth: true,
            body: "DepartmentCreation", response: ref("Department"), success: 201, errors: [400, 401, 403, 409, 422]),
        Operation(
            method: "get", path: "/api/v1/audit", id: "listAudit", summary: "Newest audit entries (system admin, supervisor)", tag: "audit",
            auth: true,
            response: ["type": "array", "items": ref("AuditEntry")], errors: [401, 403, 422],
            parameters: [
                query("limit", "integer", "how many", range: 1...200),
                query("before", "integer", "entries before this row id", range: 1...maxSafeInteger),
            ]),
        Operation(
            method: "get", path: "/api/v1/audit/verify", id: "verifyAudit",
            summary: "Recompute the audit log's tree from its entries and check every signed head (system admin)",
            tag: "audit", auth: true,
            response: ref("AuditVerification"), errors: [401, 403]),
        Operation(
            method: "get", path: "/api/v1/audit/tree-head", id: "getAuditTreeHead",
            summary: "The audit log's newest signed tree head (Ed25519, key in /.well-known/jwks.json)", tag: "audit",
            response: ref("AuditTreeHead"), errors: [404]),
        Operation(
            method: "get", path: "/api/v1/audit/entries/{key}/proof", id: "getAuditInclusionProof",
            summary: "An entry's inclusion proof (RFC 9162): for the subject of a data read, and the region's supervisors", tag: "audit",
            auth: true, response: ref("AuditInclusion"), errors: [401, 404, 409, 422],
            parameters: [
                pathParameter("key"),
                query("treeSize", "integer", "a signed head's size (default: the newest)", range: 1...maxSafeInteger),
            ]),
        Operation(
            method: "get", path: "/api/v1/audit/consistency", id: "getAuditConsistencyProof",
            summary: "The consistency proof between two tree sizes (RFC 9162)", tag: "audit",
            response: ref("AuditConsistency"), errors: [422],
            parameters: [
                query("from", "integer", "the older tree size", range: 1...maxSafeInteger, required: true),
                query("to", "integer", "the newer tree size", range: 1...maxSafeInteger, required: true),
            ]),
    ]

    /// The catalog and the calendar.
    private static let catalogOperations: [Operation] = [
        Operation(
            method: "get", path: "/api/v1/catalog/items", id: "searchItems",
            summary: "Search the published items (Chinese full text, filters)", tag: "catalog",
            response: ref("ItemPage"), errors: [422],
            parameters: [
                query("q", "string", "search text, 1–50 characters; terms separated by spaces must all match", length: 50),
                query(
                    "kind", "string", "item kind code (01…20) or Chinese name",
                    values: ItemKind.allCases.flatMap { [$0.rawValue, $0.chineseName] } + [""]),
                query("department", "string", "department code", length: 100),
                query("region", "string", "region code: the region and everything in it", pattern: orEmpty(regionPattern)),
                query(
                    "level", "string", "province, city, county, town or village",
                    values: ["province", "city", "county", "town", "village", ""]),
                query("online", "string", "true: online items only", values: ["true", "false", "1", "0", "on", ""]),
                query("page", "integer", "page", range: 1...10_000), query("per", "integer", "items per page", range: 1...100),
            ]),
        Operation(
            method: "get", path: "/api/v1/catalog/items/{code}", id: "getItem",
            summary: "An item by code: the published version, or ?version=", tag: "catalog",
            response: ref("Entry"), errors: [404, 422],
            parameters: [pathParameter("code"), query("version", "integer", "version", range: 1...1_000_000)]),
        Operation(
            method: "get", path: "/api/v1/catalog/items/{code}/versions", id: "listItemVersions",
            summary: "The versions of an item (drafts left out)", tag: "catalog",
            response: ["type": "array", "items": ref("Version")], errors: [404], parameters: [pathParameter("code")]),
        Operation(
            method: "get", path: "/api/v1/catalog/items/{code}/places", id: "listItemPlaces",
            summary: "就近办: the halls whose windows take the published item in (收受分离), nearest first to ?near=", tag: "catalog",
            response: ref("ItemPlaces"), errors: [404, 422],
            parameters: [
                pathParameter("code"),
                query("near", "string", "a region code to order from (default: the item's region)", pattern: orEmpty(regionPattern)),
                query("limit", "integer", "the nearest this many (default 20)", range: 1...200),
            ]),
        Operation(
            method: "get", path: "/api/v1/catalog/items/{code}/draft", id: "getItemDraft", summary: "The draft of an item (catalog admin)",
            tag: "catalog", auth: true,
            response: ref("Entry"), errors: [401, 403, 404], parameters: [pathParameter("code")]),
        Operation(
            method: "put", path: "/api/v1/catalog/items/{code}/draft", id: "saveItemDraft",
            summary: "Create or replace the draft of an item (catalog admin)", tag: "catalog", auth: true,
            body: "ServiceItem", response: ref("Entry"), errors: [401, 403, 409, 422], parameters: [pathParameter("code")],
            alsoSuccess: [201]),
        Operation(
            method: "post", path: "/api/v1/catalog/items/{code}/publish", id: "publishItem",
            summary: "Publish a draft version; the version before is superseded", tag: "catalog", auth: true,
            body: "PublishRequest", response: ref("Entry"), errors: [401, 403, 404, 409, 422], parameters: [pathParameter("code")]),
        Operation(
            method: "post", path: "/api/v1/catalog/items/{code}/retire", id: "retireItem", summary: "Retire the published version",
            tag: "catalog", auth: true,
            success: 204, errors: [401, 403, 404, 409], parameters: [pathParameter("code")]),
        Operation(
            method: "get", path: "/api/v1/catalog/bundles", id: "listBundles", summary: "The published bundles (一件事)", tag: "catalog",
            response: ["type": "array", "items": ref("BundleSummary")], errors: []),
        Operation(
            method: "get", path: "/api/v1/catalog/bundles/{code}", id: "getBundle", summary: "A bundle by code", tag: "catalog",
            response: ref("Entry"), errors: [404, 422],
            parameters: [pathParameter("code"), query("version", "integer", "version", range: 1...1_000_000)]),
        Operation(
            method: "post", path: "/api/v1/catalog/bundles/{code}/evaluate", id: "evaluateBundle",
            summary: "A bundle for a set of answers: items, merged form and materials, citizen cost", tag: "catalog",
            body: "AnswersRequest", response: ref("Evaluation"), errors: [404, 422], parameters: [pathParameter("code")]),
        Operation(
            method: "put", path: "/api/v1/catalog/bundles/{code}/draft", id: "saveBundleDraft",
            summary: "Create or replace the draft of a bundle (catalog admin)", tag: "catalog", auth: true,
            body: "ServiceBundle", response: ref("Entry"), errors: [401, 403, 409, 422], parameters: [pathParameter("code")],
            alsoSuccess: [201]),
        Operation(
            method: "post", path: "/api/v1/catalog/bundles/{code}/publish", id: "publishBundle",
            summary: "Publish a bundle draft (all its items published, no conflicts, no cycles)", tag: "catalog", auth: true,
            body: "PublishRequest", response: ref("Entry"), errors: [401, 403, 404, 409, 422], parameters: [pathParameter("code")]),
        Operation(
            method: "post", path: "/api/v1/catalog/bundles/{code}/retire", id: "retireBundle", summary: "Retire the published bundle",
            tag: "catalog", auth: true,
            success: 204, errors: [401, 403, 404, 409], parameters: [pathParameter("code")]),
        Operation(
            method: "get", path: "/api/v1/calendar/add", id: "addWorkingDays",
            summary: "The date a number of working days after a date (the date itself not counted), on the official calendar",
            tag: "calendar",
            response: ref("CalendarAnswer"), errors: [422],
            parameters: [
                query("from", "string", "start date, YYYY-MM-DD", pattern: datePattern, required: true),
                query("days", "integer", "working days to add", range: 0...2_000, required: true),
            ]),
        Operation(
            method: "get", path: "/api/v1/calendar/between", id: "countWorkingDays",
            summary: "Working days after one date up to and including another (negative when the second is earlier)", tag: "calendar",
            response: ref("CalendarAnswer"), errors: [422],
            parameters: [
                query("from", "string", "start date, YYYY-MM-DD (not counted)", pattern: datePattern, required: true),
                query("to", "string", "end date, YYYY-MM-DD (counted)", pattern: datePattern, required: true),
            ]),
    ]

    /// Applications, cases, licences and shared data.
    private static let caseOperations: [Operation] = [
        Operation(
            method: "post", path: "/api/v1/applications", id: "apply",
            summary:
                "Apply for an item or a bundle (one form, one submission); a clerk may apply for someone present (帮办). A draft at any real-name level; submitting, offering licences and fetching shared data need Level 2 (403 auth.assuranceTooLow)",
            tag: "applications", auth: true,
            body: "ApplyRequest", response: ref("Application"), success: 201, errors: [400, 401, 403, 409, 422],
            parameters: [
                [
                    "name": "Idempotency-Key", "in": "header", "required": false,
                    "description": "a retry with the same key and body returns the same application; another body is a 409",
                    "schema": ["type": "string", "minLength": 1, "maxLength": 100],
                ]
            ]),
        Operation(
            method: "get", path: "/api/v1/applications", id: "listMyApplications", summary: "The caller's own applications, newest first",
            tag: "applications", auth: true,
            response: ["type": "array", "items": ref("ApplicationSummary")], errors: [401, 422],
            parameters: [query("limit", "integer", "at most this many", range: 1...200)]),
        Operation(
            method: "get", path: "/api/v1/applications/{id}", id: "getApplication",
            summary: "An application with its cases, tasks, clock and timeline", tag: "applications", auth: true,
            response: ref("Application"), errors: [401, 404], parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "post", path: "/api/v1/applications/{id}/visits", id: "recordVisit",
            summary: "Record an in-person visit (window clerk)", tag: "applications", auth: true,
            body: "VisitRequest", response: ref("Application"), errors: [400, 401, 403, 404, 422],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "post", path: "/api/v1/applications/{id}/posted-materials", id: "receivePostedMaterials",
            summary:
                "Register paper materials the applicant sent in by post (window clerk of the region, while a case is open): on the checklist and the timeline, no visit counted",
            tag: "applications", auth: true,
            body: "PostedMaterialsRequest", response: ref("Application"), errors: [400, 401, 403, 404, 409, 422],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "post", path: "/api/v1/applications/{id}/submit", id: "submitDraft",
            summary: "Submit a saved draft (optionally with its final form): checked in full, numbered, every case submitted",
            tag: "applications", auth: true,
            body: "SubmitRequest", bodyOptional: true, response: ref("Application"), errors: [400, 401, 403, 404, 409, 422],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "get", path: "/api/v1/materials/{id}", id: "openMaterial",
            summary:
                "An uploaded material's file, inline in a sandbox (Content-Disposition, nosniff, CSP sandbox): for the applicant, the window clerks of the region and the reviewers of the application's departments; a staff view is recorded for the applicant; anyone else 404",
            tag: "applications", auth: true, errors: [401, 404], parameters: [pathParameter("id", format: "uuid")],
            answerTypes: ["application/pdf", "image/jpeg", "image/png"]),
        Operation(
            method: "post", path: "/api/v1/materials/{id}/deficiency", id: "markMaterialDeficient",
            summary:
                "不合格: a reviewer of the application's departments or a window clerk who handles it marks an uploaded file deficient with the reason (on the timeline, in the audit, in the clerk's correction request); while a case is open to materials",
            tag: "applications", auth: true, body: "MaterialDeficiency", success: 204, errors: [400, 401, 403, 404, 409, 415, 422],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "post", path: "/api/v1/applications/{id}/materials/{key}", id: "uploadMaterial",
            summary: "Upload one material (PDF, JPEG or PNG, at most 10 MB), kept under its SHA-256", tag: "applications", auth: true,
            response: ref("StoredMaterial"), success: 201, errors: [400, 401, 403, 404, 409, 413, 415, 422],
            parameters: [
                pathParameter("id", format: "uuid"), pathParameter("key"), query("filename", "string", "the file's name, shown to clerks"),
            ],
            fileTypes: ["application/pdf", "image/jpeg", "image/png"]),
        Operation(
            method: "post", path: "/api/v1/cases/{id}/actions", id: "actOnCase",
            summary: "Act on a case: the state machine allows it or answers 409 with the current state and the allowed actions",
            tag: "applications", auth: true,
            body: "CaseAction", response: ref("Application"), errors: [400, 401, 403, 404, 409, 422],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "get", path: "/api/v1/tasks", id: "reviewerInbox",
            summary: "The open review tasks of the reviewer's department, soonest due first", tag: "applications", auth: true,
            response: list(ref("InboxLine")), errors: [401, 403]),
        Operation(
            method: "get", path: "/api/v1/verifications", id: "pendingVerifications",
            summary: "告知承诺: the reviewer's department's commitment approvals still to be verified, soonest due first", tag: "applications",
            auth: true,
            response: list(ref("VerificationLine")), errors: [401, 403]),
        Operation(
            method: "post", path: "/api/v1/tasks/{id}/{verb}", id: "workOnTask",
            summary: "Claim, release or complete (with an opinion) a review task", tag: "applications", auth: true,
            body: "TaskRequest", response: ref("Application"), errors: [400, 401, 403, 404, 409, 422],
            parameters: [
                pathParameter("id", format: "uuid"),
                ["name": "verb", "in": "path", "required": true, "schema": ["type": "string", "enum": ["claim", "release", "complete"]]],
            ]),
        Operation(
            method: "post", path: "/api/v1/licenses/verify", id: "verifyLicense",
            summary:
                "Verify an e-licence (compact JWS): signature, untouched contents, and its status in the issuer's registry; no sign-in",
            tag: "licenses",
            body: "LicenseToken", response: ref("LicenseVerdict"), errors: [400, 422]),
        Operation(
            method: "post", path: "/api/v1/licenses/{identifier}/status", id: "changeLicenseStatus",
            summary: "Suspend, restore, withdraw, cancel or revoke an e-licence with a reason (a reviewer of the issuing department)",
            tag: "licenses", auth: true,
            body: "LicenseStatusChange", response: ref("LicenseVerdict"), errors: [400, 401, 403, 404, 409, 422],
            parameters: [["name": "identifier", "in": "path", "required": true, "schema": ["type": "string"]]]),
        Operation(
            method: "get", path: "/api/v1/applications/{id}/licenses", id: "applicationLicenses",
            summary:
                "免提交: the application's materials satisfied by e-licences; the licence's data only for its holder and the reviewers of the consenting cases (each such read is recorded)",
            tag: "licenses", auth: true, response: list(ref("SharedMaterial")), errors: [401, 404],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "get", path: "/api/v1/me/data-access", id: "myDataAccess",
            summary:
                "The signed-in person's or enterprise's consents, and every read of their data by a department (who, when, which fields, purpose, basis)",
            tag: "licenses", auth: true, response: ref("DataAccess"), errors: [401, 403]),
        Operation(
            method: "get", path: "/api/v1/data/resources", id: "dataResources",
            summary:
                "数据共享目录: each resource's owner, fields with their sensitivity, sharing class, consent, update frequency and legal basis",
            tag: "sharing",
            response: list(ref("DataResource")), errors: []),
        Operation(
            method: "get", path: "/api/v1/data/grants", id: "sharingGrants",
            summary: "The grants the caller's department asked for or must decide on as owner", tag: "sharing", auth: true,
            response: list(ref("Grant")), errors: [401, 403]),
        Operation(
            method: "post", path: "/api/v1/data/grants", id: "requestGrant",
            summary:
                "Ask for fields of another department's resource, for a purpose, under a legal basis, for a number of days (not-shared resources refused)",
            tag: "sharing", auth: true,
            body: "GrantRequest", response: ref("Grant"), success: 201, errors: [401, 403, 422]),
        Operation(
            method: "post", path: "/api/v1/data/grants/{id}/decision", id: "decideGrant",
            summary: "The owner's data administrator approves or refuses (with a reason) a pending request; a concurrent decision is a 409",
            tag: "sharing", auth: true,
            body: "GrantDecision", response: ref("Grant"), errors: [401, 403, 404, 409, 422],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "post", path: "/api/v1/data/grants/{id}/revoke", id: "revokeGrant",
            summary: "The owner's data administrator ends an approved grant early, with a reason; reads under it are refused from then on",
            tag: "sharing", auth: true,
            body: "GrantRevoke", response: ref("Grant"), errors: [401, 403, 404, 409, 422],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "post", path: "/api/v1/me/consents/{id}/withdraw", id: "withdrawConsent",
            summary:
                "The holder withdraws a consent: the department no longer reads that licence or data for the case (earlier reads stay recorded)",
            tag: "licenses", auth: true,
            response: ref("DataAccess"), errors: [401, 403, 404, 409], parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "post", path: "/api/v1/data/clients", id: "createClient",
            summary: "Register one of the department's systems: its API key (shown once, stored hashed), clearance and per-minute limit",
            tag: "sharing", auth: true,
            body: "ClientRequest", response: ref("ClientCreated"), success: 201, errors: [401, 403, 422]),
        Operation(
            method: "post", path: "/api/v1/data/clients/{id}/revoke", id: "revokeClient",
            summary: "Revoke one of the department's systems' keys: refused from the next request on (within seconds in every process)",
            tag: "sharing", auth: true, response: ref("ClientRevoked"), errors: [401, 403, 404, 409],
            parameters: [pathParameter("id", format: "uuid")]),
        Operation(
            method: "put", path: "/api/v1/data/resources/{code}/records", id: "loadRecords",
            summary:
                "The owner department's client system (header X-Api-Key) loads an NDJSON batch of up to 10,000 records ({\"subject\", \"version\", \"data\", \"asOf\"} a line): checked whole, every bad line named, nothing written if one is bad; idempotent by subject and version; audited with its counts",
            tag: "sharing", response: ref("DataLoadOutcome"), errors: [400, 401, 403, 404, 413, 415, 422, 429],
            parameters: [pathParameter("code")], fileTypes: ["application/x-ndjson"]),
        Operation(
            method: "post", path: "/api/v1/data/lookup", id: "sharedLookup",
            summary:
                "A client system (header X-Api-Key) reads one subject's record under its department's grant: fields above its clearance masked; the read audited with its purpose; a refusal logged",
            tag: "sharing", body: "LookupRequest", response: ref("LookupResult"), errors: [401, 403, 404, 422, 429]),
        Operation(
            method: "post", path: "/api/v1/licenses/{identifier}/reissue", id: "reissueLicense",
            summary:
                "延续 (renew: a new period from today) or 变更 (change fields) by a reviewer of the issuing department: the next version is signed, the old one cancelled naming it",
            tag: "licenses", auth: true, body: "LicenseReissue", response: ref("LicenseVerdict"), errors: [400, 401, 403, 404, 409, 422],
            parameters: [["name": "identifier", "in": "path", "required": true, "schema": ["type": "string"]]]),
        Operation(
            method: "post", path: "/api/v1/licenses", id: "issueLicense",
            summary:
                "颁发 without a case (a reviewer's department issues and signs a licence of a type to a person or enterprise, every field given, with a reason)",
            tag: "licenses", auth: true, body: "LicenseIssue", response: ref("LicenseVerdict"), success: 201, errors: [400, 401, 403, 422]),
        Operation(
            method: "get", path: "/api/v1/licenses", id: "licenseWallet",
            summary: "The signed-in holder's e-licences (电子证照夹), newest first", tag: "licenses", auth: true,
            response: list(ref("WalletLicense")), errors: [401, 403]),
        Operation(
            method: "post", path: "/api/v1/carrier/events", id: "carrierEvent",
            summary:
                "邮寄送达: a postal carrier's tracking callback for a parcel (S10 number), signed with the operator's carrier secret (Standard Webhooks headers webhook-id, webhook-timestamp, webhook-signature); forward-only, idempotent by webhook-id",
            tag: "applications", body: "CarrierEvent", response: ref("CarrierEventAnswer"), errors: [400, 401, 404, 415, 422]),
        Operation(
            method: "get", path: "/api/v1/status", id: "applicationStatus",
            summary:
                "Public status lookup by application number and the code (查询码) given to the applicant at submission; nothing personal",
            tag: "applications",
            response: ref("ApplicationStatus"), errors: [404, 422, 429],
            parameters: [
                query("number", "string", "application number, e.g. 330106-20261123-00000042-7", required: true),
                query(
                    "code", "string", "the eight-character code given at submission (ABCD-EFGH; case, hyphen and spaces ignored)",
                    required: true),
            ]),
    ]

    package static func operationJSON(_ op: Operation) -> JSONValue {
        var responses: [(String, JSONValue)] = []
        let example = OpenAPIExamples.recorded[op.id]
        if let response = op.response {
            var media: [(String, JSONValue)] = [("schema", response)]
            if let answer = example?.response { media.append(("example", answer)) }
            for code in [op.success] + op.alsoSuccess {
                responses.append((String(code), ["description": "success", "content": ["application/json": .object(media)]]))
            }
        } else if !op.answerTypes.isEmpty {
            let content = JSONValue.object(op.answerTypes.map { ($0, ["schema": ["type": "string", "format": "binary"]]) })
            responses.append((String(op.success), ["description": "the file", "content": content]))
        } else {
            responses.append((String(op.success), ["description": "success"]))
        }
        // Every body must be JSON (415 otherwise); 400 for JSON that does not parse.
        let codes = Set(op.errors + (op.body != nil ? [400, 415] : [])).sorted()
        for code in codes {
            responses.append(
                (
                    String(code),
                    [
                        "description": .string(HTTPResponseStatus(statusCode: code).reasonPhrase),
                        "content": ["application/json": ["schema": ref("Error")]],
                    ]
                ))
        }
        var pairs: [(String, JSONValue)] = [("operationId", .string(op.id)), ("summary", .string(op.summary)), ("tags", [.string(op.tag)])]
        if !op.parameters.isEmpty { pairs.append(("parameters", .array(op.parameters))) }
        if let body = op.body {
            var media: [(String, JSONValue)] = [("schema", ref(body))]
            if let request = example?.request { media.append(("example", request)) }
            pairs.append(("requestBody", ["required": .bool(!op.bodyOptional), "content": ["application/json": .object(media)]]))
        } else if !op.fileTypes.isEmpty {
            pairs.append(
                (
                    "requestBody",
                    ["required": true, "content": .object(op.fileTypes.map { ($0, ["schema": ["type": "string", "format": "binary"]]) })]
                ))
        }
        pairs.append(("responses", .object(responses)))
        if op.auth { pairs.append(("security", [["bearer": []]])) }
        return .object(pairs)
    }

    package static var document: JSONValue {
        var paths: [(String, [(String, JSONValue)])] = []
        for op in operations + hallOperations + ratingOperations + supervisionOperations + webhookOperations + handlerOperations {
            if let index = paths.firstIndex(where: { $0.0 == op.path }) {
                paths[index].1.append((op.method, operationJSON(op)))
            } else {
                paths.append((op.path, [(op.method, operationJSON(op))]))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Tongban 一网通办 API", "version": "1.0.0",
                "description":
                    "Errors share one shape: {\"error\": {\"code\", \"message\", \"details\"}}; messages follow Accept-Language or ?lang= (zh-CN by default, en).",
            ],
            "paths": .object(paths.map { ($0.0, .object($0.1)) }),
            "webhooks": webhooksSection,
            "components": [
                "schemas": .object(
                    (schemas + webhookRequestSchemas + handlerRequestSchemas).map {
                        ($0.0, $0.1.boundingIntegers(to: maxSafeInteger).optionalsNullable())
                    }
                        + responseSchemas + webhookResponseSchemas + handlerSchemas),
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
            ],
        ]
    }

    package static let encoded: Data = {
        let encoder = JSONEncoder()
        // sorted: the same bytes from every process (a keyed container keeps no order of its own)
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return (try? encoder.encode(document)) ?? Data()
    }()

    package static func response() -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: encoded))
    }
}
