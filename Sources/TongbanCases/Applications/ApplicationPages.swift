import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The pages of applying and handling: my applications, one application with its cases, clock,
/// timeline and the actions the viewer may take; the clerk's desk; the reviewer's inbox; the
/// public status lookup. Server-rendered forms, no JavaScript; every action goes through the
/// same `CaseWork` as the API.
package struct ApplicationPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("applications", use: mine)
        routes.get("applications", ":id", use: detail)
        routes.post("applications", ":id", "cases", ":caseID", "act", use: act)
        routes.post("applications", ":id", "tasks", ":taskID", ":verb", use: workOnTask)
        routes.get("desk", use: desk)
        routes.get("inbox", use: inbox)
        routes.get("status", use: status)
    }

    package struct Line: Encodable {
        package let href: String
        package let number: String
        package let title: String
        package let state: String
        package let dueOn: String
        package let warning: String
        package var warningLabel: String? = nil
    }

    package struct ListContext: Encodable {
        package let page: PageContext
        package let heading: String
        package let lines: [Line]
        package let hasLines: Bool
        package let empty: String
        /// A second list under its own heading (the reviewer's verifications).
        package var extraHeading: String? = nil
        package var extra: [Line] = []
        package var hasExtra: Bool { !extra.isEmpty }
        /// The window desk links to the in-person identity check.
        package var identityCheck = false

        package enum CodingKeys: String, CodingKey {
            case page, heading, lines, hasLines, empty, extraHeading, extra, hasExtra, identityCheck
        }
        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(page, forKey: .page)
            try c.encode(heading, forKey: .heading)
            try c.encode(lines, forKey: .lines)
            try c.encode(hasLines, forKey: .hasLines)
            try c.encode(empty, forKey: .empty)
            try c.encodeIfPresent(extraHeading, forKey: .extraHeading)
            try c.encode(extra, forKey: .extra)
            try c.encode(hasExtra, forKey: .hasExtra)
            try c.encode(identityCheck, forKey: .identityCheck)
        }
    }

    package func mine(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/applications") }
        let rows = try await ApplicationDesk(context: req.context).mine(limit: 100)
        let lines = rows.map { a in
            Line(
                href: "/applications/\(a.id!)", number: a.number ?? req.t("application.draftLabel"), title: a.targetName,
                state: req.t("applicationStatus.\(a.status.rawValue)"), dueOn: a.dueOn ?? "—", warning: "none")
        }
        return try await req.view.render(
            "applications",
            ListContext(
                page: req.pageContext(title: req.t("applications.mine")),
                heading: req.t("applications.mine"), lines: lines,
                hasLines: !lines.isEmpty, empty: req.t("applications.none"))
        ).encodeResponse(for: req)
    }

    /// 综合窗口: the cases waiting at the windows of the clerk's region, oldest first.
    package func desk(req: Request) async throws -> Response {
        guard let account = req.currentAccount else { return req.redirect(to: "/login?back=/desk") }
        let actor = try account.actor
        guard let region = actor.regionCode else { throw TongbanError.denied(.roleMissing) }
        try req.authorize(.handle, .windowDesk(regionCode: region))
        let waiting: [CaseState] = [.submitted, .prereviewed, .awaitingCorrection, .returned, .decided]
        // 收受分离: what windows of the region took in, and what was made online for its items
        let inRegion = region.significantPrefix + "%"
        let applications = try await ApplicationRecord.query(on: req.db).group(.or) { or in
            or.filter(\.$takenIn, .custom("LIKE"), inRegion)
            or.group(.and) { online in
                online.filter(\.$takenIn == nil)
                online.filter(\.$regionCode, .custom("LIKE"), inRegion)
            }
        }
        .filter(\.$status != .draft).filter(\.$status != .closed).sort(\.$submittedAt).limit(300).all()
        let cases = try await CaseRow.query(on: req.db).filter(\.$applicationID ~~ applications.compactMap(\.id)).filter(
            \.$state ~~ waiting
        ).all()
        let lines = cases.compactMap { row -> Line? in
            guard let a = applications.first(where: { $0.id == row.applicationID }) else { return nil }
            return Line(
                href: "/applications/\(a.id!)", number: a.number ?? "—", title: "\(row.itemName) · \(a.applicantName)",
                state: req.t("caseState.\(row.state.rawValue)"), dueOn: row.dueOn ?? "—", warning: row.warning.rawValue,
                warningLabel: row.warning == .none ? nil : req.t("warning.\(row.warning.rawValue)"))
        }
        // 邮寄送达: decided results to post, each due out within 10 working days of its decision
        let posting = try cases.filter { $0.state == .decided && $0.deliveryMethod == .post }.compactMap { row -> Line? in
            guard let a = applications.first(where: { $0.id == row.applicationID }),
                let decided = row.decidedOn.flatMap(CalendarDate.init(iso:))
            else { return nil }
            let reading = try DispatchDeadline.reading(decidedOn: decided, today: req.context.today, calendar: req.context.calendar)
            return Line(
                href: "/applications/\(a.id!)", number: a.number ?? "—", title: "\(row.itemName) · \(a.applicantName)",
                state: req.t("desk.toPost"), dueOn: reading.due.description, warning: reading.warning.rawValue,
                warningLabel: reading.warning == .none ? nil : req.t("warning.\(reading.warning.rawValue)"))
        }
        .sorted { $0.dueOn < $1.dueOn }
        return try await req.view.render(
            "applications",
            ListContext(
                page: req.pageContext(title: req.t("desk.title")), heading: req.t("desk.title"),
                lines: lines, hasLines: !lines.isEmpty, empty: req.t("desk.none"), extraHeading: req.t("desk.posting"),
                extra: posting, identityCheck: true)
        ).encodeResponse(for: req)
    }

    /// A reviewer's open tasks, soonest due first, with the warning colour.
    package func inbox(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/inbox") }
        let desk = ReviewTaskDesk(context: req.context)
        let lines = try await desk.inbox().map { entry in
            Line(
                href: "/applications/\(try entry.application.requireID())", number: entry.application.number ?? "—",
                title: "\(entry.task.name) · \(entry.row.itemName)",
                state: req.t(entry.task.claimedBy == nil ? "task.unclaimed" : "task.claimed"), dueOn: entry.task.dueOn ?? "—",
                warning: entry.warning.rawValue, warningLabel: entry.warning == .none ? nil : req.t("warning.\(entry.warning.rawValue)"))
        }
        let verifications = try await desk.verifications().map { v in
            Line(
                href: "/applications/\(try v.application.requireID())", number: v.application.number ?? "—",
                title: "\(req.t("inbox.verification")) · \(v.row.itemName) · \(v.application.applicantName)",
                state: req.t("inbox.verificationPending"), dueOn: v.due, warning: v.overdue ? "red" : "none",
                warningLabel: v.overdue ? req.t("warning.red") : nil)
        }
        return try await req.view.render(
            "applications",
            ListContext(
                page: req.pageContext(title: req.t("inbox.title")), heading: req.t("inbox.title"),
                lines: lines, hasLines: !lines.isEmpty, empty: req.t("inbox.none"),
                extraHeading: req.t("inbox.verifications"), extra: verifications)
        ).encodeResponse(for: req)
    }

    // MARK: one application

    package struct ActionForm: Encodable {
        package let action: String
        package let label: String
        package let version: Int
        package let reason: Bool
        package let legalBasis: Bool
        package let materials: Bool
        package let owed: Bool
        package let owedChoices: [String]
        package let approved: Bool
        package let method: Bool
        package let procedure: Bool
        package let danger: Bool
        /// The way the applicant chose to receive the result (preselected when delivering).
        package var chosen: String = "window"
    }

    package struct TaskView: Encodable {
        package let id: String
        package let name: String
        package let department: String
        package let status: String
        package let dueOn: String
        package let opinion: String
        package let version: Int
        /// What the viewer (a reviewer of the task's department) may do with it now.
        package let canClaim: Bool
        package let canComplete: Bool
    }

    package struct CaseView: Encodable {
        package let applicationID: String
        package let id: String
        package let itemName: String
        package let department: String
        package let state: String
        package let warning: String
        package let warningLabel: String?
        package let clock: String?
        package let facts: [String]
        package let tasks: [TaskView]
        package let hasTasks: Bool
        package let actions: [ActionForm]
        package let hasActions: Bool
    }

    package struct EventView: Encodable {
        package let at: String
        package let actor: String
        package let text: String
    }

    package struct DetailContext: Encodable {
        package let page: PageContext
        package let number: String
        package let title: String
        package let status: String
        package let facts: [String]
        package let cases: [CaseView]
        package let events: [EventView]
        package let notices: [PageLink]
        package let hasNotices: Bool
        package let error: String?
        /// Materials the viewer may supply now (补正, 容缺), and what was uploaded so far.
        package let applicationID: String
        package let uploads: [MaterialPages.Choice]
        package let hasUploads: Bool
        package let checklist: [MaterialPages.ChecklistLine]
        package let hasChecklist: Bool
        /// The correction request as the deficient files suggest it (the clerk may change it).
        package let correctionDraft: String
        package let mayRecordVisit: Bool
        /// 邮寄收件: the window's form, or the applicant's note that paper may come by post.
        package let posted: PostedMaterialPages.Section?
        package let shared: [SharedMaterials.Entry]
        package let hasShared: Bool
        /// 一事一评: the applicant's link to rate the application once it is concluded.
        package let rateHref: String?
        /// A bundle's cases as one piece of work (nil for one item).
        package let progress: ProgressView?
        /// 首问负责: the owner and the handoff's forms, for staff.
        package let ownership: OwnerHandoffPages.Section?
    }

    /// 联办进度: each case's expected end, the critical path, and the whole against its promise.
    package struct ProgressView: Encodable {
        package struct Row: Encodable {
            package let id: String
            package let name: String
            package let state: String
            package let waitsFor: String
            package let expectedEnd: String
            package let critical: Bool
        }
        package let summary: String
        package let path: String
        package let late: Bool
        package let rows: [Row]
    }

    /// The bundle's progress as the page shows it.
    func progressView(
        _ application: ApplicationRecord, cases: [CaseRow], today: CalendarDate, calendar: WorkingDayCalendar, req: Request
    ) throws -> ProgressView? {
        guard application.target == .bundle, application.status != .draft else { return nil }
        let names = Dictionary(cases.map { ($0.id?.uuidString ?? "", $0.itemName) }) { first, _ in first }
        let steps = try BundleLinks.steps(cases)
        let progress = BundleProgress.of(
            steps, submittedOn: application.submittedOn.flatMap(CalendarDate.init(iso:)), today: today, calendar: calendar)
        let critical = Set(progress.criticalPath)
        let rows = steps.map { step in
            ProgressView.Row(
                id: step.id, name: step.name, state: req.t("caseState.\(step.state.rawValue)"),
                waitsFor: step.after.compactMap { names[$0] }.joined(separator: "、"),
                expectedEnd: progress.expectedEnd[step.id]?.description ?? "—", critical: critical.contains(step.id))
        }
        let summary = req.progressSummary(progress)
        return ProgressView(
            summary: summary, path: progress.criticalPath.compactMap { names[$0] }.joined(separator: " → "), late: progress.late,
            rows: rows)
    }

    package func detail(req: Request) async throws -> Response {
        try await renderDetail(req, failure: nil)
    }

    /// The application page again, with what was refused and why, field by field.
    package func renderDetail(_ req: Request, refused error: TongbanError) async throws -> Response {
        let details = error.fields.map { req.fieldMessage($0) }
        return try await renderDetail(req, failure: ([req.t(error.code, error.arguments)] + details).joined(separator: " "))
    }

    package func renderDetail(_ req: Request, failure: String?) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.path)") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        // each read once: the DTO and the page's own parts share them
        let desk = ApplicationDesk(context: req.context)
        let loaded = try await desk.load(id)
        let application = loaded.application
        let cases = loaded.cases
        let tasks = loaded.tasks
        let dto = try desk.dto(loaded)
        var views: [CaseView] = []
        var items: [ServiceItem] = []
        for (row, c) in zip(cases, dto.cases) {
            let item = try await CatalogStore.entry(.item, code: row.itemCode, version: row.itemVersion, on: req.db)
                .map { try req.application.applicationCaches.item($0) }
            if let item { items.append(item) }
            views.append(caseView(c, applicationID: id, item: item, siblings: dto.cases, req: req))
        }
        let uploads = try MaterialPages.choices(req, application: application, cases: cases, items: items)
        let stored = try await StoredMaterial.query(on: req.db).filter(\.$applicationID == id).sort(\.$uploadedAt).all()
        let reuses = try await SharedMaterials.reuses(of: id, on: req.db)
        let shared = try await req.sharedMaterials.view(application, cases: cases, tasks: tasks, reuses: reuses)
        let resource = try ApplicationDesk.resource(application, cases: cases, tasks: tasks)
        let links = MaterialViewer.links(stored, resource: resource, context: req.context)
        let markable =
            (req.allows(.review, resource) || req.allows(.handle, resource))
            && cases.contains { MaterialStore.acceptingStates.contains($0.state) }
        let posted = try await PostedMaterial.query(on: req.db).filter(\.$applicationID == id).sort(\.$receivedAt).all()
        let checklist = MaterialPages.checklist(
            req, items: items, uploads: stored, reuses: reuses, posted: posted, links: links, markable: markable)
        var materialNames: [String: String] = [:]
        for material in items.flatMap(\.materials) where materialNames[material.key] == nil { materialNames[material.key] = material.name }
        let events = dto.events.reversed().map { e in
            EventView(
                at: CalendarDate.beijingTime(e.at), actor: req.actorName(e.actor),
                text: [req.t("event.\(e.action)"), e.to.map { "→ " + req.t("caseState.\($0)") }, e.detail].compactMap { $0 }.joined(
                    separator: " "))
        }
        var facts = [
            req.t("application.applicant", ["name": dto.applicantName]),
            req.t("application.channel.\(dto.channel)"),
            req.t("application.visits", ["count": String(dto.visits)]),
        ]
        // 收受分离: the window that took it in, beside the departments that decide it
        if let hallID = application.takenInHallID, let hall = try await Hall.find(hallID, on: req.db) {
            facts.append(req.t("application.takenIn", ["hall": req.language == .en ? hall.nameEn : hall.name]))
        }
        if let owner = application.ownerName { facts.append(req.t("application.owner", ["name": owner])) }
        if let submitted = dto.submittedOn { facts.append(req.t("application.submittedOn", ["date": submitted])) }
        // a bundle's end is its progress section's, which counts the cases not yet started
        if let due = dto.dueOn, application.target != .bundle { facts.append(req.t("application.dueOn", ["date": due])) }
        if let code = dto.accessCode { facts.append(req.t("application.accessCodeShown") + "：" + code) }
        for parcel in try await Parcel.query(on: req.db).filter(\.$applicationID == id).sort(\.$createdAt).all() {
            facts.append(
                req.t(
                    "application.parcel",
                    [
                        "tracking": parcel.trackingNumber, "status": req.t("parcel.status.\(parcel.status.rawValue)"),
                        "count": String(parcel.cases().count),
                    ]))
        }
        if application.deliveryTogether == true { facts.append(req.t("application.together")) }
        let saved = Set(shared.map(\.materialKey)).count
        if saved > 0 { facts.append(req.t("shared.saved", ["count": String(saved)])) }
        let states = Set(cases.map(\.state))
        let notices = [
            ("acceptance", states.contains { $0.isAccepted || [.decided, .delivered, .concluded].contains($0) }),
            ("correction", states.contains(.awaitingCorrection)), ("refusal", states.contains(.refused)),
            ("decision", states.contains { [.decided, .delivered, .concluded].contains($0) }),
        ]
        .filter(\.1).map { PageLink(href: "/applications/\(id)/notices/\($0.0)", label: req.t("notice.\($0.0)"), detail: "") }
        let context = DetailContext(
            page: req.pageContext(title: dto.number ?? dto.target.name), number: dto.number ?? req.t("application.draftLabel"),
            title: dto.target.name, status: req.t("applicationStatus.\(dto.status)"), facts: facts, cases: views,
            events: Array(events), notices: notices, hasNotices: !notices.isEmpty, error: failure,
            applicationID: id.uuidString, uploads: uploads, hasUploads: !uploads.isEmpty,
            checklist: checklist, hasChecklist: !checklist.isEmpty,
            correctionDraft: MaterialViewer.correctionDraft(stored, names: materialNames),
            mayRecordVisit: try desk.mayRecordVisit(application),
            posted: try PostedMaterialPages.section(req, application: application, cases: cases, items: items, asked: !uploads.isEmpty),
            shared: shared, hasShared: !shared.isEmpty,
            rateHref: application.status == .closed && application.applicantID == req.currentAccount?.id
                ? "/applications/\(id)/rating" : nil,
            progress: try progressView(application, cases: cases, today: req.context.today, calendar: req.context.calendar, req: req),
            ownership: try await OwnerHandoffPages.section(
                req, subjectID: id, ownerID: application.ownerID, ownerName: application.ownerName,
                offerAction: "/applications/\(id)/owner"))
        let response = try await req.view.render("application", context).encodeResponse(for: req)
        if failure != nil { response.status = .unprocessableEntity }
        return response
    }

    package func caseView(
        _ c: ApplicationDTO.CaseDTO, applicationID: UUID, item: ServiceItem?, siblings: [ApplicationDTO.CaseDTO] = [], req: Request
    ) -> CaseView {
        let actor = req.currentActor
        // the tasks this reviewer's department may take
        let reviewerDepartment = actor.flatMap { actor in
            req.allows(.list, .reviewInbox(departmentID: actor.departmentID)) ? actor.departmentID : nil
        }
        var facts: [String] = []
        let r = c.record
        if !r.returnReasons.isEmpty { facts.append(req.t("case.fact.returned", ["list": r.returnReasons.joined(separator: "；")])) }
        if !r.correction.isEmpty { facts.append(req.t("case.fact.correction", ["list": r.correction.joined(separator: "、")])) }
        if !r.owed.isEmpty {
            facts.append(req.t("case.fact.owed", ["list": r.owed.joined(separator: "、"), "date": r.owedDue?.description ?? "—"]))
        }
        if let d = r.decision {
            facts.append(
                req.t(
                    d.approved ? "case.fact.approved" : "case.fact.denied",
                    ["date": d.on.description, "reasons": d.reasons, "basis": d.legalBasis]))
            if !d.trace.isEmpty { facts.append(req.t("case.fact.trace", ["list": d.trace.joined(separator: "；")])) }
        }
        if let f = r.refusal { facts.append(req.t("case.fact.refused", ["reason": f.reason, "basis": f.legalBasis])) }
        if c.record.state == .waiting {
            let waitsFor = siblings.filter { (r.prerequisites ?? []).contains($0.id.uuidString) }.map(\.itemName)
            facts.append(req.t("case.fact.waiting", ["list": waitsFor.joined(separator: "、")]))
        }
        if let stop = r.stop { facts.append(req.t("case.fact.stopped", ["reason": stop.reason, "date": stop.on.description])) }
        if let method = c.deliveryMethod, r.delivery == nil, !r.state.isFinal {
            facts.append(req.t("case.fact.deliveryChosen", ["method": req.t("delivery.\(method)")]))
        }
        if let v = r.delivery {
            facts.append(req.t("case.fact.delivered.\(v.method.rawValue)", ["date": v.on.description, "tracking": v.trackingNumber ?? ""]))
        }
        if case let .pending(due)? = r.verification { facts.append(req.t("case.fact.verifyBy", ["date": due.description])) }
        if let signed = r.commitment {
            facts.append(
                req.t(
                    signed.inPerson ? "case.fact.commitmentAtWindow" : "case.fact.commitmentOnline",
                    ["name": signed.signedBy, "date": signed.signedOn.description, "hash": String(signed.sha256.prefix(16))]))
        }
        let clock = c.usedDays.map { used in
            req.t(
                "case.clock", ["used": String(used), "limit": String(c.limitDays), "left": String(c.leftDays ?? 0), "due": c.dueOn ?? "—"])
                + (c.dueDateOfficial == false ? " " + req.t("case.clockEstimate") : "")
        }
        let tolerable = item?.materials.filter(\.tolerable).map(\.name) ?? []
        var pendingVerification = false
        if case .pending? = r.verification { pendingVerification = true }
        let shown = c.allowedActions.compactMap(CaseActionKind.init(rawValue:)).filter { kind in
            switch kind {
            case .approveInstantly, .suspendForOwed: false
            case .supplyOwed: !r.owed.isEmpty
            case .passVerification, .failVerification: pendingVerification
            case .approveOnCommitment: item?.commitmentAllowed ?? false
            case .acceptTolerantly: !(item?.materials.filter(\.tolerable).isEmpty ?? true)
            default: true
            }
        }
        let actions = shown.map { kind in
            ActionForm(
                action: kind.rawValue, label: req.t("caseAction.\(kind.rawValue)"), version: c.version,
                reason: [.refuse, .decide, .failVerification].contains(kind), legalBasis: [.refuse, .decide].contains(kind),
                materials: [.requestCorrection, .returnForCorrection].contains(kind), owed: kind == .acceptTolerantly,
                owedChoices: tolerable,
                approved: kind == .decide, method: kind == .deliver, procedure: kind == .startProcedure,
                danger: [.refuse, .withdraw, .failVerification].contains(kind), chosen: c.deliveryMethod ?? "window")
        }
        return CaseView(
            applicationID: applicationID.uuidString, id: c.id.uuidString, itemName: c.itemName, department: c.department,
            state: req.t("caseState.\(c.state)"),
            warning: c.warning, warningLabel: c.warning == "none" ? nil : req.t("warning.\(c.warning)"), clock: clock, facts: facts,
            tasks: c.tasks.map { t in
                let mine = reviewerDepartment != nil && t.departmentID == reviewerDepartment && t.status == "open"
                return TaskView(
                    id: t.id.uuidString, name: t.name, department: t.department, status: req.t("taskStatus.\(t.status)"),
                    dueOn: t.dueOn ?? "—", opinion: t.opinion ?? "", version: t.version,
                    canClaim: mine && !t.claimed, canComplete: mine)
            },
            hasTasks: !c.tasks.isEmpty, actions: actions, hasActions: !actions.isEmpty)
    }

    package struct ActForm: Content {
        package var action: String
        package var version: Int?
        package var reason: String?
        package var legalBasis: String?
        package var materials: String?
        package var owed: [String]?
        package var due: String?
        package var approved: String?
        package var method: String?
        package var trackingNumber: String?
        package var procedure: String?
    }

    package func act(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self), let caseID = req.parameters.get("caseID", as: UUID.self) else {
            throw TongbanError.notFound("case")
        }
        let form = try req.content.decode(ActForm.self)
        let lines = form.materials?.split(whereSeparator: \.isNewline).map(String.init)
        let body = CaseActionBody(
            action: form.action, reasons: [.returnForCorrection].contains(CaseActionKind(rawValue: form.action)) ? lines : nil,
            reason: form.reason, legalBasis: form.legalBasis, materials: lines, owed: form.owed, due: form.due,
            approved: form.approved.map { $0 == "true" }, method: form.method, trackingNumber: form.trackingNumber,
            procedure: form.procedure, version: form.version)
        do {
            _ = try await req.actOnCase(caseID, body)
        } catch let error as TongbanError where [.conflict, .unprocessableEntity].contains(error.status) {
            return try await renderDetail(req, refused: error)
        }
        return req.redirect(to: "/applications/\(id)?done=\(form.action)")
    }

    package struct TaskForm: Content { var opinion: String? }

    package func workOnTask(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self), let taskID = req.parameters.get("taskID", as: UUID.self) else {
            throw TongbanError.notFound("task")
        }
        do {
            let verb = try req.parameters.require("verb")
            let body = try req.content.decode(ReviewTaskDesk.TaskBody.self)
            _ = try await ReviewTaskDesk(context: req.context).work(taskID: taskID, verb: verb, body)
        } catch let error as TongbanError where [.conflict, .unprocessableEntity].contains(error.status) {
            return try await renderDetail(req, refused: error)
        }
        return req.redirect(to: "/applications/\(id)")
    }

    // MARK: public status lookup

    package struct StatusContext: Encodable {
        package let page: PageContext
        package let number: String
        package let code: String
        package let result: ApplicationAPI.StatusDTO?
        package let states: [String]
        package let error: String?
    }

    package func status(req: Request) async throws -> View {
        let number = req.query[String.self, at: "number"] ?? ""
        let code = req.query[String.self, at: "code"] ?? ""
        var result: ApplicationAPI.StatusDTO? = nil
        var error: String? = nil
        if !number.isEmpty || !code.isEmpty {
            do {
                result = try await ApplicationDesk(context: req.context).status(number: number, code: code, limits: req.statusLimits)
            } catch let failure as TongbanError {
                error =
                    failure.fields.isEmpty
                    ? req.t(failure.code, failure.arguments) : failure.fields.map { req.fieldMessage($0) }.joined(separator: " ")
            }
        }
        let states =
            result?.cases.map {
                "\($0.item)：\(req.t("caseState.\($0.state)"))\($0.dueOn.map { "（" + req.t("application.dueOn", ["date": $0]) + "）" } ?? "")"
            } ?? []
        return try await req.view.render(
            "status",
            StatusContext(
                page: req.pageContext(title: req.t("status.title")), number: number, code: code,
                result: result, states: states, error: error))
    }
}
