import Vapor

/// Requests with a body must say what it is: JSON for the API, a form for pages. Anything else
/// is refused with 415 before a handler tries (and fails less clearly) to decode it.
struct RequireContentType: AsyncMiddleware {
    let accepted: [HTTPMediaType]

    static let json = RequireContentType(accepted: [.json])
    static let form = RequireContentType(accepted: [.urlEncodedForm, .formData])

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if [.POST, .PUT, .PATCH].contains(request.method) {
            guard let type = request.headers.contentType,
                  accepted.contains(where: { $0.type == type.type && $0.subType == type.subType }) else {
                throw TongbanError(status: .unsupportedMediaType, code: "request.unsupportedMediaType")
            }
        }
        return try await next.respond(to: request)
    }
}
