import Foundation
import TongbanCases
import TongbanCore
import TongbanIdentity
import TongbanPlatform
import Vapor

/// The request and response shapes `/openapi.json` names, beside the operations in
/// `OpenAPIDocument.swift`.
extension OpenAPIDocument {
    package static func string(
        _ description: String? = nil, format: String? = nil, minLength: Int? = nil, maxLength: Int? = nil,
        pattern: String? = nil
    ) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "string")]
        if let format { pairs.append(("format", .string(format))) }
        if let minLength { pairs.append(("minLength", .int(minLength))) }
        if let maxLength { pairs.append(("maxLength", .int(maxLength))) }
        if let pattern { pairs.append(("pattern", .string(pattern))) }
        if let description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }

    package static func object(_ properties: [(String, JSONValue)], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })]
    }

    package static let nullableString: JSONValue = ["type": ["string", "null"]]

    /// In five literals, not one: a single literal of all of them took 0.7 s to type-check.
    package static let schemas: [(String, JSONValue)] =
        accountShapes + catalogShapes + requestShapes + applicationShapes + itemDocumentShapes

    /// The error, sign-in, accounts, regions, departments and the audit trail.
    private static let accountShapes: [(String, JSONValue)] = [
        (
            "Error",
            object(
                [
                    (
                        "error",
                        object(
                            [
                                ("code", string()), ("message", string("in the request's language")),
                                (
                                    "details",
                                    [
                                        "type": "array",
                                        "items": object(
                                            [("field", string()), ("code", string()), ("message", string())],
                                            required: ["field", "code", "message"]),
                                    ]
                                ),
                            ],
                            required: ["code", "message"])
                    )
                ], required: ["error"])
        ),
        (
            "LoginRequest",
            object(
                [
                    ("login", string("identity number, credit code or staff user name", maxLength: 64, pattern: textPattern)),
                    ("password", string(minLength: 1, maxLength: 128)),
                ],
                required: ["login", "password"])
        ),
        ("RefreshRequest", object([("refreshToken", string(minLength: 1, maxLength: 100))], required: ["refreshToken"])),
        (
            "Tokens",
            object(
                [
                    ("accessToken", string("JWT, HS256")), ("tokenType", string()), ("expiresIn", ["type": "integer"]),
                    ("refreshToken", string()), ("refreshExpiresIn", ["type": "integer"]),
                ],
                required: ["accessToken", "tokenType", "expiresIn", "refreshToken", "refreshExpiresIn"])
        ),
        (
            "PersonRegistration",
            object(
                [
                    ("name", string(maxLength: 50, pattern: textPattern)),
                    ("identityNumber", string("GB 11643, 18 characters, with its check character", pattern: identityPattern)),
                    // spaces or hyphens between the digits are taken, as people write them (139 1234 5678)
                    ("mobile", string("mainland mobile number", pattern: "^(\\+?86[ -]?)?1[3-9][0-9]([ -]?[0-9]){8}$")),
                    ("password", string("10–128 characters, two kinds of character", minLength: 10, maxLength: 128)),
                ],
                required: ["name", "identityNumber", "mobile", "password"])
        ),
        (
            "EnterpriseRegistration",
            object(
                [
                    ("name", string(maxLength: 100, pattern: textPattern)),
                    ("creditCode", string("GB 32100, 18 characters, with its check character", pattern: creditCodePattern)),
                    ("legalRepresentative", string(maxLength: 50, pattern: textPattern)),
                    ("password", string(minLength: 10, maxLength: 128)),
                ],
                required: ["name", "creditCode", "legalRepresentative", "password"])
        ),
        (
            "PasswordChange",
            object(
                [("currentPassword", string(minLength: 1, maxLength: 128)), ("newPassword", string(minLength: 10, maxLength: 128))],
                required: ["currentPassword", "newPassword"])
        ),
        ("VerificationStart", object([("name", string("the name on the population record", maxLength: 50))], required: ["name"])),
        (
            "MaterialDeficiency",
            object([("reason", string("why the file is deficient, named in the correction request", maxLength: 200))], required: ["reason"])
        ),
        (
            "CodeSent",
            object(
                [
                    ("challengeID", string(format: "uuid")),
                    ("mobile", string("the population record's mobile, masked: where the code went")),
                    ("expiresAt", string(format: "date-time")), ("tries", ["type": "integer"]),
                ],
                required: ["challengeID", "mobile", "expiresAt", "tries"])
        ),
        (
            "ReclaimCode",
            object(
                [("challengeID", string(format: "uuid")), ("code", string("the six digits sent", maxLength: 20))],
                required: ["challengeID", "code"])
        ),
        (
            "RepresentativeAsked",
            object(
                [
                    ("requestID", string(format: "uuid")), ("representative", string("the legal representative's name, masked")),
                    ("expiresAt", string(format: "date-time")),
                ],
                required: ["requestID", "representative", "expiresAt"])
        ),
        (
            "RepresentationRequest",
            object(
                [
                    ("requestID", string(format: "uuid")), ("enterpriseName", string()), ("creditCode", string()),
                    ("requestedAt", string(format: "date-time")), ("expiresAt", string(format: "date-time")),
                ],
                required: ["requestID", "enterpriseName", "creditCode", "requestedAt", "expiresAt"])
        ),
        (
            "WindowCode",
            object(
                [("code", string("eight digits", pattern: "^[0-9]{8}$")), ("expiresAt", string(format: "date-time"))],
                required: ["code", "expiresAt"])
        ),
        (
            "IdentityCheck",
            object(
                [
                    ("code", string("the person's window code", maxLength: 20)),
                    ("identityNumber", string("as on the card", maxLength: 18)),
                    ("name", string("as on the card", maxLength: 50)),
                ],
                required: ["code", "identityNumber", "name"])
        ),
        ("VerificationCodeEntry", object([("code", string("the six digits sent", maxLength: 20))], required: ["code"])),
        (
            "StaffCreation",
            object(
                [
                    ("username", string(pattern: "^[a-zA-Z0-9._-]{3,32}$")), ("displayName", string(maxLength: 50, pattern: textPattern)),
                    ("departmentID", string(format: "uuid")), ("roles", ["type": "array", "items": ref("Role"), "minItems": 1]),
                    ("password", string(minLength: 10, maxLength: 128)),
                ],
                required: ["username", "displayName", "departmentID", "roles", "password"])
        ),
        (
            "RolesChange",
            object(
                [("roles", ["type": "array", "items": ref("Role"), "minItems": 1]), ("version", ["type": "integer"])],
                required: ["roles", "version"])
        ),
        (
            "StatusChange",
            object(
                [("status", ["type": "string", "enum": ["active", "disabled"]]), ("version", ["type": "integer"])],
                required: ["status", "version"])
        ),
        ("Role", ["type": "string", "enum": ["window_clerk", "reviewer", "supervisor", "catalog_admin", "data_admin", "system_admin"]]),
        (
            "Account",
            object(
                [
                    ("id", string(format: "uuid")), ("kind", ["type": "string", "enum": ["person", "enterprise", "staff"]]),
                    ("displayName", string()), ("status", string()), ("roles", ["type": "array", "items": ref("Role")]),
                    ("departmentID", ["type": ["string", "null"], "format": "uuid"]), ("regionCode", nullableString),
                    ("identityNumber", ["type": ["string", "null"], "description": "masked unless personalDataVisible"]),
                    ("mobile", nullableString), ("creditCode", nullableString), ("legalRepresentative", nullableString),
                    ("personalDataVisible", ["type": "boolean"]),
                    (
                        "assuranceLevel",
                        [
                            "type": "integer", "enum": [1, 2, 3],
                            "description": "实名认证: 1 registered (nothing proven), 2 verified remotely, 3 verified in person",
                        ]
                    ),
                    ("version", ["type": "integer"]),
                ],
                required: ["id", "kind", "displayName", "status", "roles", "personalDataVisible", "assuranceLevel", "version"])
        ),
        (
            "AccountPage",
            object(
                [
                    ("items", ["type": "array", "items": ref("Account")]), ("total", ["type": "integer"]),
                    ("page", ["type": "integer"]), ("per", ["type": "integer"]),
                ], required: ["items", "total", "page", "per"])
        ),
        (
            "Region",
            object(
                [
                    ("code", string()), ("name", string()),
                    ("level", ["type": "string", "enum": ["province", "city", "county", "town", "village"]]),
                    ("parentCode", nullableString), ("statisticalZone", ["type": "boolean"]),
                ],
                required: ["code", "name", "level", "statisticalZone"])
        ),
        (
            "Department",
            object(
                [("id", string(format: "uuid")), ("creditCode", string()), ("name", string()), ("regionCode", string())],
                required: ["id", "creditCode", "name", "regionCode"])
        ),
        (
            "DepartmentCreation",
            object(
                [
                    ("creditCode", string(pattern: creditCodePattern)), ("name", string(maxLength: 100, pattern: textPattern)),
                    ("regionCode", string(pattern: regionPattern)),
                ],
                required: ["creditCode", "name", "regionCode"])
        ),
        (
            "AuditEntry",
            object(
                [
                    ("id", ["type": "integer"]), ("entryKey", string()), ("sequence", ["type": ["integer", "null"]]),
                    ("at", string(format: "date-time")), ("actorID", nullableString), ("actorLabel", string()), ("action", string()),
                    ("resource", string()), ("purpose", nullableString), ("requestID", nullableString), ("details", nullableString),
                    ("contentHash", string(pattern: "^[0-9a-f]{64}$")),
                ],
                required: ["id", "entryKey", "at", "actorLabel", "action", "resource", "contentHash"])
        ),
        (
            "AuditVerification",
            object(
                [
                    ("ok", ["type": "boolean"]), ("entries", ["type": ["integer", "null"]]), ("heads", ["type": ["integer", "null"]]),
                    ("pending", ["type": "integer"]), ("brokenAt", ["type": ["integer", "null"]]), ("reason", nullableString),
                ], required: ["ok", "pending"])
        ),
        (
            "AuditTreeHead",
            object(
                [
                    ("treeSize", ["type": "integer"]), ("rootHash", string(pattern: "^[0-9a-f]{64}$")),
                    ("timestamp", string(format: "date-time")), ("timestampMillis", ["type": "integer"]), ("keyID", string()),
                    ("signature", string()), ("checkpoint", string()),
                ], required: ["treeSize", "rootHash", "timestamp", "timestampMillis", "keyID", "signature", "checkpoint"])
        ),
        (
            "AuditContent",
            object(
                [
                    ("atMillis", ["type": "integer"]), ("actorID", nullableString), ("actorLabel", string()), ("action", string()),
                    ("resource", string()), ("purpose", nullableString), ("requestID", nullableString), ("details", nullableString),
                ], required: ["atMillis", "actorLabel", "action", "resource"])
        ),
        (
            "AuditInclusion",
            object(
                [
                    ("entryKey", string()), ("sequence", ["type": "integer"]),
                    ("content", ["oneOf": [ref("AuditContent"), ["type": "null"]]]),
                    ("canonical", nullableString),
                    ("contentHash", string(pattern: "^[0-9a-f]{64}$")), ("leafHash", string(pattern: "^[0-9a-f]{64}$")),
                    ("path", ["type": "array", "items": string(pattern: "^[0-9a-f]{64}$")]), ("treeHead", ref("AuditTreeHead")),
                ], required: ["entryKey", "sequence", "contentHash", "leafHash", "path", "treeHead"])
        ),
        (
            "AuditConsistency",
            object(
                [
                    ("from", ["type": "integer"]), ("to", ["type": "integer"]),
                    ("path", ["type": "array", "items": string(pattern: "^[0-9a-f]{64}$")]),
                    ("fromHead", ["oneOf": [ref("AuditTreeHead"), ["type": "null"]]]),
                    ("toHead", ["oneOf": [ref("AuditTreeHead"), ["type": "null"]]]),
                ], required: ["from", "to", "path"])
        ),
    ]

    /// Catalog summaries and pages, entries, versions, bundles and the calendar.
    private static let catalogShapes: [(String, JSONValue)] = [
        (
            "ItemSummary",
            object(
                [
                    ("code", string()), ("name", string()), ("subItemName", nullableString), ("kind", string()), ("kindName", string()),
                    ("departmentName", string()), ("departmentCode", string()), ("regionCode", string()), ("level", string()),
                    ("online", ["type": "boolean"]), ("promisedDays", ["type": ["integer", "null"]]), ("visits", ["type": "integer"]),
                    ("version", ["type": "integer"]),
                ], required: ["code", "name", "kind", "departmentName", "regionCode", "level", "online", "visits", "version"])
        ),
        (
            "ItemPage",
            object(
                [
                    ("total", ["type": "integer"]), ("page", ["type": "integer"]), ("per", ["type": "integer"]),
                    ("items", ["type": "array", "items": ref("ItemSummary")]),
                ], required: ["total", "page", "per", "items"])
        ),
        (
            "Entry",
            object(
                [
                    ("code", string()), ("version", ["type": "integer"]),
                    ("status", ["type": "string", "enum": ["draft", "published", "superseded", "retired"]]),
                    ("editedBy", nullableString), ("publishedBy", nullableString),
                    ("publishedAt", ["type": ["string", "null"], "format": "date-time"]),
                    ("item", ref("ServiceItem")), ("bundle", ref("ServiceBundle")),
                ], required: ["code", "version", "status"])
        ),
        (
            "Version",
            object(
                [
                    ("version", ["type": "integer"]), ("status", string()), ("editedBy", nullableString), ("publishedBy", nullableString),
                    ("publishedAt", ["type": ["string", "null"], "format": "date-time"]),
                ], required: ["version", "status"])
        ),
        (
            "BundleSummary",
            object(
                [
                    ("code", string()), ("name", string()), ("category", string()), ("categoryName", string()),
                    ("leadDepartment", string()),
                    ("regionCode", string()), ("version", ["type": "integer"]),
                ], required: ["code", "name", "category", "categoryName", "leadDepartment", "regionCode", "version"])
        ),
        (
            "CalendarAnswer",
            object(
                [
                    ("from", string(format: "date")), ("days", ["type": "integer"]), ("to", string(format: "date")),
                    ("date", string("the resulting date (add)", format: "date")),
                    ("workingDays", ["type": "integer", "description": "the count (between)"]),
                    (
                        "official",
                        [
                            "type": "boolean",
                            "description": "false when some date counted has no official holiday notice yet (counted as Monday to Friday)",
                        ]
                    ),
                    ("assumedFrom", string(format: "date")), ("assumedThrough", string(format: "date")),
                ], required: ["from", "official"])
        ),
    ]

    /// What applying, licences, grants, appointments, ratings, complaints and the hall take.
    private static let requestShapes: [(String, JSONValue)] = [
        (
            "CarrierEvent",
            object(
                [
                    ("trackingNumber", string("UPU S10, e.g. EA123456785CN")),
                    ("status", ["type": "string", "enum": ["accepted", "inTransit", "outForDelivery", "delivered", "returned"]]),
                    ("at", string("when it happened", format: "date-time")), ("location", string(maxLength: 100)),
                ],
                required: ["trackingNumber", "status", "at"])
        ),
        (
            "CarrierEventAnswer",
            object(
                [
                    ("trackingNumber", string()),
                    (
                        "status",
                        ["type": "string", "enum": ["dispatched", "accepted", "inTransit", "outForDelivery", "delivered", "returned"]]
                    ),
                    ("moved", ["type": "boolean", "description": "whether this event moved the parcel on"]),
                ],
                required: ["trackingNumber", "status", "moved"])
        ),
        (
            "ApplyRequest",
            object(
                [
                    ("item", string("an item code")), ("bundle", string("a bundle code")),
                    ("answers", ["type": "object", "additionalProperties": ["type": "string"]]),
                    ("form", ["type": "object", "additionalProperties": ["type": "string"]]),
                    ("applicantID", string("帮办: the applicant's account", format: "uuid")), ("applicantPresent", ["type": "boolean"]),
                    ("submit", ["type": "boolean", "description": "false saves a draft"]),
                    (
                        "licenses",
                        [
                            "type": "object", "additionalProperties": ["type": "string"],
                            "description":
                                "免提交: material key → identifier of an e-licence the applicant holds (their consent for the asking cases' departments to read it)",
                        ]
                    ),
                    (
                        "dataConsent",
                        [
                            "type": "boolean",
                            "description": "the applicant allows the asking departments to fetch the shared data the materials name",
                        ]
                    ),
                    ("commitment", ["type": "boolean", "description": "告知承诺: the applicant signs the items' commitments"]),
                    (
                        "delivery",
                        object(
                            [
                                (
                                    "methods",
                                    [
                                        "type": "object",
                                        "additionalProperties": ["type": "string", "enum": ["window", "post", "electronic"]],
                                        "description": "item code → how its result is received (electronic where offered, unless chosen)",
                                    ]
                                ),
                                ("together", ["type": "boolean", "description": "统一出件: the results handed over come at once"]),
                                (
                                    "address",
                                    object(
                                        [
                                            ("regionCode", string("a county or lower region code")), ("detail", string()),
                                            ("recipient", string()), ("mobile", string()),
                                        ], required: [])
                                ),
                            ], required: [])
                    ),
                ],
                required: [])
        ),
        (
            "LicenseIssue",
            object(
                [
                    ("type", string("a licence type code, e.g. yyzz")), ("holderID", string(format: "uuid")),
                    ("fields", ["type": "object", "additionalProperties": ["type": "string"]]), ("reason", string()),
                ],
                required: ["type", "holderID", "fields", "reason"])
        ),
        (
            "LicenseReissue",
            object(
                [
                    ("kind", ["type": "string", "enum": ["renew", "change"]]),
                    ("fields", ["type": "object", "additionalProperties": ["type": "string"]]),
                    ("reason", string(maxLength: 500, pattern: textPattern)),
                ], required: ["kind", "reason"])
        ),
        (
            "GrantRequest",
            object(
                [
                    ("resource", string()), ("fields", ["type": "array", "items": ["type": "string"]]), ("purpose", string()),
                    ("legalBasis", string()), ("days", ["type": "integer", "minimum": 1, "maximum": 1096]),
                ],
                required: ["resource", "fields", "purpose", "legalBasis", "days"])
        ),
        ("GrantRevoke", object([("reason", string(maxLength: 300, pattern: textPattern))], required: ["reason"])),
        (
            "AppointmentRequest",
            object(
                [
                    ("date", string(format: "date")), ("start", string("HH:MM, a slot's start")),
                    ("item", string("item code (booking only)")),
                ],
                required: ["date", "start"])
        ),
        (
            "Rating",
            object(
                [
                    ("level", ["type": "integer", "minimum": 1, "maximum": 5, "description": "5 非常满意 … 1 非常不满意"]),
                    ("reasons", ["type": "array", "items": ["type": "string"]]), ("comment", nullableString),
                ], required: ["level"])
        ),
        (
            "FollowUpAction",
            object(
                [
                    (
                        "action",
                        ["type": "string", "enum": ["callBack", "fix", "schedule", "explain", "appeal", "upholdAppeal", "rejectAppeal"]]
                    ),
                    ("note", string(maxLength: 1000, pattern: textPattern)), ("due", string(format: "date")),
                    ("version", ["type": "integer"]),
                ],
                required: ["action", "note"])
        ),
        (
            "Complaint",
            object(
                [
                    ("kind", ["type": "string", "enum": ["complaint", "consultation", "suggestion"]]),
                    ("subject", ["type": "string", "enum": ["item", "department", "application"]]),
                    ("target", string("the item's code, the department's id, or the id of one's own application")),
                    ("title", string("4 to 80 characters")), ("body", string("10 to 2,000 characters; line breaks kept")),
                ],
                required: ["kind", "subject", "target", "title", "body"])
        ),
        (
            "ComplaintAnswer",
            object([("answer", string("10 to 2,000 characters")), ("version", ["type": "integer"])], required: ["answer"])
        ),
        (
            "ComplaintRating",
            object([("level", ["type": "integer", "minimum": 1, "maximum": 5]), ("comment", nullableString)], required: ["level"])
        ),
        (
            "HallSetup",
            object(
                [
                    ("name", string(maxLength: 60)), ("nameEn", string("empty: the Chinese name")), ("address", string(maxLength: 120)),
                    (
                        "hours",
                        object(
                            [
                                (
                                    "weekdays",
                                    [
                                        "type": "object",
                                        "description":
                                            "\"1\" Monday … \"7\" Sunday → spans like \"08:30-12:00\"; adjusted working days keep Monday's",
                                        "additionalProperties": ["type": "array", "items": ["type": "string"]],
                                    ]
                                ),
                                (
                                    "holidays",
                                    [
                                        "type": "array", "items": ["type": "string"],
                                        "description": "statutory holidays (usually none: closed)",
                                    ]
                                ),
                            ],
                            required: ["weekdays"])
                    ),
                    (
                        "categories",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("code", string("one capital letter")), ("name", string()), ("nameEn", string()),
                                    (
                                        "departments",
                                        [
                                            "type": "array", "items": ["type": "string"],
                                            "description": "credit codes; none: the comprehensive category",
                                        ]
                                    ),
                                ],
                                required: ["code", "name", "nameEn", "departments"]),
                        ]
                    ),
                    (
                        "windows",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("number", ["type": "integer", "minimum": 1, "maximum": 999]), ("name", string()),
                                    ("categories", ["type": "array", "items": ["type": "string"]]),
                                ],
                                required: ["number", "name", "categories"]),
                            "description": "a window left out is retired (refused while open)",
                        ]
                    ),
                    ("slotMinutes", ["type": "integer", "minimum": 5, "maximum": 240]),
                    ("slotCapacity", ["type": "integer", "minimum": 1, "maximum": 500]),
                    ("bookingDays", ["type": "integer", "minimum": 1, "maximum": 90]),
                    ("defaultServiceMinutes", ["type": "number", "minimum": 1, "maximum": 240]),
                    (
                        "intakeCodes",
                        [
                            "type": "array", "items": ["type": "string", "minLength": 1, "maxLength": 80], "minItems": 1, "maxItems": 2000,
                            "description":
                                "收件范围: the item and bundle codes its windows take in, each published and offered in the hall's area; left out: every item offered there (收受分离)",
                        ]
                    ),
                ],
                required: [
                    "name", "nameEn", "address", "hours", "categories", "windows", "slotMinutes", "slotCapacity", "bookingDays",
                    "defaultServiceMinutes",
                ])
        ),
        (
            "HallSetupChange",
            object(
                [
                    ("version", ["type": "integer", "description": "the version read; another's change meanwhile: 409"]),
                    ("setup", ref("HallSetup")),
                ],
                required: ["version", "setup"])
        ),
        (
            "HallCreate",
            object([("regionCode", string("the region the hall serves")), ("setup", ref("HallSetup"))], required: ["regionCode", "setup"])
        ),
        (
            "TicketRequest",
            object(
                [("category", string("the category's letter")), ("channel", ["type": "string", "enum": ["online", "kiosk"]])],
                required: ["category"])
        ),
        (
            "TicketOutcome",
            object(
                [
                    ("outcome", ["type": "string", "enum": ["served", "noShow", "transfer"]]),
                    ("category", string("transfer: the category to move to")),
                ],
                required: ["outcome"])
        ),
        (
            "GrantDecision",
            object(
                [
                    ("approve", ["type": "boolean"]), ("reason", nullableString), ("version", ["type": "integer"]),
                    (
                        "clearance",
                        [
                            "type": "string", "enum": ["public", "internal", "sensitive", "core"],
                            "description": "on approval: the highest sensitivity read unmasked under the grant (absent: sensitive)",
                        ]
                    ),
                ], required: ["approve"])
        ),
        (
            "ClientRequest",
            object(
                [
                    ("name", string(maxLength: 100, pattern: textPattern)),
                    ("clearance", ["type": "string", "enum": ["public", "internal", "sensitive", "core"]]),
                    (
                        "ratePerMinute",
                        ["type": ["integer", "null"], "minimum": 1, "maximum": 600_000, "description": "absent or null: 6,000"]
                    ),
                    (
                        "validDays",
                        [
                            "type": ["integer", "null"], "minimum": 1, "maximum": 730,
                            "description": "how long the key works; absent or null: 365",
                        ]
                    ),
                ],
                required: ["name", "clearance"])
        ),
        (
            "LookupRequest",
            object(
                [
                    ("resource", string()), ("subject", string("identity number or credit code")),
                    ("fields", ["type": "array", "items": ["type": "string"]]), ("purpose", string()),
                ], required: ["resource", "subject", "purpose"])
        ),
    ]

    /// Applications, cases, licence tokens and verdicts, publication and evaluation.
    private static let applicationShapes: [(String, JSONValue)] = [
        (
            "ApplicationSummary",
            object(
                [
                    ("id", string(format: "uuid")), ("number", nullableString), ("status", string()), ("targetName", string()),
                    ("submittedOn", nullableString), ("dueOn", nullableString),
                ], required: ["id", "status", "targetName"])
        ),
        (
            "Application",
            object(
                [
                    ("id", string(format: "uuid")), ("number", nullableString),
                    (
                        "accessCode",
                        string("查询码 for the public status lookup, shown to the applicant only", pattern: "^[0-9A-Z]{4}-[0-9A-Z]{4}$")
                    ),
                    ("status", ["type": "string", "enum": .array(ApplicationStatus.allCases.map { .string($0.rawValue) })]),
                    ("applicantName", string()), ("target", ref("ApplicationTarget")),
                    ("regionCode", string("where the item or bundle is implemented: its departments decide")),
                    ("takenIn", string("收受分离: the region of the window that took it in (absent: made online)")),
                    (
                        "channel",
                        [
                            "type": "string", "enum": ["online", "window", "nearby"],
                            "description": "nearby: taken in at a town or village window (就近办)",
                        ]
                    ),
                    ("enteredOnBehalf", ["type": "boolean", "description": "帮办: a clerk entered it"]),
                    ("applicantPresent", ["type": "boolean"]), ("submittedOn", ["type": "string", "format": "date"]),
                    ("dueOn", ["type": "string", "format": "date"]), ("visits", ["type": "integer"]),
                    ("form", ["type": "object", "additionalProperties": ["type": "string"]]),
                    ("cases", ["type": "array", "items": ref("Case")]), ("events", ["type": "array", "items": ref("TimelineEntry")]),
                ],
                required: [
                    "id", "status", "applicantName", "target", "regionCode", "channel", "enteredOnBehalf",
                    "applicantPresent", "visits", "form", "cases", "events",
                ])
        ),
        (
            "CaseAction",
            object(
                [
                    ("action", ["type": "string", "enum": .array(CaseActionKind.allCases.map { .string($0.rawValue) })]),
                    ("reasons", ["type": "array", "items": ["type": "string"]]), ("reason", string()), ("legalBasis", string()),
                    ("materials", ["type": "array", "items": ["type": "string"]]),
                    ("owed", ["type": "array", "items": ["type": "string"]]),
                    ("due", string(format: "date")), ("approved", ["type": "boolean"]),
                    ("method", ["type": "string", "enum": ["window", "post", "electronic"]]),
                    ("trackingNumber", string()), ("procedure", ["type": "string", "enum": ["inspection", "hearing", "expertReview"]]),
                    ("version", ["type": "integer"]),
                ], required: ["action"])
        ),
        ("SubmitRequest", object([("form", ["type": "object", "additionalProperties": ["type": "string"]])], required: [])),
        ("VisitRequest", object([("purpose", string(maxLength: 200))], required: ["purpose"])),
        (
            "PostedMaterialsRequest",
            object(
                [
                    ("materials", ["type": "array", "items": string(), "minItems": 1, "description": "material keys of the items"]),
                    ("trackingNumber", string(maxLength: 20)), ("note", string(maxLength: 200)),
                ],
                required: ["materials"])
        ),
        (
            "LicenseStatusChange",
            object(
                [("status", ["type": "string", "enum": ["01", "02", "03", "04", "07"]]), ("reason", string(maxLength: 500))],
                required: ["status", "reason"])
        ),
        (
            "LicenseToken",
            object(
                [("token", string("a compact JWS; anything else (too long, cut short, altered) is answered invalid"))],
                required: ["token"])
        ),
        (
            "LicenseVerdict",
            object(
                [
                    (
                        "outcome",
                        ["type": "string", "enum": ["valid", "invalid", "suspended", "withdrawn", "cancelled", "expired", "revoked"]]
                    ),
                    ("reason", nullableString), ("message", string()), ("identifier", nullableString), ("status", nullableString),
                    ("typeName", nullableString), ("holderName", nullableString), ("holderCode", nullableString),
                    ("issuerName", nullableString), ("issuerCode", nullableString), ("issuedOn", nullableString),
                    ("validUntil", nullableString),
                    ("fields", ["type": "array", "items": ref("LicenseField")]), ("tamperedFields", ["type": "array", "items": string()]),
                ],
                required: ["outcome", "message", "fields", "tamperedFields"])
        ),
        ("TaskRequest", object([("opinion", string(maxLength: 2000)), ("version", ["type": "integer"])], required: [])),
        (
            "ApplicationStatus",
            object(
                [
                    ("number", string()), ("target", string()), ("status", string()), ("submittedOn", nullableString),
                    ("dueOn", nullableString), ("cases", ["type": "array", "items": ref("StatusLine")]),
                ], required: ["number", "status", "cases"])
        ),
        (
            "PublishRequest",
            object([("version", ["type": "integer", "minimum": 1, "maximum": .int(maxSafeInteger)])], required: ["version"])
        ),
        ("AnswersRequest", object([("answers", ["type": "object", "additionalProperties": ["type": "string"]])], required: ["answers"])),
        (
            "Evaluation",
            object(
                [
                    ("bundle", string()),
                    (
                        "items",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("code", string()), ("name", string()), ("departmentName", string()),
                                    ("promisedDays", ["type": "integer"]), ("visits", ["type": "integer"]),
                                ],
                                required: ["code", "name", "departmentName", "promisedDays", "visits"]),
                        ]
                    ),
                    (
                        "form",
                        [
                            "type": "array",
                            "items": object(
                                [("field", ref("FormField")), ("askedBy", ["type": "array", "items": string()])],
                                required: ["field", "askedBy"]),
                        ]
                    ),
                    (
                        "materials",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("material", ref("Material")),
                                    ("neededBy", ["type": "array", "items": string()]),
                                ],
                                required: ["material", "neededBy"]),
                        ]
                    ),
                    (
                        "cost",
                        object(
                            [
                                ("items", ["type": "integer"]), ("visits", ["type": "integer"]), ("visitsSeparately", ["type": "integer"]),
                                ("materialsSeparately", ["type": "integer"]), ("materialsToSupply", ["type": "integer"]),
                                ("materialsReplacedByData", ["type": "integer"]), ("materialsFromDepartments", ["type": "integer"]),
                                ("daysInSequence", ["type": "integer"]), ("daysCriticalPath", ["type": "integer"]),
                                ("criticalPath", ["type": "array", "items": string()]),
                            ],
                            required: ["items", "visits", "materialsSeparately", "materialsToSupply", "daysInSequence", "daysCriticalPath"])
                    ),
                ],
                required: ["bundle", "items", "form", "materials", "cost"])
        ),
    ]

    /// The item and bundle documents of the catalog.
    private static let itemDocumentShapes: [(String, JSONValue)] = [
        (
            "ItemDepartment",
            object(
                [("name", string(maxLength: 100, pattern: textPattern)), ("code", string(pattern: "^[0-9A-Z]{5,22}(-[0-9A-Z])?$"))],
                required: ["name", "code"])
        ),
        (
            "Material",
            object(
                [
                    ("key", string(pattern: "^[a-z][a-z0-9_]{0,63}$")), ("name", string(maxLength: 200, pattern: textPattern)),
                    ("required", ["type": "boolean"]),
                    ("tolerable", ["type": "boolean"]), ("form", ["type": "string", "enum": ["original", "copy", "originalAndCopy"]]),
                    ("copies", ["type": "integer", "minimum": 1, "maximum": 20]),
                    ("format", ["type": "string", "enum": ["paper", "electronic", "either"]]),
                    ("template", nullableString),
                    ("source", ["type": "string", "enum": ["applicant", "eLicense", "sharedData", "department"]]),
                    ("licenseType", nullableString), ("dataResource", nullableString), ("producedBy", nullableString),
                    ("note", nullableString),
                ],
                required: ["key", "name", "source"])
        ),
        (
            "FormField",
            object(
                [
                    ("key", string(pattern: "^[a-zA-Z][a-zA-Z0-9_]{0,63}$")), ("label", string(maxLength: 100, pattern: textPattern)),
                    ("labelEn", string(maxLength: 100, pattern: textPattern)),
                    (
                        "type",
                        [
                            "type": "string",
                            "enum": [
                                "text", "number", "date", "choice", "identityNumber", "creditCode", "mobile", "address", "region", "file",
                            ],
                        ]
                    ),
                    ("required", ["type": "boolean"]), ("choices", ["type": "array", "items": string()]),
                    (
                        "validation",
                        object(
                            [
                                ("minLength", ["type": "integer"]), ("maxLength", ["type": "integer"]), ("minimum", ["type": "number"]),
                                ("maximum", ["type": "number"]), ("pattern", string()),
                            ], required: [])
                    ),
                ],
                required: ["key", "label", "labelEn", "type"])
        ),
        (
            "ServiceItem",
            object(
                [
                    ("basicCode", string("basic code", pattern: "^[0-9A-Za-z]+(-[0-9A-Za-z]+){0,3}$")),
                    ("implementationCode", nullableString),
                    ("name", string(maxLength: 200, pattern: textPattern)), ("subItemName", nullableString),
                    ("kind", ["type": "string", "enum": ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"]]),
                    ("department", ref("ItemDepartment")), ("regionCode", string(pattern: regionPattern)),
                    ("level", ["type": "string", "enum": ["province", "city", "county", "town", "village"]]),
                    (
                        "legalBasis",
                        ["type": "array", "items": object([("law", string()), ("article", nullableString)], required: ["law"])]
                    ),
                    ("acceptanceConditions", ["type": "array", "items": string()]),
                    ("statutoryDays", ["type": ["integer", "null"], "minimum": 0, "maximum": 3650]),
                    ("promisedDays", ["type": ["integer", "null"], "minimum": 0, "maximum": 3650]),
                    ("handlingMode", ["type": "string", "enum": ["instant", "promised"]]), ("commitmentAllowed", ["type": "boolean"]),
                    (
                        "fees",
                        [
                            "type": "array",
                            "items": object(
                                [("name", string()), ("amount", string()), ("basis", string())], required: ["name", "amount", "basis"]),
                        ]
                    ),
                    ("channels", ["type": "array", "items": ["type": "string", "enum": ["online", "window", "nearby"]]]),
                    ("visits", ["type": "array", "items": object([("reason", string())], required: ["reason"])]),
                    ("materials", ["type": "array", "items": ref("Material")]), ("form", ["type": "array", "items": ref("FormField")]),
                    (
                        "steps",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("kind", ["type": "string", "enum": .array(StepKind.allCases.map { .string($0.rawValue) })]),
                                    ("name", string()), ("department", nullableString),
                                    ("departmentCode", nullableString), ("days", ["type": "integer"]),
                                    ("pausesClock", ["type": "boolean"]), ("parallelGroup", nullableString),
                                ],
                                required: ["kind", "name"]),
                        ]
                    ),
                    (
                        "result",
                        object(
                            [
                                ("kind", ["type": "string", "enum": ["license", "document", "decision"]]), ("name", string()),
                                ("licenseType", nullableString),
                                ("delivery", ["type": "array", "items": ["type": "string", "enum": ["window", "post", "electronic"]]]),
                            ],
                            required: ["kind", "name", "delivery"])
                    ),
                    (
                        "instantRules",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("field", string()),
                                    ("test", ["type": "string", "enum": ["equals", "oneOf", "atLeast", "atMost", "answered"]]),
                                    ("value", nullableString), ("values", ["type": "array", "items": string()]),
                                ],
                                required: ["field", "test"]),
                        ]
                    ),
                    ("prerequisites", ["type": "array", "items": string()]),
                    ("keywords", ["type": "array", "items": string(maxLength: 20)]),
                    (
                        "windows",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("name", string()), ("address", string()), ("hours", nullableString),
                                    ("phone", nullableString),
                                ], required: ["name", "address"]),
                        ]
                    ),
                    ("source", nullableString),
                    // 审管衔接: the department that supervises what the item approves (an approval is handed to it to sign for)
                    ("supervisingDepartment", ref("ItemDepartment")),
                    (
                        "requiredAssurance",
                        [
                            "type": "integer", "enum": [2, 3],
                            "description": "实名认证: the least level to submit online (default 2; 3 = verified in person)",
                        ]
                    ),
                ],
                required: ["basicCode", "name", "kind", "department", "regionCode", "level"])
        ),
        (
            "ServiceBundle",
            object(
                [
                    ("code", string(pattern: "^[0-9A-Z-]{1,40}$")), ("name", string(maxLength: 100, pattern: textPattern)),
                    (
                        "category",
                        [
                            "type": "string",
                            "enum": [
                                "enterpriseStart", "enterpriseChange", "construction", "socialOrganization", "talent", "employment",
                                "birth", "schooling", "retirement", "property", "other",
                            ],
                        ]
                    ),
                    ("summary", string()), ("leadDepartment", ref("ItemDepartment")), ("regionCode", string(pattern: regionPattern)),
                    (
                        "questions",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("key", string()), ("text", string()), ("textEn", string()),
                                    (
                                        "options",
                                        [
                                            "type": "array",
                                            "items": object(
                                                [
                                                    ("value", string()), ("label", string()),
                                                    ("labelEn", string()),
                                                ],
                                                required: ["value", "label"]),
                                        ]
                                    ),
                                ],
                                required: ["key", "text", "options"]),
                        ]
                    ),
                    (
                        "members",
                        [
                            "type": "array",
                            "items": object(
                                [
                                    ("itemCode", string()),
                                    (
                                        "when",
                                        object(
                                            [("question", string()), ("values", ["type": "array", "items": string()])],
                                            required: ["question", "values"])
                                    ),
                                ],
                                required: ["itemCode"]),
                        ]
                    ),
                    ("keywords", ["type": "array", "items": string()]), ("source", nullableString),
                ],
                required: ["code", "name", "category", "summary", "leadDepartment", "regionCode", "members"])
        ),
    ]
}
