import Testing
@testable import TongbanCore

@Suite("Results by post: addresses, S10 tracking numbers, parcel status")
struct PostalDeliveryTests {
    /// The check digit written out as the standard states it, digit by digit.
    static func reference(_ serial: String) -> Character {
        let weights = [8, 6, 4, 2, 3, 5, 9, 7]
        var sum = 0
        for (digit, weight) in zip(serial, weights) { sum += Int(String(digit))! * weight }
        let c = 11 - (sum % 11)
        if c == 10 { return "0" }
        if c == 11 { return "5" }
        return Character(String(c))
    }

    @Test("S10: the standard's example, and 10,000 generated serials each with exactly one check digit accepted")
    func trackingNumbers() throws {
        #expect(try TrackingNumber("RR473124829GB").value == "RR473124829GB")
        #expect(try TrackingNumber("ea 12345678 5 cn").value == "EA123456785CN")
        #expect(throws: TrackingNumber.Problem.checkDigit) { try TrackingNumber("RR473124828GB") }
        for bad in ["", "RR47312482GB", "R1473124829GB", "RR473124829G1", "RR4731248299GB", "RRA73124829GB", "SF1234567890"] {
            #expect(throws: TrackingNumber.Problem.format) { try TrackingNumber(bad) }
        }
        var rng = SplitMix64(seed: 41)
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        for _ in 0..<10_000 {
            let serial = String((0..<8).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
            let service = String((0..<2).map { _ in letters.randomElement(using: &rng)! })
            let accepted = (0...9).filter { check in (try? TrackingNumber("\(service)\(serial)\(check)CN")) != nil }
            #expect(accepted.map { Character(String($0)) } == [Self.reference(serial)], "\(serial)")
        }
    }

    @Test("addresses: a county-level region, a street address, a recipient and a mobile; every problem named at once")
    func addresses() throws {
        let good = try PostalAddress.checked(
            regionCode: "330106", detail: " 文三路90号东部软件园 ", recipient: "张晓明", mobile: "+86 138-0013-8000")
        #expect(good == PostalAddress(regionCode: "330106", detail: "文三路90号东部软件园", recipient: "张晓明", mobile: "13800138000"))
        #expect(
            try PostalAddress.checked(regionCode: "330106001", detail: "西溪街道某路1号", recipient: "李", mobile: "13900139000").regionCode
                == "330106001")
        do {
            _ = try PostalAddress.checked(regionCode: "330100", detail: "一号", recipient: " ", mobile: "12345")
            Issue.record("accepted a city, a short street, no recipient and a wrong mobile")
        } catch {
            #expect(
                error.errors.map { "\($0.field):\($0.key)" } == [
                    "address.regionCode:address.regionTooBroad", "address.detail:address.detailTooShort",
                    "address.recipient:field.required", "address.mobile:mobile.invalid",
                ])
        }
        #expect(throws: FieldErrors.self) {
            try PostalAddress.checked(regionCode: "999999x", detail: "文三路90号", recipient: "张", mobile: "13800138000")
        }
        #expect(throws: FieldErrors.self) { try PostalAddress.checked(regionCode: nil, detail: nil, recipient: nil, mobile: nil) }
    }

    @Test("5,000 generated parcels: every arrival order of the carrier's events ends in the same status, and no arrival moves it back")
    func forwardOnly() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5_000 {
            var times = Set<Int64>()
            while times.count < 6 { times.insert(Int64.random(in: 1_700_000_000_000...1_700_900_000_000, using: &rng)) }
            let stamps = times.shuffled(using: &rng)
            let events = (0..<Int.random(in: 1...6, using: &rng)).map { i in
                ParcelTracking.Event(status: ParcelStatus.allCases.randomElement(using: &rng)!, atMillis: stamps[i])
            }
            // the truth: the furthest status; between the two final ones, the later stamped
            let furthest = events.map(\.status.rank).max()!
            let expected = events.filter { $0.status.rank == furthest }.max { $0.atMillis < $1.atMillis }!.status
            for _ in 0..<12 {
                let arrival = events.shuffled(using: &rng)
                #expect(ParcelTracking.fold(arrival) == (furthest == 0 ? .dispatched : expected), "\(arrival)")
                var status = ParcelStatus.dispatched
                var since = Int64.min
                for event in arrival {
                    let next = ParcelTracking.next(status, since: since, after: event)
                    #expect(next.rank >= status.rank)
                    if next != status { since = event.atMillis } else if event.status == status { since = max(since, event.atMillis) }
                    status = next
                }
            }
        }
    }
}

