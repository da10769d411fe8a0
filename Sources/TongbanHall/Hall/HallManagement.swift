import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// The hall's manager (a system administrator of a region containing it) sets its hours,
/// categories, slots and windows, or opens a new hall for their region. A change never strands
/// what people already hold: a category with people waiting or appointments booked stays, an
/// open window stays, hours that would leave a booked appointment outside them are refused, and
/// the slot length stays while appointments are booked ahead. Windows taken away are retired,
/// not deleted, so the calls made there keep their history.
package struct HallManagement {
    package let context: UseCaseContext
    package let parts: HallParts

    /// The setup as the manager's form and the API show it.
    package static func setup(of hall: Hall, windows: [HallWindow]) -> HallSetup {
        HallSetup(
            name: hall.name, nameEn: hall.nameEn, address: hall.address, hours: hall.hours, categories: hall.categories,
            windows: windows.filter { $0.retiredAt == nil }.sorted { $0.number < $1.number }
                .map { HallSetup.Window(number: $0.number, name: $0.name, categories: $0.categories.sorted()) },
            slotMinutes: hall.slotMinutes, slotCapacity: hall.slotCapacity, bookingDays: hall.bookingDays,
            defaultServiceMinutes: hall.defaultServiceMinutes, intakeCodes: hall.intakeCodes)
    }

    /// The hall as stored now (not the shared copy of `HallDirectory`) with its windows.
    package static func load(_ id: UUID, on db: any Database) async throws -> (Hall, [HallWindow]) {
        guard let hall = try await Hall.find(id, on: db) else { throw TongbanError.notFound("hall") }
        return (hall, try await HallWindow.query(on: db).filter(\.$hallID == id).sort(\.$number).all())
    }

    /// Only a system administrator of a region containing the hall manages it.
    package func authorize(_ hall: Hall) throws {
        guard let region = hall.region else { throw TongbanError.notFound("hall") }
        try context.authorize(.edit, .hall(regionCode: region))
    }

    /// The hall as stored now with its windows, if the acting account manages it.
    package func managed(_ id: UUID) async throws -> (Hall, [HallWindow]) {
        let loaded = try await Self.load(id, on: context.db)
        try authorize(loaded.0)
        return loaded
    }

    /// Saves a changed setup, if `version` is still the hall's.
    package func change(_ hall: Hall, windows: [HallWindow], to input: HallSetup, version: Int?) async throws {
        try authorize(hall)
        guard let version else { throw TongbanError.invalid(field: "version", "field.required") }
        let setup = input.tidied
        try await Self.check(setup, region: hall.region, on: context.db)
        try await checkInUse(hall, windows: windows, becoming: setup)
        let hallID = try hall.requireID()
        let now = context.now
        let audit = context.auditEvent("hall.setup", resource: "hall:\(hallID.uuidString)", details: Self.summary(setup))
        try await context.db.write { tx in
            let moved = try await tx.sql.raw(
                """
                UPDATE halls SET name = \(bind: setup.name), name_en = \(bind: setup.nameEn), address = \(bind: setup.address),
                  hours = \(bind: try Self.json(setup.hours)), categories = \(bind: try Self.json(setup.categories)), slot_minutes = \(bind: setup.slotMinutes),
                  slot_capacity = \(bind: setup.slotCapacity), booking_days = \(bind: setup.bookingDays),
                  default_service_minutes = \(bind: setup.defaultServiceMinutes), intake_codes = \(bind: try Self.json(setup.intakeCodes)),
                  version = version + 1
                WHERE id = \(bind: hallID) AND version = \(bind: version) RETURNING id
                """
            ).all()
            guard !moved.isEmpty else { throw TongbanError.conflict("hall.changedMeanwhile") }
            let stored = try await HallWindow.query(on: tx).filter(\.$hallID == hallID).all()
            let wanted = Dictionary(uniqueKeysWithValues: setup.windows.map { ($0.number, $0) })
            for row in stored {
                if let w = wanted[row.number] {
                    row.name = w.name
                    row.categoryCodes = w.categories.joined(separator: ",")
                    row.retiredAt = nil
                    try await row.save(on: tx)
                } else if row.retiredAt == nil {
                    let open = try await WindowSession.query(on: tx).filter(\.$windowID == row.requireID()).filter(\.$closedAt == nil)
                        .first()
                    if let open { throw TongbanError.conflict("hall.windowOpen", ["window": row.name, "clerk": open.clerkName]) }
                    row.retiredAt = now
                    try await row.save(on: tx)
                }
            }
            let storedNumbers = Set(stored.map(\.number))
            try await setup.windows.filter { !storedNumbers.contains($0.number) }.map { Self.window(of: hallID, $0) }.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: context.now)
        }
        forget(hallID)
    }

    /// Opens a new hall of a region.
    package func create(_ input: HallSetup, region raw: String?) async throws -> Hall {
        _ = try context.requireAccount()
        guard let raw, !raw.isEmpty else { throw TongbanError.invalid(field: "regionCode", "field.required") }
        guard let region = try? RegionCode(raw), try await Region.find(region.value, on: context.db) != nil else {
            throw TongbanError.invalid(field: "regionCode", "hall.unknownRegion")
        }
        try context.authorize(.edit, .hall(regionCode: region))
        let setup = input.tidied
        try await Self.check(setup, region: region, on: context.db)
        let hall = Hall()
        let hallID = UUID()
        hall.id = hallID
        hall.regionCode = region.value
        hall.createdAt = context.now
        hall.version = 1
        hall.name = setup.name
        hall.nameEn = setup.nameEn
        hall.address = setup.address
        hall.hoursJSON = try Self.json(setup.hours)
        hall.categoriesJSON = try Self.json(setup.categories)
        hall.slotMinutes = setup.slotMinutes
        hall.slotCapacity = setup.slotCapacity
        hall.bookingDays = setup.bookingDays
        hall.defaultServiceMinutes = setup.defaultServiceMinutes
        hall.intakeCodesJSON = try Self.json(setup.intakeCodes)
        let audit = context.auditEvent("hall.create", resource: "hall:\(hallID.uuidString)", details: Self.summary(setup))
        try await context.db.write { tx in
            try await hall.create(on: tx)
            try await setup.windows.map { Self.window(of: hallID, $0) }.create(on: tx)
            try await AuditLog.append(audit, on: tx, now: context.now)
        }
        parts.areas.forget()
        return hall
    }

    /// The setup's own problems, the departments it names that do not exist, and the codes its
    /// windows are to take in that are no published item or bundle offered in the hall's area,
    /// all at once.
    package static func check(_ setup: HallSetup, region: RegionCode?, on db: any Database) async throws {
        var problems = setup.problems
        var stray: FieldError?
        if let codes = setup.intakeCodes, !codes.isEmpty, !problems.errors.contains(where: { $0.field == "intakeCodes" }) {
            let published = try await CatalogEntry.query(on: db).filter(\.$status == .published).filter(\.$code ~~ codes).all()
            let offered = Set(
                published.filter { entry in
                    guard let region, let implemented = try? RegionCode(entry.regionCode) else { return false }
                    return ServiceArea.offers(implemented, in: region)
                }.map(\.code))
            let strays = codes.filter { !offered.contains($0) }.prefix(5).joined(separator: "、")
            if !strays.isEmpty {
                // the codes named in the label, so the manager sees which
                stray = FieldError(
                    field: "intakeCodes", key: "hall.intakeNotOffered", label: "受理事项范围中的 \(strays)", labelEn: "items taken in: \(strays)")
            }
        }
        let named = Set(setup.categories.flatMap(\.departments))
        if !named.isEmpty {
            let known = Set(try await Department.query(on: db).filter(\.$creditCode ~~ Array(named)).all().map(\.creditCode))
            for (i, c) in setup.categories.enumerated()
            where c.departments.contains(where: { !known.contains($0) })
                && !problems.errors.contains(where: { $0.field == "categories[\(i)].departments" })
            {
                problems.add("categories[\(i)].departments", "hall.unknownDepartment")
            }
        }
        guard problems.isEmpty, stray == nil else {
            var labelledProblems = labelled(problems)
            if let stray { labelledProblems.add(stray) }
            throw TongbanError.invalid(labelledProblems)
        }
    }

    /// Problems named as the manager's form names them: "第 2 个类别的字母", "the letter of
    /// category 2".
    package static func labelled(_ problems: FieldErrors) -> FieldErrors {
        var out = problems
        let parts: [String: (String, String)] = [
            "code": ("字母", "letter"), "name": ("名称", "name"), "nameEn": ("英文名称", "English name"), "departments": ("部门", "departments"),
            "number": ("编号", "number"), "categories": ("办理类别", "categories"),
        ]
        let top: [String: (String, String)] = [
            "name": ("大厅名称", "hall name"), "nameEn": ("英文名称", "English name"), "address": ("地址", "address"),
            "hours": ("开放时间", "opening hours"),
            "categories": ("服务类别", "categories"), "windows": ("窗口", "windows"), "slotMinutes": ("预约时段长度", "slot length"),
            "slotCapacity": ("每个时段可约人数", "places per slot"), "bookingDays": ("可提前预约天数", "days bookable ahead"),
            "defaultServiceMinutes": ("默认办理时长", "default service time"), "regionCode": ("所属区划", "region"), "version": ("版本", "version"),
            "intakeCodes": ("受理事项范围", "items taken in"),
            "hours1": ("星期一的开放时间", "Monday's hours"), "hours2": ("星期二的开放时间", "Tuesday's hours"),
            "hours3": ("星期三的开放时间", "Wednesday's hours"),
            "hours4": ("星期四的开放时间", "Thursday's hours"), "hours5": ("星期五的开放时间", "Friday's hours"),
            "hours6": ("星期六的开放时间", "Saturday's hours"),
            "hours7": ("星期日的开放时间", "Sunday's hours"), "hoursholidays": ("节假日的开放时间", "holiday hours"),
        ]
        for field in Set(problems.errors.map(\.field)) {
            if let (zh, en) = top[field] {
                out.label(field, zh, en)
                continue
            }
            // categories[1].code, windows[0].name; the page's own win3number
            let scanner = field.split(whereSeparator: { "[].".contains($0) }).map(String.init)
            if scanner.count == 3, let i = Int(scanner[1]), let (zh, en) = parts[scanner[2]] {
                let (rowZh, rowEn) = scanner[0] == "categories" ? ("类别", "category") : ("窗口", "window")
                out.label(field, "第 \(i + 1) 个\(rowZh)的\(zh)", "the \(en) of \(rowEn) \(i + 1)")
            } else if field.hasPrefix("win"), field.hasSuffix("number") {
                out.label(field, "窗口编号", "window number")
            }
        }
        return out
    }

    /// What people already hold that the new setup would take away.
    package func checkInUse(_ hall: Hall, windows: [HallWindow], becoming setup: HallSetup) async throws {
        let hallID = try hall.requireID()
        let today = LocalTime(context.now).date
        let kept = Set(setup.categories.map(\.code))
        for gone in hall.categories.map(\.code) where !kept.contains(gone) {
            let waiting = try await HallTicket.query(on: context.db).filter(\.$hallID == hallID).filter(\.$day == today.description)
                .filter(\.$category == gone).filter(\.$status ~~ [.waiting, .called]).count()
            let booked = try await Appointment.query(on: context.db).filter(\.$hallID == hallID).filter(\.$day >= today.description)
                .filter(\.$category == gone).filter(\.$status == .booked).count()
            if waiting + booked > 0 {
                throw TongbanError.conflict("hall.categoryInUse", ["category": gone, "waiting": String(waiting), "booked": String(booked)])
            }
        }
        let ahead = try await Appointment.query(on: context.db).filter(\.$hallID == hallID).filter(\.$day >= today.description)
            .filter(\.$status == .booked).sort(\.$day).sort(\.$startMinute).all()
        if !ahead.isEmpty && setup.slotMinutes != hall.slotMinutes {
            throw TongbanError.conflict("hall.slotLengthInUse", ["booked": String(ahead.count)])
        }
        let stranded = ahead.filter { a in
            guard let date = a.date, let spans = try? setup.hours.spans(on: date, calendar: context.calendar) else { return true }
            return !spans.contains { $0.start <= a.startMinute && a.endMinute <= $0.end }
        }
        if let first = stranded.first {
            throw TongbanError.conflict(
                "hall.appointmentsOutsideHours",
                [
                    "count": String(stranded.count), "date": first.day,
                    "time": DaySpan.clock(first.startMinute),
                ])
        }
    }

    /// This process sees the change at once (others within the directory's lifetime).
    package func forget(_ hall: UUID) {
        parts.directory.forget(hall: hall)
        parts.areas.forget()
        parts.estimates.forget(hall: hall)
    }

    private static func window(of hall: UUID, _ w: HallSetup.Window) -> HallWindow {
        let row = HallWindow()
        row.id = UUID()
        row.hallID = hall
        row.number = w.number
        row.name = w.name
        row.categoryCodes = w.categories.joined(separator: ",")
        return row
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try StoredJSON.encoder.encode(value), as: UTF8.self)
    }

    private static func summary(_ s: HallSetup) -> String {
        "\(s.name): \(s.categories.map(\.code).joined()) · \(s.windows.count) windows · slots \(s.slotMinutes) min × \(s.slotCapacity)"
    }
}

