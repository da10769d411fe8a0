import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The hall manager's page: hours per weekday (and on holidays), categories with their
/// departments, appointment slots, windows; and a new hall for the manager's region. Two blank
/// rows of categories and windows let a manager add without JavaScript; a row left blank is
/// dropped, a window row dropped is retired.
package struct HallManagePages {
    package func register(_ routes: any RoutesBuilder) {
        routes.get("halls", ":hall", "manage", use: edit)
        routes.post("halls", ":hall", "manage", use: save)
        routes.get("halls", "new", use: new)
        routes.post("halls", "new", use: create)
    }

    package struct HoursRow: Encodable {
        package let key: String
        package let label: String
        package let value: String
        package let error: String?
    }
    package struct DepartmentBox: Encodable {
        package let code: String
        package let name: String
        package let checked: Bool
    }
    package struct CategoryRow: Encodable {
        package let index: Int
        package let code: String
        package let name: String
        package let nameEn: String
        package let departments: [DepartmentBox]
        package let error: String?
        /// The departments ticked, named on the folded list.
        package let chosen: String?

        package init(index: Int, code: String, name: String, nameEn: String, departments: [DepartmentBox], error: String?) {
            self.index = index
            self.code = code
            self.name = name
            self.nameEn = nameEn
            self.departments = departments
            self.error = error
            chosen = departments.filter(\.checked).map(\.name).joined(separator: "、").nilIfEmpty
        }
    }
    package struct WindowRow: Encodable {
        package let index: Int
        package let number: String
        package let name: String
        package let categories: String
        package let error: String?
    }
    package struct Option: Encodable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package struct ManageContext: Encodable {
        package let page: PageContext
        package let action: String
        package let creating: Bool
        package let version: Int
        package let regions: [Option]
        package let form: [String: String]
        package let hours: [HoursRow]
        package let categories: [CategoryRow]
        package let windows: [WindowRow]
        package let error: String?
        package let fieldErrors: [String: String]
    }

    package static let hourKeys = ["1", "2", "3", "4", "5", "6", "7", "holidays"]

    package func edit(req: Request) async throws -> Response {
        guard let id = req.parameters.get("hall", as: UUID.self) else { throw TongbanError.notFound("hall") }
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/halls/\(id)/manage") }
        let (hall, windows) = try await req.hallManagement.managed(id)
        return try await render(req, hall: hall, form: Self.form(HallManagement.setup(of: hall, windows: windows)), failure: nil)
    }

    package func save(req: Request) async throws -> Response {
        guard let id = req.parameters.get("hall", as: UUID.self) else { throw TongbanError.notFound("hall") }
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/halls/\(id)/manage") }
        let management = req.hallManagement
        let (hall, windows) = try await management.managed(id)
        let form = try req.content.decode([String: String].self)
        do {
            try await management.change(hall, windows: windows, to: try Self.setup(form), version: Int(form["version"] ?? ""))
            return req.redirect(to: "/halls/\(id)/manage?saved=1")
        } catch {
            return try await render(req, hall: hall, form: form, failure: error)
        }
    }

    package func new(req: Request) async throws -> Response {
        guard let account = req.currentAccount else { return req.redirect(to: "/login?back=/halls/new") }
        guard let region = try account.actor.regionCode else { throw TongbanError.denied(.roleMissing) }
        try req.authorize(.edit, .hall(regionCode: region))
        let blank = HallSetup(
            name: "", nameEn: "", address: "", hours: OpeningHours(weekdays: [:]), categories: [], windows: [],
            slotMinutes: 30, slotCapacity: 4, bookingDays: 14, defaultServiceMinutes: 12)
        var form = Self.form(blank)
        for day in 1...5 { form["hours\(day)"] = "09:00-12:00, 13:30-17:00" }
        return try await render(req, hall: nil, form: form, failure: nil)
    }

    package func create(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/halls/new") }
        let form = try req.content.decode([String: String].self)
        do {
            let hall = try await req.hallManagement.create(try Self.setup(form), region: form["regionCode"])
            return req.redirect(to: "/halls/\(hall.id!)/manage?saved=1")
        } catch {
            return try await render(req, hall: nil, form: form, failure: error)
        }
    }

    /// The form's fields from a setup: `name`, `hours1`…`hours7`, `hoursholidays`, `cat0code`,
    /// `cat0dept.<credit code>`, `win0number` ….
    package static func form(_ s: HallSetup) -> [String: String] {
        var f: [String: String] = [
            "name": s.name, "nameEn": s.nameEn, "address": s.address, "slotMinutes": String(s.slotMinutes),
            "slotCapacity": String(s.slotCapacity), "bookingDays": String(s.bookingDays),
            "defaultServiceMinutes": s.defaultServiceMinutes.formatted(.number.grouping(.never)),
        ]
        for day in 1...7 { f["hours\(day)"] = OpeningHours.typed(s.hours.weekdays[day] ?? []) }
        f["hoursholidays"] = OpeningHours.typed(s.hours.holidays)
        f["intake"] = s.intakeCodes?.joined(separator: "\n") ?? ""
        for (i, c) in s.categories.enumerated() {
            f["cat\(i)code"] = c.code
            f["cat\(i)name"] = c.name
            f["cat\(i)nameEn"] = c.nameEn
            for d in c.departments { f["cat\(i)dept.\(d)"] = "on" }
        }
        for (i, w) in s.windows.enumerated() {
            f["win\(i)number"] = String(w.number)
            f["win\(i)name"] = w.name
            f["win\(i)categories"] = w.categories.joined(separator: " ")
        }
        return f
    }

    /// The row numbers the form's fields name under a prefix: `cat0code`, `cat2name` → [0, 2].
    package static func rows(_ prefix: String, in form: [String: String]) -> [Int] {
        Set(
            form.keys.compactMap { key -> Int? in
                guard key.hasPrefix(prefix), let digits = key.dropFirst(prefix.count).split(whereSeparator: { !$0.isNumber }).first else {
                    return nil
                }
                return Int(digits)
            }
        ).sorted()
    }

    package static func departments(_ i: Int, _ f: [String: String]) -> [String] {
        f.keys.filter { $0.hasPrefix("cat\(i)dept.") && f[$0] == "on" }.map { String($0.dropFirst("cat\(i)dept.".count)) }.sorted()
    }

    private static func blank(_ f: [String: String], _ keys: [String]) -> Bool {
        keys.allSatisfy { (f[$0] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    /// A row left wholly blank is dropped (a category: no letter, names or departments).
    package static func isBlankCategory(_ i: Int, _ f: [String: String]) -> Bool {
        blank(f, ["cat\(i)code", "cat\(i)name", "cat\(i)nameEn"]) && departments(i, f).isEmpty
    }

    package static func isBlankWindow(_ i: Int, _ f: [String: String]) -> Bool {
        blank(f, ["win\(i)number", "win\(i)name", "win\(i)categories"])
    }

    /// The setup the form describes, or every field it could not read. Rows left wholly blank
    /// are dropped.
    package static func setup(_ f: [String: String]) throws -> HallSetup {
        var problems = FieldErrors()
        func value(_ key: String) -> String { (f[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        func number(_ key: String) -> Int? {
            guard let n = Int(value(key)) else {
                problems.add(key, value(key).isEmpty ? "field.required" : "field.notANumber")
                return nil
            }
            return n
        }
        var weekdays: [Int: [DaySpan]] = [:]
        var holidays: [DaySpan] = []
        for key in hourKeys {
            guard let spans = OpeningHours.spans(typed: value("hours\(key)")) else {
                problems.add("hours\(key)", "hall.badHours")
                continue
            }
            if let day = Int(key) { weekdays[day] = spans } else { holidays = spans }
        }
        var categories: [HallCategory] = []
        for i in rows("cat", in: f) where !isBlankCategory(i, f) {
            let (code, name, nameEn) = (value("cat\(i)code").uppercased(), value("cat\(i)name"), value("cat\(i)nameEn"))
            categories.append(HallCategory(code: code, name: name, nameEn: nameEn, departments: departments(i, f)))
        }
        var windows: [HallSetup.Window] = []
        for i in rows("win", in: f) where !isBlankWindow(i, f) {
            let (name, letters) = (value("win\(i)name"), value("win\(i)categories"))
            let codes = letters.uppercased().filter { $0.isLetter }.map(String.init)
            windows.append(HallSetup.Window(number: number("win\(i)number") ?? 0, name: name, categories: codes))
        }
        // one code per line (or separated by spaces, commas, 、); none: everything offered in the area
        let intake = value("intake").split(whereSeparator: { $0.isWhitespace || ",，、;；".contains($0) }).map(String.init)
        let setup = HallSetup(
            name: value("name"), nameEn: value("nameEn"), address: value("address"),
            hours: OpeningHours(weekdays: weekdays, holidays: holidays), categories: categories, windows: windows,
            slotMinutes: number("slotMinutes") ?? 0, slotCapacity: number("slotCapacity") ?? 0,
            bookingDays: number("bookingDays") ?? 0,
            defaultServiceMinutes: Double(value("defaultServiceMinutes"))
                ?? {
                    problems.add("defaultServiceMinutes", "field.notANumber")
                    return 0
                }(),
            intakeCodes: intake.isEmpty ? nil : intake)
        if !problems.isEmpty { throw TongbanError.invalid(HallManagement.labelled(problems)) }
        return setup
    }

    package func render(_ req: Request, hall: Hall?, form: [String: String], failure: (any Error)?) async throws -> Response {
        let shown = try FormFailure(failure, req)
        let english = req.language == .en
        let account = try req.requireAccount()
        // the hall's departments: those governing its region and those inside it
        let region = hall?.region ?? account.regionCode.flatMap { try? RegionCode($0) }
        let departments = try await Department.query(on: req.db).sort(\.$name).all().filter { d in
            guard let region, let own = try? RegionCode(d.regionCode) else { return false }
            return own.contains(region) || region.contains(own)
        }
        let errors = shown.fields
        // a row's problems reach the row, whichever of its fields they name
        func rowError(_ prefix: String) -> String? {
            errors.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map(\.value).joined(separator: "；").nilIfEmpty
        }
        // the core numbers the rows that were filled in; the form numbers every row
        let categoryRows = Self.rows("cat", in: form)
        let windowRows = Self.rows("win", in: form)
        let filledCategories = categoryRows.filter { !Self.isBlankCategory($0, form) }
        let filledWindows = windowRows.filter { !Self.isBlankWindow($0, form) }
        let categories = (categoryRows + (0..<2).map { (categoryRows.last ?? -1) + 1 + $0 }).map { i in
            CategoryRow(
                index: i, code: form["cat\(i)code"] ?? "", name: form["cat\(i)name"] ?? "", nameEn: form["cat\(i)nameEn"] ?? "",
                departments: departments.map {
                    DepartmentBox(code: $0.creditCode, name: $0.name, checked: form["cat\(i)dept.\($0.creditCode)"] == "on")
                },
                error: filledCategories.firstIndex(of: i).flatMap { rowError("categories[\($0)]") })
        }
        let windows = (windowRows + (0..<2).map { (windowRows.last ?? -1) + 1 + $0 }).map { i in
            WindowRow(
                index: i, number: form["win\(i)number"] ?? "", name: form["win\(i)name"] ?? "", categories: form["win\(i)categories"] ?? "",
                error: filledWindows.firstIndex(of: i).flatMap { rowError("windows[\($0)]") } ?? rowError("win\(i)"))
        }
        let weekdays = [
            req.t("hall.mon"), req.t("hall.tue"), req.t("hall.wed"), req.t("hall.thu"), req.t("hall.fri"), req.t("hall.sat"),
            req.t("hall.sun"),
        ]
        let hours = Self.hourKeys.enumerated().map { i, key in
            HoursRow(
                key: key, label: i < 7 ? weekdays[i] : req.t("hall.manage.holidays"), value: form["hours\(key)"] ?? "",
                error: errors["hours\(key)"] ?? (i == 0 ? errors["hours"] : nil))
        }
        var regions: [Option] = []
        if hall == nil, let own = account.regionCode, let code = try? RegionCode(own) {
            let inside = try await Region.query(on: req.db).filter(\.$parentCode == code.value).sort(\.$id).all()
            let mine = try await Region.find(code.value, on: req.db)
            regions = ([mine].compactMap { $0 } + inside).map { r in
                Option(value: r.id!, label: "\(r.name)（\(r.id!)）", selected: form["regionCode"] == r.id)
            }
        }
        let notice = (try? req.query.get(String.self, at: "saved")) == "1" && failure == nil ? req.t("hall.manage.saved") : nil
        let title = hall.map { req.t("hall.manage.title", ["hall": english ? $0.nameEn : $0.name]) } ?? req.t("hall.manage.new")
        let response = try await req.view.render(
            "hall-manage",
            ManageContext(
                page: req.pageContext(title: title, notice: notice), action: hall.map { "/halls/\($0.id!)/manage" } ?? "/halls/new",
                creating: hall == nil,
                version: Int(form["version"] ?? "") ?? hall?.version ?? 0, regions: regions, form: form, hours: hours,
                categories: categories, windows: windows, error: shown.summary, fieldErrors: errors)
        ).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return shown.apply(to: response)
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
