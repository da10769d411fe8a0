import Foundation

/// Who is acting: the account, its kind and roles, and for staff the department and region
/// they work in.
public struct Actor: Sendable, Equatable {
    public let accountID: UUID
    public let kind: AccountKind
    public let roles: Set<Role>
    public let departmentID: UUID?
    public let regionCode: RegionCode?
    /// How far the account's identity is proven (staff: in person, by their administrator).
    public let assurance: AssuranceLevel
    /// For an enterprise: the person acting for it (经办人 or the legal representative), if it is
    /// not the enterprise's own sign-in.
    public let agent: Agent?

    public init(
        accountID: UUID, kind: AccountKind, roles: Set<Role> = [], departmentID: UUID? = nil, regionCode: RegionCode? = nil,
        assurance: AssuranceLevel = .registered, agent: Agent? = nil
    ) {
        self.accountID = accountID
        self.kind = kind
        self.roles = kind == .staff ? roles : []
        self.departmentID = departmentID
        self.regionCode = regionCode
        self.assurance = kind == .staff ? .verifiedInPerson : assurance
        self.agent = kind == .enterprise ? agent : nil
    }

    /// Only the policy asks which roles an actor has: no handler decides by role itself.
    func has(_ role: Role) -> Bool { roles.contains(role) }

    /// Staff act within their region: it and everything inside it.
    func governs(_ region: RegionCode?) -> Bool {
        guard let own = regionCode, let region else { return false }
        return own.contains(region)
    }
}

/// What an action is done to.
public enum Resource: Sendable, Equatable {
    /// An account: its kind, where it belongs (staff: where they work; a person: the region of their
    /// identity number; an enterprise: of its credit code), and the regions where it has an
    /// application open (a window there serves it).
    case account(
        id: UUID, kind: AccountKind, departmentID: UUID? = nil, regionCode: RegionCode? = nil, openApplicationRegions: [RegionCode] = [])
    /// The list of accounts an actor may browse.
    case accountDirectory
    case department(regionCode: RegionCode)
    case region
    case auditLog
    /// One entry of the audit log, by the region of the account that acted (nil: the system or
    /// an account without one).
    case auditEntry(regionCode: RegionCode?)
    /// A service item or bundle implemented in a region (draft, published or retired).
    case catalogEntry(regionCode: RegionCode)
    /// An application: its applicant, the region whose item or bundle it is (where the power to
    /// decide lies), the departments that have review tasks in it, how far the applicant's
    /// identity must be proven, the item or bundle it is for (a handler's mandate may cover only
    /// some), and the region of the window that took it in (收受分离; nil: made online, its
    /// windows are the item region's).
    case application(
        applicantID: UUID, regionCode: RegionCode, departmentIDs: Set<UUID> = [], assurance: AssuranceLevel = .binding,
        targetCode: String? = nil, takenInAt: RegionCode? = nil)
    /// A service hall (政务服务大厅) of a region: its windows, queue and figures.
    case hall(regionCode: RegionCode)
    /// The supervision figures (电子监察) of a region, or of one department in it.
    case figures(regionCode: RegionCode, departmentID: UUID?)
    /// What a person or enterprise keeps on the platform for themselves: their licence wallet,
    /// their consents and the reads of their data, their appointments and online tickets.
    case holderRecords(holderID: UUID)
    /// A complaint, question or suggestion (民呼我应): its sender, where it was sent, and the
    /// department that answers it.
    case complaint(senderID: UUID, regionCode: RegionCode, departmentID: UUID?)
    /// The follow-up of a bad rating (差评整改): the department that must act on it, in a region.
    case followUp(regionCode: RegionCode, departmentID: UUID?)
    /// The data-sharing catalog and grant requests of one department.
    case dataSharing(departmentID: UUID?)
    /// A sharing grant, decided by the data resource's owner department.
    case sharingGrant(ownerDepartmentID: UUID?, requesterID: UUID)
    /// An e-licence, in the care of the department that issued it (or, new, will issue it).
    case license(departmentID: UUID?)
    /// The review tasks of a department (the reviewer's inbox).
    case reviewInbox(departmentID: UUID?)
    /// 牵头部门: the bundle applications a department leads, with their cases' states.
    case leadDesk(departmentID: UUID?)
    /// The window desk of a region: the applications waiting at its windows.
    case windowDesk(regionCode: RegionCode)
    /// A department's webhook subscriptions and their deliveries.
    case webhooks(departmentID: UUID?)
    /// An account's own messages (站内消息).
    case inbox(accountID: UUID)
    /// 审管衔接: approvals handed to a supervising department in a region, to be signed for.
    case handoff(regionCode: RegionCode, departmentID: UUID?)
    /// The handlers (经办人) of an enterprise and what they did, managed by its legal representative.
    case enterpriseHandlers(enterpriseID: UUID, representativeID: UUID?)
}

