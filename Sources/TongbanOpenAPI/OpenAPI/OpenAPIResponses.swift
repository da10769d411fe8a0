import Foundation
import TongbanCases
import TongbanCore
import TongbanHall
import TongbanPlatform
import TongbanRatings
import TongbanSupervision

/// The answers' shapes: every property an answer carries, named (the test suite holds every
/// answer it sees to them, and fails on a field they do not name). Optional values are left
/// out of an answer when absent, so they are not `required`.
extension OpenAPIDocument {
    // Small typed builders: one call per schema keeps the type checker quick.
    package static let integer: JSONValue = ["type": "integer"]
    package static let number: JSONValue = ["type": "number"]
    package static let boolean: JSONValue = ["type": "boolean"]
    package static let text: JSONValue = ["type": "string"]
    package static let uuid: JSONValue = ["type": "string", "format": "uuid"]
    package static let day: JSONValue = ["type": "string", "format": "date"]
    package static let instant: JSONValue = ["type": "string", "format": "date-time"]
    package static let texts: JSONValue = ["type": "array", "items": ["type": "string"]]

    package static func list(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    /// An object whose keys are data (a form's answers, a licence's fields).
    package static func map(_ values: JSONValue) -> JSONValue { ["type": "object", "additionalProperties": values] }

    package static func oneOf(_ words: [String]) -> JSONValue {
        ["type": "string", "enum": .array(words.map { .string($0) })]
    }

    package static let responseSchemas: [(String, JSONValue)] =
        applicationSchemas + hallSchemas + ratingSchemas + sharingSchemas + supervisionSchemas

    // MARK: applications

    package static let applicationSchemas: [(String, JSONValue)] = [
        (
            "ApplicationTarget",
            object(
                [("kind", oneOf(["item", "bundle"])), ("code", text), ("version", integer), ("name", text)],
                required: ["kind", "code", "version", "name"])
        ),
        (
            "Task",
            object(
                [
                    ("id", uuid), ("name", text), ("kind", text), ("department", text), ("status", text),
                    ("parallelGroup", text), ("openedOn", day), ("dueOn", day), ("claimed", boolean), ("opinion", text),
                    ("departmentID", uuid), ("version", integer),
                ],
                required: ["id", "name", "kind", "department", "status", "claimed", "version"])
        ),
        ("CaseRecord", caseRecord),
        (
            "Case",
            object(
                [
                    ("id", uuid), ("itemCode", text), ("itemVersion", integer), ("itemName", text), ("department", text),
                    ("state", text), ("version", integer), ("limitDays", integer), ("acceptedOn", day), ("dueOn", day),
                    ("warning", oneOf(["none", "yellow", "red"])), ("usedDays", integer), ("leftDays", integer),
                    ("pausedDays", integer), ("dueDateOfficial", boolean), ("record", ref("CaseRecord")),
                    ("tasks", list(ref("Task"))), ("allowedActions", texts),
                    ("deliveryMethod", oneOf(["window", "post", "electronic"])),
                ],
                required: [
                    "id", "itemCode", "itemVersion", "itemName", "department", "state", "version", "limitDays",
                    "warning", "record", "tasks", "allowedActions",
                ])
        ),
        (
            "TimelineEntry",
            object(
                [
                    ("at", instant), ("actor", text), ("action", text), ("caseID", uuid), ("from", text), ("to", text),
                    ("detail", text),
                ],
                required: ["at", "actor", "action"])
        ),
        (
            "InboxLine",
            object(
                [
                    ("task", ref("Task")), ("caseID", uuid), ("applicationID", uuid), ("applicationNumber", text),
                    ("itemName", text), ("warning", oneOf(["none", "yellow", "red"])),
                ],
                required: ["task", "caseID", "applicationID", "itemName", "warning"])
        ),
        (
            "VerificationLine",
            object(
                [
                    ("caseID", uuid), ("applicationID", uuid), ("applicationNumber", text), ("itemName", text),
                    ("applicantName", text), ("dueOn", day), ("overdue", boolean),
                ],
                required: ["caseID", "applicationID", "itemName", "applicantName", "dueOn", "overdue"])
        ),
        (
            "StoredMaterial",
            object(
                [
                    ("id", uuid), ("key", text), ("filename", text), ("contentType", text), ("size", integer),
                    ("sha256", ["type": "string", "pattern": "^[0-9a-f]{64}$"]),
                ],
                required: ["id", "key", "filename", "contentType", "size", "sha256"])
        ),
        ("StatusLine", object([("item", text), ("state", text), ("dueOn", day)], required: ["item", "state"])),
        ("LicenseField", object([("key", text), ("label", text), ("value", text)], required: ["key", "label", "value"])),
        (
            "WalletLicense",
            object(
                [
                    ("identifier", text), ("typeCode", text), ("typeName", text), ("issuerName", text), ("issuedOn", day),
                    ("validUntil", day), ("status", text), ("fields", map(text)), ("token", text), ("verifyURL", text),
                ],
                required: [
                    "identifier", "typeCode", "typeName", "issuerName", "issuedOn", "status", "fields", "token",
                    "verifyURL",
                ])
        ),
    ]

    /// The case's record as the state machine keeps it (and as it is stored): its dates are
    /// `{year, month, day}` objects, unlike the ISO dates elsewhere in the answer.
    package static let caseRecord: JSONValue = {
        let day = object(
            [
                ("year", integer), ("month", ["type": "integer", "minimum": 1, "maximum": 12]),
                ("day", ["type": "integer", "minimum": 1, "maximum": 31]),
            ],
            required: ["year", "month", "day"])
        let pause = object([("from", day), ("until", day)], required: ["from"])
        let decision = object(
            [
                ("approved", boolean), ("route", text), ("on", day), ("reasons", text), ("legalBasis", text),
                ("trace", texts),
            ],
            required: ["approved", "route", "on", "reasons", "legalBasis"])
        let refusal = object([("reason", text), ("legalBasis", text), ("on", day)], required: ["reason", "legalBasis", "on"])
        let delivery = object([("method", text), ("trackingNumber", text), ("on", day)], required: ["method", "on"])
        let verification: JSONValue = [
            "oneOf": [
                object([("pending", object([("due", day)], required: ["due"]))], required: ["pending"]),
                object([("passed", object([("on", day)], required: ["on"]))], required: ["passed"]),
                object([("failed", object([("on", day), ("reason", text)], required: ["on", "reason"]))], required: ["failed"]),
            ]
        ]
        let commitment = object(
            [("text", text), ("sha256", text), ("signedBy", text), ("signedOn", day), ("inPerson", boolean)],
            required: ["text", "sha256", "signedBy", "signedOn", "inPerson"])
        return object(
            [
                ("state", text), ("limit", integer), ("submittedOn", day), ("acceptedOn", day), ("returnReasons", texts),
                ("correction", texts), ("owed", texts), ("owedDue", day), ("procedure", text), ("procedurePauses", boolean),
                ("pauses", list(pause)), ("decision", decision), ("refusal", refusal), ("delivery", delivery),
                ("verification", verification), ("commitment", commitment), ("concludedOn", day), ("withdrawnOn", day),
                ("prerequisites", ["type": "array", "items": uuid, "description": "the cases of the same bundle this one waits for"]),
                ("stop", object([("reason", text), ("on", day)], required: ["reason", "on"])),
            ],
            required: ["state", "limit"])
    }()

    // MARK: the hall

    package static let hallSchemas: [(String, JSONValue)] = [
        (
            "ItemPlaces",
            object(
                [
                    ("item", text), ("near", text), ("inPerson", boolean), ("total", integer),
                    (
                        "places",
                        list(
                            object(
                                [
                                    ("hall", uuid), ("name", text), ("nameEn", text), ("regionCode", text), ("regionName", text),
                                    ("address", text), ("nearby", boolean), ("steps", integer),
                                ],
                                required: ["hall", "name", "nameEn", "regionCode", "regionName", "address", "nearby", "steps"]))
                    ),
                ],
                required: ["item", "near", "inPerson", "total", "places"])
        ),
        (
            "Hall",
            object(
                [
                    ("id", uuid), ("name", text), ("address", text), ("regionCode", text),
                    ("hours", ref("OpeningHours")), ("today", texts), ("openNow", boolean), ("slotMinutes", integer),
                    ("bookingDays", integer),
                    ("categories", list(object([("code", text), ("name", text), ("waiting", integer)], required: ["code", "name"]))),
                    (
                        "windows",
                        list(
                            object(
                                [
                                    ("id", uuid), ("number", integer), ("name", text), ("categories", texts),
                                    ("open", boolean),
                                ],
                                required: ["id", "number", "name", "categories"]))
                    ),
                ],
                required: [
                    "id", "name", "address", "regionCode", "hours", "today", "openNow", "slotMinutes", "bookingDays",
                    "categories",
                ])
        ),
        ("OpeningHours", object([("weekdays", map(texts)), ("holidays", texts)], required: ["weekdays"])),
        (
            "SlotDay",
            object(
                [
                    ("date", day), ("open", boolean), ("holiday", text), ("hours", texts),
                    (
                        "slots",
                        list(
                            object(
                                [
                                    ("start", text), ("end", text), ("capacity", integer), ("booked", integer),
                                    ("available", integer), ("past", boolean),
                                ],
                                required: ["start", "end", "capacity", "booked", "available", "past"]))
                    ),
                ],
                required: ["date", "open", "hours", "slots"])
        ),
        (
            "Appointment",
            object(
                [
                    ("id", uuid), ("hall", uuid), ("item", text), ("itemName", text), ("category", text), ("date", day),
                    ("start", text), ("end", text), ("status", oneOf(["booked", "cancelled", "checked_in"])),
                    ("ticket", uuid), ("version", integer),
                ],
                required: ["id", "hall", "item", "itemName", "category", "date", "start", "end", "status", "version"])
        ),
        (
            "Ticket",
            object(
                [
                    ("id", uuid), ("label", text), ("hall", uuid), ("hallName", text), ("category", text), ("categoryName", text),
                    ("channel", oneOf(["online", "kiosk", "appointment"])),
                    ("status", oneOf(["waiting", "called", "served", "no_show", "cancelled"])), ("queuedAt", instant),
                    ("slotStart", instant), ("ahead", integer), ("openWindows", integer), ("estimatedWaitMinutes", integer),
                    ("window", text), ("calledAt", instant), ("transfers", integer), ("href", text),
                ],
                required: [
                    "id", "label", "hall", "hallName", "category", "categoryName", "channel", "status", "queuedAt",
                    "openWindows", "transfers", "href",
                ])
        ),
        (
            "Board",
            object(
                [
                    ("hall", text), ("open", boolean),
                    (
                        "calls",
                        list(
                            object(
                                [("label", text), ("window", text), ("at", instant), ("current", boolean)],
                                required: ["label", "window", "at", "current"]))
                    ),
                    (
                        "queues",
                        list(object([("code", text), ("name", text), ("waiting", integer)], required: ["code", "name", "waiting"]))
                    ),
                ],
                required: ["hall", "open", "calls", "queues"])
        ),
        (
            "WindowSession",
            object(
                [("window", uuid), ("windowName", text), ("clerk", text), ("openedAt", instant)],
                required: ["window", "windowName", "clerk", "openedAt"])
        ),
        (
            "HallSetupAnswer",
            object(
                [("id", uuid), ("regionCode", text), ("version", integer), ("setup", ref("HallSetup"))],
                required: ["id", "regionCode", "version", "setup"])
        ),
        ("HallReport", hallReport),
    ]

    package static let hallReport: JSONValue = {
        let figures = object(
            [
                ("hour", integer), ("category", text), ("days", integer), ("arrivals", integer), ("arrivalsPerHour", number),
                ("meanWaitMinutes", number), ("p90WaitMinutes", number), ("meanServiceMinutes", number), ("served", integer),
                ("noShows", integer), ("windowsOpen", number),
            ],
            required: ["hour", "category", "days", "arrivals", "arrivalsPerHour", "served", "noShows", "windowsOpen"])
        let advice = object(
            [
                ("hour", integer), ("category", text), ("arrivalsPerHour", number), ("serviceMinutes", number),
                ("recommended", integer), ("windowsOpen", number), ("expectedShare", number),
            ],
            required: ["hour", "category", "arrivalsPerHour", "serviceMinutes", "windowsOpen"])
        let total = object(
            [
                ("hour", integer), ("arrivalsPerHour", number), ("serviceMinutes", number), ("windowsOpen", number),
                ("pooled", integer), ("dedicated", integer),
            ],
            required: ["hour", "arrivalsPerHour", "serviceMinutes", "windowsOpen"])
        let target = object([("share", number), ("withinMinutes", number)], required: ["share", "withinMinutes"])
        return object(
            [
                ("hall", text), ("from", day), ("to", day), ("target", target), ("figures", list(figures)), ("advice", list(advice)),
                ("totals", list(total)), ("sampleTickets", integer),
                ("demoData", ["type": "string", "description": "含演示数据 …, when simulated tickets are counted"]),
            ],
            required: ["hall", "from", "to", "target", "figures", "advice", "totals", "sampleTickets"])
    }()

    // MARK: ratings and complaints

    package static let ratingSchemas: [(String, JSONValue)] = [
        (
            "FollowUp",
            object(
                [
                    ("id", uuid), ("rating", uuid), ("department", text),
                    ("state", oneOf(FollowUpState.allCases.map(\.rawValue))),
                    ("allowed", list(oneOf(FollowUpAction.allCases.map(\.rawValue)))), ("openedOn", day), ("dueOn", day),
                    ("overdue", boolean), ("escalated", boolean), ("callNote", text), ("resolution", text),
                    ("ledgerDue", day), ("appealReason", text), ("appealDecision", text), ("version", integer),
                    ("level", integer), ("reasons", texts), ("comment", text), ("subjectName", text),
                ],
                required: [
                    "id", "rating", "department", "state", "allowed", "openedOn", "dueOn", "overdue", "escalated",
                    "version",
                ])
        ),
        (
            "GivenRating",
            object(
                [
                    ("id", uuid), ("occasion", oneOf(["application", "visit"])), ("subject", uuid), ("subjectName", text),
                    ("department", text), ("level", ["type": "integer", "minimum": 1, "maximum": 5]), ("reasons", texts),
                    ("comment", text), ("revisions", integer), ("counts", boolean), ("createdAt", instant),
                    ("followUp", ref("FollowUp")),
                ],
                required: [
                    "id", "occasion", "subject", "subjectName", "department", "level", "reasons", "revisions",
                    "counts", "createdAt",
                ])
        ),
        (
            "ComplaintAnswered",
            object(
                [
                    ("id", uuid), ("kind", oneOf(ComplaintKind.allCases.map(\.rawValue))),
                    ("subject", oneOf(ComplaintSubject.allCases.map(\.rawValue))), ("target", text), ("about", text),
                    ("department", text), ("title", text), ("body", text),
                    ("state", oneOf(["open", "answered", "closed"])), ("sentOn", day), ("dueOn", day),
                    ("overdue", boolean), ("escalated", boolean), ("answer", text), ("answeredBy", text),
                    ("answeredOn", day), ("rating", integer), ("ratingComment", text), ("version", integer),
                ],
                required: [
                    "id", "kind", "subject", "target", "about", "department", "title", "body", "state",
                    "sentOn", "dueOn", "overdue", "escalated", "version",
                ])
        ),
    ]

    // MARK: data sharing and licences

    package static let sharingSchemas: [(String, JSONValue)] = [
        (
            "DataResource",
            object(
                [
                    ("code", text), ("name", text), ("nameEn", text), ("owner", ref("ItemDepartment")),
                    ("subject", oneOf(["person", "enterprise"])),
                    (
                        "fields",
                        list(
                            object(
                                [
                                    ("key", text), ("label", text), ("labelEn", text),
                                    ("sensitivity", oneOf(["public", "internal", "sensitive", "core"])),
                                    // 只询问一次: the standard form field the value answers
                                    ("formField", text),
                                ],
                                required: ["key", "label", "labelEn", "sensitivity"]))
                    ),
                    ("sharing", oneOf(["unconditional", "conditional", "notShared"])), ("consentRequired", boolean),
                    ("updateFrequency", text), ("legalBasis", text),
                ],
                required: [
                    "code", "name", "nameEn", "owner", "subject", "fields", "sharing", "consentRequired",
                    "updateFrequency", "legalBasis",
                ])
        ),
        (
            "Grant",
            object(
                [
                    ("id", uuid), ("resource", text), ("resourceName", text), ("requester", text), ("owner", text), ("fields", texts),
                    ("purpose", text), ("legalBasis", text), ("days", integer),
                    ("status", oneOf(["pending", "approved", "refused", "revoked"])), ("reason", text), ("lastDay", day),
                    ("clearance", oneOf(["public", "internal", "sensitive", "core"])), ("version", integer),
                ],
                required: [
                    "id", "resource", "resourceName", "requester", "owner", "fields", "purpose", "legalBasis", "days",
                    "status", "version",
                ])
        ),
        (
            "ClientCreated",
            object(
                [
                    ("id", uuid), ("name", text), ("department", text),
                    ("clearance", oneOf(["public", "internal", "sensitive", "core"])), ("ratePerMinute", integer),
                    ("key", ["type": "string", "description": "shown this once; stored hashed"]),
                    ("expiresAt", instant),
                ],
                required: ["id", "name", "department", "clearance", "ratePerMinute", "key", "expiresAt"])
        ),
        ("ClientRevoked", object([("id", uuid), ("name", text), ("revokedAt", instant)], required: ["id", "name", "revokedAt"])),
        (
            "LookupResult",
            object(
                [
                    ("resource", text), ("subject", ["type": "string", "description": "an identity number masked"]),
                    ("fields", map(text)), ("masked", texts), ("grant", uuid), ("readAt", instant),
                    ("asOf", ["type": "string", "format": "date-time", "description": "when the record was true, as its owner loaded it"]),
                ],
                required: ["resource", "subject", "fields", "masked", "readAt", "asOf"])
        ),
        (
            "DataLoadOutcome",
            object(
                [
                    ("resource", text), ("received", integer), ("inserted", integer), ("updated", integer),
                    ("unchanged", ["type": "integer", "description": "records whose version was already held"]),
                    ("stale", ["type": "integer", "description": "records older than the version held: passed over"]),
                    ("loadedAt", instant),
                ],
                required: ["resource", "received", "inserted", "updated", "unchanged", "stale", "loadedAt"])
        ),
        (
            "DataAccess",
            object(
                [
                    (
                        "consents",
                        list(
                            object(
                                [
                                    ("id", uuid), ("applicationID", uuid), ("material", text),
                                    ("via", oneOf(["license", "data"])), ("source", text), ("sourceName", text),
                                    ("department", text), ("purpose", text), ("givenAt", instant),
                                    ("expiresAt", instant),
                                ],
                                required: [
                                    "id", "applicationID", "material", "via", "source", "sourceName",
                                    "department", "purpose", "givenAt", "expiresAt",
                                ]))
                    ),
                    (
                        "reads",
                        list(
                            object(
                                [
                                    ("at", instant), ("reader", text), ("source", text), ("sourceName", text),
                                    ("fields", texts), ("purpose", text), ("basis", text),
                                    (
                                        "auditEntry",
                                        [
                                            "type": ["string", "null"],
                                            "description":
                                                "the key of the audit entry recording the read: its inclusion proof is at /api/v1/audit/entries/{key}/proof",
                                        ]
                                    ),
                                    (
                                        "logSequence",
                                        [
                                            "type": ["integer", "null"],
                                            "description": "the entry's place in the audit log; null while it waits for the sequencer",
                                        ]
                                    ),
                                ],
                                required: ["at", "reader", "source", "sourceName", "fields", "purpose", "basis"]))
                    ),
                ],
                required: ["consents", "reads"])
        ),
        (
            "SharedMaterial",
            object(
                [
                    ("materialKey", text), ("material", text), ("via", oneOf(["license", "data"])), ("sourceName", text),
                    ("sourceRef", text), ("departments", texts), ("consentUntil", day), ("note", text), ("status", text),
                    ("readable", boolean),
                    ("fields", list(object([("label", text), ("value", text)], required: ["label", "value"]))),
                ],
                required: [
                    "materialKey", "material", "via", "sourceName", "sourceRef", "departments", "consentUntil",
                    "note", "readable", "fields",
                ])
        ),
    ]

    // MARK: supervision

    package static let supervisionSchemas: [(String, JSONValue)] = [
        ("Rate", object([("part", integer), ("whole", integer)], required: ["part", "whole"])),
        (
            "Figures",
            object(
                [
                    ("cases", integer), ("applications", integer), ("decided", integer), ("refused", integer), ("withdrawn", integer),
                    ("online", ref("Rate")), ("immediate", ref("Rate")), ("near", ref("Rate")), ("oneVisit", ref("Rate")),
                    ("zeroVisit", ref("Rate")), ("onTime", ref("Rate")), ("averageDaysUsed", number),
                    ("averageDaysPromised", number), ("materialsSaved", integer),
                    (
                        "ratings",
                        object(
                            [
                                ("veryGood", integer), ("good", integer), ("fair", integer), ("poor", integer),
                                ("veryPoor", integer),
                            ],
                            required: ["veryGood", "good", "fair", "poor", "veryPoor"])
                    ),
                    ("satisfaction", ref("Rate")), ("badFollowedUp", ref("Rate")), ("complaintsOnTime", ref("Rate")),
                    ("sampleCases", integer),
                ],
                required: [
                    "cases", "applications", "decided", "refused", "withdrawn", "online", "immediate", "near",
                    "oneVisit", "zeroVisit", "onTime", "materialsSaved", "ratings", "satisfaction", "badFollowedUp",
                    "complaintsOnTime", "sampleCases",
                ])
        ),
        (
            "SupervisionFigures",
            object(
                [
                    ("from", day), ("to", day), ("region", text), ("department", uuid), ("item", text),
                    ("step", oneOf(["day", "week", "month"])), ("asOf", instant), ("totals", ref("Figures")),
                    ("trend", list(object([("start", day), ("figures", ref("Figures"))], required: ["start", "figures"]))),
                    ("departments", list(ref("FiguresLine"))), ("items", list(ref("FiguresLine"))),
                    ("demoData", ["type": "string", "description": "含演示数据 …, when sample cases are counted"]),
                ],
                required: ["from", "to", "step", "totals", "trend", "departments", "items"])
        ),
        ("FiguresLine", object([("key", text), ("name", text), ("figures", ref("Figures"))], required: ["key", "name", "figures"])),
        (
            "FrozenAccount",
            object(
                [
                    ("accountID", uuid), ("frozenAt", instant), ("registeredName", text),
                    ("identityNumber", ["type": ["string", "null"], "description": "masked"]),
                    ("regionCode", ["type": ["string", "null"]]),
                    ("holderAccountID", ["type": ["string", "null"], "format": "uuid"]), ("applications", ["type": "integer"]),
                ],
                required: ["accountID", "frozenAt", "registeredName", "applications"])
        ),
        (
            "Handoff",
            object(
                [
                    ("id", uuid), ("application", text), ("item", text), ("itemName", text), ("decidedBy", text), ("department", text),
                    ("handedOverOn", day), ("yellowOn", day), ("redOn", day), ("light", oneOf(["waiting", "yellow", "red", "signed"])),
                    ("escalated", boolean), ("signedAt", instant), ("signedBy", text),
                ],
                required: [
                    "id", "application", "item", "itemName", "decidedBy", "department", "handedOverOn", "yellowOn", "redOn", "light",
                    "escalated",
                ])
        ),
        (
            "WarningBoard",
            object(
                [
                    (
                        "counts",
                        list(
                            object(
                                [
                                    ("department", text), ("yellow", integer), ("red", integer),
                                    ("followUps", integer), ("complaints", integer), ("handoffs", integer), ("ownerHandoffs", integer),
                                ],
                                required: ["department", "yellow", "red", "followUps", "complaints", "handoffs", "ownerHandoffs"]))
                    ),
                    (
                        "cases",
                        list(
                            object(
                                [
                                    ("applicationID", uuid), ("number", text), ("item", text), ("department", text),
                                    ("warning", oneOf(["yellow", "red"])), ("dueOn", day), ("state", text),
                                ],
                                required: ["applicationID", "item", "department", "warning", "state"]))
                    ),
                    (
                        "late",
                        list(
                            object(
                                [
                                    ("id", uuid), ("kind", oneOf(["followUp", "complaint", "handoff", "ownerHandoff", "enquiryHandoff"])),
                                    ("title", text),
                                    ("department", text), ("dueOn", day), ("escalated", boolean),
                                ],
                                required: ["id", "kind", "title", "department", "dueOn", "escalated"]))
                    ),
                    ("totalYellow", integer), ("totalRed", integer),
                ],
                required: ["counts", "cases", "late", "totalYellow", "totalRed"])
        ),
    ]
}
