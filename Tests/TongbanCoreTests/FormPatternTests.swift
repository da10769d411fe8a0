import Foundation
import Testing

@testable import TongbanCore

@Suite("form patterns: ICU's answers without its backtracking")
struct FormPatternTests {
    /// ICU's own whole-match answer, the reference the patterns were written against.
    static func icu(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: "^(?:\(pattern))$")
    }

    static func whole(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Characters that tell ICU's classes apart: ASCII, a full-width digit, an ideographic space,
    /// a Chinese character, a sign, punctuation.
    static let alphabet: [String] = ["a", "b", "c", "1", "9", "１", " ", "\u{3000}", "中", "×", "-", "_", ".", "x"]

    /// A generated piece of pattern, and whether it matches the empty answer: a loop over a body
    /// that can match nothing is where ICU stops short of the language the pattern denotes (it
    /// leaves a loop whose iteration matched empty: `(?:x?|.)*` refuses "1"), so the generator
    /// quantifies only bodies that consume; forms have no use for the other kind.
    typealias Piece = (text: String, nullable: Bool)

    static func atom(_ rng: inout SplitMix64, depth: Int) -> Piece {
        switch Int.random(in: 0..<(depth > 2 ? 9 : 11), using: &rng) {
        case 0, 1, 2: return (["a", "b", "c", "1", "中", "×", "x", " "].randomElement(using: &rng)!, false)
        case 3: return (["\\d", "\\w", "\\s", "\\D", "\\W", "\\S"].randomElement(using: &rng)!, false)
        case 4: return (".", false)
        case 5: return (["\\.", "\\-", "\\u4e2d", "\\u00d7"].randomElement(using: &rng)!, false)
        case 6:
            let items = ["a-c", "0-9", "\\d", "\\w", "\\s", "中", "×", "x", "_", "\\u4e00-\\u9fa5", "\\-", "."]
            let chosen = (0..<Int.random(in: 1...3, using: &rng)).map { _ in items.randomElement(using: &rng)! }
            return ("[" + (Bool.random(using: &rng) ? "^" : "") + chosen.joined() + "]", false)
        case 7: return ("\\u4e00", false)
        case 8: return (["1", "a"].randomElement(using: &rng)!, false)
        case 9:
            let inner = pattern(&rng, depth: depth + 1)
            return ("(" + inner.text + ")", inner.nullable)
        default:
            let inner = pattern(&rng, depth: depth + 1)
            return ("(?:" + inner.text + ")", inner.nullable)
        }
    }

    static func quantified(_ rng: inout SplitMix64, depth: Int) -> Piece {
        let base = atom(&rng, depth: depth)
        if base.nullable { return base }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return (base.text + "*", true)
        case 1: return (base.text + "+", false)
        case 2: return (base.text + "?", true)
        case 3:
            let low = Int.random(in: 0...2, using: &rng)
            let bounds = ["{\(low)}", "{\(low),}", "{\(low),\(low + Int.random(in: 0...2, using: &rng))}"].randomElement(using: &rng)!
            return (base.text + bounds, low == 0)
        case 4:
            let lazy = ["*?", "+?", "??"].randomElement(using: &rng)!
            return (base.text + lazy, lazy != "+?")
        default: return base
        }
    }

    static func pattern(_ rng: inout SplitMix64, depth: Int = 0) -> Piece {
        let options = (0..<Int.random(in: 1...(depth > 1 ? 1 : 3), using: &rng)).map { _ in
            let parts = (0..<Int.random(in: 0...3, using: &rng)).map { _ in quantified(&rng, depth: depth) }
            return (text: parts.map(\.text).joined(), nullable: parts.allSatisfy(\.nullable))
        }
        let body = (text: options.map(\.text).joined(separator: "|"), nullable: options.contains { $0.nullable })
        guard depth == 0 else { return body }
        let start = Int.random(in: 0..<4, using: &rng) == 0 ? "^" : ""
        let end = Int.random(in: 0..<4, using: &rng) == 0 ? "$" : ""
        return (start + body.text + end, body.nullable)
    }

    @Test("4,000 generated patterns, 12 answers each: every verdict is ICU's")
    func agreesWithICU() throws {
        var rng = SplitMix64(seed: 0x5eed_f0e1)
        var compared = 0
        for _ in 0..<4_000 {
            let source = Self.pattern(&rng).text
            let compiled = try FormPattern(source)
            let reference = try #require(Self.icu(source), "ICU refused \(source)")
            #expect(compiled.matchesWhole("") == Self.whole(reference, ""), "\(source) on the empty answer")
            for _ in 0..<12 {
                let text = (0..<Int.random(in: 1...6, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! }.joined()
                #expect(compiled.matchesWhole(text) == Self.whole(reference, text), "\(source) on \(text.debugDescription)")
                compared += 1
            }
        }
        #expect(compared == 48_000)
    }

    @Test("the patterns real forms use mean what they say")
    func realPatterns() throws {
        let size = try FormPattern("^[0-9.]+[x×][0-9.]+$")
        #expect(size.matchesWhole("12.5×8"))
        #expect(size.matchesWhole("3x4"))
        #expect(!size.matchesWhole("3*4"))
        let chineseName = try FormPattern("[\\u4e00-\\u9fa5]{2,15}(·[\\u4e00-\\u9fa5]{1,15})?")
        #expect(chineseName.matchesWhole("王丽"))
        #expect(chineseName.matchesWhole("买买提·艾力"))
        #expect(!chineseName.matchesWhole("王"))
        #expect(!chineseName.matchesWhole("Wang Li"))
        let postcode = try FormPattern("\\d{6}")
        #expect(postcode.matchesWhole("310012"))
        #expect(!postcode.matchesWhole("31001"))
    }

    @Test("the review's M4 pattern: a catastrophic input for a backtracking matcher is an ordinary one here")
    func catastrophicPattern() throws {
        let pattern = try FormPattern("(a|aa)+")
        let attack = String(repeating: "a", count: FormCheck.maxAnswerLength - 1) + "b"
        #expect(!pattern.matchesWhole(attack))
        #expect(pattern.matchesWhole(String(repeating: "a", count: FormCheck.maxAnswerLength)))
        let nested = try FormPattern("(a*)*(b|a*)*c")
        #expect(!nested.matchesWhole(String(repeating: "a", count: 1_999)))
    }

    @Test("what is outside the supported part is refused at publication, with the reason")
    func refused() {
        let cases: [(String, FormPattern.Problem)] = [
            ("(a)\\1", .unsupported), ("(?=a)a", .unsupported), ("(?!a)b", .unsupported), ("(?<=a)b", .unsupported),
            ("(?i)a", .unsupported), ("a*+", .unsupported), ("a++", .unsupported), ("\\p{Han}", .unsupported),
            ("[[a-z]&&[^aeiou]]", .unsupported), ("[a-z--[aeiou]]", .unsupported), ("\\bword\\b", .unsupported),
            ("a{", .syntax), ("{1}", .unsupported), ("^*", .unsupported), ("a{2,1}", .syntax), ("(a", .syntax), ("a)", .syntax),
            ("*a", .syntax), ("a**", .syntax), ("[a", .syntax), ("[z-a]", .syntax), ("\\u12", .syntax), ("a\\", .syntax),
            ("a{1001}", .tooLarge), ("(a{1000}){1000}", .tooLarge), (String(repeating: "a", count: 201), .tooLarge),
        ]
        for (pattern, problem) in cases {
            #expect(throws: problem, "\(pattern)") { try FormPattern(pattern) }
        }
    }

    @Test("a catalog item with a refused pattern is not published, and says why")
    func catalogRule() throws {
        #expect(ItemRules.patternProblemKey(.unsupported) == "catalog.unsupportedPattern")
        let answers = FormCheck.check(
            ["code": "aaab"],
            against: [FormField(key: "code", label: "编码", labelEn: "Code", type: .text, validation: FieldValidation(pattern: "(a|aa)+"))],
            today: Generate.today)
        guard case .failure(let problems) = answers else {
            Issue.record("a mismatch was accepted")
            return
        }
        #expect(problems.errors.map(\.key) == ["field.patternMismatch"])
    }
}
