import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 数据使用记录: a person's or an enterprise's own page listing, side by side, the consents they
/// gave and every read of their data by a department — who, when, which fields, for what, on
/// what basis — as Estonia's data tracker shows its citizens.
package struct DataAccessPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("account", "data", use: page)
        routes.post("account", "data", "consents", ":id", "withdraw", use: withdraw)
    }

    package func withdraw(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/account/data") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("consent") }
        do {
            try await DataAccessDesk(context: req.context).withdraw(id)
        } catch let error as TongbanError where error.status == .conflict {
            return req.redirect(to: "/account/data#consents")
        }
        return req.redirect(to: "/account/data?done=withdrawn#consents")
    }

    package struct ConsentLine: Encodable {
        package let given: String
        package let material: String
        package let source: String
        package let department: String
        package let purpose: String
        package let until: String
        package let active: Bool
        package let applicationHref: String
        package let withdrawHref: String
    }

    package struct ReadLine: Encodable {
        package let at: String
        package let reader: String
        package let source: String
        package let fields: String
        package let purpose: String
        package let basis: String
        /// "审计日志第 12 条", with the page of its inclusion proof; nil for a read not yet placed.
        package let logPlace: String?
        package let proofHref: String?
    }

    package struct Context: Encodable {
        package let page: PageContext
        package let consents: [ConsentLine]
        package let hasConsents: Bool
        package let reads: [ReadLine]
        package let hasReads: Bool
    }

    /// A consent the holder gave, a licence the holder showed, or a department's sharing grant.
    static func basisKey(_ basis: String) -> String {
        if basis.hasPrefix("consent:") { return "access.basisConsent" }
        return basis == "presented" ? "access.basisPresented" : "access.basisGrant"
    }

    package func page(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/account/data") }
        let access = try await DataAccessDesk(context: req.context).access()
        let now = req.now
        let english = req.language == .en
        let types = req.application.licenseTypes.values
        let consents = access.consents.map { c in
            ConsentLine(
                given: CalendarDate.beijingTime(c.givenAt), material: c.material, source: "\(c.sourceName) \(c.source)",
                department: c.department, purpose: c.purpose, until: CalendarDate(c.expiresAt).description, active: c.expiresAt > now,
                applicationHref: "/applications/\(c.applicationID)", withdrawHref: "/account/data/consents/\(c.id)/withdraw")
        }
        let reads = access.reads.map { r in
            // the licence type's own labels for the fields read, where the source is a licence
            let type = types.first { $0.name == r.sourceName }
            let resource = r.source.hasPrefix("data:") ? req.application.dataResources[String(r.source.dropFirst(5))] : nil
            let labels = r.fields.map { key in
                type?.fields.first { $0.key == key }.map { english ? $0.labelEn : $0.label }
                    ?? resource?.field(key).map { english ? $0.labelEn : $0.label } ?? key
            }
            return ReadLine(
                at: CalendarDate.beijingTime(r.at), reader: r.reader, source: r.sourceName, fields: labels.joined(separator: "、"),
                purpose: r.purpose, basis: req.t(Self.basisKey(r.basis)),
                logPlace: r.logSequence.map { req.t("audit.place", ["sequence": String($0)]) },
                proofHref: r.logSequence == nil ? nil : r.auditEntry.map { "/audit/entries/\($0)/proof" })
        }
        return try await req.view.render(
            "data-access",
            Context(
                page: req.pageContext(title: req.t("access.title")), consents: consents,
                hasConsents: !consents.isEmpty, reads: reads, hasReads: !reads.isEmpty)
        )
        .encodeResponse(for: req)
    }
}
