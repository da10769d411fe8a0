import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TongbanCore
import Vapor

/// 办件: what an applicant applied for, once: one item, or one bundle (一件事) with one case per
/// applicable item. The form answers and questionnaire answers are kept as submitted.
package final class ApplicationRecord: Model, @unchecked Sendable {
    package static let schema = "applications"

    package enum Target: String, Codable, Sendable { case item, bundle }
    /// Online; at a window; or 就近办, at a window of a town (street) or village centre.
    package enum Channel: String, Codable, Sendable, CaseIterable { case online, window, nearby }

    @ID(key: .id) package var id: UUID?
    /// Given at submission (a draft has none).
    @OptionalField(key: "number") package var number: String?
    @Field(key: "applicant_id") package var applicantID: UUID
    @Field(key: "applicant_name") package var applicantName: String
    /// The last four characters of the applicant's identity number or credit code: the public
    /// status lookup asks for them beside the number.
    @Field(key: "applicant_tail") package var applicantTail: String
    /// 查询码 (`AccessCode`), sealed to this cell: given at submission for the public status lookup.
    @OptionalField(key: "access_code") package var accessCodeCipher: String?
    /// A window clerk who entered it on the applicant's behalf (帮办).
    @OptionalField(key: "entered_by") package var enteredBy: UUID?
    @Field(key: "applicant_present") package var applicantPresent: Bool
    @Field(key: "target") package var target: Target
    @Field(key: "target_code") package var targetCode: String
    @Field(key: "target_version") package var targetVersion: Int
    @Field(key: "target_name") package var targetName: String
    /// Where the item or bundle is implemented: the power to decide lies there.
    @Field(key: "region_code") package var regionCode: String
    /// 收受分离: the region of the window that took the application in (nil: made online, and the
    /// windows of `regionCode` work it).
    @OptionalField(key: "taken_in") package var takenIn: String?
    /// The hall of that window, when it has one.
    @OptionalField(key: "taken_in_hall_id") package var takenInHallID: UUID?
    /// 帮办: the hall ticket being served at the clerk's window when the application was made.
    @OptionalField(key: "hall_ticket_id") package var hallTicketID: UUID?
    /// 首问负责: the staff member who answers for the application (the first to take it in hand).
    @OptionalField(key: "owner_id") package var ownerID: UUID?
    @OptionalField(key: "owner_name") package var ownerName: String?
    /// 牵头部门: a bundle's lead department, which coordinates its cases (none for one item).
    @OptionalField(key: "lead_department_id") package var leadDepartmentID: UUID?
    /// 统一出件: the results handed over (window, post) come together once every case is decided.
    @OptionalField(key: "delivery_together") package var deliveryTogether: Bool?
    /// Where posted results go (`PostalAddress` as JSON), sealed to this cell.
    @OptionalField(key: "delivery_address") package var deliveryAddressCipher: String?
    @Field(key: "channel") package var channel: Channel
    @Field(key: "status") package var status: ApplicationStatus
    /// JSON object: key → answer, as checked.
    @Field(key: "form") package var form: String
    /// JSON object: the bundle questionnaire's answers.
    @Field(key: "answers") package var answers: String
    @OptionalField(key: "idempotency_key") package var idempotencyKey: String?
    /// SHA-256 of the request that used the key, to tell a retry from a different request.
    @OptionalField(key: "request_digest") package var requestDigest: String?
    @OptionalField(key: "submitted_on") package var submittedOn: String?
    @OptionalField(key: "due_on") package var dueOn: String?
    @Field(key: "visits") package var visits: Int
    @Field(key: "created_at") package var createdAt: Date
    @OptionalField(key: "submitted_at") package var submittedAt: Date?

    package init() {}

    /// What this process sealed into the row just now (never stored as such): the answer to the
    /// request that wrote them need not open its own cells again.
    private var openedForm: [String: String]?
    private var issuedAccessCode: String?

    /// The form's answers: identity numbers, mobiles and addresses of the applicant and others
    /// (M7), sealed to this row's `form` cell. A row written before forms were sealed (and not yet
    /// re-sealed by migration 30) holds its JSON in clear.
    package func formAnswers(_ keys: KeyRing) -> [String: String] {
        if let openedForm { return openedForm }
        let json = form.hasPrefix(KeyRing.sealedPrefix) ? id.flatMap { keys.open(form, table: Self.schema, row: $0, column: "form") } : form
        return json.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
    }

    /// Seals the address posted results go to (or clears it), to this row (its id must be set).
    package func sealDeliveryAddress(_ address: PostalAddress?, keys: KeyRing) throws {
        guard let address else {
            deliveryAddressCipher = nil
            return
        }
        let json = String(decoding: try StoredJSON.encoder.encode(address), as: UTF8.self)
        deliveryAddressCipher = keys.seal(json, table: Self.schema, row: try requireID(), column: "delivery_address")
    }

    /// The address posted results go to, opened.
    package func deliveryAddress(_ keys: KeyRing) -> PostalAddress? {
        guard let id, let deliveryAddressCipher,
            let json = keys.open(deliveryAddressCipher, table: Self.schema, row: id, column: "delivery_address")
        else { return nil }
        return try? JSONDecoder().decode(PostalAddress.self, from: Data(json.utf8))
    }

    /// Seals the form's JSON to this row (its id must be set).
    /// Gives the application a fresh status-lookup code, sealed to its row.
    @discardableResult
    package func issueAccessCode(keys: KeyRing) throws -> AccessCode {
        let code = AccessCode.random()
        accessCodeCipher = keys.seal(code.value, table: Self.schema, row: try requireID(), column: "access_code")
        issuedAccessCode = code.value
        return code
    }

    /// The status-lookup code, opened (nil before submission, or for a cell copied from another row).
    package func accessCode(_ keys: KeyRing) -> String? {
        if let issuedAccessCode { return issuedAccessCode }
        guard let id, let accessCodeCipher else { return nil }
        return keys.open(accessCodeCipher, table: Self.schema, row: id, column: "access_code")
    }

    package func sealForm(_ json: String, keys: KeyRing) throws {
        form = keys.seal(json, table: Self.schema, row: try requireID(), column: "form")
        openedForm = nil
    }

    /// Seals these answers, as sorted JSON, to this row (its id must be set).
    package func sealForm(_ answers: [String: String], keys: KeyRing) throws {
        try sealForm(String(decoding: try StoredJSON.encoder.encode(answers), as: UTF8.self), keys: keys)
        openedForm = answers
    }

    /// The bundle questionnaire's answers as saved; a stored text that is not a JSON object of
    /// strings is an error, never read as "no answers".
    package func questionnaireAnswers() throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(answers.utf8))
    }
}

