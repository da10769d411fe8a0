import Foundation

/// What the platform tells other systems about: one topic per kind of event, each with the
/// fields its payload carries. Events are written only through these values, so the list below
/// is every topic the code writes, and it is what `/openapi.json` publishes as `webhooks` and
/// what a subscription may name.
public struct EventTopic: Hashable, Sendable, Comparable, CustomStringConvertible {
    public struct Field: Hashable, Sendable {
        public let name: String
        public let summary: String
        public let required: Bool

        public init(_ name: String, _ summary: String, required: Bool = true) {
            self.name = name
            self.summary = summary
            self.required = required
        }
    }

    /// `group.event`, e.g. `case.accept`.
    public let name: String
    public let summary: String
    public let fields: [Field]

    private init(_ name: String, _ summary: String, _ fields: [Field]) {
        self.name = name
        self.summary = summary
        self.fields = fields
    }

    public var description: String { name }
    /// The part before the dot: what `group.*` in a subscription names.
    public var group: String { String(name.prefix { $0 != "." }) }
    public var fieldNames: Set<String> { Set(fields.map(\.name)) }
    public var requiredFieldNames: Set<String> { Set(fields.filter(\.required).map(\.name)) }

    public static func < (a: EventTopic, b: EventTopic) -> Bool { a.name < b.name }
    public static func == (a: EventTopic, b: EventTopic) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// Whether a payload has exactly the topic's fields (the optional ones may be left out).
    public func accepts(payloadKeys keys: Set<String>) -> Bool {
        keys.isSubset(of: fieldNames) && requiredFieldNames.isSubset(of: keys)
    }

    // MARK: the topics

    public static let applicationSubmitted = EventTopic(
        "application.submitted", "An application was submitted (one or more cases opened).",
        [
            Field("application", "the application number"), Field("target", "the item or bundle code"),
            Field("region", "the region code it was submitted in"), Field("cases", "how many cases it opened"),
        ])

    /// A case moved on by `kind` (accept, requestCorrection, decide, deliver, …).
    public static func caseAction(_ kind: CaseActionKind) -> EventTopic {
        EventTopic(
            "case.\(kind.rawValue)", "A case moved on: \(kind.rawValue).",
            [
                Field("application", "the application number"), Field("item", "the service item code"),
                Field("itemName", "the service item's name as the applicant saw it"),
                Field("from", "the case's state before"), Field("to", "the case's state after"),
                Field(
                    "detail", "what the action said, where it says something: the corrections asked for, the materials owed, the decision",
                    required: false),
            ])
    }

    public static let caseWarning = EventTopic(
        "case.warning", "A case's deadline light changed to yellow or red.",
        [Field("case", "the case id"), Field("application", "the application id"), Field("warning", "yellow or red")])

    public static let licenseIssued = EventTopic(
        "license.issued", "An e-licence was issued.",
        [
            Field("license", "the licence identifier (GB/T 36904)"), Field("type", "the licence type code"),
            Field("holder", "the holder's account id", required: false),
            Field("application", "the application number it was issued for", required: false),
        ])

    public static let licenseStatus = EventTopic(
        "license.status", "An e-licence's status changed (suspended, revoked, restored, cancelled).",
        [Field("license", "the licence identifier"), Field("from", "the status before"), Field("to", "the status after")])

    public static let licenseRenewed = EventTopic(
        "license.renew", "An e-licence was renewed: a new identifier replaces the old.",
        [Field("license", "the new identifier"), Field("replaces", "the identifier replaced"), Field("holder", "the holder's account id")])

    public static let licenseChanged = EventTopic(
        "license.change", "An e-licence's fields were changed: a new identifier replaces the old.",
        [Field("license", "the new identifier"), Field("replaces", "the identifier replaced"), Field("holder", "the holder's account id")])

    public static let complaintSent = EventTopic(
        "complaint.sent", "A complaint, question or suggestion was sent to a department.",
        [Field("complaint", "the complaint id"), Field("department", "the answering department"), Field("due", "the day it is due")])

    public static let complaintAnswered = EventTopic(
        "complaint.answered", "A complaint was answered.", [Field("complaint", "the complaint id")])

