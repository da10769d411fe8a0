import Foundation
import Testing
@testable import TongbanCore

/// 实名认证 in the policy: what binds a person or enterprise, and what the government holds
/// about them, opens only at Level 2 or more; drafts and one's own records at any level.
@Suite("assurance levels in the policy")
struct AssurancePolicyTests {
    let westLake = try! RegionCode("330106")

    @Test("every kind × level × action on one's own application and records: submit and reuse from Level 2, the rest at any level")
    func ownAtEachLevel() {
        for kind in [AccountKind.person, .enterprise] {
            for level in AssuranceLevel.allCases {
                let me = Actor(accountID: UUID(), kind: kind, regionCode: westLake, assurance: level)
                let application = Resource.application(applicantID: me.accountID, regionCode: westLake)
                let records = Resource.holderRecords(holderID: me.accountID)
                let proven = level >= .verifiedRemotely
                #expect(Policy.decide(me, .create, application).isAllowed)
                #expect(Policy.decide(me, .view, application).isAllowed)
                #expect(Policy.decide(me, .submit, application) == (proven ? .allow : .deny(.assuranceTooLow)))
                #expect(Policy.decide(me, .view, records).isAllowed)
                #expect(Policy.decide(me, .reuse, records) == (proven ? .allow : .deny(.assuranceTooLow)))
                // another's: never, whatever the level
                let other = UUID()
                #expect(!Policy.decide(me, .submit, .application(applicantID: other, regionCode: westLake)).isAllowed)
                #expect(Policy.decide(me, .reuse, .holderRecords(holderID: other)) == .deny(.notOwner))
            }
        }
    }

    @Test(
        "a clerk submits for an applicant in their region (帮办); staff never reuse a holder's records; a level given to staff is in person")
    func staff() {
        let clerk = Actor(
            accountID: UUID(), kind: .staff, roles: [.windowClerk], departmentID: UUID(), regionCode: westLake, assurance: .registered)
        #expect(clerk.assurance == .verifiedInPerson)
        #expect(Policy.decide(clerk, .submit, .application(applicantID: UUID(), regionCode: westLake)).isAllowed)
        #expect(
            Policy.decide(clerk, .submit, .application(applicantID: UUID(), regionCode: try! RegionCode("330200")))
                == .deny(.outsideJurisdiction))
        for role in Role.allCases {
            let member = Actor(accountID: UUID(), kind: .staff, roles: [role], departmentID: UUID(), regionCode: westLake)
            #expect(!Policy.decide(member, .reuse, .holderRecords(holderID: member.accountID)).isAllowed)
            #expect(!Policy.decide(member, .reuse, .holderRecords(holderID: UUID())).isAllowed)
        }
        #expect(Policy.decide(nil, .reuse, .holderRecords(holderID: UUID())) == .deny(.loginRequired))
        #expect(Policy.decide(nil, .submit, .application(applicantID: UUID(), regionCode: westLake)) == .deny(.loginRequired))
    }

    @Test("an item that asks for Level 3: only an identity checked in person submits it online, a clerk for anyone; a draft at any level")
    func inPersonItems() {
        for kind in [AccountKind.person, .enterprise] {
            for level in AssuranceLevel.allCases {
                for needed in [AssuranceLevel.registered, .verifiedRemotely, .verifiedInPerson] {
                    let me = Actor(accountID: UUID(), kind: kind, regionCode: westLake, assurance: level)
                    let application = Resource.application(applicantID: me.accountID, regionCode: westLake, assurance: needed)
                    let enough = level >= max(needed, .verifiedRemotely)
                    let refusal: DenyReason = needed == .verifiedInPerson ? .inPersonRequired : .assuranceTooLow
                    #expect(Policy.decide(me, .submit, application) == (enough ? .allow : .deny(refusal)))
                    #expect(Policy.decide(me, .create, application).isAllowed)
                }
            }
        }
        let clerk = Actor(accountID: UUID(), kind: .staff, roles: [.windowClerk], departmentID: UUID(), regionCode: westLake)
        #expect(
            Policy.decide(clerk, .submit, .application(applicantID: UUID(), regionCode: westLake, assurance: .verifiedInPerson)).isAllowed)
    }
}
