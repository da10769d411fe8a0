import Fluent
import Foundation
import TongbanCore
import Vapor

/// What a use case may touch, named: the database, the platform clock, the official calendar,
/// the key ring, the settings, and who acts. A use case is a type that holds one of these (and
/// any cache it reads, passed in by name); it never sees a `Request`, so a test or a command
/// calls it as the API and the pages do. The API handler and the page handler are thin adapters:
/// they decode what came in, build the context (`req.context`), call the use case, and shape its
/// answer as JSON or as a page.
package struct UseCaseContext: Sendable {
    /// Where the use case reads and writes (a transaction's database inside one).
    package let db: any Database
    /// The platform's one clock: every stored instant and every "today".
    package let clock: PlatformClock
    /// The official working-day calendar deadlines are counted on.
    package let calendar: WorkingDayCalendar
    /// Encryption and lookup-hash keys for personal data.
    package let keys: KeyRing
    /// The operator's settings (time limits, warning thresholds).
    package let settings: TongbanConfiguration
    /// Who acts: the signed-in account, or nobody (the kiosk, a public page).
    package private(set) var account: Account?
    /// Carried into the audit entries the use case writes.
    package let requestID: String?
    /// The client's address, for per-client limits (`Request.clientAddress`); nil outside a request.
    package var clientAddress: String? = nil
    /// The person behind an enterprise account when they act for it (经办人), and their mandate.
    package var agency: Agency? = nil

    /// The application's clock, calendar, keys and settings.
    package init(application: Application, db: any Database, account: Account?, requestID: String? = nil) {
        self.init(
            db: db, clock: application.clock, calendar: application.workingDays, keys: application.keys,
            settings: application.tongban, account: account, requestID: requestID)
    }

    /// The same context acting as another account (a command acting as an operator, a test).
    package func acting(as account: Account?) -> UseCaseContext {
        var copy = self
        copy.account = account
        copy.agency = nil
        return copy
    }

    /// The same context with a person acting for the enterprise account (a test, the authenticators).
    package func acting(as enterprise: Account, through agency: Agency) -> UseCaseContext {
        var copy = self
        copy.account = enterprise
        copy.agency = agency
        return copy
    }

    /// Every dependency named (a test running a use case at a moment of its choosing).
    package init(
        db: any Database, clock: PlatformClock, calendar: WorkingDayCalendar, keys: KeyRing,
        settings: TongbanConfiguration, account: Account?, requestID: String? = nil
    ) {
        self.db = db
        self.clock = clock
        self.calendar = calendar
        self.keys = keys
        self.settings = settings
        self.account = account
        self.requestID = requestID
    }

    /// The platform clock's present instant.
    package var now: Date { clock.now() }

    /// Today in Asia/Shanghai on the platform clock, unless the context reckons as of another day.
    package var today: CalendarDate { reckoningDay ?? clock.today }

    /// Set by `reckoning(asOf:)`: a command reckoning deadlines as of another day.
    private var reckoningDay: CalendarDate? = nil

    /// The same context, counting deadlines as of `day` (instants still come from the clock).
    package func reckoning(asOf day: CalendarDate) -> UseCaseContext {
        var copy = self
        copy.reckoningDay = day
        return copy
    }

    /// The acting account as the policy sees it: an enterprise acted for by a person is the
    /// enterprise, within the person's mandate, at the lower of the two levels of proof.
    package var actor: Actor? {
        guard let account, let actor = try? account.actor else { return nil }
        guard let agency, account.kind == .enterprise else { return actor }
        return Actor(
            accountID: actor.accountID, kind: actor.kind, regionCode: actor.regionCode,
            assurance: min(actor.assurance, agency.person.assurance), agent: agency.agent)
    }

    package func requireAccount() throws -> Account {
        guard let account else { throw TongbanError.denied(.loginRequired) }
        return account
    }

    /// The acting account's own records (a person or an enterprise, never staff).
    package var ownRecords: Resource? { account?.id.map { .holderRecords(holderID: $0) } }

    /// Whether the one policy lets the acting account do it (for what a page offers).
    package func allows(_ action: Action, _ resource: Resource) -> Bool {
        Policy.decide(actor, action, resource).isAllowed
    }

    /// Asks the one policy and throws its refusal.
    package func authorize(_ action: Action, _ resource: Resource) throws {
        try Self.authorize(actor, action, resource)
    }

    /// The policy's refusal as the error a user is shown.
    package static func authorize(_ actor: Actor?, _ action: Action, _ resource: Resource) throws {
        if case let .deny(reason) = Policy.decide(actor, action, resource) {
            throw TongbanError.denied(reason)
        }
    }

    /// An audit entry naming the acting account and the request.
    package func auditEvent(_ action: String, resource: String, purpose: String? = nil, details: String? = nil) -> AuditEvent {
        var event = AuditEvent(
            actorID: account?.id, actorLabel: actorLabel ?? "anonymous", action: action,
            resource: resource, purpose: purpose, requestID: requestID, details: details)
        event.regionCode = account?.regionCode
        event.agentID = agency?.person.id
        event.keys = keys
        return event
    }
}

extension UseCaseContext {
    /// How the audit names who acts: the account, and the person behind an enterprise
    /// (`enterprise:某公司 [L2] by person:王丽 [L2]`).
    package var actorLabel: String? {
        guard let account else { return nil }
        guard let agency else { return account.auditActorLabel }
        return "\(account.auditActorLabel) by \(agency.person.auditActorLabel)"
    }

    /// How a timeline names who acts: the account, and the person behind an enterprise.
    package var timelineLabel: String? {
        guard let account else { return nil }
        guard let agency else { return account.auditLabel }
        return "\(account.auditLabel) by \(agency.person.auditLabel)"
    }
}

extension Account {
    /// How timelines name the account: its kind and display name.
    package var auditLabel: String { "\(kind.rawValue):\(displayName)" }

    /// How the audit names the account: for a person or an enterprise also how far its identity
    /// was proven when it acted (`person:张晓明 [L2]`); staff are always Level 3.
    package var auditActorLabel: String { kind == .staff ? auditLabel : "\(auditLabel) [L\(assurance.rawValue)]" }
}

extension Request {
    /// The use-case context of this request: its database, the platform's clock, calendar, keys
    /// and settings, and the signed-in account.
    package var context: UseCaseContext {
        var context = UseCaseContext(application: application, db: db, account: currentAccount, requestID: requestID)
        context.clientAddress = clientAddress
        context.agency = currentAgency
        return context
    }
}