/// One item of an application: its state-machine record, kept as JSON, with the columns lists
/// and the warning job filter on beside it. `version` is the optimistic lock: a transition
/// writes only if nobody wrote since it read, so of two clerks acting at once exactly one wins.
package final class CaseRow: Model, @unchecked Sendable {
    package static let schema = "cases"

    @ID(key: .id) package var id: UUID?
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "position") package var position: Int
    @Field(key: "item_code") package var itemCode: String
    @Field(key: "item_version") package var itemVersion: Int
    @Field(key: "item_name") package var itemName: String
    @Field(key: "department_name") package var departmentName: String
    @OptionalField(key: "department_id") package var departmentID: UUID?
    @Field(key: "state") package var state: CaseState
    @Field(key: "record") package var record: String
    @Field(key: "version") package var version: Int
    @OptionalField(key: "due_on") package var dueOn: String?
    /// The day the yellow warning starts while the clock runs (see `DeadlineWatch`).
    @OptionalField(key: "yellow_on") package var yellowOn: String?
    /// True while accepted and not paused: only these cases' warnings move with the days.
    @Field(key: "clock_running") package var clockRunning: Bool
    /// 容缺: the date owed materials are due, while any are owed.
    @OptionalField(key: "owed_due") package var owedDue: String?
    /// 告知承诺: the date the commitment's verification is due, while it is pending.
    @OptionalField(key: "verify_due") package var verifyDue: String?
    @Field(key: "warning") package var warning: CaseClock.Warning
    @Field(key: "updated_at") package var updatedAt: Date
    /// The day it was decided (approved or denied), for the supervision figures.
    @OptionalField(key: "decided_on") package var decidedOn: String?
    /// Working days its clock ran until the decision.
    @OptionalField(key: "days_used") package var daysUsed: Int?
    @OptionalField(key: "promised_days") package var promisedDays: Int?
    /// The application's region, here too so the warnings board counts without a join.
    @OptionalField(key: "region_code") package var regionCode: String?
    /// How its result reaches the applicant, as they chose when applying.
    @OptionalField(key: "delivery_method") package var deliveryMethod: DeliveryMethod?

    package init() {}

    /// The record as this process last wrote it into `record` (not a column): a case just made
    /// is answered without decoding what was encoded a moment before. Used only while `record`
    /// still holds that text.
    private var written: (json: String, record: CaseRecord)?

    package func setRecord(_ record: CaseRecord, encoder: JSONEncoder) throws {
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        self.record = json
        written = (json, record)
    }

    package func caseRecord() throws -> CaseRecord {
        if let written, written.json == record { return written.record }
        return try JSONDecoder().decode(CaseRecord.self, from: Data(record.utf8))
    }
}