public enum Action: String, Sendable, CaseIterable {
    case view
    /// Reading identity and mobile numbers unmasked.
    case viewPersonalData
    case changePassword
    case create
    case changeRoles
    case disable
    case list
    case verify
    /// Writing a draft of a catalog entry.
    case edit
    case publish
    case retire
    /// Window-clerk work on an application: prereview, acceptance, correction, refusal, delivery.
    case handle
    /// Reviewer work: tasks, procedures, decisions.
    case review
    /// Reading the figures of a hall or department: waits, staffing, rates.
    case supervise
    /// Submitting in the subject's name: what binds them (an application sent for review).
    case submit
    /// Reading, showing or reusing what the government holds about the subject: shared data,
    /// e-licences, prefilled answers.
    case reuse
}

/// Why an action was refused; the raw value is the message key.
public enum DenyReason: String, Error, Sendable, Equatable {
    case loginRequired = "auth.loginRequired"
    case notOwner = "auth.notOwner"
    case roleMissing = "auth.roleMissing"
    case outsideJurisdiction = "auth.outsideJurisdiction"
    case ownAccount = "auth.ownAccount"
    case notApplicable = "auth.notApplicable"
    /// The account's identity is not proven far enough (实名认证).
    case assuranceTooLow = "auth.assuranceTooLow"
    /// A department reviewing in parallel completes its task; the case's decisions are its lead
    /// department's.
    case notLeadDepartment = "auth.notLeadDepartment"
    /// The item asks for an identity verified in person (实名认证三级).
    case inPersonRequired = "auth.inPersonRequired"
    /// A handler acting for an enterprise beyond what the legal representative's mandate covers.
    case outsideMandate = "auth.outsideMandate"
}

public enum Decision: Sendable, Equatable {
    case allow
    case deny(DenyReason)

    public var isAllowed: Bool { self == .allow }
}

