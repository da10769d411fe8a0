import Foundation
import Testing
@testable import TongbanCore

/// The policy's rows for holders' records, complaints, follow-ups, data sharing, licences,
/// handoffs and the staff's work lists, against the table in `Policy`'s documentation, over generated actors.
@Suite("the policy's rows for records, complaints, sharing and work lists")
struct PolicyServicesTests {
    static let regions = ["330106", "330102", "330100", "330000", "330106002"].map { try! RegionCode($0) }
    static let departments = (0..<3).map { _ in UUID() }

    static func actor(_ rng: inout SplitMix64) -> Actor {
        let kind = AccountKind.allCases.randomElement(using: &rng)!
        let roles = Set(Role.allCases.filter { _ in Int.random(in: 0..<3, using: &rng) == 0 })
        let department = Int.random(in: 0..<4, using: &rng) == 0 ? nil : departments.randomElement(using: &rng)
        return Actor(accountID: UUID(), kind: kind, roles: roles, departmentID: department, regionCode: regions.randomElement(using: &rng))
    }

    /// The table, written out row by row as a reader would check it.
    static func expected(_ a: Actor, _ action: Action, _ resource: Resource) -> Bool {
        let staff = a.kind == .staff
        func inRegion(_ r: RegionCode) -> Bool { a.regionCode.map { $0.contains(r) } ?? false }
        func roles(_ wanted: Role...) -> Bool { staff && wanted.contains { a.roles.contains($0) } }
        switch resource {
        case let .holderRecords(holder):
            return [.view, .create].contains(action) && !staff && a.accountID == holder
        case let .complaint(sender, region, department):
            let mine = staff && department != nil && a.departmentID == department
            let supervisor = roles(.supervisor) && inRegion(region)
            switch action {
            case .view: return (!staff && a.accountID == sender) || mine || supervisor
            case .handle: return mine
            case .supervise: return supervisor
            default: return false
            }
        case let .followUp(region, department):
            let mine = staff && department != nil && a.departmentID == department
            let supervisor = roles(.supervisor) && inRegion(region)
            switch action {
            case .view: return mine || supervisor
            case .handle: return mine
            case .supervise: return supervisor
            default: return false
            }
        case let .dataSharing(department):
            guard staff, department != nil, a.departmentID == department else { return false }
            switch action {
            case .view, .list, .create: return roles(.dataAdmin, .reviewer)
            case .edit: return roles(.dataAdmin)
            default: return false
            }
        case let .sharingGrant(owner, requester):
            guard let own = a.departmentID else { return false }
            switch action {
            case .view: return roles(.dataAdmin, .reviewer) && (own == owner || own == requester)
            case .handle: return roles(.dataAdmin) && own == owner
            default: return false
            }
        case let .license(department):
            return action == .review && roles(.reviewer) && a.departmentID != nil && a.departmentID == department
        case let .reviewInbox(department):
            return action == .list && roles(.reviewer) && a.departmentID == department
        case let .leadDesk(department):
            return action == .list && roles(.reviewer) && a.departmentID != nil && a.departmentID == department
        case let .windowDesk(region):
            return action == .handle && roles(.windowClerk) && inRegion(region)
        case let .inbox(owner):
            return [.view, .edit].contains(action) && a.accountID == owner
        case let .webhooks(department):
            return [.view, .list, .create, .edit].contains(action) && roles(.dataAdmin) && department != nil
                && a.departmentID == department
        case let .handoff(region, department):
            let signer = roles(.reviewer, .windowClerk) && department != nil && a.departmentID == department
            let supervisor = roles(.supervisor) && inRegion(region)
            switch action {
            case .view, .list: return signer || supervisor
            case .handle: return signer
            case .supervise: return supervisor
            default: return false
            }
        default:
            return false
        }
    }

    static func resource(_ rng: inout SplitMix64, near actor: Actor) -> Resource {
        // often the actor's own department, region or id, so the allowing rows are reached
        let department = Int.random(in: 0..<2, using: &rng) == 0 ? actor.departmentID : departments.randomElement(using: &rng)
        let region = regions.randomElement(using: &rng)!
        let holder = Bool.random(using: &rng) ? actor.accountID : UUID()
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: return .holderRecords(holderID: holder)
        case 1: return .complaint(senderID: holder, regionCode: region, departmentID: department)
        case 2: return .followUp(regionCode: region, departmentID: department)
        case 3: return .dataSharing(departmentID: department)
        case 4: return .sharingGrant(ownerDepartmentID: department, requesterID: departments.randomElement(using: &rng)!)
        case 5: return .license(departmentID: department)
        case 6: return .reviewInbox(departmentID: department)
        case 7: return .windowDesk(regionCode: region)
        case 8: return .inbox(accountID: holder)
        case 9: return .handoff(regionCode: region, departmentID: department)
        case 10: return .leadDesk(departmentID: department)
        default: return .webhooks(departmentID: department)
        }
    }

    @Test("50,000 generated (actor, action, resource) against the table")
    func generated() {
        var rng = SplitMix64(seed: 0x90_11C7)
        var allowed = 0
        for _ in 0..<50_000 {
            let actor = Self.actor(&rng)
            let action = Action.allCases.randomElement(using: &rng)!
            let resource = Self.resource(&rng, near: actor)
            let decision = Policy.decide(actor, action, resource)
            #expect(decision.isAllowed == Self.expected(actor, action, resource), "\(actor) \(action) \(resource)")
            if decision.isAllowed { allowed += 1 }
        }
        // both outcomes occur often enough to mean something
        #expect(allowed > 1_000 && allowed < 48_000, "\(allowed) allowed")
    }

    @Test("nobody signed in reaches any of them")
    func anonymous() {
        var rng = SplitMix64(seed: 7)
        let someone = Self.actor(&rng)
        for _ in 0..<500 {
            let resource = Self.resource(&rng, near: someone)
            for action in Action.allCases {
                #expect(Policy.decide(nil, action, resource) == .deny(.loginRequired))
            }
        }
    }
}