/// A review task (one review step of one department): claimed, commented on and completed by
/// that department's reviewers. Tasks of one parallel group are open at the same time.
package final class ReviewTask: Model, @unchecked Sendable {
    package static let schema = "case_tasks"

    package enum Status: String, Codable, Sendable { case waiting, open, done }

    @ID(key: .id) package var id: UUID?
    @Field(key: "case_id") package var caseID: UUID
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "position") package var position: Int
    @Field(key: "kind") package var kind: StepKind
    @Field(key: "name") package var name: String
    @Field(key: "department_name") package var departmentName: String
    @OptionalField(key: "department_id") package var departmentID: UUID?
    @OptionalField(key: "parallel_group") package var parallelGroup: String?
    @Field(key: "limit_days") package var limitDays: Int
    @Field(key: "status") package var status: Status
    @OptionalField(key: "opened_on") package var openedOn: String?
    @OptionalField(key: "due_on") package var dueOn: String?
    @OptionalField(key: "claimed_by") package var claimedBy: UUID?
    @OptionalField(key: "opinion") package var opinion: String?
    @Field(key: "version") package var version: Int
    @OptionalField(key: "completed_at") package var completedAt: Date?

    package init() {}
}

/// The timeline of an application: every transition and every note, in order.
package final class CaseEvent: Model, @unchecked Sendable {
    package static let schema = "case_events"

    @ID(key: .id) package var id: UUID?
    @Field(key: "application_id") package var applicationID: UUID
    @OptionalField(key: "case_id") package var caseID: UUID?
    @Field(key: "at") package var at: Date
    @Field(key: "actor_label") package var actorLabel: String
    @Field(key: "action") package var action: String
    @OptionalField(key: "from_state") package var fromState: String?
    @OptionalField(key: "to_state") package var toState: String?
    @OptionalField(key: "detail") package var detail: String?

    package init() {}

    package init(
        applicationID: UUID, caseID: UUID?, at: Date, actor: String, action: String, from: CaseState?, to: CaseState?, detail: String? = nil
    ) {
        id = UUID.timeOrdered(at: at)
        self.applicationID = applicationID
        self.caseID = caseID
        self.at = at
        actorLabel = actor
        self.action = action
        fromState = from?.rawValue
        toState = to?.rawValue
        self.detail = detail
    }
}

/// An uploaded material: its bytes are in `material_contents` under their SHA-256, committed
/// before the row that acknowledges them.
package final class StoredMaterial: Model, @unchecked Sendable {
    package static let schema = "application_materials"

    @ID(key: .id) package var id: UUID?
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "material_key") package var materialKey: String
    @Field(key: "filename") package var filename: String
    @Field(key: "content_type") package var contentType: String
    @Field(key: "size") package var size: Int
    @Field(key: "sha256") package var sha256: String
    @Field(key: "uploaded_at") package var uploadedAt: Date
    /// Why a reviewer or clerk found the file deficient (不合格), feeding the correction request.
    @OptionalField(key: "deficiency") package var deficiency: String?
    @OptionalField(key: "deficiency_by") package var deficiencyBy: String?
    @OptionalField(key: "deficiency_at") package var deficiencyAt: Date?

    package init() {}
}

