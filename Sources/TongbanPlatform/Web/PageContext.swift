import TongbanCore
import Vapor

/// What every page template gets: the language and its message table, the signed-in user, the
/// CSRF token for its forms, and the link to the other language.
package struct PageContext: Encodable {
    package struct User: Encodable {
        package let name: String
        /// System admins and supervisors get the staff directory in the menu.
        package let seesStaff: Bool
        package let seesCatalog: Bool
        /// Persons and enterprises: their applications. Clerks: the window desk. Reviewers: their tasks.
        package let isApplicant: Bool
        package let seesDesk: Bool
        package let seesInbox: Bool
        /// Reviewers of a department: the bundles it leads (牵头部门).
        package let seesLeadDesk: Bool
        /// Data administrators and reviewers: the data-sharing catalog and grants.
        package let seesSharing: Bool
        /// Data administrators: their department's webhooks.
        package let seesWebhooks: Bool
        /// Unread messages in the inbox (站内消息), shown beside its link.
        package let unread: Int
        /// Staff of a department (bad ratings to follow up) and supervisors (appeals, escalations).
        package let seesFollowUps: Bool
        /// Reviewers and clerks of a department (approvals handed to it to sign for) and supervisors.
        package let seesHandoffs: Bool
        /// The person acting for the signed-in enterprise (经办人), named on every page.
        package let actingBy: String?
    }

    package let title: String
    package let lang: String
    package let t: [String: String]
    package let user: User?
    package let csrf: String
    package let otherLanguage: String
    package let otherLanguageLabel: String
    package let path: String
    package let notice: String?
    /// Pages that follow something live (a queue ticket) reload themselves without JavaScript.
    package var refreshSeconds: Int? = nil
    /// "含演示数据 …": the page's figures count a demo's sample rows (see `DemoNotice`).
    package var demoData: String? = nil
}

extension Request {
    package func pageContext(title: String, notice: String? = nil) -> PageContext {
        let language = self.language
        let other: Language = language == .zhCN ? .en : .zhCN
        // the menu offers what the policy allows, nothing it would refuse
        let user = currentAccount.map { account in
            let actor = currentActor
            func may(_ action: Action, _ resource: (Actor, RegionCode) -> Resource) -> Bool {
                guard let actor, let region = actor.regionCode else { return false }
                return Policy.decide(actor, action, resource(actor, region)).isAllowed
            }
            return PageContext.User(
                name: account.displayName,
                seesStaff: actor.map { Policy.decide($0, .list, .accountDirectory).isAllowed } ?? false,
                seesCatalog: may(.edit) { _, region in .catalogEntry(regionCode: region) },
                isApplicant: actor.map { Policy.decide($0, .view, .holderRecords(holderID: $0.accountID)).isAllowed } ?? false,
                seesDesk: may(.handle) { _, region in .windowDesk(regionCode: region) },
                seesInbox: actor.map { Policy.decide($0, .list, .reviewInbox(departmentID: $0.departmentID)).isAllowed } ?? false,
                seesLeadDesk: actor.map { Policy.decide($0, .list, .leadDesk(departmentID: $0.departmentID)).isAllowed } ?? false,
                seesSharing: actor.map { Policy.decide($0, .view, .dataSharing(departmentID: $0.departmentID)).isAllowed } ?? false,
                seesWebhooks: actor.map { Policy.decide($0, .list, .webhooks(departmentID: $0.departmentID)).isAllowed } ?? false,
                unread: unreadMessages ?? 0,
                seesFollowUps: may(.handle) { actor, region in .followUp(regionCode: region, departmentID: actor.departmentID) }
                    || may(.supervise) { _, region in .followUp(regionCode: region, departmentID: nil) },
                seesHandoffs: may(.list) { actor, region in .handoff(regionCode: region, departmentID: actor.departmentID) },
                actingBy: currentAgency?.person.displayName)
        }
        return PageContext(
            title: title, lang: language.htmlTag, t: application.localizer.table(language), user: user,
            csrf: csrfToken, otherLanguage: other.rawValue, otherLanguageLabel: t("language.\(other.rawValue)"),
            path: url.path, notice: notice)
    }
}
