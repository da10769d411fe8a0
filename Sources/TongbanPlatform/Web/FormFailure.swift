import TongbanCore
import Vapor

/// A failure shown on the form that caused it: the status, a summary line, one message per field
/// and any headers (Retry-After). Errors that no form field can fix are rethrown to the error
/// middleware.
package struct FormFailure {
    package var status = HTTPResponseStatus.ok
    package var summary: String?
    package var fields: [String: String] = [:]
    package var headers = HTTPHeaders()

    package init(_ error: (any Error)?, _ req: Request) throws {
        let failure: TongbanError
        switch error {
        case nil: return
        case let error as TongbanError: failure = error
        case let error as FieldErrors: failure = .invalid(error)
        case let error?: throw error
        }
        status = failure.status
        summary = req.t(failure.code, failure.arguments)
        headers = failure.headers
        for field in failure.fields where fields[field.field] == nil {
            fields[field.field] = req.fieldMessage(field)
        }
    }

    package func apply(to response: Response) -> Response {
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}

extension Request {
    /// "身份证号码校验位不正确…": the field's label in the message; the raw name when it has none.
    package func fieldMessage(_ error: FieldError) -> String {
        if let own = language == .en ? error.labelEn ?? error.label : error.label { return t(error.key, ["field": own]) }
        let labelKey = "label.\(error.field)"
        let label = t(labelKey)
        return t(error.key, ["field": label == labelKey ? error.field : label])
    }
}