/// 41. A material found deficient: why, by whom, when.
package struct AddMaterialDeficiency: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(StoredMaterial.schema).field("deficiency", .string).update()
        try await database.schema(StoredMaterial.schema).field("deficiency_by", .string).update()
        try await database.schema(StoredMaterial.schema).field("deficiency_at", .datetime).update()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(StoredMaterial.schema).deleteField("deficiency_at").update()
        try await database.schema(StoredMaterial.schema).deleteField("deficiency_by").update()
        try await database.schema(StoredMaterial.schema).deleteField("deficiency").update()
    }
}

/// 牵头部门: a bundle application names its lead department, whose page lists the bundles it coordinates.
package struct AddLeadDepartment: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(ApplicationRecord.schema).field("lead_department_id", .uuid).update()
        try await database.sql.create(index: "applications_lead_department").on(ApplicationRecord.schema)
            .column("lead_department_id").column("status").run()
    }

    package func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX applications_lead_department").run()
        try await database.schema(ApplicationRecord.schema).deleteField("lead_department_id").update()
    }
}

/// 送达方式: how each result reaches the applicant, chosen when applying; the address is sealed.
package struct AddDeliveryChoice: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(ApplicationRecord.schema).field("delivery_together", .bool).update()
        try await database.schema(ApplicationRecord.schema).field("delivery_address", .string).update()
        try await database.schema(CaseRow.schema).field("delivery_method", .string).update()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(CaseRow.schema).deleteField("delivery_method").update()
        try await database.schema(ApplicationRecord.schema).deleteField("delivery_address").update()
        try await database.schema(ApplicationRecord.schema).deleteField("delivery_together").update()
    }
}

/// An in-person visit an application actually took (跑动次数), recorded by the clerk who saw
/// the applicant.
package final class ApplicationVisit: Model, @unchecked Sendable {
    package static let schema = "application_visits"

    @ID(key: .id) package var id: UUID?
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "at") package var at: Date
    @Field(key: "purpose") package var purpose: String
    @Field(key: "recorded_by") package var recordedBy: UUID

    package init() {}
}

