import Foundation

/// A person acting for an enterprise (经办人): the enterprise's legal representative by law, for
/// every item; anyone else by the representative's mandate, for every item or the listed ones.
/// The policy sees the enterprise as the actor and this as who is behind it.
public struct Agent: Sendable, Equatable {
    public let personID: UUID
    /// The items (catalog codes of items or bundles) the person may act on; nil: every item.
    public let itemCodes: Set<String>?

    public init(personID: UUID, itemCodes: Set<String>?) {
        self.personID = personID
        self.itemCodes = itemCodes
    }

    /// Whether the person may act on an application for `targetCode` (nil: the target is not
    /// known to the caller, which only an every-item mandate covers).
    public func covers(_ targetCode: String?) -> Bool {
        guard let itemCodes else { return true }
        guard let targetCode else { return false }
        return itemCodes.contains(targetCode)
    }
}

/// The terms a legal representative gives a handler: which items, until which day. A mandate is
/// live from the day it is given through `validUntil`, unless revoked first.
public struct MandateTerms: Sendable, Equatable {
    /// At most three years ahead: a mandate is renewed, never open-ended.
    public static let longestDays = 3 * 366
    public static let mostItems = 50
    public static let longestCode = 64

    public enum Problem: String, Error, Sendable, CaseIterable {
        case validUntilPast = "handlers.validUntilPast"
        case validUntilTooFar = "handlers.validUntilTooFar"
        case tooManyItems = "handlers.tooManyItems"
        case itemCodeInvalid = "handlers.itemCodeInvalid"
    }

    /// Sorted and without repeats; nil: every item.
    public let itemCodes: [String]?
    public let validUntil: CalendarDate

    /// `itemCodes` nil or empty means every item.
    public init(itemCodes: [String]?, validUntil: CalendarDate, today: CalendarDate) throws(Problem) {
        guard validUntil >= today else { throw .validUntilPast }
        guard validUntil.dayNumber - today.dayNumber <= Self.longestDays else { throw .validUntilTooFar }
        let codes = Set((itemCodes ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        guard codes.count <= Self.mostItems else { throw .tooManyItems }
        for code in codes where !Self.isPlausibleCode(code) {
            throw .itemCodeInvalid
        }
        self.itemCodes = codes.isEmpty ? nil : codes.sorted()
        self.validUntil = validUntil
    }

    /// Catalog codes are ASCII letters, digits and `-`/`_`/`.`; the catalog decides whether one exists.
    static func isPlausibleCode(_ code: String) -> Bool {
        guard code.count <= longestCode else { return false }
        return code.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
        }
    }

    /// Whether a mandate with these terms still holds on `day`.
    public static func isLive(validUntil: CalendarDate, revoked: Bool, on day: CalendarDate) -> Bool {
        !revoked && day <= validUntil
    }
}
