import TongbanCore
import Vapor

/// An error the user can act on: an HTTP status, a message key of the localisation tables, the
/// values the message mentions, and optional per-field details.
package struct TongbanError: Error, Sendable {
    package let status: HTTPResponseStatus
    package let code: String
    package var arguments: [String: String] = [:]
    package var fields: [FieldError] = []
    package var headers: HTTPHeaders = [:]

    package init(
        status: HTTPResponseStatus, code: String, arguments: [String: String] = [:], fields: [FieldError] = [], headers: HTTPHeaders = [:]
    ) {
        self.status = status
        self.code = code
        self.arguments = arguments
        self.fields = fields
        self.headers = headers
    }

    package static func notFound(_ what: String) -> TongbanError {
        TongbanError(status: .notFound, code: "notFound", arguments: ["what": what])
    }

    package static func conflict(_ code: String, _ arguments: [String: String] = [:]) -> TongbanError {
        TongbanError(status: .conflict, code: code, arguments: arguments)
    }

    package static func invalid(_ errors: FieldErrors) -> TongbanError {
        TongbanError(status: .unprocessableEntity, code: "validation.failed", fields: errors.errors)
    }

    package static func invalid(field: String, _ key: String) -> TongbanError {
        TongbanError(status: .unprocessableEntity, code: "validation.failed", fields: [FieldError(field: field, key: key)])
    }

    package static func denied(_ reason: DenyReason) -> TongbanError {
        TongbanError(status: reason == .loginRequired ? .unauthorized : .forbidden, code: reason.rawValue)
    }
}

extension Request {
    /// Whether the policy lets the signed-in account do it (for what a page offers).
    package func allows(_ action: Action, _ resource: Resource) -> Bool {
        Policy.decide(currentActor, action, resource).isAllowed
    }

    /// The signed-in account's own records (a person or an enterprise, never staff).
    package var ownRecords: Resource? { currentAccount?.id.map { .holderRecords(holderID: $0) } }

    /// Asks the one policy and throws its refusal.
    package func authorize(_ action: Action, _ resource: Resource) throws {
        try UseCaseContext.authorize(currentActor, action, resource)
    }
}
