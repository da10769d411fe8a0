import Fluent
import NIOConcurrencyHelpers
import Foundation
import SQLKit
import TongbanCore
import Vapor

/// 办件: what an applicant applied for, once: one item, or one bundle (一件事) with one case per
/// applicable item. The form answers and questionnaire answers are kept as submitted.
final class ApplicationRecord: Model, @unchecked Sendable {
    static let schema = "applications"

    enum Target: String, Codable, Sendable { case item, bundle }
    enum Channel: String, Codable, Sendable, CaseIterable { case online, window }

    @ID(key: .id) var id: UUID?
    /// Given at submission (a draft has none).
    @OptionalField(key: "number") var number: String?
    @Field(key: "applicant_id") var applicantID: UUID
    @Field(key: "applicant_name") var applicantName: String
    /// The last four characters of the applicant's identity number or credit code: the public
    /// status lookup asks for them beside the number.
    @Field(key: "applicant_tail") var applicantTail: String
    /// A window clerk who entered it on the applicant's behalf (帮办).
    @OptionalField(key: "entered_by") var enteredBy: UUID?
    @Field(key: "applicant_present") var applicantPresent: Bool
    @Field(key: "target") var target: Target
    @Field(key: "target_code") var targetCode: String
    @Field(key: "target_version") var targetVersion: Int
    @Field(key: "target_name") var targetName: String
    @Field(key: "region_code") var regionCode: String
    @Field(key: "channel") var channel: Channel
    @Field(key: "status") var status: ApplicationStatus
    /// JSON object: key → answer, as checked.
    @Field(key: "form") var form: String
    /// JSON object: the bundle questionnaire's answers.
    @Field(key: "answers") var answers: String
    @OptionalField(key: "idempotency_key") var idempotencyKey: String?
    /// SHA-256 of the request that used the key, to tell a retry from a different request.
    @OptionalField(key: "request_digest") var requestDigest: String?
    @OptionalField(key: "submitted_on") var submittedOn: String?
    @OptionalField(key: "due_on") var dueOn: String?
    @Field(key: "visits") var visits: Int
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "submitted_at") var submittedAt: Date?

    init() {}

    var formAnswers: [String: String] { (try? JSONDecoder().decode([String: String].self, from: Data(form.utf8))) ?? [:] }

    /// The bundle questionnaire's answers as saved; a stored text that is not a JSON object of
    /// strings is an error, never read as "no answers".
    func questionnaireAnswers() throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(answers.utf8))
    }
}

/// One item of an application: its state-machine record, kept as JSON, with the columns lists
/// and the warning job filter on beside it. `version` is the optimistic lock: a transition
/// writes only if nobody wrote since it read, so of two clerks acting at once exactly one wins.
final class CaseRow: Model, @unchecked Sendable {
    static let schema = "cases"

    @ID(key: .id) var id: UUID?
    @Field(key: "application_id") var applicationID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "item_code") var itemCode: String
    @Field(key: "item_version") var itemVersion: Int
    @Field(key: "item_name") var itemName: String
    @Field(key: "department_name") var departmentName: String
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "state") var state: CaseState
    @Field(key: "record") var record: String
    @Field(key: "version") var version: Int
    @OptionalField(key: "due_on") var dueOn: String?
    /// The day the yellow warning starts while the clock runs (see `DeadlineWatch`).
    @OptionalField(key: "yellow_on") var yellowOn: String?
    /// True while accepted and not paused: only these cases' warnings move with the days.
    @Field(key: "clock_running") var clockRunning: Bool
    /// 容缺: the date owed materials are due, while any are owed.
    @OptionalField(key: "owed_due") var owedDue: String?
    /// 告知承诺: the date the commitment's verification is due, while it is pending.
    @OptionalField(key: "verify_due") var verifyDue: String?
    @Field(key: "warning") var warning: CaseClock.Warning
    @Field(key: "updated_at") var updatedAt: Date
    /// The day it was decided (approved or denied), for the supervision figures.
    @OptionalField(key: "decided_on") var decidedOn: String?
    /// Working days its clock ran until the decision.
    @OptionalField(key: "days_used") var daysUsed: Int?
    @OptionalField(key: "promised_days") var promisedDays: Int?
    /// The application's region, here too so the warnings board counts without a join.
    @OptionalField(key: "region_code") var regionCode: String?

    init() {}

    /// The record as this process last wrote it into `record` (not a column): a case just made
    /// is answered without decoding what was encoded a moment before. Used only while `record`
    /// still holds that text.
    private var written: (json: String, record: CaseRecord)?

    func setRecord(_ record: CaseRecord, encoder: JSONEncoder) throws {
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        self.record = json
        written = (json, record)
    }

    func caseRecord() throws -> CaseRecord {
        if let written, written.json == record { return written.record }
        return try JSONDecoder().decode(CaseRecord.self, from: Data(record.utf8))
    }
}

/// A review task (one review step of one department): claimed, commented on and completed by
/// that department's reviewers. Tasks of one parallel group are open at the same time.
final class ReviewTask: Model, @unchecked Sendable {
    static let schema = "case_tasks"

