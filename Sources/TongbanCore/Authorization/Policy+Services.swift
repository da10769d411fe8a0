import Foundation

extension Policy {
    /// The rows of the policy's table for holders' records, complaints, follow-ups, data
    /// sharing, licences and the staff's work lists (see `Policy`).
    static func decideService(_ actor: Actor, _ action: Action, _ resource: Resource) -> Decision {
        let staff = actor.kind == .staff
        switch resource {
        case let .enterpriseHandlers(enterpriseID, representativeID):
            let behind = actor.kind == .enterprise ? actor.agent?.personID : (actor.kind == .person ? actor.accountID : nil)
            let representative =
                representativeID != nil && behind == representativeID
                && (actor.kind == .person || actor.accountID == enterpriseID)
            let ownSignIn = actor.kind == .enterprise && actor.accountID == enterpriseID && actor.agent == nil
            switch action {
            case .view, .handle:
                return representative || ownSignIn ? .allow : .deny(.notOwner)
            case .create:
                guard representative else { return .deny(.notOwner) }
                return actor.assurance < .binding ? .deny(.assuranceTooLow) : .allow
            default:
                return .deny(.notApplicable)
            }

        case let .holderRecords(holderID):
            guard [.view, .create, .reuse].contains(action) else { return .deny(.notApplicable) }
            guard !staff else { return .deny(.notOwner) }
            guard actor.accountID == holderID else { return .deny(.notOwner) }
            // what the government holds about the subject opens only to a proven identity
            return action == .reuse && actor.assurance < .binding ? .deny(.assuranceTooLow) : .allow

        case let .complaint(senderID, region, department):
            let ownDepartment = staff && department != nil && department == actor.departmentID
            let supervises = actor.has(.supervisor) && actor.governs(region)
            switch action {
            case .view:
                if actor.accountID == senderID && !staff { return .allow }
                return ownDepartment || supervises ? .allow : .deny(.notOwner)
            case .handle:
                return ownDepartment ? .allow : .deny(.notOwner)
            case .supervise:
                return supervises ? .allow : .deny(.roleMissing)
            default:
                return .deny(.notApplicable)
            }

        case let .followUp(region, department):
            let ownDepartment = staff && department != nil && department == actor.departmentID
            let supervises = actor.has(.supervisor) && actor.governs(region)
            switch action {
            case .view: return ownDepartment || supervises ? .allow : .deny(.notOwner)
            case .handle: return ownDepartment ? .allow : .deny(.notOwner)
            case .supervise: return supervises ? .allow : .deny(.roleMissing)
            default: return .deny(.notApplicable)
            }

        case let .handoff(region, department):
            let signer = staff && department != nil && department == actor.departmentID && (actor.has(.reviewer) || actor.has(.windowClerk))
            let supervises = actor.has(.supervisor) && actor.governs(region)
            switch action {
            case .view, .list: return signer || supervises ? .allow : .deny(.notOwner)
            case .handle: return signer ? .allow : .deny(.notOwner)
            case .supervise: return supervises ? .allow : .deny(.roleMissing)
            default: return .deny(.notApplicable)
            }

        case let .dataSharing(department):
            guard staff, let department, department == actor.departmentID else { return .deny(.roleMissing) }
            switch action {
            case .view, .list, .create:
                return actor.has(.dataAdmin) || actor.has(.reviewer) ? .allow : .deny(.roleMissing)
            case .edit:
                return actor.has(.dataAdmin) ? .allow : .deny(.roleMissing)
            default:
                return .deny(.notApplicable)
            }

        case let .sharingGrant(owner, requester):
            guard staff, let own = actor.departmentID else { return .deny(.roleMissing) }
            switch action {
            case .view:
                guard actor.has(.dataAdmin) || actor.has(.reviewer) else { return .deny(.roleMissing) }
                return own == owner || own == requester ? .allow : .deny(.notOwner)
            case .handle:
                guard actor.has(.dataAdmin) else { return .deny(.roleMissing) }
                return own == owner ? .allow : .deny(.notOwner)
            default:
                return .deny(.notApplicable)
            }

        case let .license(department):
            guard action == .review else { return .deny(.notApplicable) }
            guard staff, actor.has(.reviewer), let own = actor.departmentID else { return .deny(.roleMissing) }
            return own == department ? .allow : .deny(.roleMissing)

        case let .leadDesk(department):
            guard action == .list else { return .deny(.notApplicable) }
            guard staff, actor.has(.reviewer), let own = actor.departmentID else { return .deny(.roleMissing) }
            return own == department ? .allow : .deny(.notOwner)

        case let .reviewInbox(department):
            guard action == .list else { return .deny(.notApplicable) }
            guard staff, actor.has(.reviewer) else { return .deny(.roleMissing) }
            // a reviewer not (yet) in a department has an empty inbox, not a refusal
            return department == actor.departmentID ? .allow : .deny(.notOwner)

        case let .windowDesk(region):
            guard action == .handle else { return .deny(.notApplicable) }
            guard actor.has(.windowClerk) else { return .deny(.roleMissing) }
            return actor.governs(region) ? .allow : .deny(.outsideJurisdiction)

        case let .inbox(owner):
            guard [.view, .edit].contains(action) else { return .deny(.notApplicable) }
            return actor.accountID == owner ? .allow : .deny(.notOwner)

        case let .webhooks(department):
            guard [.view, .list, .create, .edit].contains(action) else { return .deny(.notApplicable) }
            guard staff, actor.has(.dataAdmin), let department else { return .deny(.roleMissing) }
            return department == actor.departmentID ? .allow : .deny(.notOwner)

        default:
            return .deny(.notApplicable)
        }
    }
}