/// The one authorisation policy: `(actor, action, resource) → allow | deny(reason)`. Every route
/// asks it; nothing else decides access.
///
/// | resource            | allowed                                                                 |
/// |---------------------|-------------------------------------------------------------------------|
/// | region, department  | anyone may view                                                         |
/// | own account         | view, viewPersonalData, changePassword; a person or enterprise: verify (prove their identity remotely) |
/// | application         | its applicant: create (a draft), view; submit once Level 2 (实名认证); a window clerk where the item is offered (its region, a region inside it, or one containing it: 收受分离): create, submit; window clerks of the region that took it in (made online: the item's): view, handle; its materials (viewPersonalData): the applicant, those window clerks, reviewers of its departments; supervisor of the item's or the taking-in region: view |
/// | person / enterprise | window clerk of their region, or of a region where they have an application open: view and viewPersonalData (serving them at the window); any window clerk: verify (the identity card checked in person) |
/// | staff account       | system admin of a region containing it: view, create, changeRoles, disable (not on themselves); supervisor of the region: view |
/// | account directory   | system admin, supervisor: list (staff of their region)                  |
/// | department          | system admin of a region containing it: create                          |
/// | audit log           | system admin and supervisor: view (entries of actors in their region, people's names masked; all for an account with no region); system admin: verify |
/// | catalog entry       | anyone may view what is published; catalog admin of a region containing it: edit, publish, retire (and view drafts) |
/// | hall                | anyone may view (hours, queue, display); window clerk of a region containing it: handle (staff a window, call, serve); window clerk or supervisor there: supervise (figures, staffing) |
/// | figures             | supervisor of a region containing it: supervise (any department); other staff there: supervise their own department's (the public page needs no permission: it holds no personal data) |
/// | holder records      | the person or enterprise themselves: view, create; reuse (shared data, licences, prefill) once Level 2 |
/// | complaint           | its sender: view; the answering department's staff: view, handle (answer); supervisor of a region containing it: view, supervise |
/// | follow-up           | the department's staff: view, handle; supervisor of a region containing it: view, supervise |
/// | data sharing        | data admin or reviewer of the department: view, list, create (ask for a grant); data admin: edit (client systems) |
/// | sharing grant       | data admin of the owner department: handle (approve, refuse, revoke); data admin or reviewer of either side: view |
/// | licence             | reviewer of the issuing department: review (issue, reissue, change its status) |
/// | review inbox        | reviewer of the department: list                                        |
/// | lead desk           | reviewer of the lead department: list                                   |
/// | window desk         | window clerk of a region containing it: handle                         |
/// | webhooks            | data admin of the department: view, list, create, edit (subscriptions, secrets, dead letters) |
/// | inbox               | the account itself (anyone signed in): view, edit (mark read, channels)  |
/// | handoff             | reviewer or window clerk of the supervising department: view, list, handle (sign for it); supervisor of a region containing it: view, list, supervise |
/// | enterprise handlers | its legal representative (as themselves or acting for it, Level 2): view, create (a mandate), handle (revoke); the enterprise's own sign-in: view, handle |
///
/// A person acting for an enterprise (`Actor.agent`) is the enterprise for the table, within the
/// items their mandate lists; never for the enterprise's own credentials or proof.
public enum Policy {
    public static func decide(_ actor: Actor?, _ action: Action, _ resource: Resource) -> Decision {
        if case .region = resource, action == .view { return .allow }
        if case .department = resource, action == .view { return .allow }
        if case .catalogEntry = resource, action == .view { return .allow }
        if case .hall = resource, action == .view { return .allow }
        guard let actor else { return .deny(.loginRequired) }

        switch resource {
        case .region:
            return .deny(.roleMissing)

        case .holderRecords, .complaint, .followUp, .dataSharing, .sharingGrant, .license, .reviewInbox, .leadDesk, .windowDesk, .webhooks,
            .inbox,
            .handoff, .enterpriseHandlers:
            return decideService(actor, action, resource)

        case let .application(applicantID, region, departments, needed, target, takenIn):
            // the windows that work it: the one that took it in, or the item region's
            let windows = takenIn ?? region
            let own = actor.accountID == applicantID && actor.kind != .staff
            if own, let agent = actor.agent, [.create, .submit, .view, .viewPersonalData].contains(action), !agent.covers(target) {
                return .deny(.outsideMandate)
            }
            switch action {
            case .create, .submit:
                // the applicant (a draft at any level, submitted once their identity is proven as far
                // as the items ask), or a window clerk entering it for them in person (帮办)
                if own {
                    guard action == .submit, actor.assurance < max(needed, .binding) else { return .allow }
                    return .deny(needed >= .verifiedInPerson ? .inPersonRequired : .assuranceTooLow)
                }
                guard actor.has(.windowClerk) else { return .deny(.notOwner) }
                // 收受分离: a window takes in whatever is offered in its area, whoever decides it
                guard let own = actor.regionCode else { return .deny(.outsideJurisdiction) }
                if let takenIn {
                    return actor.governs(takenIn) && ServiceArea.offers(region, in: takenIn) ? .allow : .deny(.outsideJurisdiction)
                }
                return ServiceArea.offers(region, in: own) ? .allow : .deny(.outsideJurisdiction)
            case .view:
                if own { return .allow }
                guard actor.kind == .staff else { return .deny(.notOwner) }
                if actor.has(.reviewer), let department = actor.departmentID, departments.contains(department), actor.governs(region) {
                    return .allow
                }
                if actor.has(.windowClerk), actor.governs(windows) { return .allow }
                guard actor.has(.windowClerk) || actor.has(.supervisor) else { return .deny(.notOwner) }
                return actor.has(.supervisor) && (actor.governs(region) || actor.governs(takenIn)) ? .allow : .deny(.outsideJurisdiction)
            case .viewPersonalData:
                // its materials: the applicant, the window clerks who take it in, the reviewers of
                // its departments; not a supervisor, who watches the work, not the papers
                if own { return .allow }
                guard actor.kind == .staff else { return .deny(.notOwner) }
                if actor.has(.reviewer), let department = actor.departmentID, departments.contains(department), actor.governs(region) {
                    return .allow
                }
                guard actor.has(.windowClerk) else { return .deny(.roleMissing) }
                return actor.governs(windows) ? .allow : .deny(.outsideJurisdiction)
            case .handle:
                guard actor.has(.windowClerk) else { return .deny(.roleMissing) }
                return actor.governs(windows) ? .allow : .deny(.outsideJurisdiction)
            case .review:
                guard actor.has(.reviewer) else { return .deny(.roleMissing) }
                guard let department = actor.departmentID, departments.contains(department) else { return .deny(.notOwner) }
                return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)
            default:
                return .deny(.notApplicable)
            }

        case let .hall(region):
            switch action {
            case .handle:
                guard actor.has(.windowClerk) else { return .deny(.roleMissing) }
                return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)
            case .supervise:
                guard actor.has(.windowClerk) || actor.has(.supervisor) else { return .deny(.roleMissing) }
                return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)
            case .edit:
                // the hall's manager: hours, categories, windows; a new hall of the region
                guard actor.has(.systemAdmin) else { return .deny(.roleMissing) }
                return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)
            default:
                return .deny(.notApplicable)
            }

        case let .figures(region, department):
            guard action == .supervise else { return .deny(.notApplicable) }
            guard actor.kind == .staff else { return .deny(.roleMissing) }
            if !actor.has(.supervisor) {
                guard let department, department == actor.departmentID else { return .deny(.roleMissing) }
            }
            return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)

        case let .catalogEntry(region):
            guard [.edit, .publish, .retire].contains(action) else { return .deny(.notApplicable) }
            guard actor.has(.catalogAdmin) else { return .deny(.roleMissing) }
            return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)

        case let .department(region):
            guard action == .create else { return .deny(.notApplicable) }
            guard actor.has(.systemAdmin) else { return .deny(.roleMissing) }
            return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)

        case .accountDirectory:
            guard action == .list else { return .deny(.notApplicable) }
            return actor.has(.systemAdmin) || actor.has(.supervisor) ? .allow : .deny(.roleMissing)

        case let .auditEntry(region):
            guard action == .view else { return .deny(.notApplicable) }
            guard actor.has(.systemAdmin) || actor.has(.supervisor) else { return .deny(.roleMissing) }
            // as the trail's list: a platform-level account reads all, others their region's
            guard actor.regionCode != nil else { return .allow }
            return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)

        case .auditLog:
            switch action {
            case .view: return actor.has(.systemAdmin) || actor.has(.supervisor) ? .allow : .deny(.roleMissing)
            case .verify: return actor.has(.systemAdmin) ? .allow : .deny(.roleMissing)
            default: return .deny(.notApplicable)
            }

        case let .account(id, kind, _, region, openIn):
            if id == actor.accountID {
                // a handler acts in the enterprise's cases, but its credentials and proof are its own
                if actor.agent != nil, ![.view, .viewPersonalData].contains(action) { return .deny(.outsideMandate) }
                switch action {
                case .view, .viewPersonalData, .changePassword: return .allow
                // proving one's identity remotely (实名认证二级); staff are proven by their administrator
                case .verify: return kind == .staff ? .deny(.notApplicable) : .allow
                case .changeRoles, .disable: return .deny(.ownAccount)
                default: return .deny(.notApplicable)
                }
            }
            switch (kind, action) {
            case (.person, .view), (.person, .viewPersonalData), (.enterprise, .view), (.enterprise, .viewPersonalData):
                guard actor.has(.windowClerk) else { return .deny(.notOwner) }
                // a clerk serves the people of their region, and anyone with an application open there
                return actor.governs(region) || openIn.contains(where: actor.governs) ? .allow : .deny(.outsideJurisdiction)
            case (.person, .verify), (.enterprise, .verify):
                // a window clerk checks the identity card (an enterprise's: its licence and its legal
                // representative's card) in person (实名认证三级), in any hall
                return actor.has(.windowClerk) ? .allow : .deny(.roleMissing)
            case (.staff, .view):
                guard actor.has(.systemAdmin) || actor.has(.supervisor) else { return .deny(.notOwner) }
                return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)
            case (.staff, .create), (.staff, .changeRoles), (.staff, .disable):
                guard actor.has(.systemAdmin) else { return .deny(.roleMissing) }
                return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)
            case (.staff, .viewPersonalData):
                return .deny(.notOwner)
            default:
                return .deny(.notOwner)
            }
        }
    }
}
