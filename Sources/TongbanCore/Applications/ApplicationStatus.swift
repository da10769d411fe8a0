/// Where an application as a whole stands, as its applicant sees it: derived from its cases'
/// states, never set by hand, so every path that moves a case gives the same answer.
public enum ApplicationStatus: String, Codable, Sendable, CaseIterable {
    /// Saved, not sent; every case is a draft.
    case draft
    /// Sent, no case yet accepted or decided: waiting at the window.
    case submitted
    /// At least one case is accepted, decided, delivered or concluded, and not every case has ended.
    case inProgress
    /// Every case has ended (concluded, refused, withdrawn or revoked): it may be rated.
    case closed

    /// The status of an application whose cases stand in `states`; an application without
    /// cases is a draft (nothing of it has been sent).
    public init(cases states: some Collection<CaseState>) {
        if states.isEmpty || states.allSatisfy({ $0 == .draft }) {
            self = .draft
        } else if states.allSatisfy({ $0.isFinal || $0 == .concluded }) {
            self = .closed
        } else if states.contains(where: { $0.isAccepted || [.decided, .delivered, .concluded].contains($0) }) {
            self = .inProgress
        } else {
            self = .submitted
        }
    }
}
