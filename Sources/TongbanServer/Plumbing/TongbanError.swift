import TongbanCore
import Vapor

/// An error the user can act on: an HTTP status, a message key of the localisation tables, the
/// values the message mentions, and optional per-field details.
struct TongbanError: Error, Sendable {
    let status: HTTPResponseStatus
    let code: String
    var arguments: [String: String] = [:]
    var fields: [FieldError] = []
    var headers: HTTPHeaders = [:]

    static func notFound(_ what: String) -> TongbanError {
        TongbanError(status: .notFound, code: "notFound", arguments: ["what": what])
    }

    static func conflict(_ code: String, _ arguments: [String: String] = [:]) -> TongbanError {
        TongbanError(status: .conflict, code: code, arguments: arguments)
    }

    static func invalid(_ errors: FieldErrors) -> TongbanError {
        TongbanError(status: .unprocessableEntity, code: "validation.failed", fields: errors.errors)
    }

    static func invalid(field: String, _ key: String) -> TongbanError {
        TongbanError(status: .unprocessableEntity, code: "validation.failed", fields: [FieldError(field: field, key: key)])
    }

    static func denied(_ reason: DenyReason) -> TongbanError {
        TongbanError(status: reason == .loginRequired ? .unauthorized : .forbidden, code: reason.rawValue)
    }
}

extension Request {
    /// Whether the policy lets the signed-in account do it (for what a page offers).
    func allows(_ action: Action, _ resource: Resource) -> Bool {
        Policy.decide(currentActor, action, resource).isAllowed
    }

    /// The signed-in account's own records (a person or an enterprise, never staff).
    var ownRecords: Resource? { currentAccount?.id.map { .holderRecords(holderID: $0) } }

    /// Asks the one policy and throws its refusal.
    func authorize(_ action: Action, _ resource: Resource) throws {
        try UseCaseContext.authorize(currentActor, action, resource)
    }
}
