import Foundation
import Testing

@testable import TongbanCore

/// 收受分离 and 就近办 over generated trees of divisions: which windows take an item in, who
/// works an application taken in elsewhere, and which hall is nearest.
@Suite("service areas: accept anywhere, decide where the power lies")
struct ServiceAreaTests {
    /// A region of a small generated tree: 2 provinces × 3 cities × 3 counties × 3 towns × 2
    /// villages, at a random level — small enough that relatives meet often.
    static func region(_ rng: inout SplitMix64) -> RegionCode {
        let province = ["33", "51"][Int.random(in: 0...1, using: &rng)]
        let city = String(format: "%02d", Int.random(in: 1...3, using: &rng))
        let county = String(format: "%02d", Int.random(in: 2...4, using: &rng))
        let town = String(format: "%03d", Int.random(in: 1...3, using: &rng))
        let village = String(format: "%03d", Int.random(in: 1...2, using: &rng))
        let codes = [
            province + "0000", province + city + "00", province + city + county, province + city + county + town,
            province + city + county + town + village,
        ]
        return try! RegionCode(codes[Int.random(in: 0..<codes.count, using: &rng)])
    }

    /// The oracle: ancestors by cutting the code's digits, written apart from `RegionCode.parent`.
    static func ancestors(_ region: RegionCode) -> [String] {
        let v = region.value
        var chain: [String] = [v]
        if v.count == 12 { chain.append(String(v.prefix(9))) }
        if v.count >= 9 { chain.append(String(v.prefix(6))) }
        let county = String(v.prefix(6))
        if !county.hasSuffix("00") { chain.append(String(v.prefix(4)) + "00") }
        if !county.hasSuffix("0000") { chain.append(String(v.prefix(2)) + "0000") }
        return chain
    }

    static func oracleDistance(_ a: RegionCode, _ b: RegionCode) -> Int {
        let up = ancestors(a)
        let down = ancestors(b)
        for (i, x) in up.enumerated() {
            if let j = down.firstIndex(of: x) { return i + j }
        }
        return Int.max
    }

    @Test("an item is offered where its region contains the hall's, or the hall's contains its (5,000 pairs)")
    func offered() {
        var rng = SplitMix64(seed: 2201)
        var offeredCount = 0
        for _ in 0..<5_000 {
            let item = Self.region(&rng)
            let hall = Self.region(&rng)
            let expected = Self.ancestors(hall).contains(item.value) || Self.ancestors(item).contains(hall.value)
            #expect(ServiceArea.offers(item, in: hall) == expected, "\(item.value) at \(hall.value)")
            #expect(ServiceArea.offers(item, in: hall) == ServiceArea.offers(hall, in: item))
            if expected { offeredCount += 1 }
        }
        // both outcomes are reached often
        #expect(offeredCount > 500 && offeredCount < 4_500)
        let westLake = try! RegionCode("330106")
        #expect(ServiceArea.offers(try! RegionCode("330000"), in: try! RegionCode("330106004")))
        #expect(ServiceArea.offers(try! RegionCode("330100"), in: try! RegionCode("330106004")))
        #expect(ServiceArea.offers(try! RegionCode("330106004"), in: try! RegionCode("330100")))
        #expect(!ServiceArea.offers(try! RegionCode("330105"), in: westLake), "a neighbouring district's item")
        #expect(!ServiceArea.offers(try! RegionCode("511602"), in: westLake), "another province's item")
    }

