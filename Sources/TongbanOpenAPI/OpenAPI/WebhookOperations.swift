import Foundation
import TongbanCore
import TongbanDelivery
import TongbanPlatform

/// Webhooks in `/openapi.json`: the operations a department's data administrator calls, and the
/// `webhooks` section, one entry per topic the platform writes (`EventTopic.all`), with its
/// payload and the Standard Webhooks headers.
extension OpenAPIDocument {
    package static let webhookOperations: [Operation] = {
        let id = pathParameter("id", format: "uuid")
        let subscription = ref("WebhookSubscription")
        return [
            Operation(
                method: "get", path: "/api/v1/webhooks", id: "webhookSubscriptions",
                summary: "The caller's department's webhook subscriptions (data administrator), newest first", tag: "webhooks",
                auth: true, response: list(subscription), errors: [401, 403]),
            Operation(
                method: "post", path: "/api/v1/webhooks", id: "subscribeWebhook",
                summary:
                    "Subscribe one of the department's client systems to topics (`case.*`, `license.issued`, `*`) at an https endpoint; the answer shows the signing secret (whsec_…) this once",
                tag: "webhooks", auth: true, body: "WebhookSubscribe", response: subscription, success: 201, errors: [401, 403, 422]),
            Operation(
                method: "get", path: "/api/v1/webhooks/deliveries", id: "webhookDeliveries",
                summary: "The department's deliveries in a state (dead letters by default), newest first", tag: "webhooks", auth: true,
                response: list(ref("WebhookDelivery")), errors: [401, 403, 422],
                parameters: [
                    query("state", "string", "delivery state (default dead)", values: [""] + DeliveryState.allCases.map(\.rawValue)),
                    query("subscription", "string", "one subscription's only", pattern: orEmpty(uuidPattern)),
                ]),
            Operation(
                method: "post", path: "/api/v1/webhooks/deliveries/replay", id: "replayWebhookDeliveries",
                summary:
                    "Dead letters back to the queue: those named, or all of the department's (or of one subscription); each keeps its webhook-id",
                tag: "webhooks", auth: true, body: "WebhookReplay", bodyOptional: true, response: ref("WebhookReplayed"),
                errors: [401, 403, 404, 422]),
            Operation(
                method: "get", path: "/api/v1/webhooks/{id}", id: "webhookSubscription", summary: "One of the department's subscriptions",
                tag: "webhooks", auth: true, response: subscription, errors: [401, 403, 404], parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/webhooks/{id}/secret", id: "rotateWebhookSecret",
                summary:
                    "A new signing secret, shown this once; the previous one keeps signing beside it for the grace period (optimistic locking)",
                tag: "webhooks", auth: true, body: "WebhookVersion", bodyOptional: true, response: subscription,
                errors: [401, 403, 404, 409, 422], parameters: [id]),
            Operation(
                method: "post", path: "/api/v1/webhooks/{id}/state", id: "setWebhookState",
                summary: "Pause or resume a subscription (optimistic locking); one a receiver answered 410 is resumed here",
                tag: "webhooks", auth: true, body: "WebhookState", response: subscription, errors: [401, 403, 404, 409, 422],
                parameters: [id]),
            Operation(
                method: "get", path: "/api/v1/messages", id: "messages",
                summary: "The signed-in account's messages (站内消息) in its language, newest first, and how many are unread",
                tag: "messages", auth: true, response: ref("Inbox"), errors: [401]),
            Operation(
                method: "post", path: "/api/v1/messages/read", id: "readAllMessages", summary: "Mark every message shown so far read",
                tag: "messages", auth: true, response: ref("MessagesMarked"), errors: [401]),
            Operation(
                method: "post", path: "/api/v1/messages/{id}/read", id: "readMessage", summary: "Mark one of one's messages read",
                tag: "messages", auth: true, response: ref("Message"), errors: [401, 404], parameters: [id]),
            Operation(
                method: "get", path: "/api/v1/messages/settings", id: "messageSettings",
                summary:
                    "The signed-in account's message settings: the e-mail address and mobile (masked), and per kind of message whether it also goes by e-mail and SMS",
                tag: "messages", auth: true, response: ref("MessageSettings"), errors: [401]),
            Operation(
                method: "put", path: "/api/v1/messages/settings", id: "updateMessageSettings",
                summary:
                    "Change the e-mail address (\"\" removes it, absent keeps it) and the channels of the kinds named; the inbox always has every message",
                tag: "messages", auth: true, body: "MessageSettingsChange", response: ref("MessageSettings"), errors: [400, 401, 422]),
            Operation(
                method: "post", path: "/api/v1/sms/receipts", id: "smsReceipt",
                summary:
                    "The SMS gateway's delivery receipt, signed with the Standard Webhooks headers under TONGBAN_SMS_KEY; a status only moves forward",
                tag: "messages", body: "SMSReceipt", success: 204, errors: [400, 401, 404, 422]),
        ]
    }()

    /// The addresses `EmailAddress` takes: a plain local part of printable ASCII without
    /// specials, a domain of at least two letter-digit-hyphen labels; or "" (none).
    package static let emailPattern =
        #"^$|^[!#$%&'*+\-./0-9=?A-Z^_`a-z{|}~]{1,64}@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"#

    private static let channelChoice = object([("email", boolean), ("sms", boolean)], required: ["email", "sms"])
    private static let channelChoices: JSONValue = object(
        MessageKind.allCases.map { ($0.rawValue, channelChoice) }, required: [])

