@testable import TongbanCore

/// A small seeded generator, so every generated case is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Generate {
    static let today = CalendarDate(year: 2026, month: 11, day: 23)!

    /// A valid identity number: a real county code, a real past birth date, any sequence.
    static func identityNumber(_ rng: inout SplitMix64) -> String {
        let counties = ["110105", "310104", "330106", "330282", "440305", "510104", "511602", "650102"]
        let county = counties.randomElement(using: &rng)!
        let year = Int.random(in: 1900...2026, using: &rng)
        let month = Int.random(in: 1...(year == 2026 ? 11 : 12), using: &rng)
        let maxDay = (year == 2026 && month == 11) ? 23 : CalendarDate.daysIn(month: month, year: year)
        let day = Int.random(in: 1...maxDay, using: &rng)
        let sequence = Int.random(in: 0...999, using: &rng)
        let stem = county + String(format: "%04d%02d%02d%03d", year, month, day, sequence)
        let digits = stem.compactMap(\.wholeNumberValue)
        return stem + String(IdentityNumber.checkCharacter(for: digits))
    }

    /// A valid credit code: any alphabet symbols, six digits in the region positions.
    static func creditCode(_ rng: inout SplitMix64) -> String {
        let alphabet = CreditCode.alphabet
        var symbols: [Character] = []
        for position in 0..<17 {
            if (2..<8).contains(position) {
                symbols.append(Character(String(Int.random(in: 0...9, using: &rng))))
            } else {
                symbols.append(alphabet.randomElement(using: &rng)!)
            }
        }
        let values = symbols.map { alphabet.firstIndex(of: $0)! }
        return String(symbols) + String(CreditCode.checkCharacter(for: values))
    }
}
