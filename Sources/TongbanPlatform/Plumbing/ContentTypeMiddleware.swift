import Vapor

/// Requests with a body must say what it is: JSON for the API, a form for pages. Anything else
/// is refused with 415 before a handler tries (and fails less clearly) to decode it. A request
/// with no body at all (retiring an entry) needs no type.
package struct RequireContentType: AsyncMiddleware {
    package let accepted: [HTTPMediaType]

    package init(accepted: [HTTPMediaType]) {
        self.accepted = accepted
    }

    package static let json = RequireContentType(accepted: [.json])
    package static let form = RequireContentType(accepted: [.urlEncodedForm, .formData])

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let bodyless =
            request.headers.first(name: .contentLength) == "0"
            || (request.headers.first(name: .contentLength) == nil && request.headers.first(name: .transferEncoding) == nil
                && request.body.data == nil)
        if [.POST, .PUT, .PATCH].contains(request.method), !bodyless {
            guard let type = request.headers.contentType,
                accepted.contains(where: { $0.type == type.type && $0.subType == type.subType })
            else {
                throw TongbanError(status: .unsupportedMediaType, code: "request.unsupportedMediaType")
            }
        }
        return try await next.respond(to: request)
    }
}

extension HTTPMediaType {
    /// Newline-delimited JSON: one record a line (a data load's batch).
    package static let ndjson = HTTPMediaType(type: "application", subType: "x-ndjson")
}
