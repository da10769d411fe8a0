import Foundation

/// A problem with one input field: which field, and the message key that explains it.
/// Messages live in the server's localisation tables; the core only names them.
public struct FieldError: Error, Sendable, Equatable {
    public let field: String
    public let key: String
    /// The field's name as the user saw it, when it is not one of the platform's own labels (the
    /// fields of an item's form, its materials), in Chinese and in English.
    public var label: String?
    public var labelEn: String?

    public init(field: String, key: String, label: String? = nil, labelEn: String? = nil) {
        self.field = field
        self.key = key
        self.label = label
        self.labelEn = labelEn
    }
}

/// Collects field problems so that a form reports all of them at once.
public struct FieldErrors: Error, Sendable, Equatable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public var isEmpty: Bool { errors.isEmpty }

    public mutating func add(_ field: String, _ key: String) {
        errors.append(FieldError(field: field, key: key))
    }

    public mutating func add(_ error: FieldError) {
        errors.append(error)
    }

    /// Gives the problems recorded under `field` the user's own name for it.
    public mutating func label(_ field: String, _ label: String, _ labelEn: String) {
        for i in errors.indices where errors[i].field == field {
            errors[i].label = label
            errors[i].labelEn = labelEn
        }
    }

    /// Runs a parse and records its problem, if any, under `field`.
    public mutating func check<T, E: Error & RawRepresentable>(_ field: String, _ parse: () throws(E) -> T) -> T?
    where E.RawValue == String {
        do { return try parse() } catch {
            add(field, error.rawValue)
            return nil
        }
    }

    /// Requires a non-empty value of at most `maxLength` characters.
    public mutating func text(_ field: String, _ value: String?, maxLength: Int, required: Bool = true) -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            if required { add(field, "field.required") }
            return nil
        }
        if trimmed.count > maxLength {
            add(field, "field.tooLong")
            return nil
        }
        if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            add(field, "field.controlCharacters")
            return nil
        }
        return trimmed
    }

    /// Passwords: 10 to 128 characters, not all of one class of character.
    public mutating func newPassword(_ field: String, _ value: String?) -> String? {
        guard let value, !value.isEmpty else {
            add(field, "field.required")
            return nil
        }
        guard value.count >= 10 else {
            add(field, "password.tooShort")
            return nil
        }
        guard value.count <= 128 else {
            add(field, "field.tooLong")
            return nil
        }
        let classes = [
            value.contains(where: \.isLetter), value.contains(where: \.isNumber),
            value.contains(where: { !$0.isLetter && !$0.isNumber }),
        ].filter { $0 }.count
        guard classes >= 2 else {
            add(field, "password.tooSimple")
            return nil
        }
        return value
    }

    /// At least one role, each one that exists.
    public mutating func roles(_ field: String, _ names: [String]?) -> Set<Role>? {
        var roles = Set<Role>()
        for name in names ?? [] {
            guard let role = Role(rawValue: name) else {
                add(field, "roles.unknown")
                return nil
            }
            roles.insert(role)
        }
        if roles.isEmpty {
            add(field, "roles.empty")
            return nil
        }
        return roles
    }

    public func throwIfAny() throws(FieldErrors) {
        if !errors.isEmpty { throw self }
    }
}
