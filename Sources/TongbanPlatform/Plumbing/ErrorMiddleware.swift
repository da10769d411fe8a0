import Leaf
import TongbanCore
import Vapor

/// The one place errors become responses: the JSON error shape under `/api`, an HTML page
/// elsewhere. 5xx are logged as critical; they are bugs, never a way to report bad input.
package struct TongbanErrorMiddleware: Middleware {

    package init() {}
    package struct Body: Content {
        package struct Detail: Content {
            package let field: String
            package let code: String
            package let message: String
        }
        package struct Inner: Content {
            package let code: String
            package let message: String
            package let details: [Detail]?
        }
        package let error: Inner
    }

    /// Future-based: the success path, taken by nearly every request, costs no task hop.
    package func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            let failure = describe(error, for: request)
            if failure.status.code >= 500 {
                request.logger.critical("\(String(reflecting: error))")
            } else {
                request.logger.info("\(request.method) \(request.url.path) \(failure.status.code) \(failure.code)")
            }
            let rendered: EventLoopFuture<Response> =
                request.wantsJSONErrors
                ? request.eventLoop.makeSucceededFuture(jsonResponse(failure, request))
                : request.eventLoop.makeFutureWithTask { await htmlResponse(failure, request) }
            return rendered.map { response in
                for (name, value) in failure.headers { response.headers.replaceOrAdd(name: name, value: value) }
                return response
            }
        }
    }

    private func describe(_ error: any Error, for request: Request) -> TongbanError {
        switch error {
        case let error as TongbanError:
            return error
        case let error as FieldErrors:
            return .invalid(error)
        case let reason as DenyReason:
            return .denied(reason)
        case let error as DecodingError:
            return decoding(error)
        case is RouteNotFound:
            let allowed = request.application.routes.methods(matching: request.url.path)
            guard !allowed.isEmpty else { return .notFound(request.url.path) }
            return TongbanError(
                status: .methodNotAllowed, code: "http.405",
                headers: ["Allow": allowed.sorted().joined(separator: ", ")])
        case let abort as any AbortError:
            switch abort.status {
            case .unsupportedMediaType: return TongbanError(status: .unsupportedMediaType, code: "request.unsupportedMediaType")
            case .payloadTooLarge: return TongbanError(status: .payloadTooLarge, code: "request.tooLarge")
            case .notFound: return .notFound(request.url.path)
            case .badRequest where abort.reason.contains("JSON") || abort.reason.contains("decode"):
                return TongbanError(status: .badRequest, code: "request.malformed")
            default:
                var failure = TongbanError(
                    status: abort.status, code: abort.status.code >= 500 ? "server.error" : "http.\(abort.status.code)")
                failure.headers = abort.headers
                return failure
            }
        default:
            return TongbanError(status: .internalServerError, code: "server.error")
        }
    }

    private func decoding(_ error: DecodingError) -> TongbanError {
        let problem = DecodingProblem(error)
        guard !problem.field.isEmpty else { return TongbanError(status: .badRequest, code: "request.malformed") }
        return .invalid(field: problem.field, problem.key)
    }

    private func details(_ failure: TongbanError, _ request: Request) -> [Body.Detail] {
        failure.fields.map { Body.Detail(field: $0.field, code: $0.key, message: request.fieldMessage($0)) }
    }

    private func jsonResponse(_ failure: TongbanError, _ request: Request) -> Response {
        let fieldDetails = details(failure, request)
        let body = Body(
            error: .init(
                code: failure.code, message: request.t(failure.code, failure.arguments),
                details: fieldDetails.isEmpty ? nil : fieldDetails))
        let response = Response(status: failure.status)
        try? response.content.encode(body, as: .json)
        response.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        return response
    }

    private func htmlResponse(_ failure: TongbanError, _ request: Request) async -> Response {
        struct ErrorPage: Encodable {
            let page: PageContext
            let status: UInt
            let message: String
            let details: [Body.Detail]
        }
        let context = ErrorPage(
            page: request.pageContext(title: request.t("error.title")), status: failure.status.code,
            message: request.t(failure.code, failure.arguments), details: details(failure, request))
        do {
            let view = try await request.view.render("error", context)
            return try await view.encodeResponse(status: failure.status, for: request)
        } catch {
            request.logger.critical("error page failed to render: \(error)")
            return jsonResponse(failure, request)
        }
    }
}

extension Request {
    /// API clients get JSON errors; browsers get a page.
    package var wantsJSONErrors: Bool {
        url.path.hasPrefix("/api/") || url.path == "/openapi.json"
    }
}

extension Routes {
    /// The methods registered for a concrete path, to answer 405 with `Allow` instead of 404.
    package func methods(matching path: String) -> Set<String> {
        let parts = path.split(separator: "/").map(String.init)
        return Set(all.filter { Self.matches($0.path, parts) }.map(\.method.rawValue))
    }

    package static func matches(_ pattern: [PathComponent], _ parts: [String]) -> Bool {
        for (index, component) in pattern.enumerated() {
            switch component {
            case .catchall: return parts.count > index
            case .anything, .parameter: if index >= parts.count { return false }
            case let .constant(value): if index >= parts.count || parts[index] != value { return false }
            }
        }
        return pattern.count == parts.count
    }
}
