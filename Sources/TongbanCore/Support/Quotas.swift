/// What one account may hold or send (M9): more than any real applicant needs, little enough
/// that scripted accounts cannot fill the disk, the halls' slots or the complaint desks.
public enum Quotas {
    /// Drafts an applicant keeps open at once (submitted, withdrawn and closed ones do not count).
    public static let openDrafts = 20
    /// Files uploaded to one application, and their bytes together.
    public static let materialsPerApplication = 50
    public static let bytesPerApplication = 60 * 1024 * 1024
    /// Hall appointments booked and not yet due, across halls.
    public static let upcomingAppointments = 3
    /// Complaints and suggestions one account sends in a calendar day.
    public static let complaintsPerDay = 5
}