package struct CreateApplications: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(ApplicationRecord.schema)
            .id()
            .field("number", .string)
            .field("applicant_id", .uuid, .required)
            .field("applicant_name", .string, .required)
            .field("applicant_tail", .string, .required)
            .field("entered_by", .uuid)
            .field("applicant_present", .bool, .required)
            .field("target", .string, .required)
            .field("target_code", .string, .required)
            .field("target_version", .int, .required)
            .field("target_name", .string, .required)
            .field("region_code", .string, .required)
            .field("channel", .string, .required)
            .field("status", .string, .required)
            .field("form", .string, .required)
            .field("answers", .string, .required)
            .field("idempotency_key", .string)
            .field("request_digest", .string)
            .field("submitted_on", .string)
            .field("due_on", .string)
            .field("visits", .int, .required)
            .field("created_at", .datetime, .required)
            .field("submitted_at", .datetime)
            .unique(on: "number")
            .unique(on: "applicant_id", "idempotency_key")
            .create()
        try await database.schema(CaseRow.schema)
            .id()
            .field("application_id", .uuid, .required, .references(ApplicationRecord.schema, "id"))
            .field("position", .int, .required)
            .field("item_code", .string, .required)
            .field("item_version", .int, .required)
            .field("item_name", .string, .required)
            .field("department_name", .string, .required)
            .field("department_id", .uuid)
            .field("state", .string, .required)
            .field("record", .string, .required)
            .field("version", .int, .required)
            .field("due_on", .string)
            .field("yellow_on", .string)
            .field("clock_running", .bool, .required)
            .field("owed_due", .string)
            .field("warning", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(ReviewTask.schema)
            .id()
            .field("case_id", .uuid, .required, .references(CaseRow.schema, "id"))
            .field("application_id", .uuid, .required)
            .field("position", .int, .required)
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("department_name", .string, .required)
            .field("department_id", .uuid)
            .field("parallel_group", .string)
            .field("limit_days", .int, .required)
            .field("status", .string, .required)
            .field("opened_on", .string)
            .field("due_on", .string)
            .field("claimed_by", .uuid)
            .field("opinion", .string)
            .field("version", .int, .required)
            .field("completed_at", .datetime)
            .create()
        try await database.schema(CaseEvent.schema)
            .id()
            .field("application_id", .uuid, .required)
            .field("case_id", .uuid)
            .field("at", .datetime, .required)
            .field("actor_label", .string, .required)
            .field("action", .string, .required)
            .field("from_state", .string)
            .field("to_state", .string)
            .field("detail", .string)
            .create()
        try await database.schema(OutboxEvent.schema)
            .id()
            .field("topic", .string, .required)
            .field("subject", .string, .required)
            .field("payload", .string, .required)
            .field("created_at", .datetime, .required)
            .field("delivered_at", .datetime)
            .create()
        try await database.schema(StoredMaterial.schema)
            .id()
            .field("application_id", .uuid, .required, .references(ApplicationRecord.schema, "id"))
            .field("material_key", .string, .required)
            .field("filename", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("uploaded_at", .datetime, .required)
            .create()
        try await database.schema(ApplicationVisit.schema)
            .id()
            .field("application_id", .uuid, .required, .references(ApplicationRecord.schema, "id"))
            .field("at", .datetime, .required)
            .field("purpose", .string, .required)
            .field("recorded_by", .uuid, .required)
            .create()
        let sql = database.sql
        for statement in [
            "CREATE INDEX applications_by_applicant ON applications (applicant_id, created_at)",
            "CREATE INDEX cases_by_application ON cases (application_id, position)",
            "CREATE INDEX cases_running ON cases (clock_running, warning)",
            "CREATE INDEX cases_owed ON cases (owed_due)",
            "CREATE INDEX cases_by_department ON cases (department_id, state)",
            "CREATE INDEX tasks_by_case ON case_tasks (case_id, position)",
            "CREATE INDEX tasks_open_by_department ON case_tasks (department_id, status, due_on)",
            "CREATE INDEX events_by_application ON case_events (application_id, at)",
            "CREATE INDEX outbox_undelivered ON outbox_events (delivered_at, created_at)",
            "CREATE INDEX materials_by_application ON application_materials (application_id)",
            "CREATE INDEX visits_by_application ON application_visits (application_id)",
        ] { try await sql.raw(SQLQueryString(statement)).run() }
        // The serial of application numbers: one sequence for every server process.
        if database.isPostgres {
            try await sql.raw("CREATE SEQUENCE application_serial").run()
        } else {
            try await sql.raw("CREATE TABLE application_serial (id INTEGER PRIMARY KEY, last_value BIGINT NOT NULL)").run()
            try await sql.raw("INSERT INTO application_serial (id, last_value) VALUES (1, 0)").run()
        }
    }

    package func revert(on database: Database) async throws {
        try await database.sql.raw(database.isPostgres ? "DROP SEQUENCE application_serial" : "DROP TABLE application_serial").run()
        for schema in [
            ApplicationVisit.schema, StoredMaterial.schema, OutboxEvent.schema, CaseEvent.schema, ReviewTask.schema, CaseRow.schema,
            ApplicationRecord.schema,
        ] {
            try await database.schema(schema).delete()
        }
    }
}

