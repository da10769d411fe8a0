import Foundation
import Testing
@testable import TongbanCore

/// What a hall's manager may set: generated good setups pass, each kind of mistake is found at
/// its own field and nowhere else, and typed hours read back as they were written.
@Suite("Hall setup rules")
struct HallSetupTests {
    static func department(_ i: Int) -> String { CreditCode.completing("11330106MB1B1234\(i % 10)")!.value }

    /// A setup that should pass: a comprehensive category first, dedicated ones after, windows
    /// that together serve every category.
    static func good(_ rng: inout SplitMix64) -> HallSetup {
        let count = Int.random(in: 1...6, using: &rng)
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".shuffled(using: &rng).prefix(count)).map(String.init)
        let categories = letters.enumerated().map { i, code in
            HallCategory(code: code, name: "类别\(i)", nameEn: i % 2 == 0 ? "Category \(i)" : "", departments: i == 0 ? [] : [department(i)])
        }
        var windows = letters.enumerated().map { i, code in HallSetup.Window(number: i + 1, name: "\(i + 1)号窗口", categories: [code]) }
        for extra in 0..<Int.random(in: 0...3, using: &rng) {
            windows.append(HallSetup.Window(number: 100 + extra, name: "综合\(extra)", categories: letters.shuffled(using: &rng)))
        }
        var weekdays: [Int: [DaySpan]] = [:]
        for day in 1...7 where Bool.random(using: &rng) || day == 1 {
            let open = Int.random(in: 6...10, using: &rng) * 60
            weekdays[day] = [DaySpan(start: open, end: open + 180)!, DaySpan(start: open + 240, end: open + 480)!]
        }
        return HallSetup(
            name: "测试大厅", nameEn: "", address: "某市某区", hours: OpeningHours(weekdays: weekdays), categories: categories,
            windows: windows, slotMinutes: Int.random(in: 5...240, using: &rng), slotCapacity: Int.random(in: 1...500, using: &rng),
            bookingDays: Int.random(in: 1...90, using: &rng), defaultServiceMinutes: Double(Int.random(in: 2...480, using: &rng)) / 2)
    }

    @Test("2,000 generated good setups have no problem, and tidying them changes nothing twice")
    func goodSetups() {
        var rng = SplitMix64(seed: 4_101)
        for _ in 0..<2_000 {
            let setup = Self.good(&rng)
            #expect(setup.problems.isEmpty, "\(setup.problems.errors)")
            #expect(setup.tidied.tidied == setup.tidied && setup.tidied.problems.isEmpty)
            #expect(setup.tidied.categories.allSatisfy { !$0.nameEn.isEmpty } && setup.tidied.nameEn == setup.name)
        }
    }

    /// The `n`th letter no category of the setup uses.
    static func free(_ s: HallSetup, _ n: Int = 0) -> String {
        let used = Set(s.categories.map(\.code))
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ".map(String.init).filter { !used.contains($0) }[n]
    }

