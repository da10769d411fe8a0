import Vapor

/// Sends the request's id back as `X-Request-Id` (the logs carry it as `request-id`). A caller
/// that sent a sane id of its own keeps it, so a request can be traced across systems.
struct RequestIDMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let incoming = request.headers.first(name: "X-Request-Id"), Self.isAcceptable(incoming) {
            request.logger[metadataKey: "request-id"] = .string(incoming)
            request.storage[IncomingIDKey.self] = incoming
        }
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Request-Id", value: request.requestID)
        return response
    }

    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { $0 > 32 && $0 < 127 }
    }

    struct IncomingIDKey: StorageKey { typealias Value = String }
}

extension Request {
    /// This request's id: the caller's if they sent a sane one, else Vapor's.
    var requestID: String { storage[RequestIDMiddleware.IncomingIDKey.self] ?? id }
}

/// Headers every response carries: no inline script, no framing, no MIME sniffing, no referrer
/// leaking across sites.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.policy)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()")
        return response
    }
}

extension Request {
    /// Behind a TLS-terminating proxy the scheme arrives as `X-Forwarded-Proto`; cookies are
    /// then marked Secure.
    var isHTTPS: Bool {
        url.scheme == "https" || headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https"
    }
}