    package static let webhookRequestSchemas: [(String, JSONValue)] = [
        (
            "WebhookSubscribe",
            object(
                [
                    ("clientID", uuid),
                    ("url", string("https endpoint (http only to this machine in development)", maxLength: 2_048)),
                    ("topics", ["type": "array", "minItems": 1, "maxItems": 100, "items": ["type": "string", "maxLength": 100]]),
                    ("scope", ["type": "string", "enum": .array(SubscriptionScope.allCases.map { .string($0.rawValue) })]),
                ],
                required: ["clientID", "url", "topics"])
        ),
        ("WebhookVersion", object([("version", ["type": ["integer", "null"], "minimum": 1])], required: [])),
        ("WebhookState", object([("active", boolean), ("version", ["type": ["integer", "null"], "minimum": 1])], required: ["active"])),
        (
            "MessageSettingsChange",
            object(
                [
                    (
                        "email",
                        [
                            "type": ["string", "null"], "maxLength": 254, "pattern": .string(emailPattern),
                            "description": "an address (\"\" removes the one kept; absent keeps it)",
                        ]
                    ),
                    ("choices", channelChoices),
                ], required: [])
        ),
        (
            "SMSReceipt",
            object(
                [
                    ("id", string("the gateway's id of the message", maxLength: 200)),
                    ("status", ["type": "string", "enum": ["sent", "delivered", "failed"]]),
                    ("error", ["type": ["string", "null"], "maxLength": 500]),
                ],
                required: ["id", "status"])
        ),
        (
            "WebhookReplay",
            object(
                [
                    ("ids", ["type": ["array", "null"], "minItems": 1, "maxItems": 1_000, "items": uuid]),
                    ("subscriptionID", ["type": ["string", "null"], "format": "uuid"]),
                ],
                required: [])
        ),
    ]

    package static let webhookResponseSchemas: [(String, JSONValue)] = [
        (
            "WebhookSubscription",
            object(
                [
                    ("id", uuid), ("client", text), ("clientID", uuid), ("department", text), ("url", text), ("topics", texts),
                    ("scope", oneOf(SubscriptionScope.allCases.map(\.rawValue))), ("state", oneOf(["active", "disabled"])),
                    ("disabledReason", text), ("previousSecretUntil", instant), ("createdAt", instant), ("version", integer),
                    ("secret", string("whsec_…: shown on the answer that made or rotated it only")),
                ],
                required: ["id", "client", "clientID", "department", "url", "topics", "scope", "state", "createdAt", "version"])
        ),
        (
            "WebhookDelivery",
            object(
                [
                    ("id", uuid), ("messageID", string("the webhook-id header")), ("subscriptionID", uuid), ("eventID", uuid),
                    ("topic", text), ("subject", text), ("state", oneOf(DeliveryState.allCases.map(\.rawValue))), ("attempts", integer),
                    ("nextAttemptAt", instant), ("lastStatus", integer), ("lastError", text), ("deliveredAt", instant),
                    ("createdAt", instant), ("updatedAt", instant),
                ],
                required: [
                    "id", "messageID", "subscriptionID", "eventID", "topic", "subject", "state", "attempts", "createdAt", "updatedAt",
                ])
        ),
        ("WebhookReplayed", object([("replayed", integer)], required: ["replayed"])),
        (
            "Message",
            object(
                [
                    ("id", uuid), ("topic", text), ("title", text), ("body", text), ("link", string("a path of this site")),
                    ("required", ["type": "boolean", "description": "required by law: always in the inbox"]), ("at", instant),
                    ("readAt", instant),
                    (
                        "sends",
                        list(
                            object(
                                [("channel", oneOf(["email", "sms"])), ("status", oneOf(SendStatus.allCases.map(\.rawValue)))],
                                required: ["channel", "status"]))
                    ),
                ],
                required: ["id", "topic", "title", "body", "link", "required", "at", "sends"])
        ),
        (
            "MessageSettings",
            object(
                [("email", string("the address, masked")), ("mobile", string("the mobile number, masked")), ("choices", channelChoices)],
                required: ["choices"])
        ),
        ("Inbox", object([("unread", integer), ("messages", list(ref("Message")))], required: ["unread", "messages"])),
        ("MessagesMarked", object([("marked", integer)], required: ["marked"])),
    ]

    /// OpenAPI 3.1 `webhooks`: what the platform posts to a subscriber, per topic.
    package static var webhooksSection: JSONValue {
        let headers: [JSONValue] = [
            header("webhook-id", "the message's id, the same on every retry: deduplicate by it"),
            header("webhook-timestamp", "seconds since 1970 when this attempt was signed; refuse one more than 5 minutes off"),
            header(
                "webhook-signature",
                "space-separated: v1,<base64 HMAC-SHA256 of id.timestamp.body with the secret> (two during a rotation) and v1a,<base64 Ed25519 signature> (key in /.well-known/jwks.json)"
            ),
        ]
        return .object(
            EventTopic.all.map { topic in
                let data = object(topic.fields.map { ($0.name, string($0.summary)) }, required: topic.fields.filter(\.required).map(\.name))
                let body = object(
                    [("type", ["type": "string", "const": .string(topic.name)]), ("timestamp", instant), ("data", data)],
                    required: ["type", "timestamp", "data"])
                let operation: JSONValue = [
                    "operationId": .string("event." + topic.name), "summary": .string(topic.summary), "tags": ["webhooks"],
                    "parameters": .array(headers),
                    "requestBody": ["required": true, "content": ["application/json": ["schema": body]]],
                    "responses": [
                        "2XX": ["description": "received: not sent again"],
                        "410": ["description": "gone: the subscription is disabled and its owner told"],
                        "default": ["description": "anything else, or no answer in time: tried again later with backoff"],
                    ],
                ]
                return (topic.name, ["post": operation])
            })
    }

    private static func header(_ name: String, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "header", "required": true, "description": .string(description), "schema": ["type": "string"]]
    }
}