/// The serials in application numbers, unique across the platform. On PostgreSQL a sequence
/// that every server process shares (never rolled back: numbers may skip, never repeat), from
/// which each process reserves a block at a time, so a submission costs no round trip for its
/// number: a process hands its block out in order, numbers of two processes interleave, and a
/// block left when a process stops is skipped. On SQLite, which one process serves (see
/// `WriteGate`), they are counted in memory from the highest serial stored, so taking one costs
/// no statement: a number taken by a submission that then failed is simply never stored, and may
/// be given again after a restart.
package final class ApplicationSerials: @unchecked Sendable {
    /// How many numbers a PostgreSQL process reserves at once.
    package let blockSize: Int

    package init(blockSize: Int = 64) { self.blockSize = blockSize }
    private let lock = NIOLock()
    private var last: Int?
    private var reserved: [Int] = []

    package func next(on db: any Database) async throws -> Int {
        if db.isPostgres {
            if let taken = lock.withLock({ reserved.isEmpty ? nil : reserved.removeFirst() }) { return taken }
            let block = try await db.sql.raw(
                "SELECT nextval('application_serial') AS serial FROM generate_series(1, \(literal: blockSize))"
            ).all(decoding: SerialRow.self).map(\.serial)
            guard let first = block.min() else { throw Abort(.internalServerError, reason: "application serial missing") }
            // requests that ran out together each reserved a block: the rest joins what is left
            return lock.withLock {
                reserved = (reserved + block.filter { $0 != first }).sorted()
                return first
            }
        }
        if let taken = lock.withLock({ () -> Int? in
            last.map {
                last = $0 + 1
                return $0 + 1
            }
        }) {
            return taken
        }
        // the counter row of older versions, and the numbers themselves (RRRRRR-YYYYMMDD-NNNNNNNN-C)
        let stored =
            try await db.sql.raw(
                """
                SELECT MAX(s) AS serial FROM (SELECT last_value AS s FROM application_serial
                  UNION ALL SELECT CAST(substr(number, 17, 8) AS INTEGER) FROM applications WHERE number IS NOT NULL
                  UNION ALL SELECT 0)
                """
            ).first(decoding: SerialRow.self)?.serial ?? 0
        return lock.withLock {
            let taken = max(last ?? 0, stored) + 1
            last = taken
            return taken
        }
    }
}

extension Application {
    private struct ApplicationSerialsKey: StorageKey { typealias Value = ApplicationSerials }

    package var applicationSerials: ApplicationSerials {
        get { storage[ApplicationSerialsKey.self]! }
        set { storage[ApplicationSerialsKey.self] = newValue }
    }
}

private struct SerialRow: Decodable { let serial: Int }

/// 告知承诺 verifications are due on a date: kept beside the case so a department's list of
/// verifications to make is one indexed read. Cases by item, for each item's actual visits.
package struct AddCaseVerificationDue: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(CaseRow.schema).field("verify_due", .string).update()
        try await database.sql.raw("CREATE INDEX cases_verify_due ON cases (department_id, verify_due)").run()
        // each item's actual visits (guide page)
        try await database.sql.raw("CREATE INDEX cases_by_item ON cases (item_code)").run()
    }

    package func revert(on database: Database) async throws {
        try await database.sql.raw("DROP INDEX cases_by_item").run()
        try await database.sql.raw("DROP INDEX cases_verify_due").run()
        try await database.schema(CaseRow.schema).deleteField("verify_due").update()
    }
}

/// 30. Applications' forms sealed to their rows (M7): each form written in clear before is
/// sealed, in pages; a form already sealed is left as it is.
package struct SealApplicationForms: AsyncMigration {
    let keys: KeyRing

    package init(keys: KeyRing) { self.keys = keys }

    package func prepare(on database: any Database) async throws {
        let keys = self.keys
        try await ResealInPages.run(
            {
                ApplicationRecord.query(on: $0).field(\.$id).field(\.$form).filter(\.$form, .custom("NOT LIKE"), "v2:%")
            }, on: database
        ) {
            try $0.sealForm($0.form, keys: keys)
        }
    }

    package func revert(on database: any Database) async throws {}
}

/// 33. 查询码: every submitted application gets a random status-lookup code, sealed to its row;
/// the public lookup no longer takes the applicant's identity-number tail (M6).
package struct AddApplicationAccessCodes: AsyncMigration {
    let keys: KeyRing

    package init(keys: KeyRing) { self.keys = keys }

    package func prepare(on database: any Database) async throws {
        try await database.schema(ApplicationRecord.schema).field("access_code", .string).update()
        let keys = self.keys
        try await ResealInPages.run(
            {
                ApplicationRecord.query(on: $0).field(\.$id).field(\.$accessCodeCipher).filter(\.$number != nil)
                    .filter(\.$accessCodeCipher == nil)
            }, on: database
        ) { try $0.issueAccessCode(keys: keys) }
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(ApplicationRecord.schema).deleteField("access_code").update()
    }
}