    public static let complaintEscalated = EventTopic(
        "complaint.escalated", "A complaint was not answered in time and went to the supervisors.",
        [Field("complaint", "the complaint id"), Field("department", "the answering department"), Field("due", "the day it was due")])

    public static let followUpOpened = EventTopic(
        "followUp.opened", "A bad rating opened a follow-up (差评整改).",
        [Field("followUp", "the follow-up id"), Field("department", "the department rated"), Field("due", "the day it is due")])

    /// A follow-up moved on by `action` (callBack, fix, appeal, …).
    public static func followUpAction(_ action: FollowUpAction) -> EventTopic {
        EventTopic(
            "followUp.\(action.rawValue)", "A follow-up moved on: \(action.rawValue).",
            [Field("followUp", "the follow-up id"), Field("state", "its state after"), Field("department", "the department rated")])
    }

    public static let followUpEscalated = EventTopic(
        "followUp.escalated", "A follow-up was not done in time and went to the supervisors.",
        [Field("followUp", "the follow-up id"), Field("department", "the department rated"), Field("due", "the day it was due")])

    private static let appointmentFields = [
        Field("appointment", "the appointment id"), Field("account", "the account that booked"), Field("hall", "the hall's name"),
        Field("item", "the item's name"), Field("date", "the day"), Field("start", "the slot's start, HH:mm"),
        Field("version", "the appointment's version"),
    ]

    public static let appointmentBooked = EventTopic("appointment.booked", "A hall appointment was booked.", appointmentFields)
    public static let appointmentMoved = EventTopic("appointment.moved", "A hall appointment was moved.", appointmentFields)
    public static let appointmentCancelled = EventTopic("appointment.cancelled", "A hall appointment was cancelled.", appointmentFields)
    public static let appointmentReminder = EventTopic(
        "appointment.reminder", "A reminder due the day before an appointment (sent at `sendAt`).",
        appointmentFields + [Field("sendAt", "when the reminder is due, ISO 8601")])

    public static let ticketTurnSoon = EventTopic(
        "ticket.turnSoon", "A ticket's turn is near: at most two are ahead of it in a calling window's order (云呼叫).",
        [
            Field("ticket", "the ticket id"), Field("account", "the account that took it"), Field("hall", "the hall's name"),
            Field("label", "the ticket's number as shown, e.g. A012"), Field("ahead", "how many are ahead of it"),
        ])

    private static let handoffFields = [
        Field("handoff", "the handoff id"), Field("application", "the application number"), Field("item", "the service item code"),
        Field("itemName", "the service item's name"), Field("department", "the supervising department's name"),
        Field("decidedBy", "the deciding department's name"),
    ]

    /// 审管衔接: an approval handed to the department that supervises it, to sign for.
    public static let handoffCreated = EventTopic(
        "handoff.created", "An approval was handed to its supervising department (审管衔接), to be signed for.", handoffFields)
    public static let handoffSigned = EventTopic(
        "handoff.signed", "The supervising department signed for a handoff: it counts as received.", handoffFields)
    public static let handoffWarning = EventTopic(
        "handoff.warning", "A handoff is not signed for in time: yellow after the first limit, red after the second.",
        handoffFields + [Field("warning", "yellow or red")])
    public static let handoffEscalated = EventTopic(
        "handoff.escalated", "A handoff turned red unsigned and went to the supervisors.", handoffFields)

    /// 实名认证: the real holder of an identity number proved it (Level 2) after an unproven account
    /// had registered it; that account is frozen, its drafts kept for review.
    public static let accountReclaimed = EventTopic(
        "account.reclaimed", "An identity number's real holder took it back from an unproven account, which is now frozen for review.",
        [
            Field("account", "the holder's new account id"), Field("frozen", "the frozen account's id"),
            Field("region", "the region code of the number's registration"),
            Field("drafts", "how many applications the frozen account had made"),
        ])

    /// An enterprise asked its legal representative (who has an account) to confirm it.
    public static let representativeAsked = EventTopic(
        "account.representativeAsked", "An enterprise asked the legal representative its market registration names to confirm its account.",
        [
            Field("account", "the representative's account id"), Field("request", "the request's id"),
            Field("enterprise", "the enterprise's name"),
        ])