/// The manager's API: the setup to read, change, or a new hall to open.
package struct HallManagementAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.get("halls", ":hall", "setup", use: read)
        api.put("halls", ":hall", "setup", use: change)
        api.post("halls", use: create)
    }

    package struct SetupDTO: Content {
        package let id: UUID
        package let regionCode: String
        package let version: Int
        package let setup: HallSetup
    }

    package struct ChangeBody: Content {
        package var version: Int?
        package var setup: HallSetup
    }
    package struct CreateBody: Content {
        package var regionCode: String?
        package var setup: HallSetup
    }

    package static func dto(_ hall: Hall, windows: [HallWindow]) throws -> SetupDTO {
        SetupDTO(
            id: try hall.requireID(), regionCode: hall.regionCode, version: hall.version,
            setup: HallManagement.setup(of: hall, windows: windows))
    }

    package func read(req: Request) async throws -> SetupDTO {
        guard let id = req.parameters.get("hall", as: UUID.self) else { throw TongbanError.notFound("hall") }
        let (hall, windows) = try await req.hallManagement.managed(id)
        return try Self.dto(hall, windows: windows)
    }

    package func change(req: Request) async throws -> SetupDTO {
        guard let id = req.parameters.get("hall", as: UUID.self) else { throw TongbanError.notFound("hall") }
        let management = req.hallManagement
        let (hall, windows) = try await management.managed(id)
        let body = try req.content.decode(ChangeBody.self)
        try await management.change(hall, windows: windows, to: body.setup, version: body.version)
        let (saved, now) = try await HallManagement.load(id, on: req.db)
        return try Self.dto(saved, windows: now)
    }

    package func create(req: Request) async throws -> Response {
        _ = try req.requireAccount()
        let body = try req.content.decode(CreateBody.self)
        let hall = try await req.hallManagement.create(body.setup, region: body.regionCode)
        let (saved, windows) = try await HallManagement.load(hall.requireID(), on: req.db)
        return try await Self.dto(saved, windows: windows).encodeResponse(status: .created, for: req)
    }
}
