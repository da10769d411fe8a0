import Foundation
import Testing
@testable import TongbanCore

@Suite("the authorisation policy")
struct PolicyTests {
    let westLake = try! RegionCode("330106")
    let hangzhou = try! RegionCode("330100")
    let ningbo = try! RegionCode("330200")

    func staff(_ roles: Set<Role>, in region: RegionCode) -> Actor {
        Actor(accountID: UUID(), kind: .staff, roles: roles, departmentID: UUID(), regionCode: region)
    }

    @Test("anonymous callers may only read public reference data")
    func anonymous() {
        #expect(Policy.decide(nil, .view, .region) == .allow)
        #expect(Policy.decide(nil, .view, .department(regionCode: westLake)) == .allow)
        for action in Action.allCases {
            #expect(Policy.decide(nil, action, .account(id: UUID(), kind: .person)) == .deny(.loginRequired))
            #expect(Policy.decide(nil, action, .auditLog) == .deny(.loginRequired))
        }
    }

    @Test("persons and enterprises reach only their own account")
    func ownData() {
        for kind in [AccountKind.person, .enterprise] {
            let me = Actor(accountID: UUID(), kind: kind)
            let mine = Resource.account(id: me.accountID, kind: kind)
            #expect(Policy.decide(me, .view, mine) == .allow)
            #expect(Policy.decide(me, .viewPersonalData, mine) == .allow)
            #expect(Policy.decide(me, .changePassword, mine) == .allow)
            #expect(Policy.decide(me, .changeRoles, mine) == .deny(.ownAccount))
            for otherKind in AccountKind.allCases {
                let other = Resource.account(id: UUID(), kind: otherKind, regionCode: westLake)
                for action in Action.allCases {
                    #expect(!Policy.decide(me, action, other).isAllowed, "\(kind) \(action) \(otherKind)")
                }
            }
            #expect(Policy.decide(me, .list, .accountDirectory) == .deny(.roleMissing))
            #expect(Policy.decide(me, .view, .auditLog) == .deny(.roleMissing))
        }
    }

    @Test("roles given to persons are ignored")
    func rolesOnlyForStaff() {
        let sneaky = Actor(accountID: UUID(), kind: .person, roles: [.systemAdmin], regionCode: hangzhou)
        #expect(sneaky.roles.isEmpty)
        #expect(Policy.decide(sneaky, .view, .auditLog) == .deny(.roleMissing))
    }

    @Test("the full matrix: every role × action on another staff account, inside and outside the region")
    func staffMatrix() {
        for role in Role.allCases {
            let actor = staff([role], in: hangzhou)
            for action in Action.allCases {
                for (region, inside) in [(westLake, true), (ningbo, false)] {
                    let target = Resource.account(id: UUID(), kind: .staff, departmentID: UUID(), regionCode: region)
                    let decision = Policy.decide(actor, action, target)
                    let expected: Bool =
                        switch (role, action) {
                        case (.systemAdmin, .view), (.systemAdmin, .create), (.systemAdmin, .changeRoles), (.systemAdmin, .disable): inside
                        case (.supervisor, .view): inside
                        default: false
                        }
                    #expect(decision.isAllowed == expected, "\(role) \(action) staff in \(region)")
                    if !inside, [Action.view, .create, .changeRoles, .disable].contains(action),
                        [.systemAdmin, .supervisor].contains(role),
                        role == .systemAdmin || action == .view
                    {
                        #expect(decision == .deny(.outsideJurisdiction))
                    }
                }
            }
        }
    }

    @Test("window clerks see applicants' data; other roles do not")
    func clerks() {
        for role in Role.allCases {
            let actor = staff([role], in: westLake)
            let person = Resource.account(id: UUID(), kind: .person, regionCode: westLake)
            #expect(Policy.decide(actor, .view, person).isAllowed == (role == .windowClerk))
            #expect(Policy.decide(actor, .viewPersonalData, person).isAllowed == (role == .windowClerk))
            #expect(!Policy.decide(actor, .changePassword, person).isAllowed)
        }
    }

