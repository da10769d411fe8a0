import Foundation
import Testing
@testable import TongbanCore

/// Message templates and interface strings are filled in one pass: what a payload says is
/// put in where its name stands, and nothing else changes.
@Suite("placeholders")
struct PlaceholdersTests {
    @Test("known names are filled wherever they stand; unknown names, lone and nested braces stay as written")
    func examples() {
        let values = ["application": "330106-2026-000123", "item": "就业登记", "empty": ""]
        #expect(Placeholders.fill("您的申请 {application}（{item}）已受理", values) == "您的申请 330106-2026-000123（就业登记）已受理")
        #expect(Placeholders.fill("{item}{item}", values) == "就业登记就业登记")
        #expect(Placeholders.fill("{unknown} {item", values) == "{unknown} {item")
        #expect(Placeholders.fill("{{item}}", values) == "{就业登记}")
        #expect(Placeholders.fill("a}b{", values) == "a}b{")
        #expect(Placeholders.fill("[{empty}]", values) == "[]")
        #expect(Placeholders.fill("无占位", [:]) == "无占位")
    }

    @Test("a value that looks like a placeholder is not expanded (a person's own words stay theirs)")
    func valuesAreNotExpanded() {
        let values = ["detail": "请补充 {application}", "application": "330106-2026-000123"]
        #expect(Placeholders.fill("补正：{detail}", values) == "补正：请补充 {application}")
    }

    @Test("5,000 generated templates with stray braces: each brace-free {name} found left to right, filled when known, kept when not")
    func generated() {
        var rng = SplitMix64(seed: 0x5EED_F111)
        let names = ["a", "item", "application", "申请", "x_y", "date"]
        let pieces = ["办理", " ", "{", "}", "abc", "（", "）", "😀", "\n", "{a", "b}"]
        for _ in 0..<5_000 {
            var values: [String: String] = [:]
            for name in names where Bool.random(using: &rng) {
                values[name] = String((0..<Int.random(in: 0...6, using: &rng)).map { _ in "甲乙x1 -".randomElement(using: &rng)! })
            }
            var text = ""
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                text += Bool.random(using: &rng) ? "{\(names.randomElement(using: &rng)!)}" : pieces.randomElement(using: &rng)!
            }
            // the reference: a regular expression over brace-free names, matched left to right
            let expected = text.replacing(/\{([^{}]*)\}/) { match in values[String(match.1)] ?? String(match.0) }
            #expect(Placeholders.fill(text, values) == expected, "\(text) \(values)")
        }
    }
}