@Suite("Choosing how results are received")
struct DeliveryChoiceTests {
    @Test("5,000 generated choices: accepted exactly when every way is offered, a posted result has an address and together means one way")
    func generated() {
        var rng = SplitMix64(seed: 43)
        let address = PostalAddress(regionCode: "330106", detail: "文三路90号", recipient: "张晓明", mobile: "13800138000")
        for _ in 0..<5_000 {
            let results = (0..<Int.random(in: 1...5, using: &rng)).map { i in
                DeliveryChoice.Result(
                    itemCode: "item\(i)", offered: DeliveryMethod.allCases.filter { _ in Bool.random(using: &rng) })
            }
            var asked: [String: DeliveryMethod] = [:]
            for result in results where Bool.random(using: &rng) {
                asked[result.itemCode] = DeliveryMethod.allCases.randomElement(using: &rng)!
            }
            let together = Bool.random(using: &rng)
            let given = Bool.random(using: &rng) ? address : nil
            // the rule, written out
            var methods: [String: DeliveryMethod] = [:]
            var ok = true
            for result in results {
                let offered = result.offered.isEmpty ? [DeliveryMethod.electronic] : result.offered
                let method = asked[result.itemCode] ?? (offered.contains(.electronic) ? .electronic : offered[0])
                if !offered.contains(method) { ok = false }
                methods[result.itemCode] = method
            }
            if methods.values.contains(.post) && given == nil { ok = false }
            if together && Set(methods.values.filter { $0 != .electronic }).count > 1 { ok = false }
            do {
                let choice = try DeliveryChoice.resolve(results, asked: asked, together: together, address: given)
                #expect(ok && choice.methods == methods)
                #expect(choice.address == (methods.values.contains(.post) ? given : nil))
            } catch {
                #expect(!ok && !error.isEmpty)
            }
        }
    }

    @Test("an item the application does not have is named")
    func unknownItem() {
        #expect(throws: FieldErrors.self) {
            try DeliveryChoice.resolve([.init(itemCode: "a", offered: [.window])], asked: ["b": .window], together: false, address: nil)
        }
    }
}

@Suite("Dispatching a posted result within ten working days")
struct DispatchDeadlineTests {
    @Test("3,000 generated decisions: the colour follows the working days counted one by one on the official calendar")
    func generated() throws {
        let calendar = WorkingDayCalendarTests.calendar
        var rng = SplitMix64(seed: 44)
        for _ in 0..<3_000 {
            let decided = CalendarDate(dayNumber: Int.random(in: 19_725...20_450, using: &rng))!
            let today = decided.adding(days: Int.random(in: 0...25, using: &rng))!
            let reading = try DispatchDeadline.reading(decidedOn: decided, today: today, calendar: calendar)
            // the slow way: working days after the decision up to and including today
            var used = 0
            var day = decided
            while day < today {
                day = day.adding(days: 1)!
                if try calendar.isWorkingDay(day).value { used += 1 }
            }
            let expected: CaseClock.Warning = today > reading.due ? .red : used >= 8 ? .yellow : .none
            #expect(reading.warning == expected, "\(decided) \(today) used \(used)")
            #expect(try calendar.isWorkingDay(reading.due).value)
            // the due day is the tenth working day after the decision
            var counted = 0
            var walk = decided
            while counted < 10 {
                walk = walk.adding(days: 1)!
                if try calendar.isWorkingDay(walk).value { counted += 1 }
            }
            #expect(walk == reading.due)
        }
    }
}