    enum Status: String, Codable, Sendable { case waiting, open, done }

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "application_id") var applicationID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "kind") var kind: StepKind
    @Field(key: "name") var name: String
    @Field(key: "department_name") var departmentName: String
    @OptionalField(key: "department_id") var departmentID: UUID?
    @OptionalField(key: "parallel_group") var parallelGroup: String?
    @Field(key: "limit_days") var limitDays: Int
    @Field(key: "status") var status: Status
    @OptionalField(key: "opened_on") var openedOn: String?
    @OptionalField(key: "due_on") var dueOn: String?
    @OptionalField(key: "claimed_by") var claimedBy: UUID?
    @OptionalField(key: "opinion") var opinion: String?
    @Field(key: "version") var version: Int
    @OptionalField(key: "completed_at") var completedAt: Date?

    init() {}
}

/// The timeline of an application: every transition and every note, in order.
final class CaseEvent: Model, @unchecked Sendable {
    static let schema = "case_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "application_id") var applicationID: UUID
    @OptionalField(key: "case_id") var caseID: UUID?
    @Field(key: "at") var at: Date
    @Field(key: "actor_label") var actorLabel: String
    @Field(key: "action") var action: String
    @OptionalField(key: "from_state") var fromState: String?
    @OptionalField(key: "to_state") var toState: String?
    @OptionalField(key: "detail") var detail: String?

    init() {}

    init(
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

/// An event for notifications and other departments' systems, written in the transaction of
/// the change it reports and delivered later (at least once) by whoever reads the outbox.
final class OutboxEvent: Model, @unchecked Sendable {
    static let schema = "outbox_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "topic") var topic: String
    @Field(key: "subject") var subject: String
    @Field(key: "payload") var payload: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "delivered_at") var deliveredAt: Date?

    init() {}

    init(topic: String, subject: String, payload: [String: String], at: Date) {
        id = UUID.timeOrdered(at: at)
        self.topic = topic
        self.subject = subject
        createdAt = at
        self.payload = String(decoding: (try? CatalogEntry.encoder.encode(payload)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// An uploaded material: its bytes are in the data folder under their SHA-256, written and
/// synced before the row that acknowledges them.
final class StoredMaterial: Model, @unchecked Sendable {
    static let schema = "application_materials"

    @ID(key: .id) var id: UUID?
    @Field(key: "application_id") var applicationID: UUID
    @Field(key: "material_key") var materialKey: String
    @Field(key: "filename") var filename: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "uploaded_at") var uploadedAt: Date

    init() {}
}

/// An in-person visit an application actually took (跑动次数), recorded by the clerk who saw
/// the applicant.
final class ApplicationVisit: Model, @unchecked Sendable {
    static let schema = "application_visits"

    @ID(key: .id) var id: UUID?
    @Field(key: "application_id") var applicationID: UUID
    @Field(key: "at") var at: Date
    @Field(key: "purpose") var purpose: String
    @Field(key: "recorded_by") var recordedBy: UUID

    init() {}
}

struct CreateApplications: AsyncMigration {
    func prepare(on database: Database) async throws {
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

    func revert(on database: Database) async throws {
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
/// that every server process shares (never rolled back: numbers may skip, never repeat). On
/// SQLite, which one process serves (see `WriteGate`), they are counted in memory from the
/// highest serial stored, so taking one costs no statement: a number taken by a submission that
/// then failed is simply never stored, and may be given again after a restart.
final class ApplicationSerials: @unchecked Sendable {
    private let lock = NIOLock()
    private var last: Int?

    func next(on db: any Database) async throws -> Int {
        if db.isPostgres {
            guard let row = try await db.sql.raw("SELECT nextval('application_serial') AS serial").first(decoding: SerialRow.self) else {
                throw Abort(.internalServerError, reason: "application serial missing")
            }
            return row.serial
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

    var applicationSerials: ApplicationSerials {
        get { storage[ApplicationSerialsKey.self]! }
        set { storage[ApplicationSerialsKey.self] = newValue }
    }
}

private struct SerialRow: Decodable { let serial: Int }

/// 告知承诺 verifications are due on a date: kept beside the case so a department's list of
/// verifications to make is one indexed read. Cases by item, for each item's actual visits.
struct AddCaseVerificationDue: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(CaseRow.schema).field("verify_due", .string).update()
        try await database.sql.raw("CREATE INDEX cases_verify_due ON cases (department_id, verify_due)").run()
        // each item's actual visits (guide page)
        try await database.sql.raw("CREATE INDEX cases_by_item ON cases (item_code)").run()
    }

    func revert(on database: Database) async throws {
        try await database.sql.raw("DROP INDEX cases_by_item").run()
        try await database.sql.raw("DROP INDEX cases_verify_due").run()
        try await database.schema(CaseRow.schema).deleteField("verify_due").update()
    }
}

/// 实际跑动: how many in-person visits the submitted applications for an item really took — the
/// honest measure of "at most one visit", shown on the item's guide.
struct ActualVisits: Decodable {
    let applications: Int
    let visits: Int
    /// Sample applications of a demo database among `applications`.
    let samples: Int

    var average: Double { applications == 0 ? 0 : Double(visits) / Double(applications) }

    static func of(itemCode: String, on db: any Database) async throws -> ActualVisits {
        try await db.sql.raw(
            """
            SELECT COUNT(*) AS applications, CAST(COALESCE(SUM(a.visits), 0) AS BIGINT) AS visits,
                   CAST(COALESCE(SUM(CASE WHEN a.sample THEN 1 ELSE 0 END), 0) AS BIGINT) AS samples
            FROM applications a WHERE a.status <> 'draft'
              AND a.id IN (SELECT c.application_id FROM cases c WHERE c.item_code = \(bind: itemCode))
            """
        ).first(decoding: ActualVisits.self) ?? ActualVisits(applications: 0, visits: 0, samples: 0)
    }
}
