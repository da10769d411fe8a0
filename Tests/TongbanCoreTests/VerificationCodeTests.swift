import Foundation
import Testing
@testable import TongbanCore

/// The one-time code of 实名认证二级: generated histories of sends and tries against the rules a
/// person is told (six digits, five minutes, five tries, then half an hour locked out; one a
/// minute, five a day).
@Suite("verification codes")
struct VerificationCodeTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("codes are six digits, every digit used in every place, and not the same twice in a row")
    func generated() {
        var rng = SplitMix64(seed: 20)
        var seen = Array(repeating: Set<Character>(), count: VerificationCode.digits)
        var previous = ""
        var repeats = 0
        for _ in 0..<5_000 {
            let code = VerificationCode.generate(using: &rng)
            #expect(code.count == 6)
            #expect(code.allSatisfy { $0.isASCII && $0.isNumber })
            for (place, digit) in code.enumerated() { seen[place].insert(digit) }
            if code == previous { repeats += 1 }
            previous = code
        }
        #expect(seen.allSatisfy { $0.count == 10 })
        #expect(repeats == 0)
    }

    @Test("what people type for a code: spaces and full-width digits forgiven, anything else refused")
    func typed() {
        #expect(VerificationCode.normalized("123456") == "123456")
        #expect(VerificationCode.normalized(" 123 456 ") == "123456")
        #expect(VerificationCode.normalized("１２３４５６") == "123456")
        #expect(VerificationCode.normalized("123-456") == "123456")
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "123456\n", "12345６7", "１２３４５"] {
            #expect(VerificationCode.normalized(bad) == nil, "\(bad.debugDescription)")
        }
        var rng = SplitMix64(seed: 21)
        for _ in 0..<2_000 {
            let code = VerificationCode.generate(using: &rng)
            #expect(VerificationCode.normalized(code) == code)
        }
    }

    @Test("a code passes once, only in its five minutes, and dies at the fifth wrong try — over 3,000 generated histories")
    func challenges() {
        var rng = SplitMix64(seed: 22)
        for _ in 0..<3_000 {
            var challenge = VerificationCode.Challenge(issuedAt: start)
            var wrong = 0
            var ended = false
            for _ in 0..<Int.random(in: 1...9, using: &rng) {
                let at = start.addingTimeInterval(Double.random(in: 0...400, using: &rng))
                let matches = Bool.random(using: &rng)
                let before = challenge.state
                let outcome = challenge.attempt(matches: matches, at: at)
                if ended || before != .open {
                    #expect(outcome == .closed)
                    continue
                }
                if at >= start.addingTimeInterval(300) {
                    #expect(outcome == .expired)
                    #expect(challenge.state == .expired)
                    ended = true
                } else if matches {
                    #expect(outcome == .accepted)
                    #expect(challenge.state == .passed)
                    ended = true
                } else {
                    wrong += 1
                    if wrong == 5 {
                        #expect(outcome == .exhausted)
                        #expect(challenge.state == .exhausted)
                        ended = true
                    } else {
                        #expect(outcome == .wrong(remaining: 5 - wrong))
                    }
                }
                #expect(challenge.wrongTries == wrong)
                #expect(challenge.wrongTries <= VerificationCode.tries)
            }
        }
    }

    @Test(
        "new codes over 2,000 generated histories: never within a minute of the last code, never a sixth attempt in a day, never in a lock-out"
    )
    func issuing() {
        var rng = SplitMix64(seed: 23)
        for _ in 0..<2_000 {
            var history: [VerificationCode.Issued] = []
            var now = start
            for _ in 0..<30 {
                now = now.addingTimeInterval(Double(Int.random(in: 0...7_200, using: &rng)))
                let decision = VerificationCode.mayIssue(after: history, at: now)
                let lastDay = history.filter { $0.at > now.addingTimeInterval(-86_400) }
                let lastSent = history.filter(\.codeSent).last?.at
                let lockedUntil = history.compactMap(\.exhaustedAt).map { $0.addingTimeInterval(1_800) }.max()
                switch decision {
                case .allowed:
                    #expect(lastDay.count < 5)
                    #expect(lastSent.map { now.timeIntervalSince($0) >= 60 } ?? true)
                    #expect(lockedUntil.map { $0 <= now } ?? true)
                    // one in six attempts gives a name unlike the record (no code); the person
                    // types wrong five times in one of every eight codes
                    let sent = Int.random(in: 0..<6, using: &rng) != 0
                    let exhausted = sent && Int.random(in: 0..<8, using: &rng) == 0 ? now.addingTimeInterval(120) : nil
                    history.append(VerificationCode.Issued(at: now, codeSent: sent, exhaustedAt: exhausted))
                case let .lockedOut(until):
                    #expect(until > now)
                    #expect(until == lockedUntil)
                case let .tooSoon(until):
                    #expect(until > now)
                    #expect(until == lastSent!.addingTimeInterval(60))
                case let .dailyLimit(until):
                    #expect(lastDay.count >= 5)
                    #expect(until > now)
                    let unlocked = history.map { VerificationCode.Issued(at: $0.at, codeSent: $0.codeSent) }
                    #expect(VerificationCode.mayIssue(after: unlocked, at: until) != .dailyLimit(until: until))
                }
            }
            // however the history went, no 24 hours held more than five codes
            let times = history.map(\.at)
            for time in times { #expect(times.filter { $0 >= time && $0 < time.addingTimeInterval(86_400) }.count <= 5) }
        }
    }

    @Test("the name on record matches however spaces and the separator dot were typed; another name never does")
    func names() {
        #expect(PersonName.sameName("张三", "张三"))
        #expect(PersonName.sameName(" 张 三 ", "张三"))
        #expect(PersonName.sameName("阿依古丽•买买提", "阿依古丽·买买提"))
        #expect(PersonName.sameName("阿依古丽.买买提", "阿依古丽·买买提"))
        #expect(!PersonName.sameName("张三", "张叁"))
        #expect(!PersonName.sameName("", ""))
        #expect(!PersonName.sameName("张三丰", "张三"))
    }
}
