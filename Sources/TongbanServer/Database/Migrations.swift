import Fluent
import TongbanCases
import TongbanCatalog
import TongbanDelivery
import TongbanHall
import TongbanIdentity
import TongbanPlatform
import TongbanRatings
import TongbanSupervision

extension Migrations {
    /// Every schema change, in order. Append only: a released migration is never edited.
    func addTongbanMigrations(keys: KeyRing, materialsFolder: String) {
        // 1. regions and departments
        add(CreateRegion())
        add(CreateDepartment())
        // 2. accounts and what signs them in
        add(CreateAccount())
        add(CreateWebSession())
        add(CreateRefreshToken())
        add(CreateLoginFailure())
        // 3. the audit trail and its chain head
        add(CreateAuditEntry())
        // 4. the service catalog: items and bundles, versioned
        add(CreateCatalogEntry())
        // 5. applications: cases, review tasks, timeline, outbox, materials, visits
        add(CreateApplications())
        // 6. commitment verifications due, per department
        add(AddCaseVerificationDue())
        // 7. e-licences and their signing keys
        add(CreateLicenses())
        // 8. materials satisfied by e-licences and shared data (the consents), and reads of personal data
        add(CreateMaterialReuses())
        // 9. the data-sharing catalog: records, grants, client systems
        add(CreateDataSharing())
        // 10. service halls: windows, appointments, queue tickets, window sessions
        add(CreateHalls())
        // 11. 好差评: ratings and the follow-ups of bad ones
        add(CreateRatings())
        // 12. the hall queue's counts from an index
        add(IndexHallQueue())
        // 13. supervision: what each case and rating adds to the figures, the daily rollup
        add(CreateSupervision())
        // 14. 民呼我应: complaints, questions and suggestions, answered by departments
        add(CreateComplaints())
        // 15. halls their managers change: the hall's version, windows retired rather than deleted
        add(AddHallManagement())
        // 16. a demo's sample rows marked as such, and counted in the supervision rollup
        add(MarkSampleRows())
        // 17. webhooks: subscriptions, deliveries, and whom each outbox event concerns
        add(CreateWebhooks())
        // 18. data resources' records versioned by their owners, and dated
        add(AddSharedRecordVersions())
        // 19. 站内消息: every account's inbox
        add(CreateInbox())
        // 20. messages by e-mail and SMS: addresses, each person's choices, what was sent and how far it got; a hall ticket told its turn is near
        add(CreateMessageChannels())
        // 21. 审管衔接: approvals handed to the departments that supervise them, signed for
        add(CreateHandoffs())
        // 22. the inbox reads the outbox with a cursor of its own, so webhooks never wait for messages
        add(AddInboxCursor())
        // 23. 实名认证: how far each account's identity is proven
        add(AddAssuranceLevels())
        // 24. codes sent to prove an identity (sealed on their way), and accounts frozen by a takeover
        add(CreateIdentityChallenges())
        // 25. which departments may issue which licence types
        add(CreateLicenseIssuers())
        // 26. failed sign-ins counted per client address too
        add(AddLoginFailureClient())
        // 27. audit entries carry the acting account's region
        add(AddAuditRegion())
        // 28. data clients' keys expire and can be revoked; a grant fixes the clearance read under it
        add(AddClientExpiryAndGrantClearance())
        // 29. accounts' identity numbers and mobiles sealed to their rows
        add(SealAccountCiphersToRows(keys: keys))
        // 30. applications' forms sealed to their rows
        add(SealApplicationForms(keys: keys))
        // 31. shared records' data sealed to their cells
        add(SealSharedRecords(keys: keys))
        // 32. 经办人: handlers' mandates, enterprises' representatives, sessions acting for an enterprise, audit entries naming the person behind one
        add(CreateEnterpriseHandlers())
        // 33. 查询码: a random status-lookup code for every submitted application, sealed
        add(AddApplicationAccessCodes(keys: keys))
        // 34. licences' fields and tokens sealed to their cells
        add(SealLicenseContents(keys: keys))
        // 35. PostgreSQL: a sign-in's throttling decided in one round trip
        add(CreateLoginReserveFunction())
        // 36. audit entries' actors, purposes and details sealed to their cells
        add(SealAuditEntries(keys: keys))
        // 37. the audit trail as a verifiable log: entries without a shared lock, a Merkle tree, signed tree heads
        add(CreateAuditLogTree(keys: keys))
        // 38. PostgreSQL: a notice at every change of an account, so server processes trust the accounts they read until told
        add(NotifyAccountChanges())
        // 39. who read a person's data and why, sealed to their cells
        add(SealDataReads(keys: keys))
        // 40. materials in the database, so every serving process reads them; the data folder's files copied in
        add(CreateMaterialContents(folder: materialsFolder))
        // 41. a material found deficient, with the reason that feeds the correction request
        add(AddMaterialDeficiency())
        // 42. a bundle application's lead department (牵头部门), for its page of bundles in progress
        add(AddLeadDepartment())
        // 43. how each result reaches the applicant (送达方式, 统一出件), the postal address sealed
        add(AddDeliveryChoice())
        // 44. 邮寄送达: parcels with their S10 numbers and the carriers' tracking events
        add(CreateParcels())
        // 45. paper materials the applicant sent in by post, registered as received (no visit)
        add(CreatePostedMaterials())
        // 46. 收受分离: the window region and hall that took an application in; what a hall's windows take in
        add(AddWindowIntake())
        // 47. 帮办: the hall ticket served when a clerk applied for the person at the window
        add(AddWalkInTicket())
        // 48. 首问负责: the owner of each application and the handoffs between owners
        add(CreateOwnerHandoffs())
    }
}
