import Crypto
import Vapor

/// CSRF protection for every form: a random token in an HttpOnly, SameSite=Strict cookie that
/// each form repeats in a hidden `_csrf` field (double submit). A cross-site page can neither
/// read the cookie nor make the browser send it, so it cannot forge the pair.
package struct CSRFMiddleware: AsyncMiddleware {
    package init() {}

    package static let cookieName = "tb_csrf"
    /// Where a route keeps the size its form's body may have (`RoutesBuilder.form`).
    package static let bodyLimitKey: AnySendableHashable = "tongban.formBodyLimit"
    package static let fieldName = "_csrf"

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let existing = request.cookies[Self.cookieName].map(\.string).flatMap { $0.count == 43 ? $0 : nil }
        if request.method != .GET, request.method != .HEAD {
            // A body larger than one network read is still streaming when middleware runs;
            // collect it (within the route limit) so the token field can be read.
            if request.body.data == nil {
                // the route's own limit where it takes files (`form(…, max:)`), else the default
                let limit = request.route?.userInfo[Self.bodyLimitKey] as? Int ?? request.application.routes.defaultMaxBodySize.value
                _ = try await request.body.collect(max: limit).get()
            }
            let sent = try? request.content.get(String.self, at: Self.fieldName)
            guard let existing, let sent, Self.constantTimeEqual(existing, sent) else {
                throw TongbanError(status: .forbidden, code: "csrf.invalid")
            }
        }
        let token = existing ?? SecretToken.make()
        request.storage[TokenKey.self] = token
        let response = try await next.respond(to: request)
        if existing == nil {
            response.cookies[Self.cookieName] = HTTPCookies.Value(
                string: token, path: "/", isSecure: request.isHTTPS, isHTTPOnly: true, sameSite: .strict)
        }
        return response
    }

    package static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    package struct TokenKey: StorageKey { package typealias Value = String }
}

extension Request {
    package var csrfToken: String { storage[CSRFMiddleware.TokenKey.self] ?? "" }
}

extension RoutesBuilder {
    /// A form route whose body (files included) may be up to `max`: collected up to that size by
    /// the route, and by the CSRF check that reads the form's token before it.
    @discardableResult
    package func form(
        _ method: HTTPMethod, _ path: PathComponent..., max: ByteCount,
        use closure: @Sendable @escaping (Request) async throws -> some AsyncResponseEncodable
    ) -> Route {
        let route = on(method, path, body: .collect(maxSize: max), use: closure)
        route.userInfo[CSRFMiddleware.bodyLimitKey] = max.value
        return route
    }
}
