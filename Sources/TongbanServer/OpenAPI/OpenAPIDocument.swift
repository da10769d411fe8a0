import Foundation
import TongbanCore
import Vapor

/// The OpenAPI 3.1 description of `/api/v1`. A test compares its operations with the routes the
/// application registers, so neither can drift from the other.
enum OpenAPIDocument {
    struct Operation {
        let method: String
        let path: String
        let id: String
        let summary: String
        let tag: String
        var auth = false
        var body: String? = nil
        var response: JSONValue? = nil
        var success = 200
        var errors: [Int] = [400, 422]
        var parameters: [JSONValue] = []
        /// A body that is a file, in one of these media types, instead of JSON.
        var fileTypes: [String] = []
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static func query(_ name: String, _ type: String = "string", _ description: String, range: ClosedRange<Int>? = nil,
                      pattern: String? = nil) -> JSONValue {
        var schema: [(String, JSONValue)] = [("type", .string(type))]
        if let range { schema += [("minimum", .int(range.lowerBound)), ("maximum", .int(range.upperBound))] }
        if let pattern { schema.append(("pattern", .string(pattern))) }
        return ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": .object(schema)]
    }

    /// The largest integer every JSON client reads exactly.
    static let maxSafeInteger = 9_007_199_254_740_991

    // What a schema can say of our checks; check characters it cannot, so those stay 422s.
    static let identityPattern = "^[0-9]{17}[0-9Xx]$"
    static let creditCodePattern = "^[0-9A-HJ-NP-RT-UW-Ya-hj-np-rt-uw-y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Ya-hj-np-rt-uw-y]{10}$"
    static let datePattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    static let regionPattern = "^[1-9][0-9]{5}([0-9]{3}){0,2}$"
    /// Some visible character, no control characters (surrounding spaces are trimmed).
    static let textPattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u001F\\u007F-\\u009F\\s][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    static func pathParameter(_ name: String, format: String? = nil) -> JSONValue {
        var schema: [(String, JSONValue)] = [("type", "string")]
        if let format { schema.append(("format", .string(format))) }
        return ["name": .string(name), "in": "path", "required": true, "schema": .object(schema)]
    }

    static let operations: [Operation] = [
        Operation(method: "post", path: "/api/v1/auth/login", id: "login", summary: "Sign in; returns an access token and a refresh token", tag: "identity",
                  body: "LoginRequest", response: ref("Tokens"), errors: [400, 401, 422, 429]),
        Operation(method: "post", path: "/api/v1/auth/refresh", id: "refreshTokens", summary: "Rotate a refresh token", tag: "identity",
                  body: "RefreshRequest", response: ref("Tokens"), errors: [400, 401, 422]),
        Operation(method: "post", path: "/api/v1/auth/logout", id: "logout", summary: "Revoke a refresh token and its family", tag: "identity",
                  body: "RefreshRequest", success: 204, errors: [400, 401, 422]),
        Operation(method: "post", path: "/api/v1/register/person", id: "registerPerson", summary: "Register a natural person", tag: "identity",
                  body: "PersonRegistration", response: ref("Account"), success: 201, errors: [400, 409, 415, 422]),
        Operation(method: "post", path: "/api/v1/register/enterprise", id: "registerEnterprise", summary: "Register a legal person (enterprise)", tag: "identity",
                  body: "EnterpriseRegistration", response: ref("Account"), success: 201, errors: [400, 409, 415, 422]),
        Operation(method: "get", path: "/api/v1/me", id: "getMe", summary: "The signed-in account, unmasked", tag: "identity", auth: true,
                  response: ref("Account"), errors: [401]),
        Operation(method: "post", path: "/api/v1/me/password", id: "changePassword", summary: "Change the password; ends other sign-ins", tag: "identity", auth: true,
                  body: "PasswordChange", success: 204, errors: [400, 401, 422]),
        Operation(method: "get", path: "/api/v1/accounts", id: "listAccounts", summary: "Staff accounts in the caller's region", tag: "identity", auth: true,
                  response: ref("AccountPage"), errors: [401, 403, 422], parameters: [query("page", "integer", "page, from 1", range: 1...100_000), query("per", "integer", "page size", range: 1...100)]),
        Operation(method: "post", path: "/api/v1/accounts", id: "createStaff", summary: "Create a staff account (system admin)", tag: "identity", auth: true,
                  body: "StaffCreation", response: ref("Account"), success: 201, errors: [400, 401, 403, 409, 422]),
        Operation(method: "get", path: "/api/v1/accounts/{accountID}", id: "getAccount",
                  summary: "Another account; reading personal data needs a purpose and is audited", tag: "identity", auth: true,
                  response: ref("Account"), errors: [401, 403, 404, 422],
                  parameters: [pathParameter("accountID", format: "uuid"), query("purpose", "string", "why the data is read (required for another person's data)", pattern: textPattern)]),
        Operation(method: "put", path: "/api/v1/accounts/{accountID}/roles", id: "changeRoles", summary: "Replace a staff member's roles (optimistic locking)", tag: "identity", auth: true,
                  body: "RolesChange", response: ref("Account"), errors: [400, 401, 403, 404, 409, 422], parameters: [pathParameter("accountID", format: "uuid")]),
        Operation(method: "put", path: "/api/v1/accounts/{accountID}/status", id: "changeStatus",
                  summary: "Disable or re-enable a staff account (optimistic locking); disabling ends its sign-ins", tag: "identity", auth: true,
                  body: "StatusChange", response: ref("Account"), errors: [400, 401, 403, 404, 409, 422], parameters: [pathParameter("accountID", format: "uuid")]),
        Operation(method: "get", path: "/api/v1/regions", id: "listRegions", summary: "Provinces, or the children of a region", tag: "regions",
                  response: ["type": "array", "items": ref("Region")], errors: [422], parameters: [query("parent", "string", "parent region code", pattern: regionPattern)]),
        Operation(method: "get", path: "/api/v1/regions/{code}", id: "getRegion", summary: "One region", tag: "regions",
                  response: ref("Region"), errors: [404], parameters: [pathParameter("code")]),
        Operation(method: "get", path: "/api/v1/departments", id: "listDepartments", summary: "Departments, optionally within a region", tag: "regions",
                  response: ["type": "array", "items": ref("Department")], errors: [422], parameters: [query("region", "string", "region code", pattern: regionPattern)]),
        Operation(method: "post", path: "/api/v1/departments", id: "createDepartment", summary: "Create a department (system admin)", tag: "regions", auth: true,
                  body: "DepartmentCreation", response: ref("Department"), success: 201, errors: [400, 401, 403, 409, 422]),
        Operation(method: "get", path: "/api/v1/audit", id: "listAudit", summary: "Newest audit entries (system admin, supervisor)", tag: "audit", auth: true,
                  response: ["type": "array", "items": ref("AuditEntry")], errors: [401, 403, 422],
                  parameters: [query("limit", "integer", "how many", range: 1...200), query("before", "integer", "entries before this sequence number", range: 1...maxSafeInteger)]),
        Operation(method: "get", path: "/api/v1/audit/verify", id: "verifyAudit", summary: "Check the audit hash chain (system admin)", tag: "audit", auth: true,
                  response: ref("AuditVerification"), errors: [401, 403]),
        Operation(method: "get", path: "/api/v1/catalog/items", id: "searchItems", summary: "Search the published items (Chinese full text, filters)", tag: "catalog",
                  response: ref("ItemPage"), errors: [422],
                  parameters: [query("q", "string", "search text, 1–50 characters; terms separated by spaces must all match"),
                               query("kind", "string", "item kind code (01…20) or Chinese name"), query("department", "string", "department code"),
                               query("region", "string", "region code: the region and everything in it", pattern: regionPattern),
                               query("level", "string", "province, city, county, town or village"), query("online", "string", "true: online items only"),
                               query("page", "integer", "page", range: 1...10_000), query("per", "integer", "items per page", range: 1...100)]),
        Operation(method: "get", path: "/api/v1/catalog/items/{code}", id: "getItem", summary: "An item by code: the published version, or ?version=", tag: "catalog",
                  response: ref("Entry"), errors: [404, 422], parameters: [pathParameter("code"), query("version", "integer", "version", range: 1...1_000_000)]),
        Operation(method: "get", path: "/api/v1/catalog/items/{code}/versions", id: "listItemVersions", summary: "The versions of an item (drafts left out)", tag: "catalog",
                  response: ["type": "array", "items": ref("Version")], errors: [404], parameters: [pathParameter("code")]),
        Operation(method: "get", path: "/api/v1/catalog/items/{code}/draft", id: "getItemDraft", summary: "The draft of an item (catalog admin)", tag: "catalog", auth: true,
                  response: ref("Entry"), errors: [401, 403, 404], parameters: [pathParameter("code")]),
        Operation(method: "put", path: "/api/v1/catalog/items/{code}/draft", id: "saveItemDraft", summary: "Create or replace the draft of an item (catalog admin)", tag: "catalog", auth: true,
                  body: "ServiceItem", response: ref("Entry"), errors: [401, 403, 409, 422], parameters: [pathParameter("code")]),
        Operation(method: "post", path: "/api/v1/catalog/items/{code}/publish", id: "publishItem", summary: "Publish a draft version; the version before is superseded", tag: "catalog", auth: true,
                  body: "PublishRequest", response: ref("Entry"), errors: [401, 403, 404, 409, 422], parameters: [pathParameter("code")]),
        Operation(method: "post", path: "/api/v1/catalog/items/{code}/retire", id: "retireItem", summary: "Retire the published version", tag: "catalog", auth: true,
                  success: 204, errors: [401, 403, 404, 409], parameters: [pathParameter("code")]),
        Operation(method: "get", path: "/api/v1/catalog/bundles", id: "listBundles", summary: "The published bundles (一件事)", tag: "catalog",
                  response: ["type": "array", "items": ref("BundleSummary")], errors: []),
        Operation(method: "get", path: "/api/v1/catalog/bundles/{code}", id: "getBundle", summary: "A bundle by code", tag: "catalog",
                  response: ref("Entry"), errors: [404, 422], parameters: [pathParameter("code"), query("version", "integer", "version", range: 1...1_000_000)]),
        Operation(method: "post", path: "/api/v1/catalog/bundles/{code}/evaluate", id: "evaluateBundle", summary: "A bundle for a set of answers: items, merged form and materials, citizen cost", tag: "catalog",
                  body: "AnswersRequest", response: ref("Evaluation"), errors: [404, 422], parameters: [pathParameter("code")]),
        Operation(method: "put", path: "/api/v1/catalog/bundles/{code}/draft", id: "saveBundleDraft", summary: "Create or replace the draft of a bundle (catalog admin)", tag: "catalog", auth: true,
                  body: "ServiceBundle", response: ref("Entry"), errors: [401, 403, 409, 422], parameters: [pathParameter("code")]),
        Operation(method: "post", path: "/api/v1/catalog/bundles/{code}/publish", id: "publishBundle", summary: "Publish a bundle draft (all its items published, no conflicts, no cycles)", tag: "catalog", auth: true,
                  body: "PublishRequest", response: ref("Entry"), errors: [401, 403, 404, 409, 422], parameters: [pathParameter("code")]),
        Operation(method: "post", path: "/api/v1/catalog/bundles/{code}/retire", id: "retireBundle", summary: "Retire the published bundle", tag: "catalog", auth: true,
                  success: 204, errors: [401, 403, 404, 409], parameters: [pathParameter("code")]),
        Operation(method: "get", path: "/api/v1/calendar/add", id: "addWorkingDays",
                  summary: "The date a number of working days after a date (the date itself not counted), on the official calendar", tag: "calendar",
                  response: ref("CalendarAnswer"), errors: [422],
                  parameters: [query("from", "string", "start date, YYYY-MM-DD", pattern: datePattern), query("days", "integer", "working days to add", range: 0...2_000)]),
        Operation(method: "get", path: "/api/v1/calendar/between", id: "countWorkingDays",
                  summary: "Working days after one date up to and including another (negative when the second is earlier)", tag: "calendar",
                  response: ref("CalendarAnswer"), errors: [422],
                  parameters: [query("from", "string", "start date, YYYY-MM-DD (not counted)", pattern: datePattern),
                               query("to", "string", "end date, YYYY-MM-DD (counted)", pattern: datePattern)]),
        Operation(method: "post", path: "/api/v1/applications", id: "apply",
                  summary: "Apply for an item or a bundle (one form, one submission); a clerk may apply for someone present (帮办)", tag: "applications", auth: true,
                  body: "ApplyRequest", response: ref("Application"), success: 201, errors: [400, 401, 403, 409, 422],
                  parameters: [["name": "Idempotency-Key", "in": "header", "required": false,
                                "description": "a retry with the same key and body returns the same application; another body is a 409",
                                "schema": ["type": "string", "minLength": 1, "maxLength": 100]]]),
        Operation(method: "get", path: "/api/v1/applications", id: "listMyApplications", summary: "The caller's own applications, newest first", tag: "applications", auth: true,
                  response: ["type": "array", "items": ref("ApplicationSummary")], errors: [401, 422], parameters: [query("limit", "integer", "at most this many", range: 1...200)]),
        Operation(method: "get", path: "/api/v1/applications/{id}", id: "getApplication", summary: "An application with its cases, tasks, clock and timeline", tag: "applications", auth: true,
                  response: ref("Application"), errors: [401, 404], parameters: [pathParameter("id", format: "uuid")]),
        Operation(method: "post", path: "/api/v1/applications/{id}/visits", id: "recordVisit", summary: "Record an in-person visit (window clerk)", tag: "applications", auth: true,
                  body: "VisitRequest", response: ref("Application"), errors: [400, 401, 403, 404, 422], parameters: [pathParameter("id", format: "uuid")]),
        Operation(method: "post", path: "/api/v1/applications/{id}/submit", id: "submitDraft",
                  summary: "Submit a saved draft (optionally with its final form): checked in full, numbered, every case submitted", tag: "applications", auth: true,
                  body: "SubmitRequest", response: ref("Application"), errors: [400, 401, 403, 404, 409, 422], parameters: [pathParameter("id", format: "uuid")]),
        Operation(method: "post", path: "/api/v1/applications/{id}/materials/{key}", id: "uploadMaterial",
                  summary: "Upload one material (PDF, JPEG or PNG, at most 10 MB), kept under its SHA-256", tag: "applications", auth: true,
                  response: ["type": "object"], success: 201, errors: [400, 401, 403, 404, 409, 413, 415, 422],
                  parameters: [pathParameter("id", format: "uuid"), pathParameter("key"), query("filename", "string", "the file's name, shown to clerks")],
                  fileTypes: ["application/pdf", "image/jpeg", "image/png"]),
        Operation(method: "post", path: "/api/v1/cases/{id}/actions", id: "actOnCase",
                  summary: "Act on a case: the state machine allows it or answers 409 with the current state and the allowed actions", tag: "applications", auth: true,
                  body: "CaseAction", response: ref("Application"), errors: [400, 401, 403, 404, 409, 422], parameters: [pathParameter("id", format: "uuid")]),
        Operation(method: "get", path: "/api/v1/tasks", id: "reviewerInbox", summary: "The open review tasks of the reviewer's department, soonest due first", tag: "applications", auth: true,
                  response: ["type": "array", "items": ["type": "object"]], errors: [401, 403]),
        Operation(method: "get", path: "/api/v1/verifications", id: "pendingVerifications",
                  summary: "告知承诺: the reviewer's department's commitment approvals still to be verified, soonest due first", tag: "applications", auth: true,
                  response: ["type": "array", "items": ["type": "object"]], errors: [401, 403]),
        Operation(method: "post", path: "/api/v1/tasks/{id}/{verb}", id: "workOnTask", summary: "Claim, release or complete (with an opinion) a review task", tag: "applications", auth: true,
                  body: "TaskRequest", response: ref("Application"), errors: [400, 401, 403, 404, 409, 422],
                  parameters: [pathParameter("id", format: "uuid"), ["name": "verb", "in": "path", "required": true, "schema": ["type": "string", "enum": ["claim", "release", "complete"]]]]),
        Operation(method: "post", path: "/api/v1/licenses/verify", id: "verifyLicense",
                  summary: "Verify an e-licence (compact JWS): signature, untouched contents, and its status in the issuer's registry; no sign-in", tag: "licenses",
                  body: "LicenseToken", response: ref("LicenseVerdict"), errors: [400, 422]),
        Operation(method: "post", path: "/api/v1/licenses/{identifier}/status", id: "changeLicenseStatus",
                  summary: "Suspend, restore, withdraw, cancel or revoke an e-licence with a reason (a reviewer of the issuing department)", tag: "licenses", auth: true,
                  body: "LicenseStatusChange", response: ref("LicenseVerdict"), errors: [400, 401, 403, 404, 409, 422],
                  parameters: [["name": "identifier", "in": "path", "required": true, "schema": ["type": "string"]]]),
        Operation(method: "get", path: "/api/v1/applications/{id}/licenses", id: "applicationLicenses",
                  summary: "免提交: the application's materials satisfied by e-licences; the licence's data only for its holder and the reviewers of the consenting cases (each such read is recorded)",
                  tag: "licenses", auth: true, response: ["type": "array", "items": ["type": "object"]], errors: [401, 404],
                  parameters: [pathParameter("id", format: "uuid")]),
        Operation(method: "get", path: "/api/v1/me/data-access", id: "myDataAccess",
                  summary: "The signed-in person's or enterprise's consents, and every read of their data by a department (who, when, which fields, purpose, basis)",
                  tag: "licenses", auth: true, response: ["type": "object"], errors: [401, 403]),
        Operation(method: "get", path: "/api/v1/data/resources", id: "dataResources",
                  summary: "数据共享目录: each resource's owner, fields with their sensitivity, sharing class, consent, update frequency and legal basis", tag: "sharing",
                  response: ["type": "array", "items": ["type": "object"]], errors: []),
        Operation(method: "get", path: "/api/v1/data/grants", id: "sharingGrants", summary: "The grants the caller's department asked for or must decide on as owner", tag: "sharing", auth: true,
                  response: ["type": "array", "items": ["type": "object"]], errors: [401, 403]),
        Operation(method: "post", path: "/api/v1/data/grants", id: "requestGrant",
                  summary: "Ask for fields of another department's resource, for a purpose, under a legal basis, for a number of days (not-shared resources refused)", tag: "sharing", auth: true,
                  body: "GrantRequest", response: ["type": "object"], errors: [401, 403, 422]),
        Operation(method: "post", path: "/api/v1/data/grants/{id}/decision", id: "decideGrant",
                  summary: "The owner's data administrator approves or refuses (with a reason) a pending request; a concurrent decision is a 409", tag: "sharing", auth: true,
                  body: "GrantDecision", response: ["type": "object"], errors: [401, 403, 404, 409, 422], parameters: [pathParameter("id", format: "uuid")]),
        Operation(method: "post", path: "/api/v1/data/clients", id: "createClient",
                  summary: "Register one of the department's systems: its API key (shown once, stored hashed), clearance and per-minute limit", tag: "sharing", auth: true,
                  body: "ClientRequest", response: ["type": "object"], errors: [401, 403, 422]),
        Operation(method: "post", path: "/api/v1/data/lookup", id: "sharedLookup",
                  summary: "A client system (header X-Api-Key) reads one subject's record under its department's grant: fields above its clearance masked; the read audited with its purpose; a refusal logged",
                  tag: "sharing", body: "LookupRequest", response: ["type": "object"], errors: [401, 403, 404, 422, 429]),
        Operation(method: "post", path: "/api/v1/licenses/{identifier}/reissue", id: "reissueLicense",
                  summary: "延续 (renew: a new period from today) or 变更 (change fields) by a reviewer of the issuing department: the next version is signed, the old one cancelled naming it",
                  tag: "licenses", auth: true, body: "LicenseReissue", response: ref("LicenseVerdict"), errors: [400, 401, 403, 404, 409, 422],
                  parameters: [["name": "identifier", "in": "path", "required": true, "schema": ["type": "string"]]]),
        Operation(method: "get", path: "/api/v1/licenses", id: "licenseWallet", summary: "The signed-in holder's e-licences (电子证照夹), newest first", tag: "licenses", auth: true,
                  response: ["type": "array", "items": ["type": "object"]], errors: [401, 403]),
        Operation(method: "get", path: "/api/v1/status", id: "applicationStatus",
                  summary: "Public status lookup by application number and the last four characters of the applicant's identity number or credit code", tag: "applications",
                  response: ref("ApplicationStatus"), errors: [404, 422],
                  parameters: [query("number", "string", "application number, e.g. 330106-20261123-00000042-7"), query("tail", "string", "last four characters of the identity number or credit code")]),
    ]

    static func string(_ description: String? = nil, format: String? = nil, minLength: Int? = nil, maxLength: Int? = nil,
                       pattern: String? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "string")]
        if let format { pairs.append(("format", .string(format))) }
        if let minLength { pairs.append(("minLength", .int(minLength))) }
        if let maxLength { pairs.append(("maxLength", .int(maxLength))) }
        if let pattern { pairs.append(("pattern", .string(pattern))) }
        if let description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }

    static func object(_ properties: [(String, JSONValue)], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })]
    }

    static let nullableString: JSONValue = ["type": ["string", "null"]]

    static let schemas: [(String, JSONValue)] = [
        ("Error", object([("error", object([("code", string()), ("message", string("in the request's language")),
                                            ("details", ["type": "array", "items": object([("field", string()), ("code", string()), ("message", string())],
                                                                                          required: ["field", "code", "message"])])],
                                           required: ["code", "message"]))], required: ["error"])),
        ("LoginRequest", object([("login", string("identity number, credit code or staff user name", maxLength: 64, pattern: textPattern)),
                                 ("password", string(minLength: 1, maxLength: 128))],
                                required: ["login", "password"])),
        ("RefreshRequest", object([("refreshToken", string(minLength: 1, maxLength: 100))], required: ["refreshToken"])),
        ("Tokens", object([("accessToken", string("JWT, HS256")), ("tokenType", string()), ("expiresIn", ["type": "integer"]),
                           ("refreshToken", string()), ("refreshExpiresIn", ["type": "integer"])],
                          required: ["accessToken", "tokenType", "expiresIn", "refreshToken", "refreshExpiresIn"])),
        ("PersonRegistration", object([("name", string(maxLength: 50, pattern: textPattern)),
                                       ("identityNumber", string("GB 11643, 18 characters, with its check character", pattern: identityPattern)),
                                       ("mobile", string("mainland mobile number", pattern: "^(\\+?86)?1[3-9][0-9]{9}$")),
                                       ("password", string("10–128 characters, two kinds of character", minLength: 10, maxLength: 128))],
                                      required: ["name", "identityNumber", "mobile", "password"])),
        ("EnterpriseRegistration", object([("name", string(maxLength: 100, pattern: textPattern)),
                                           ("creditCode", string("GB 32100, 18 characters, with its check character", pattern: creditCodePattern)),
                                           ("legalRepresentative", string(maxLength: 50, pattern: textPattern)),
                                           ("password", string(minLength: 10, maxLength: 128))],
                                          required: ["name", "creditCode", "legalRepresentative", "password"])),
        ("PasswordChange", object([("currentPassword", string(minLength: 1, maxLength: 128)), ("newPassword", string(minLength: 10, maxLength: 128))], required: ["currentPassword", "newPassword"])),
        ("StaffCreation", object([("username", string(pattern: "^[a-zA-Z0-9._-]{3,32}$")), ("displayName", string(maxLength: 50, pattern: textPattern)),
                                  ("departmentID", string(format: "uuid")), ("roles", ["type": "array", "items": ref("Role"), "minItems": 1]),
                                  ("password", string(minLength: 10, maxLength: 128))],
                                 required: ["username", "displayName", "departmentID", "roles", "password"])),
        ("RolesChange", object([("roles", ["type": "array", "items": ref("Role"), "minItems": 1]), ("version", ["type": "integer"])], required: ["roles", "version"])),
        ("StatusChange", object([("status", ["type": "string", "enum": ["active", "disabled"]]), ("version", ["type": "integer"])],
                                required: ["status", "version"])),
        ("Role", ["type": "string", "enum": ["window_clerk", "reviewer", "supervisor", "catalog_admin", "data_admin", "system_admin"]]),
        ("Account", object([("id", string(format: "uuid")), ("kind", ["type": "string", "enum": ["person", "enterprise", "staff"]]),
                            ("displayName", string()), ("status", string()), ("roles", ["type": "array", "items": ref("Role")]),
                            ("departmentID", ["type": ["string", "null"], "format": "uuid"]), ("regionCode", nullableString),
                            ("identityNumber", ["type": ["string", "null"], "description": "masked unless personalDataVisible"]),
                            ("mobile", nullableString), ("creditCode", nullableString), ("legalRepresentative", nullableString),
                            ("personalDataVisible", ["type": "boolean"]), ("version", ["type": "integer"])],
                           required: ["id", "kind", "displayName", "status", "roles", "personalDataVisible", "version"])),
        ("AccountPage", object([("items", ["type": "array", "items": ref("Account")]), ("total", ["type": "integer"]),
                                ("page", ["type": "integer"]), ("per", ["type": "integer"])], required: ["items", "total", "page", "per"])),
        ("Region", object([("code", string()), ("name", string()), ("level", ["type": "string", "enum": ["province", "city", "county", "town", "village"]]),
                           ("parentCode", nullableString), ("statisticalZone", ["type": "boolean"])],
                          required: ["code", "name", "level", "statisticalZone"])),
        ("Department", object([("id", string(format: "uuid")), ("creditCode", string()), ("name", string()), ("regionCode", string())],
                              required: ["id", "creditCode", "name", "regionCode"])),
        ("DepartmentCreation", object([("creditCode", string(pattern: creditCodePattern)), ("name", string(maxLength: 100, pattern: textPattern)),
                                       ("regionCode", string(pattern: regionPattern))],
                                      required: ["creditCode", "name", "regionCode"])),
        ("AuditEntry", object([("sequence", ["type": "integer"]), ("at", string(format: "date-time")), ("actorID", nullableString),
                               ("actorLabel", string()), ("action", string()), ("resource", string()), ("purpose", nullableString),
                               ("requestID", nullableString), ("details", nullableString), ("hash", string())],
                              required: ["sequence", "at", "actorLabel", "action", "resource", "hash"])),
        ("AuditVerification", object([("ok", ["type": "boolean"]), ("entries", ["type": ["integer", "null"]]),
                                      ("brokenAt", ["type": ["integer", "null"]]), ("reason", nullableString)], required: ["ok"])),
        ("ItemSummary", object([("code", string()), ("name", string()), ("subItemName", nullableString), ("kind", string()), ("kindName", string()),
                                ("departmentName", string()), ("departmentCode", string()), ("regionCode", string()), ("level", string()),
                                ("online", ["type": "boolean"]), ("promisedDays", ["type": ["integer", "null"]]), ("visits", ["type": "integer"]),
                                ("version", ["type": "integer"])], required: ["code", "name", "kind", "departmentName", "regionCode", "level", "online", "visits", "version"])),
        ("ItemPage", object([("total", ["type": "integer"]), ("page", ["type": "integer"]), ("per", ["type": "integer"]),
                             ("items", ["type": "array", "items": ref("ItemSummary")])], required: ["total", "page", "per", "items"])),
        ("Entry", object([("code", string()), ("version", ["type": "integer"]), ("status", ["type": "string", "enum": ["draft", "published", "superseded", "retired"]]),
                          ("editedBy", nullableString), ("publishedBy", nullableString), ("publishedAt", ["type": ["string", "null"], "format": "date-time"]),
                          ("item", ref("ServiceItem")), ("bundle", ref("ServiceBundle"))], required: ["code", "version", "status"])),
        ("Version", object([("version", ["type": "integer"]), ("status", string()), ("editedBy", nullableString), ("publishedBy", nullableString),
                            ("publishedAt", ["type": ["string", "null"], "format": "date-time"])], required: ["version", "status"])),
        ("BundleSummary", object([("code", string()), ("name", string()), ("category", string()), ("categoryName", string()), ("leadDepartment", string()),
                                  ("regionCode", string()), ("version", ["type": "integer"])], required: ["code", "name", "category", "categoryName", "leadDepartment", "regionCode", "version"])),
        ("CalendarAnswer", object([("from", string(format: "date")), ("days", ["type": "integer"]), ("to", string(format: "date")),
                                   ("date", string("the resulting date (add)", format: "date")), ("workingDays", ["type": "integer", "description": "the count (between)"]),
                                   ("official", ["type": "boolean", "description": "false when some date counted has no official holiday notice yet (counted as Monday to Friday)"]),
                                   ("assumedFrom", string(format: "date")), ("assumedThrough", string(format: "date"))], required: ["from", "official"])),
        ("ApplyRequest", object([("item", string("an item code")), ("bundle", string("a bundle code")),
                                 ("answers", ["type": "object", "additionalProperties": ["type": "string"]]),
                                 ("form", ["type": "object", "additionalProperties": ["type": "string"]]),
                                 ("applicantID", string("帮办: the applicant's account", format: "uuid")), ("applicantPresent", ["type": "boolean"]),
                                 ("submit", ["type": "boolean", "description": "false saves a draft"]),
                                 ("licenses", ["type": "object", "additionalProperties": ["type": "string"],
                                               "description": "免提交: material key → identifier of an e-licence the applicant holds (their consent for the asking cases' departments to read it)"]),
                                 ("dataConsent", ["type": "boolean", "description": "the applicant allows the asking departments to fetch the shared data the materials name"])],
                                required: [])),
        ("LicenseReissue", object([("kind", ["type": "string", "enum": ["renew", "change"]]), ("fields", ["type": "object", "additionalProperties": ["type": "string"]]),
                                   ("reason", string())], required: ["kind", "reason"])),
        ("GrantRequest", object([("resource", string()), ("fields", ["type": "array", "items": ["type": "string"]]), ("purpose", string()),
                                 ("legalBasis", string()), ("days", ["type": "integer", "minimum": 1, "maximum": 1096])],
                                required: ["resource", "fields", "purpose", "legalBasis", "days"])),
        ("GrantDecision", object([("approve", ["type": "boolean"]), ("reason", nullableString), ("version", ["type": "integer"])], required: ["approve"])),
        ("ClientRequest", object([("name", string()), ("clearance", ["type": "string", "enum": ["public", "internal", "sensitive", "core"]]),
                                  ("ratePerMinute", ["type": "integer"])], required: ["name", "clearance"])),
        ("LookupRequest", object([("resource", string()), ("subject", string("identity number or credit code")),
                                  ("fields", ["type": "array", "items": ["type": "string"]]), ("purpose", string())], required: ["resource", "subject", "purpose"])),
        ("ApplicationSummary", object([("id", string(format: "uuid")), ("number", nullableString), ("status", string()), ("targetName", string()),
                                       ("submittedOn", nullableString), ("dueOn", nullableString)], required: ["id", "status", "targetName"])),
        ("Application", object([("id", string(format: "uuid")), ("number", nullableString), ("status", string()), ("applicantName", string()),
                                ("target", ["type": "object"]), ("regionCode", string()), ("channel", string()), ("visits", ["type": "integer"]),
                                ("form", ["type": "object"]), ("cases", ["type": "array", "items": ["type": "object"]]),
                                ("events", ["type": "array", "items": ["type": "object"]])], required: ["id", "status", "cases"])),
        ("CaseAction", object([("action", ["type": "string", "enum": .array(CaseActionKind.allCases.map { .string($0.rawValue) })]),
                               ("reasons", ["type": "array", "items": ["type": "string"]]), ("reason", string()), ("legalBasis", string()),
                               ("materials", ["type": "array", "items": ["type": "string"]]), ("owed", ["type": "array", "items": ["type": "string"]]),
                               ("due", string(format: "date")), ("approved", ["type": "boolean"]), ("method", ["type": "string", "enum": ["window", "post", "electronic"]]),
                               ("trackingNumber", string()), ("procedure", ["type": "string", "enum": ["inspection", "hearing", "expertReview"]]),
                               ("version", ["type": "integer"])], required: ["action"])),
        ("SubmitRequest", object([("form", ["type": "object", "additionalProperties": ["type": "string"]])], required: [])),
        ("VisitRequest", object([("purpose", string(maxLength: 200))], required: ["purpose"])),
        ("LicenseStatusChange", object([("status", ["type": "string", "enum": ["01", "02", "03", "04", "07"]]), ("reason", string(maxLength: 500))],
                                       required: ["status", "reason"])),
        ("LicenseToken", object([("token", string(maxLength: 20000))], required: ["token"])),
        ("LicenseVerdict", object([("outcome", ["type": "string", "enum": ["valid", "invalid", "suspended", "withdrawn", "cancelled", "expired", "revoked"]]),
                                   ("reason", nullableString), ("message", string()), ("identifier", nullableString), ("status", nullableString),
                                   ("fields", ["type": "array", "items": ["type": "object"]]), ("tamperedFields", ["type": "array", "items": string()])],
                                  required: ["outcome", "message", "fields", "tamperedFields"])),
        ("TaskRequest", object([("opinion", string(maxLength: 2000)), ("version", ["type": "integer"])], required: [])),
        ("ApplicationStatus", object([("number", string()), ("target", string()), ("status", string()), ("submittedOn", nullableString),
                                      ("dueOn", nullableString), ("cases", ["type": "array", "items": ["type": "object"]])], required: ["number", "status", "cases"])),
        ("PublishRequest", object([("version", ["type": "integer", "minimum": 1, "maximum": .int(maxSafeInteger)])], required: ["version"])),
        ("AnswersRequest", object([("answers", ["type": "object", "additionalProperties": ["type": "string"]])], required: ["answers"])),
        ("Evaluation", object([("bundle", string()), ("items", ["type": "array", "items": ["type": "object"]]), ("form", ["type": "array", "items": ["type": "object"]]),
                               ("materials", ["type": "array", "items": ["type": "object"]]),
                               ("cost", object([("items", ["type": "integer"]), ("visits", ["type": "integer"]), ("visitsSeparately", ["type": "integer"]),
                                                ("materialsSeparately", ["type": "integer"]), ("materialsToSupply", ["type": "integer"]),
                                                ("materialsReplacedByData", ["type": "integer"]), ("materialsFromDepartments", ["type": "integer"]),
                                                ("daysInSequence", ["type": "integer"]), ("daysCriticalPath", ["type": "integer"]),
                                                ("criticalPath", ["type": "array", "items": string()])],
                                               required: ["items", "visits", "materialsSeparately", "materialsToSupply", "daysInSequence", "daysCriticalPath"]))],
                              required: ["bundle", "items", "form", "materials", "cost"])),
        ("ItemDepartment", object([("name", string(maxLength: 100, pattern: textPattern)), ("code", string(pattern: "^[0-9A-Z]{5,22}(-[0-9A-Z])?$"))], required: ["name", "code"])),
        ("Material", object([("key", string(pattern: "^[a-z][a-z0-9_]{0,63}$")), ("name", string(maxLength: 200, pattern: textPattern)), ("required", ["type": "boolean"]),
                             ("tolerable", ["type": "boolean"]), ("form", ["type": "string", "enum": ["original", "copy", "originalAndCopy"]]),
                             ("copies", ["type": "integer", "minimum": 1, "maximum": 20]), ("format", ["type": "string", "enum": ["paper", "electronic", "either"]]),
                             ("template", nullableString), ("source", ["type": "string", "enum": ["applicant", "eLicense", "sharedData", "department"]]),
                             ("licenseType", nullableString), ("dataResource", nullableString), ("producedBy", nullableString), ("note", nullableString)],
                            required: ["key", "name", "source"])),
        ("FormField", object([("key", string(pattern: "^[a-zA-Z][a-zA-Z0-9_]{0,63}$")), ("label", string(maxLength: 100, pattern: textPattern)),
                              ("labelEn", string(maxLength: 100, pattern: textPattern)),
                              ("type", ["type": "string", "enum": ["text", "number", "date", "choice", "identityNumber", "creditCode", "mobile", "address", "region", "file"]]),
                              ("required", ["type": "boolean"]), ("choices", ["type": "array", "items": string()]), ("validation", ["type": ["object", "null"]])],
                             required: ["key", "label", "labelEn", "type"])),
        ("ServiceItem", object([("basicCode", string("basic code", pattern: "^[0-9A-Za-z]+(-[0-9A-Za-z]+){0,3}$")), ("implementationCode", nullableString),
                                ("name", string(maxLength: 200, pattern: textPattern)), ("subItemName", nullableString),
                                ("kind", ["type": "string", "enum": ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"]]),
                                ("department", ref("ItemDepartment")), ("regionCode", string(pattern: regionPattern)),
                                ("level", ["type": "string", "enum": ["province", "city", "county", "town", "village"]]),
                                ("legalBasis", ["type": "array", "items": object([("law", string()), ("article", nullableString)], required: ["law"])]),
                                ("acceptanceConditions", ["type": "array", "items": string()]),
                                ("statutoryDays", ["type": ["integer", "null"], "minimum": 0, "maximum": 3650]), ("promisedDays", ["type": ["integer", "null"], "minimum": 0, "maximum": 3650]),
                                ("handlingMode", ["type": "string", "enum": ["instant", "promised"]]), ("commitmentAllowed", ["type": "boolean"]),
                                ("fees", ["type": "array", "items": object([("name", string()), ("amount", string()), ("basis", string())], required: ["name", "amount", "basis"])]),
                                ("channels", ["type": "array", "items": ["type": "string", "enum": ["online", "window", "nearby"]]]),
                                ("visits", ["type": "array", "items": object([("reason", string())], required: ["reason"])]),
                                ("materials", ["type": "array", "items": ref("Material")]), ("form", ["type": "array", "items": ref("FormField")]),
                                ("steps", ["type": "array", "items": ["type": "object"]]), ("result", ["type": ["object", "null"]]),
                                ("prerequisites", ["type": "array", "items": string()]), ("keywords", ["type": "array", "items": string(maxLength: 20)]),
                                ("windows", ["type": "array", "items": ["type": "object"]]), ("source", nullableString)],
                               required: ["basicCode", "name", "kind", "department", "regionCode", "level"])),
        ("ServiceBundle", object([("code", string(pattern: "^[0-9A-Z-]{1,40}$")), ("name", string(maxLength: 100, pattern: textPattern)),
                                  ("category", ["type": "string", "enum": ["enterpriseStart", "enterpriseChange", "construction", "socialOrganization", "talent", "employment", "birth", "schooling", "retirement", "property", "other"]]),
                                  ("summary", string()), ("leadDepartment", ref("ItemDepartment")), ("regionCode", string(pattern: regionPattern)),
                                  ("questions", ["type": "array", "items": ["type": "object"]]),
                                  ("members", ["type": "array", "items": object([("itemCode", string()), ("when", ["type": ["object", "null"]])], required: ["itemCode"])]),
                                  ("keywords", ["type": "array", "items": string()]), ("source", nullableString)],
                                 required: ["code", "name", "category", "summary", "leadDepartment", "regionCode", "members"])),
    ]

    static func operationJSON(_ op: Operation) -> JSONValue {
        var responses: [(String, JSONValue)] = []
        if let response = op.response {
            responses.append((String(op.success), ["description": "success", "content": ["application/json": ["schema": response]]]))
        } else {
            responses.append((String(op.success), ["description": "success"]))
        }
        // Every body must be JSON (415 otherwise); 400 for JSON that does not parse.
        let codes = Set(op.errors + (op.body != nil ? [400, 415] : [])).sorted()
        for code in codes {
            responses.append((String(code), ["description": .string(HTTPResponseStatus(statusCode: code).reasonPhrase),
                                              "content": ["application/json": ["schema": ref("Error")]]]))
        }
        var pairs: [(String, JSONValue)] = [("operationId", .string(op.id)), ("summary", .string(op.summary)), ("tags", [.string(op.tag)])]
        if !op.parameters.isEmpty { pairs.append(("parameters", .array(op.parameters))) }
        if let body = op.body {
            pairs.append(("requestBody", ["required": true, "content": ["application/json": ["schema": ref(body)]]]))
        } else if !op.fileTypes.isEmpty {
            pairs.append(("requestBody", ["required": true, "content": .object(op.fileTypes.map { ($0, ["schema": ["type": "string", "format": "binary"]]) })]))
        }
        pairs.append(("responses", .object(responses)))
        if op.auth { pairs.append(("security", [["bearer": []]])) }
        return .object(pairs)
    }

    static var document: JSONValue {
        var paths: [(String, [(String, JSONValue)])] = []
        for op in operations {
            if let index = paths.firstIndex(where: { $0.0 == op.path }) {
                paths[index].1.append((op.method, operationJSON(op)))
            } else {
                paths.append((op.path, [(op.method, operationJSON(op))]))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "Tongban 一网通办 API", "version": "1.0.0",
                     "description": "Errors share one shape: {\"error\": {\"code\", \"message\", \"details\"}}; messages follow Accept-Language or ?lang= (zh-CN by default, en)."],
            "paths": .object(paths.map { ($0.0, .object($0.1)) }),
            "components": ["schemas": .object(schemas),
                           "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]]],
        ]
    }

    static let encoded: Data = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(document)) ?? Data()
    }()

    static func response() -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: encoded))
    }
}