    /// One mistake, the field where it must be reported, and its key.
    static let mistakes: [(String, @Sendable (inout HallSetup) -> (String, String))] = [
        (
            "no name",
            { s in
                s.name = "  "
                return ("name", "field.required")
            }
        ),
        (
            "long address",
            { s in
                s.address = String(repeating: "路", count: 121)
                return ("address", "field.tooLong")
            }
        ),
        (
            "never open",
            { s in
                s.hours = OpeningHours(weekdays: [:])
                return ("hours", "hall.neverOpen")
            }
        ),
        (
            "lower-case letter",
            { s in
                s.categories.append(HallCategory(code: "a", name: "x", nameEn: "", departments: [department(9)]))
                return ("categories[\(s.categories.count - 1)].code", "hall.badCategoryCode")
            }
        ),
        (
            "letter twice",
            { s in
                let c = s.categories[0]
                s.categories.append(HallCategory(code: c.code, name: "重复", nameEn: "", departments: [department(9)]))
                return ("categories[\(s.categories.count - 1)].code", "hall.duplicateCategory")
            }
        ),
        (
            "two comprehensive",
            { s in
                s.categories.append(HallCategory(code: free(s), name: "综合二", nameEn: "", departments: []))
                s.windows[0].categories.append(s.categories.last!.code)
                return ("categories[\(s.categories.count - 1)].departments", "hall.twoComprehensive")
            }
        ),
        (
            "bad credit code",
            { s in
                s.categories[0] = HallCategory(code: s.categories[0].code, name: "x", nameEn: "", departments: ["123"])
                return ("categories[0].departments", "hall.badDepartment")
            }
        ),
        (
            "department twice",
            { s in
                s.categories.append(HallCategory(code: free(s), name: "x", nameEn: "", departments: [department(7)]))
                s.categories.append(HallCategory(code: free(s), name: "y", nameEn: "", departments: [department(7)]))
                s.windows[0].categories += s.categories.suffix(2).map(\.code)
                return ("categories[\(s.categories.count - 1)].departments", "hall.departmentTwice")
            }
        ),
        (
            "window 0",
            { s in
                s.windows[0].number = 0
                return ("windows[0].number", "hall.badWindowNumber")
            }
        ),
        (
            "window number twice",
            { s in
                s.windows.append(HallSetup.Window(number: s.windows[0].number, name: "重号", categories: s.windows[0].categories))
                return ("windows[\(s.windows.count - 1)].number", "hall.duplicateWindow")
            }
        ),
        (
            "window serving nothing",
            { s in
                s.windows.append(HallSetup.Window(number: 998, name: "空", categories: []))
                return ("windows[\(s.windows.count - 1)].categories", "field.required")
            }
        ),
        (
            "window of an unknown category",
            { s in
                s.windows.append(HallSetup.Window(number: 997, name: "怪", categories: ["?"]))
                return ("windows[\(s.windows.count - 1)].categories", "hall.unknownCategory")
            }
        ),
        (
            "category nobody serves",
            { s in
                s.categories.append(HallCategory(code: free(s), name: "无人", nameEn: "", departments: [department(8)]))
                return ("categories[\(s.categories.count - 1)].code", "hall.categoryUnserved")
            }
        ),
        (
            "slot of 4 minutes",
            { s in
                s.slotMinutes = 4
                return ("slotMinutes", "hall.outOfRange")
            }
        ),
        (
            "no places",
            { s in
                s.slotCapacity = 0
                return ("slotCapacity", "hall.outOfRange")
            }
        ),
        (
            "booking a year ahead",
            { s in
                s.bookingDays = 365
                return ("bookingDays", "hall.outOfRange")
            }
        ),
        (
            "no service time",
            { s in
                s.defaultServiceMinutes = 0.5
                return ("defaultServiceMinutes", "hall.outOfRange")
            }
        ),
    ]

    @Test("each kind of mistake, made in 200 generated setups, is reported at its field and only there")
    func mistakes() {
        var rng = SplitMix64(seed: 4_102)
        for (name, make) in Self.mistakes {
            for _ in 0..<200 {
                var setup = Self.good(&rng)  // departments 1–5 at most; the mistakes add 7–9
                let (field, key) = make(&setup)
                let problems = setup.problems.errors
                #expect(problems.contains(FieldError(field: field, key: key)), "\(name): \(problems)")
                #expect(problems.allSatisfy { $0.field == field }, "\(name): \(problems)")
            }
        }
    }

    @Test("typed hours: 3,000 generated days read back as written; overlapping or malformed spans are refused")
    func typedHours() {
        var rng = SplitMix64(seed: 4_103)
        for _ in 0..<3_000 {
            var spans: [DaySpan] = []
            var at = Int.random(in: 0...600, using: &rng)
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let length = Int.random(in: 1...240, using: &rng)
                guard at + length <= 1440, let span = DaySpan(start: at, end: at + length) else { break }
                spans.append(span)
                at += length + Int.random(in: 0...120, using: &rng)
            }
            let typed = OpeningHours.typed(spans)
            #expect(OpeningHours.spans(typed: typed) == spans, "\(typed)")
            // the same with Chinese punctuation and in another order
            let chinese = spans.reversed().map(\.description).joined(separator: "，")
            #expect(OpeningHours.spans(typed: chinese) == spans, "\(chinese)")
            if let first = spans.first, first.end - first.start > 1, let overlapping = DaySpan(start: first.start + 1, end: first.end) {
                #expect(OpeningHours.spans(typed: typed + ", " + overlapping.description) == nil)
            }
        }
        #expect(OpeningHours.spans(typed: "") == [])
        for bad in ["8:30-12:00", "08:30-12:00,13:30", "闭厅", "12:00-08:30", "08:30-12:00 11:00-13:00"] {
            #expect(OpeningHours.spans(typed: bad) == nil, "\(bad)")
        }
    }
}
