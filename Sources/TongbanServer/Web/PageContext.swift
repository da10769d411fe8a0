import TongbanCore
import Vapor

/// What every page template gets: the language and its message table, the signed-in user, the
/// CSRF token for its forms, and the link to the other language.
struct PageContext: Encodable {
    struct User: Encodable {
        let name: String
        /// System admins and supervisors get the staff directory in the menu.
        let seesStaff: Bool
        let seesCatalog: Bool
        /// Persons and enterprises: their applications. Clerks: the window desk. Reviewers: their tasks.
        let isApplicant: Bool
        let seesDesk: Bool
        let seesInbox: Bool
        /// Data administrators and reviewers: the data-sharing catalog and grants.
        let seesSharing: Bool
        /// Staff of a department (bad ratings to follow up) and supervisors (appeals, escalations).
        let seesFollowUps: Bool
    }

    let title: String
    let lang: String
    let t: [String: String]
    let user: User?
    let csrf: String
    let otherLanguage: String
    let otherLanguageLabel: String
    let path: String
    let notice: String?
    /// Pages that follow something live (a queue ticket) reload themselves without JavaScript.
    var refreshSeconds: Int? = nil
    /// "含演示数据 …": the page's figures count a demo's sample rows (see `DemoNotice`).
    var demoData: String? = nil
}

extension Request {
    func pageContext(title: String, notice: String? = nil) -> PageContext {
        let language = self.language
        let other: Language = language == .zhCN ? .en : .zhCN
        let user = currentAccount.map {
            PageContext.User(name: $0.displayName,
                             seesStaff: (try? $0.actor).map { Policy.decide($0, .list, .accountDirectory).isAllowed } ?? false,
                             seesCatalog: (try? $0.actor).map { $0.has(.catalogAdmin) } ?? false,
                             isApplicant: $0.kind != .staff,
                             seesDesk: (try? $0.actor).map { $0.has(.windowClerk) } ?? false,
                             seesInbox: (try? $0.actor).map { $0.has(.reviewer) } ?? false,
                             seesSharing: (try? $0.actor).map { $0.has(.dataAdmin) || $0.has(.reviewer) } ?? false,
                             seesFollowUps: $0.kind == .staff && ($0.$department.id != nil || $0.roles.contains(.supervisor)))
        }
        return PageContext(title: title, lang: language.htmlTag, t: application.localizer.table(language), user: user,
                           csrf: csrfToken, otherLanguage: other.rawValue, otherLanguageLabel: t("language.\(other.rawValue)"),
                           path: url.path, notice: notice)
    }
}