    @Test("distance through the tree agrees with an oracle, is symmetric and keeps the triangle inequality (3,000 triples)")
    func distance() {
        var rng = SplitMix64(seed: 2202)
        for _ in 0..<3_000 {
            let a = Self.region(&rng)
            let b = Self.region(&rng)
            let c = Self.region(&rng)
            let ab = ServiceArea.distance(a, b)
            #expect(ab == Self.oracleDistance(a, b), "\(a.value) – \(b.value)")
            #expect(ab == ServiceArea.distance(b, a))
            #expect((ab == 0) == (a == b))
            let bc = ServiceArea.distance(b, c)
            let ac = ServiceArea.distance(a, c)
            if ab != Int.max, bc != Int.max { #expect(ac <= ab + bc) }
            if let parent = a.parent { #expect(ServiceArea.distance(a, parent) == 1) }
        }
        #expect(ServiceArea.distance(try! RegionCode("330106004"), try! RegionCode("330106002")) == 2)
        #expect(ServiceArea.distance(try! RegionCode("330106004"), try! RegionCode("511602")) == Int.max)
    }

    @Test("nearest first: a permutation, distances never falling, the lower level first among equals (2,000 lists)")
    func nearestFirst() {
        var rng = SplitMix64(seed: 2203)
        for _ in 0..<2_000 {
            let from = Self.region(&rng)
            let places = (0..<Int.random(in: 0...8, using: &rng)).map { i in (id: i, region: Self.region(&rng)) }
            let ordered = ServiceArea.nearestFirst(places, from: from, regionOf: \.region, tieBreak: { $0.id < $1.id })
            #expect(ordered.map(\.id).sorted() == places.map(\.id))
            for (x, y) in zip(ordered, ordered.dropFirst()) {
                let dx = Self.oracleDistance(from, x.region)
                let dy = Self.oracleDistance(from, y.region)
                #expect(dx <= dy)
                if dx == dy { #expect(x.region.level >= y.region.level) }
                if dx == dy && x.region.level == y.region.level { #expect(x.id < y.id) }
            }
        }
    }

    @Test("a hall takes in what is offered in its area, narrowed to its manager's list when there is one (3,000 cases)")
    func hallIntake() {
        var rng = SplitMix64(seed: 2204)
        let codes = ["A1", "A2", "B1", "B2", "ZJ-YJS-KBCYD"]
        for _ in 0..<3_000 {
            let hall = Self.region(&rng)
            let item = Self.region(&rng)
            let code = codes[Int.random(in: 0..<codes.count, using: &rng)]
            let list: Set<String>? = Bool.random(using: &rng) ? nil : Set(codes.filter { _ in Bool.random(using: &rng) })
            let takes = HallIntake(region: hall, codes: list).takes(code, implementedIn: item)
            #expect(takes == (ServiceArea.offers(item, in: hall) && (list?.contains(code) ?? true)))
        }
        #expect(HallIntake.isNearby(try! RegionCode("330106004")))
        #expect(HallIntake.isNearby(try! RegionCode("330106004001")))
        #expect(!HallIntake.isNearby(try! RegionCode("330106")))
    }

    @Test(
        "the policy: a clerk takes in what is offered in their area; the taking-in region's clerks work it; reviewers where the power lies")
    func policy() {
        var rng = SplitMix64(seed: 2205)
        for _ in 0..<3_000 {
            let clerkRegion = Self.region(&rng)
            let itemRegion = Self.region(&rng)
            let takenIn: RegionCode? = Bool.random(using: &rng) ? nil : Self.region(&rng)
            let clerk = Actor(accountID: UUID(), kind: .staff, roles: [.windowClerk], departmentID: UUID(), regionCode: clerkRegion)
            let fresh = Resource.application(applicantID: UUID(), regionCode: itemRegion)
            #expect(Policy.decide(clerk, .create, fresh).isAllowed == ServiceArea.offers(itemRegion, in: clerkRegion))
            let taken = Resource.application(applicantID: UUID(), regionCode: itemRegion, takenInAt: takenIn)
            let windows = takenIn ?? itemRegion
            let works = clerkRegion.contains(windows)
            for action in [Action.view, .viewPersonalData, .handle] {
                #expect(Policy.decide(clerk, action, taken).isAllowed == works, "\(action) by \(clerkRegion.value) of \(windows.value)")
            }
            #expect(!Policy.decide(clerk, .review, taken).isAllowed)
            let department = UUID()
            let reviewerRegion = Self.region(&rng)
            let reviewer = Actor(accountID: UUID(), kind: .staff, roles: [.reviewer], departmentID: department, regionCode: reviewerRegion)
            let reviewed = Resource.application(
                applicantID: UUID(), regionCode: itemRegion, departmentIDs: [department], takenInAt: takenIn)
            // the window that took it in changes nothing for the department that decides it
            #expect(Policy.decide(reviewer, .review, reviewed).isAllowed == reviewerRegion.contains(itemRegion))
        }
    }
}