    @Test("L1: a clerk reads a person or enterprise of their region, or with an application open in it; every combination")
    func clerksWhere() throws {
        let regions = try ["330000", "330100", "330106", "330102", "330200", "330203", "511602", "510000"].map { try RegionCode($0) }
        var checked = 0
        for clerkRegion in regions {
            let clerk = staff([.windowClerk], in: clerkRegion)
            for home in regions + [nil] {
                for open in [[], [regions[2]], [regions[6], regions[4]], regions] {
                    for kind in [AccountKind.person, .enterprise] {
                        let target = Resource.account(id: UUID(), kind: kind, regionCode: home, openApplicationRegions: open)
                        let served = home.map { clerkRegion.contains($0) } == true || open.contains { clerkRegion.contains($0) }
                        for action in [Action.view, .viewPersonalData] {
                            let decision = Policy.decide(clerk, action, target)
                            #expect(
                                decision == (served ? .allow : .deny(.outsideJurisdiction)),
                                "\(clerkRegion) \(String(describing: home)) \(open)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == 8 * 9 * 4 * 2 * 2)
    }

    @Test("audit log, directory and departments")
    func administration() {
        for role in Role.allCases {
            let actor = staff([role], in: hangzhou)
            #expect(Policy.decide(actor, .view, .auditLog).isAllowed == [.systemAdmin, .supervisor].contains(role))
            #expect(Policy.decide(actor, .verify, .auditLog).isAllowed == (role == .systemAdmin))
            #expect(Policy.decide(actor, .list, .accountDirectory).isAllowed == [.systemAdmin, .supervisor].contains(role))
            #expect(Policy.decide(actor, .create, .department(regionCode: westLake)).isAllowed == (role == .systemAdmin))
            #expect(!Policy.decide(actor, .create, .department(regionCode: ningbo)).isAllowed)
        }
    }

    @Test(
        "halls: anyone sees them; clerks of the region staff the windows; clerks and supervisors there read the figures; system administrators there manage it"
    )
    func halls() {
        let hall = Resource.hall(regionCode: westLake)
        for action in Action.allCases {
            #expect(Policy.decide(nil, action, hall) == (action == .view ? .allow : .deny(.loginRequired)))
            for kind in [AccountKind.person, .enterprise] where action != .view {
                #expect(!Policy.decide(Actor(accountID: UUID(), kind: kind), action, hall).isAllowed)
            }
        }
        for role in Role.allCases {
            for (region, inside) in [(westLake, true), (hangzhou, true), (ningbo, false)] {
                let actor = staff([role], in: region)
                for action in Action.allCases {
                    let allowed =
                        switch action {
                        case .view: true
                        case .handle: role == .windowClerk && inside
                        case .supervise: [.windowClerk, .supervisor].contains(role) && inside
                        case .edit: role == .systemAdmin && inside
                        default: false
                        }
                    #expect(Policy.decide(actor, action, hall).isAllowed == allowed, "\(role) in \(region): \(action)")
                }
                if role == .windowClerk && !inside { #expect(Policy.decide(actor, .handle, hall) == .deny(.outsideJurisdiction)) }
            }
        }
    }

    @Test(
        "supervision figures: supervisors of a region containing it see any department's; other staff only their own department's; nobody outside staff"
    )
    func figures() {
        for role in Role.allCases {
            for (region, inside) in [(westLake, true), (hangzhou, true), (ningbo, false)] {
                let actor = staff([role], in: region)
                for (department, own) in [(nil, false), (UUID(), false), (actor.departmentID, true)] {
                    let resource = Resource.figures(regionCode: westLake, departmentID: department)
                    for action in Action.allCases {
                        let allowed = action == .supervise && inside && (role == .supervisor || own)
                        #expect(Policy.decide(actor, action, resource).isAllowed == allowed, "\(role) in \(region), own \(own): \(action)")
                    }
                }
            }
        }
        for kind in [AccountKind.person, .enterprise] {
            #expect(
                !Policy.decide(Actor(accountID: UUID(), kind: kind), .supervise, .figures(regionCode: westLake, departmentID: nil))
                    .isAllowed)
        }
        #expect(Policy.decide(nil, .supervise, .figures(regionCode: westLake, departmentID: nil)) == .deny(.loginRequired))
    }

    @Test("a multi-role account has the union of its roles")
    func union() {
        let actor = staff([.windowClerk, .supervisor], in: westLake)
        #expect(Policy.decide(actor, .view, .account(id: UUID(), kind: .person, regionCode: westLake)).isAllowed)
        #expect(Policy.decide(actor, .view, .auditLog).isAllowed)
        #expect(!Policy.decide(actor, .verify, .auditLog).isAllowed)
    }
}
