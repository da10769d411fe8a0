import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 审管衔接 as API (`/api/v1/handoffs`, `/api/v1/handoffs/{id}/sign`) and as the page `/handoffs`:
/// adapters over `HandoffDesk`.
package struct HandoffPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("handoffs", use: page)
        routes.post("handoffs", ":id", "sign", use: signOnPage)
    }

    package func registerAPI(_ api: any RoutesBuilder) {
        api.get("handoffs", use: list)
        api.post("handoffs", ":id", "sign", use: sign)
    }

    package struct HandoffDTO: Content {
        package let id: UUID
        package let application: String
        package let item: String
        package let itemName: String
        package let decidedBy: String
        package let department: String
        package let handedOverOn: String
        package let yellowOn: String
        package let redOn: String
        /// waiting, yellow, red or signed.
        package let light: String
        package let escalated: Bool
        package let signedAt: Date?
        package let signedBy: String?

        init(_ h: SupervisionHandoff) throws {
            id = try h.requireID()
            application = h.applicationNumber
            item = h.itemCode
            itemName = h.itemName
            decidedBy = h.decidingDepartmentName
            department = h.supervisingDepartmentName
            handedOverOn = h.handedOverOn
            yellowOn = h.yellowOn
            redOn = h.redOn
            light = h.light
            escalated = h.escalated
            signedAt = h.signedAt
            signedBy = h.signedByName
        }
    }

    private struct Asked: Decodable {
        let state: String?
    }

    private func filter(_ req: Request) throws -> HandoffDesk.Filter {
        let raw = (try? req.query.decode(Asked.self))?.state ?? ""
        if raw.isEmpty { return .unsigned }
        guard let filter = HandoffDesk.Filter(rawValue: raw) else { throw TongbanError.invalid(field: "state", "handoff.unknownState") }
        return filter
    }

    func list(req: Request) async throws -> [HandoffDTO] {
        try await HandoffDesk(context: req.context).list(try filter(req)).map(HandoffDTO.init)
    }

    func sign(req: Request) async throws -> HandoffDTO {
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("handoff") }
        return try HandoffDTO(try await HandoffDesk(context: req.context).sign(id))
    }

    struct Line: Encodable {
        let id: String
        let title: String
        let meta: String
        let light: String
        let lightLabel: String
        let escalated: Bool
        let canSign: Bool
        let signed: String?
    }

    struct Context: Encodable {
        let page: PageContext
        let unsigned: [Line]
        let signed: [Line]
        let hasUnsigned: Bool
        let hasSigned: Bool
        let justSigned: Bool
    }

    func page(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/handoffs") }
        let desk = HandoffDesk(context: req.context)
        let unsigned = try await desk.list(.unsigned)
        let signed = try await desk.list(.signed, limit: 50)
        func line(_ h: SupervisionHandoff) -> Line {
            let resource = try? h.resource
            return Line(
                id: h.id!.uuidString, title: "\(h.itemName) · \(h.applicationNumber)",
                meta: req.t(
                    h.signedAt == nil ? "handoffs.meta" : "handoffs.metaSigned",
                    [
                        "decidedBy": h.decidingDepartmentName, "department": h.supervisingDepartmentName, "on": h.handedOverOn,
                        "red": h.redOn,
                    ]),
                light: h.light, lightLabel: req.t("handoffs.light.\(h.light)"), escalated: h.escalated,
                canSign: h.signedAt == nil && resource.map { req.allows(.handle, $0) } == true,
                signed: h.signedAt.map { req.t("handoffs.signedBy", ["by": h.signedByName ?? "-", "at": LocalTime($0).wallClockText]) })
        }
        let context = Context(
            page: req.pageContext(title: req.t("handoffs.title")), unsigned: unsigned.map(line), signed: signed.map(line),
            hasUnsigned: !unsigned.isEmpty, hasSigned: !signed.isEmpty, justSigned: req.query[String.self, at: "signed"] != nil)
        return try await req.view.render("handoffs", context).encodeResponse(for: req)
    }

    func signOnPage(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/handoffs") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("handoff") }
        _ = try await HandoffDesk(context: req.context).sign(id)
        return req.redirect(to: "/handoffs?signed=1")
    }
}
