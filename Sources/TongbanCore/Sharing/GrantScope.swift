import Foundation

/// 共享授权: what a department was allowed to read from a resource, for what, until when — and
/// the check every read passes through. Pure: the server supplies the grant and the request.
public struct GrantScope: Sendable, Equatable {
    public var resource: String
    public var fields: Set<String>
    public var purpose: String
    /// The last day the grant may be used.
    public var lastDay: CalendarDate
    public var active: Bool

    public init(resource: String, fields: Set<String>, purpose: String, lastDay: CalendarDate, active: Bool) {
        self.resource = resource
        self.fields = fields
        self.purpose = purpose
        self.lastDay = lastDay
        self.active = active
    }

    /// Why a read is refused; the raw value is the message key.
    public enum Refusal: String, Error, Sendable, Equatable {
        case notGranted = "sharing.notGranted"
        case expired = "sharing.grantExpired"
        case otherResource = "sharing.otherResource"
        case fieldsOutside = "sharing.fieldsOutside"
        case otherPurpose = "sharing.otherPurpose"
    }

    /// Allows reading `fields` of `resource` for `purpose` on `today`, or names why not.
    /// Purposes compare without surrounding spaces; the grant's purpose is what was approved.
    public func check(resource asked: String, fields wanted: [String], purpose: String, today: CalendarDate) -> Result<Void, Refusal> {
        guard active else { return .failure(.notGranted) }
        guard asked == resource else { return .failure(.otherResource) }
        guard today <= lastDay else { return .failure(.expired) }
        guard Set(wanted).isSubset(of: fields) else { return .failure(.fieldsOutside) }
        guard purpose.trimmingCharacters(in: .whitespacesAndNewlines) == self.purpose.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return .failure(.otherPurpose)
        }
        return .success(())
    }

    /// Whether a department may even ask for `resource`, and which of the asked fields are not
    /// the resource's; checked when a grant is requested.
    public static func requestProblems(_ resource: DataResource, fields: [String]) -> FieldErrors {
        var problems = FieldErrors()
        if resource.sharing == .notShared { problems.add("resource", "sharing.notShared") }
        if fields.isEmpty { problems.add("fields", "field.required") }
        for key in fields where resource.field(key) == nil {
            problems.add(FieldError(field: "fields", key: "sharing.unknownField", label: key, labelEn: key))
        }
        return problems
    }
}
