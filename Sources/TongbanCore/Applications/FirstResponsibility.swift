/// 首问负责: the first staff member who takes a case in hand owns it — answers for it to the
/// applicant and is named on it — until the next owner acknowledges a handoff; an offer not
/// acknowledged within a working day is on the warnings board. The rules, apart from who may
/// work a case at all (that is the policy's).
public enum FirstResponsibility {
    /// Working days a recipient has to acknowledge or decline a handoff.
    public static let acknowledgeWithin = 1
    /// The longest note an offer or a decline carries.
    public static let noteLength = 200

    public enum Refusal: String, Error, Sendable, Equatable {
        /// Only the case's owner hands it on.
        case notOwner = "owner.notOwner"
        case toSelf = "owner.toSelf"
        /// The recipient could not work the case (the policy said no to them).
        case recipientCannotWork = "owner.recipientCannotWork"
        /// An offer waits already: it is acknowledged, declined or withdrawn first.
        case offerWaiting = "owner.offerWaiting"
        /// Only the recipient acknowledges or declines an offer.
        case notRecipient = "owner.notRecipient"
        case notWaiting = "owner.notWaiting"
    }

    /// Whether `actor` may offer the case owned by `owner` to `recipient`.
    public static func checkOffer(owner: String?, actor: String, recipient: String, recipientMayWork: Bool, offerWaiting: Bool)
        -> Refusal?
    {
        if owner != actor { return .notOwner }
        if recipient == actor { return .toSelf }
        if !recipientMayWork { return .recipientCannotWork }
        if offerWaiting { return .offerWaiting }
        return nil
    }

    /// Whether `actor` may answer (acknowledge or decline) an offer made to `recipient`.
    public static func checkAnswer(recipient: String, actor: String, waiting: Bool) -> Refusal? {
        if recipient != actor { return .notRecipient }
        if !waiting { return .notWaiting }
        return nil
    }

    /// The owner after a staff member acts on a case: the first one to act keeps it.
    public static func owner(after current: String?, actedBy staff: String) -> String { current ?? staff }

    /// The last day an offer made on `offeredOn` may be answered without a warning.
    public static func answerDue(offeredOn: CalendarDate, calendar: WorkingDayCalendar) throws -> CalendarDate {
        try calendar.adding(workingDays: acknowledgeWithin, to: offeredOn).value
    }
}
