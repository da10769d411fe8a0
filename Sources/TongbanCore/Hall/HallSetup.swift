import Foundation

/// What a hall's manager sets: its names and address, opening hours, categories of service,
/// appointment slots and windows. `problems` finds everything wrong at once, each at its field,
/// so one form shows every mistake; the server adds only what needs the database (departments
/// that exist, categories still in use, windows still open, appointments the new hours would
/// strand).
public struct HallSetup: Sendable, Equatable, Codable {
    public struct Window: Sendable, Equatable, Codable {
        public var number: Int
        public var name: String
        public var categories: [String]

        public init(number: Int, name: String, categories: [String]) {
            self.number = number
            self.name = name
            self.categories = categories
        }
    }

    public var name: String
    public var nameEn: String
    public var address: String
    public var hours: OpeningHours
    public var categories: [HallCategory]
    public var windows: [Window]
    public var slotMinutes: Int
    public var slotCapacity: Int
    public var bookingDays: Int
    public var defaultServiceMinutes: Double
    /// 收件范围: the item and bundle codes its windows take in; nil: every item offered in its
    /// area (`ServiceArea`).
    public var intakeCodes: [String]?

    public init(
        name: String, nameEn: String, address: String, hours: OpeningHours, categories: [HallCategory], windows: [Window],
        slotMinutes: Int, slotCapacity: Int, bookingDays: Int, defaultServiceMinutes: Double, intakeCodes: [String]? = nil
    ) {
        self.name = name
        self.nameEn = nameEn
        self.address = address
        self.hours = hours
        self.categories = categories
        self.windows = windows
        self.slotMinutes = slotMinutes
        self.slotCapacity = slotCapacity
        self.bookingDays = bookingDays
        self.defaultServiceMinutes = defaultServiceMinutes
        self.intakeCodes = intakeCodes
    }

    public static let slotMinutesRange = 5...240
    public static let slotCapacityRange = 1...500
    public static let bookingDaysRange = 1...90
    public static let serviceMinutesRange = 1.0...240.0
    public static let windowNumbers = 1...999
    public static let maxWindows = 99

    /// Every problem, each at its field: `name`, `hours`, `categories[1].code`,
    /// `windows[0].categories`, `slotMinutes` ….
    public var problems: FieldErrors {
        var e = FieldErrors()
        _ = e.text("name", name, maxLength: 60)
        _ = e.text("nameEn", nameEn, maxLength: 120, required: false)
        _ = e.text("address", address, maxLength: 120)
        if hours.weekdays.values.allSatisfy(\.isEmpty) { e.add("hours", "hall.neverOpen") }
        if categories.isEmpty { e.add("categories", "field.required") }
        if categories.count > 26 { e.add("categories", "hall.tooMany") }
        var codes = Set<String>()
        var departments = Set<String>()
        var comprehensive = 0
        for (i, c) in categories.enumerated() {
            let at = "categories[\(i)]"
            if !HallCategory.isValidCode(c.code) {
                e.add("\(at).code", "hall.badCategoryCode")
            } else if !codes.insert(c.code).inserted {
                e.add("\(at).code", "hall.duplicateCategory")
            }
            _ = e.text("\(at).name", c.name, maxLength: 20)
            _ = e.text("\(at).nameEn", c.nameEn, maxLength: 60, required: false)
            if c.departments.isEmpty {
                comprehensive += 1
                if comprehensive == 2 { e.add("\(at).departments", "hall.twoComprehensive") }
            }
            for d in c.departments {
                if (try? CreditCode(d)) == nil {
                    e.add("\(at).departments", "hall.badDepartment")
                    break
                }
                // an item's department picks its category; two would make that ambiguous
                if !departments.insert(d).inserted {
                    e.add("\(at).departments", "hall.departmentTwice")
                    break
                }
            }
        }
        if windows.isEmpty { e.add("windows", "field.required") }
        if windows.count > Self.maxWindows { e.add("windows", "hall.tooMany") }
        var numbers = Set<Int>()
        var served = Set<String>()
        for (i, w) in windows.enumerated() {
            let at = "windows[\(i)]"
            if !Self.windowNumbers.contains(w.number) {
                e.add("\(at).number", "hall.badWindowNumber")
            } else if !numbers.insert(w.number).inserted {
                e.add("\(at).number", "hall.duplicateWindow")
            }
            _ = e.text("\(at).name", w.name, maxLength: 30)
            if w.categories.isEmpty {
                e.add("\(at).categories", "field.required")
            } else if w.categories.contains(where: { !codes.contains($0) }) {
                e.add("\(at).categories", "hall.unknownCategory")
            }
            served.formUnion(w.categories)
        }
        for (i, c) in categories.enumerated() where codes.contains(c.code) && !served.contains(c.code) && !windows.isEmpty {
            e.add("categories[\(i)].code", "hall.categoryUnserved")
        }
        if !Self.slotMinutesRange.contains(slotMinutes) { e.add("slotMinutes", "hall.outOfRange") }
        if !Self.slotCapacityRange.contains(slotCapacity) { e.add("slotCapacity", "hall.outOfRange") }
        if !Self.bookingDaysRange.contains(bookingDays) { e.add("bookingDays", "hall.outOfRange") }
        if !Self.serviceMinutesRange.contains(defaultServiceMinutes) { e.add("defaultServiceMinutes", "hall.outOfRange") }
        if let intakeCodes {
            if intakeCodes.isEmpty { e.add("intakeCodes", "hall.intakeEmpty") }
            if intakeCodes.count > HallIntake.maxCodes { e.add("intakeCodes", "hall.tooMany") }
            if intakeCodes.contains(where: { $0.isEmpty || $0.count > 80 }) { e.add("intakeCodes", "hall.intakeBadCode") }
        }
        return e
    }

    /// The same setup with names trimmed, an empty English name filled with the Chinese one,
    /// window categories in letter order.
    public var tidied: HallSetup {
        var s = self
        func trim(_ t: String) -> String { t.trimmingCharacters(in: .whitespacesAndNewlines) }
        s.name = trim(name)
        s.address = trim(address)
        s.nameEn = trim(nameEn).isEmpty ? s.name : trim(nameEn)
        s.categories = categories.map {
            HallCategory(
                code: trim($0.code), name: trim($0.name), nameEn: trim($0.nameEn).isEmpty ? trim($0.name) : trim($0.nameEn),
                departments: $0.departments)
        }
        s.windows = windows.map { Window(number: $0.number, name: trim($0.name), categories: Array(Set($0.categories)).sorted()) }
        s.intakeCodes = intakeCodes.map { Array(Set($0.map(trim))).sorted() }
        return s
    }
}

extension OpeningHours {
    /// One day's hours as a manager types them: "08:30-12:00, 13:30-17:30" (commas, spaces,
    /// "，" or "；" between spans); empty means closed. Nil when a span is not a span or two
    /// overlap.
    public static func spans(typed text: String) -> [DaySpan]? {
        let parts = text.split(whereSeparator: { ",，;；、 ".contains($0) }).map {
            $0.replacingOccurrences(of: "－", with: "-").replacingOccurrences(of: "—", with: "-")
        }
        var spans: [DaySpan] = []
        for part in parts {
            guard let span = DaySpan(String(part)) else { return nil }
            spans.append(span)
        }
        spans.sort()
        for (a, b) in zip(spans, spans.dropFirst()) where b.start < a.end { return nil }
        return spans
    }

    /// The spans of a day as the manager's form shows them.
    public static func typed(_ spans: [DaySpan]) -> String { spans.map(\.description).joined(separator: ", ") }
}
