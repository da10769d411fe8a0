import Foundation
import Testing
@testable import TongbanCore

/// 经办人 in the policy and the terms of a mandate, over generated cases.
@Suite("enterprise handlers: mandates and the policy")
struct HandlerMandateTests {
    let westLake = try! RegionCode("330106")
    static let codes = ["A-1", "B-2", "C-3", "D-4", "E-5", "F-6"]

    @Test(
        "a handler acts on the enterprise's applications of the items their mandate lists, and on no other; every item when it lists none")
    func coversListedItems() {
        var random = SplitMix64(seed: 2026_12_07)
        for _ in 0..<2000 {
            let listed: Set<String>? = Bool.random(using: &random) ? nil : Set(Self.codes.filter { _ in Bool.random(using: &random) })
            let target: String? = Bool.random(using: &random) ? Self.codes.randomElement(using: &random) : nil
            let level = [AssuranceLevel.verifiedRemotely, .verifiedInPerson].randomElement(using: &random)!
            let enterprise = Actor(
                accountID: UUID(), kind: .enterprise, regionCode: westLake, assurance: level,
                agent: Agent(personID: UUID(), itemCodes: listed))
            let application = Resource.application(applicantID: enterprise.accountID, regionCode: westLake, targetCode: target)
            let covered = listed == nil || (target.map { listed!.contains($0) } ?? false)
            for action in [Action.create, .submit, .view] {
                #expect(Policy.decide(enterprise, action, application) == (covered ? .allow : .deny(.outsideMandate)))
            }
            // another applicant's application is not the handler's, mandate or not
            let foreign = Resource.application(applicantID: UUID(), regionCode: westLake, targetCode: target)
            #expect(Policy.decide(enterprise, .view, foreign) == .deny(.notOwner))
            // the enterprise's own sign-in is not limited by anyone's mandate
            let own = Actor(accountID: enterprise.accountID, kind: .enterprise, regionCode: westLake, assurance: level)
            #expect(Policy.decide(own, .create, application).isAllowed)
        }
    }

    @Test("a handler never changes the enterprise's credentials or proof; an agent given to a person or staff is ignored")
    func ownAccount() {
        let enterprise = Actor(
            accountID: UUID(), kind: .enterprise, assurance: .verifiedRemotely, agent: Agent(personID: UUID(), itemCodes: nil))
        let account = Resource.account(id: enterprise.accountID, kind: .enterprise)
        for action in Action.allCases {
            let decision = Policy.decide(enterprise, action, account)
            if [.view, .viewPersonalData].contains(action) {
                #expect(decision == .allow)
            } else {
                #expect(decision == .deny(.outsideMandate), "\(action)")
            }
        }
        let person = Actor(accountID: UUID(), kind: .person, assurance: .verifiedRemotely, agent: Agent(personID: UUID(), itemCodes: []))
        #expect(person.agent == nil)
        #expect(Policy.decide(person, .changePassword, .account(id: person.accountID, kind: .person)) == .allow)
    }

    @Test(
        "handlers are named by the legal representative (proven), as themselves or acting; listed and revoked also by the enterprise's own sign-in"
    )
    func management() {
        let enterpriseID = UUID()
        let representativeID = UUID()
        let resource = Resource.enterpriseHandlers(enterpriseID: enterpriseID, representativeID: representativeID)
        for level in AssuranceLevel.allCases {
            let representative = Actor(accountID: representativeID, kind: .person, assurance: level)
            #expect(Policy.decide(representative, .view, resource) == .allow)
            #expect(Policy.decide(representative, .handle, resource) == .allow)
            #expect(Policy.decide(representative, .create, resource) == (level >= .verifiedRemotely ? .allow : .deny(.assuranceTooLow)))
        }
        let acting = Actor(
            accountID: enterpriseID, kind: .enterprise, assurance: .verifiedRemotely,
            agent: Agent(personID: representativeID, itemCodes: nil))
        #expect(Policy.decide(acting, .create, resource) == .allow)
        let ownSignIn = Actor(accountID: enterpriseID, kind: .enterprise, assurance: .verifiedRemotely)
        #expect(Policy.decide(ownSignIn, .view, resource) == .allow && Policy.decide(ownSignIn, .handle, resource) == .allow)
        #expect(Policy.decide(ownSignIn, .create, resource) == .deny(.notOwner))
        let handler = Actor(
            accountID: enterpriseID, kind: .enterprise, assurance: .verifiedRemotely, agent: Agent(personID: UUID(), itemCodes: nil))
        for action in [Action.view, .create, .handle] {
            #expect(Policy.decide(handler, action, resource) == .deny(.notOwner))
            #expect(
                Policy.decide(Actor(accountID: UUID(), kind: .person, assurance: .verifiedInPerson), action, resource) == .deny(.notOwner))
            // the representative of another enterprise, acting for it, is nobody here
            let elsewhere = Actor(
                accountID: UUID(), kind: .enterprise, assurance: .verifiedRemotely,
                agent: Agent(personID: representativeID, itemCodes: nil))
            #expect(Policy.decide(elsewhere, action, resource) == .deny(.notOwner))
        }
        // an enterprise with no known representative: nobody names handlers
        let unknown = Resource.enterpriseHandlers(enterpriseID: enterpriseID, representativeID: nil)
        #expect(Policy.decide(ownSignIn, .create, unknown) == .deny(.notOwner))
    }

    @Test(
        "terms: from today to three years ahead, at most 50 well-formed codes, repeats folded, none meaning every item; live through the last day"
    )
    func terms() throws {
        var random = SplitMix64(seed: 77)
        let today = CalendarDate(year: 2026, month: 12, day: 7)!
        for _ in 0..<3000 {
            let offset = Int.random(in: -40...(MandateTerms.longestDays + 40), using: &random)
            let until = today.adding(days: offset)!
            let count = Int.random(in: 0...60, using: &random)
            var codes = (0..<count).map { _ in Self.codes.randomElement(using: &random)! + String(Int.random(in: 0...40, using: &random)) }
            let malformed = Int.random(in: 0..<10, using: &random) == 0
            if malformed { codes.append("事项 1") }
            let distinct = Set(codes).count
            let expected: MandateTerms.Problem? =
                offset < 0
                ? .validUntilPast
                : offset > MandateTerms.longestDays
                    ? .validUntilTooFar
                    : distinct > MandateTerms.mostItems
                        ? .tooManyItems
                        : malformed ? .itemCodeInvalid : nil
            do {
                let terms = try MandateTerms(itemCodes: codes, validUntil: until, today: today)
                #expect(expected == nil)
                #expect(terms.itemCodes == (codes.isEmpty ? nil : Set(codes).sorted()))
                #expect(MandateTerms.isLive(validUntil: until, revoked: false, on: until))
                #expect(!MandateTerms.isLive(validUntil: until, revoked: false, on: until.adding(days: 1)!))
                #expect(!MandateTerms.isLive(validUntil: until, revoked: true, on: today))
            } catch {
                #expect(error == expected, "offset \(offset), \(distinct) codes")
            }
        }
    }
}