    /// A legal representative named a person to act for the enterprise (经办人).
    public static let handlerNamed = EventTopic(
        "account.handlerNamed", "A legal representative named a person (who has an account) to act for the enterprise.",
        [
            Field("account", "the handler's account id"), Field("enterprise", "the enterprise's name"),
            Field("until", "the last day the mandate holds (YYYY-MM-DD)"), Field("items", "the item codes it covers; empty: every item"),
        ])

    public static let webhookDisabled = EventTopic(
        "webhook.disabled", "A subscription was disabled: its receiver answered 410 Gone.",
        [Field("subscription", "the subscription id"), Field("url", "its endpoint"), Field("reason", "why")])

    /// Every topic, sorted by name.
    public static let all: [EventTopic] = {
        let fixed: [EventTopic] = [
            accountReclaimed, representativeAsked, handlerNamed, applicationSubmitted, caseWarning, licenseIssued, licenseStatus,
            licenseRenewed,
            licenseChanged,
            complaintSent,
            complaintAnswered, complaintEscalated, followUpOpened, followUpEscalated, appointmentBooked, appointmentMoved,
            appointmentCancelled, appointmentReminder, ticketTurnSoon, handoffCreated, handoffSigned, handoffWarning, handoffEscalated,
            webhookDisabled,
        ]
        let cases = CaseActionKind.allCases.map(caseAction)
        let followUps = FollowUpAction.allCases.map(followUpAction)
        return (fixed + cases + followUps).sorted()
    }()

    public static let byName: [String: EventTopic] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The groups `group.*` may name.
    public static let groups: Set<String> = Set(all.map(\.group))
}

/// What a subscription names: a topic (`case.accept`), every topic of a group (`case.*`), or
/// everything (`*`).
public struct TopicPattern: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    public enum Problem: Error, Sendable, Equatable {
        case unknown(String)
    }

    public init(_ text: String) throws(Problem) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" || EventTopic.byName[trimmed] != nil {
            self.text = trimmed
            return
        }
        if trimmed.hasSuffix(".*"), EventTopic.groups.contains(String(trimmed.dropLast(2))) {
            self.text = trimmed
            return
        }
        throw .unknown(trimmed)
    }

    public var description: String { text }

    public func matches(_ topic: EventTopic) -> Bool {
        if text == "*" { return true }
        if text.hasSuffix(".*") { return topic.group == String(text.dropLast(2)) }
        return topic.name == text
    }

    /// Patterns from a list, duplicates dropped, order kept; the unknown ones named.
    public static func parse(_ texts: [String]) -> (patterns: [TopicPattern], unknown: [String]) {
        var patterns: [TopicPattern] = []
        var unknown: [String] = []
        for text in texts {
            do {
                let pattern = try TopicPattern(text)
                if !patterns.contains(pattern) { patterns.append(pattern) }
            } catch {
                if case let .unknown(name) = error { unknown.append(name) }
            }
        }
        return (patterns, unknown)
    }
}

/// Whom an event concerns: the departments whose work it is, and the region it happened in.
/// A department's subscription sees only these: never another department's events.
public struct EventAudience: Sendable, Equatable {
    public var departmentIDs: [UUID]
    public var regionCode: RegionCode?

    public init(departmentIDs: [UUID] = [], regionCode: RegionCode? = nil) {
        self.departmentIDs = departmentIDs
        self.regionCode = regionCode
    }

    public init(departmentID: UUID?, regionCode: RegionCode?) {
        self.init(departmentIDs: departmentID.map { [$0] } ?? [], regionCode: regionCode)
    }
}

/// What a subscription receives: its own department's events, or also the events of its region
/// that concern no department (hall appointments, say), never another department's.
public enum SubscriptionScope: String, Codable, Sendable, CaseIterable {
    case department
    case region

    public func reaches(_ audience: EventAudience, departmentID: UUID, regionCode: RegionCode) -> Bool {
        if audience.departmentIDs.contains(departmentID) { return true }
        guard self == .region, audience.departmentIDs.isEmpty, let eventRegion = audience.regionCode else { return false }
        return regionCode.contains(eventRegion)
    }
}
