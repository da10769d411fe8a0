import Fluent
import Vapor

/// The public pages that are not about one feature: home and the language switch.
package struct SitePages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get(use: home)
        routes.get("lang", ":code", use: switchLanguage)
    }

    package struct HomeContext: Encodable {
        package let page: PageContext
        package let stats: String
    }

    package func home(req: Request) async throws -> View {
        let stats = req.t(
            "home.stats",
            [
                "regions": String(try await Region.query(on: req.db).count()),
                "departments": String(try await Department.query(on: req.db).count()),
            ])
        let context = HomeContext(page: req.pageContext(title: req.t("home.title")), stats: stats)
        return try await req.view.render("home", context)
    }

    /// Remembers the choice in a cookie and goes back to a local page only.
    package func switchLanguage(req: Request) throws -> Response {
        guard let language = req.parameters.get("code").flatMap(Language.init(tag:)) else { throw TongbanError.notFound("language") }
        let response = req.redirect(to: LocalRedirect.path(req.query[String.self, at: "back"]) ?? "/")
        response.cookies["lang"] = HTTPCookies.Value(
            string: language.rawValue, maxAge: 365 * 24 * 3600, path: "/", isHTTPOnly: true, sameSite: .lax)
        return response
    }
}
