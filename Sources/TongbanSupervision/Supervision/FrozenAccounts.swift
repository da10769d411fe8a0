import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 冒名注册 on the supervisors' list: accounts frozen because the real holder of the identity
/// number they registered proved it theirs. A supervisor sees those of their region (the
/// number's registration region), newest first, with what each account had made, to review.
package struct FrozenAccountList {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package struct Entry: Content, Equatable {
        package let accountID: UUID
        package let frozenAt: Date
        /// The name the registrant typed (not the holder's).
        package let registeredName: String
        /// The identity number it registered, masked.
        package let identityNumber: String?
        package let regionCode: String?
        /// The holder's account, made when the number was taken back.
        package let holderAccountID: UUID?
        /// What it had made: drafts and submitted applications.
        package let applications: Int
    }

    /// The newest 200 the acting supervisor may see.
    package func list() async throws -> [Entry] {
        let actor = try context.requireAccount().actor
        try context.authorize(.supervise, .figures(regionCode: actor.regionCode ?? (try RegionCode("100000")), departmentID: nil))
        let frozen = try await Account.query(on: context.db).filter(\.$status == .frozen).sort(\.$frozenAt, .descending).limit(1_000).all()
        let visible = frozen.filter { account in
            guard let region = account.regionCode.flatMap({ try? RegionCode($0) }) else { return actor.regionCode == nil }
            return context.allows(.supervise, .figures(regionCode: region, departmentID: nil))
        }.prefix(200)
        let ids = visible.compactMap(\.id)
        var made: [UUID: Int] = [:]
        for application in try await ApplicationRecord.query(on: context.db).filter(\.$applicantID ~~ ids).all() {
            made[application.applicantID, default: 0] += 1
        }
        return try visible.map { account in
            let id = try account.requireID()
            return Entry(
                accountID: id, frozenAt: account.frozenAt ?? account.updatedAt ?? context.now, registeredName: account.displayName,
                identityNumber: account.identityNumber(context.keys).map(
                    Masking.identityNumber),
                regionCode: account.regionCode, holderAccountID: account.frozenBy, applications: made[id] ?? 0)
        }
    }
}

/// `/supervision/frozen-accounts` and `/api/v1/supervision/frozen-accounts`: adapters over
/// `FrozenAccountList`.
package struct FrozenAccountPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("supervision", "frozen-accounts", use: page)
    }

    package func registerAPI(_ api: any RoutesBuilder) {
        api.get("supervision", "frozen-accounts") { req async throws -> [FrozenAccountList.Entry] in
            try await FrozenAccountList(context: req.context).list()
        }
    }

    struct Row: Encodable {
        let title: String
        let meta: String
    }

    struct PageData: Encodable {
        let page: PageContext
        let rows: [Row]
    }

    package func page(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        let entries = try await FrozenAccountList(context: req.context).list()
        let rows = entries.map { entry in
            Row(
                title: "\(entry.registeredName)（\(entry.identityNumber ?? "—")）",
                meta: req.t(
                    "frozen.meta",
                    [
                        "at": CalendarDate.beijingTime(entry.frozenAt), "applications": String(entry.applications),
                        "region": entry.regionCode ?? "—",
                    ]))
        }
        return try await req.view.render("frozen-accounts", PageData(page: req.pageContext(title: req.t("frozen.title")), rows: rows))
            .encodeResponse(for: req)
    }
}
