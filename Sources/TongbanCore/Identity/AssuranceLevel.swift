/// How far an account's identity is proven (实名认证等级). Only what is proven opens what the
/// government holds about the subject, or binds them.
public enum AssuranceLevel: Int, Codable, Sendable, Comparable, CaseIterable {
    /// Registered: the identity number and mobile as typed, nothing proven. Browses, drafts,
    /// books a slot, takes a ticket.
    case registered = 1
    /// Verified remotely: name and number match the population record, and a code sent to the
    /// mobile that record holds was entered (for an enterprise: its legal representative so
    /// verified).
    case verifiedRemotely = 2
    /// Verified in person: a window clerk checked the identity card. Staff accounts are made by
    /// their region's administrator and count as such.
    case verifiedInPerson = 3

    public static func < (lhs: AssuranceLevel, rhs: AssuranceLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The least level that reads, shows or reuses government-held data about the subject
    /// (shared data, e-licences, prefill) and submits in their name.
    public static let binding = AssuranceLevel.verifiedRemotely
}
