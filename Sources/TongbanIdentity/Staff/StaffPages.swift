import Fluent
import TongbanCore
import TongbanPlatform
import Vapor

/// 工作人员管理: the staff directory of a region, and the form with which its system admin adds
/// staff. Supervisors see the directory; nobody else does.
package struct StaffPages {

    package init() {}
    package func register(_ routes: any RoutesBuilder) {
        routes.get("admin", "staff", use: page)
        routes.post("admin", "staff", use: create)
    }

    package struct Row: Encodable {
        package let name: String
        package let username: String
        package let department: String
        package let roles: [String]
        package let active: Bool
    }

    package struct Option: Encodable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package struct Context: Encodable {
        package let page: PageContext
        package let rows: [Row]
        package let canCreate: Bool
        package let departments: [Option]
        package let roles: [Option]
        package let values: [String: String]
        package let errors: [String: String]
        package let summary: String?
    }

    package struct Form: Content {
        package var username: String?
        package var displayName: String?
        package var departmentID: String?
        package var roles: [String]?
        package var password: String?
    }

    package static let notices = ["created": "notice.staffCreated"]

    package func page(req: Request) async throws -> Response {
        try await render(req, form: nil, failure: nil)
    }

    package func create(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let desk = req.accountDesk
        try desk.authorizeStaffCreation()
        let form = try req.content.decode(Form.self)
        do {
            let input = StaffCreation(
                username: form.username, displayName: form.displayName,
                departmentID: form.departmentID.flatMap(UUID.init(uuidString:)), roles: form.roles ?? [],
                password: form.password)
            _ = try await desk.createStaff(input)
            return req.redirect(to: "/admin/staff?done=created")
        } catch let error as TongbanError where error.status == .forbidden || error.status == .unauthorized {
            throw error
        } catch {
            return try await render(req, form: form, failure: error)
        }
    }

    private func render(_ req: Request, form: Form?, failure: (any Error)?) async throws -> Response {
        guard let account = req.currentAccount else { return req.redirect(to: "/login") }
        try req.authorize(.list, .accountDirectory)
        let actor = try account.actor
        let shown = try FormFailure(failure, req)
        let prefix = (actor.regionCode?.significantPrefix ?? "-") + "%"

        let departments = try await Department.query(on: req.db).filter(\.$regionCode, .custom("LIKE"), prefix).sort(\.$name).all()
        let names = Dictionary(uniqueKeysWithValues: departments.compactMap { department in department.id.map { ($0, department.name) } })
        let staff = try await Account.query(on: req.db).filter(\.$kind == .staff).filter(\.$regionCode, .custom("LIKE"), prefix)
            .sort(\.$displayName).limit(500).all()
        let rows = staff.map { member in
            Row(
                name: member.displayName, username: String(member.loginKey.dropFirst("staff:".count)),
                department: member.$department.id.flatMap { names[$0] } ?? "—",
                roles: member.roles.map { req.t("role.\($0.rawValue)") }, active: member.status == .active)
        }
        let chosenRoles = Set(form?.roles ?? [])
        let context = Context(
            page: req.pageContext(
                title: req.t("staff.title"), notice: req.query[String.self, at: "done"].flatMap { Self.notices[$0] }.map { req.t($0) }),
            rows: rows,
            canCreate: Policy.decide(actor, .create, .account(id: UUID(), kind: .staff, regionCode: actor.regionCode)).isAllowed,
            departments: departments.compactMap { department in
                department.id.map { Option(value: $0.uuidString, label: department.name, selected: $0.uuidString == form?.departmentID) }
            },
            roles: Role.allCases.map {
                Option(value: $0.rawValue, label: req.t("role.\($0.rawValue)"), selected: chosenRoles.contains($0.rawValue))
            },
            values: ["username": form?.username ?? "", "displayName": form?.displayName ?? ""],
            errors: shown.fields, summary: shown.summary)
        return shown.apply(to: try await req.view.render("admin-staff", context).encodeResponse(status: shown.status, for: req))
    }
}
