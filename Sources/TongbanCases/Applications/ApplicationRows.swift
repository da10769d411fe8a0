import Foundation
import TongbanPlatform

/// The models of a new application as rows of an `InsertBatch`: one statement for all of them
/// on PostgreSQL instead of one round trip each. The column lists are the migration's.
extension InsertBatch {
    package mutating func add(_ a: ApplicationRecord) {
        add(ApplicationRecord.schema, Self.columns(a))
    }

    package mutating func add(_ c: CaseRow) {
        add(CaseRow.schema, Self.columns(c))
    }

    /// The application's columns, for an insert or an update of the same row.
    package static func columns(_ a: ApplicationRecord) -> [(String, (any Encodable & Sendable)?)] {
        [
            ("id", a.id), ("number", a.number), ("applicant_id", a.applicantID), ("applicant_name", a.applicantName),
            ("applicant_tail", a.applicantTail), ("access_code", a.accessCodeCipher), ("entered_by", a.enteredBy),
            ("applicant_present", a.applicantPresent),
            ("target", a.target.rawValue), ("target_code", a.targetCode), ("target_version", a.targetVersion),
            ("target_name", a.targetName), ("region_code", a.regionCode), ("taken_in", a.takenIn),
            ("taken_in_hall_id", a.takenInHallID), ("hall_ticket_id", a.hallTicketID), ("owner_id", a.ownerID),
            ("owner_name", a.ownerName), ("lead_department_id", a.leadDepartmentID),
            ("delivery_together", a.deliveryTogether), ("delivery_address", a.deliveryAddressCipher),
            ("channel", a.channel.rawValue), ("status", a.status.rawValue),
            ("form", a.form), ("answers", a.answers), ("idempotency_key", a.idempotencyKey), ("request_digest", a.requestDigest),
            ("submitted_on", a.submittedOn), ("due_on", a.dueOn), ("visits", a.visits), ("created_at", a.createdAt),
            ("submitted_at", a.submittedAt),
        ]
    }

    /// The case's columns, for an insert or an update of the same row.
    package static func columns(_ c: CaseRow) -> [(String, (any Encodable & Sendable)?)] {
        [
            ("id", c.id), ("application_id", c.applicationID), ("position", c.position), ("item_code", c.itemCode),
            ("item_version", c.itemVersion), ("item_name", c.itemName), ("department_name", c.departmentName),
            ("department_id", c.departmentID), ("state", c.state.rawValue), ("record", c.record), ("version", c.version),
            ("due_on", c.dueOn), ("yellow_on", c.yellowOn), ("clock_running", c.clockRunning), ("owed_due", c.owedDue),
            ("verify_due", c.verifyDue),
            ("warning", c.warning.rawValue), ("updated_at", c.updatedAt), ("decided_on", c.decidedOn), ("days_used", c.daysUsed),
            ("promised_days", c.promisedDays), ("region_code", c.regionCode), ("delivery_method", c.deliveryMethod?.rawValue),
        ]
    }

    package mutating func add(_ t: ReviewTask) {
        add(
            ReviewTask.schema,
            [
                ("id", t.id), ("case_id", t.caseID), ("application_id", t.applicationID), ("position", t.position),
                ("kind", t.kind.rawValue), ("name", t.name), ("department_name", t.departmentName), ("department_id", t.departmentID),
                ("parallel_group", t.parallelGroup), ("limit_days", t.limitDays), ("status", t.status.rawValue),
                ("opened_on", t.openedOn), ("due_on", t.dueOn), ("claimed_by", t.claimedBy), ("opinion", t.opinion),
                ("version", t.version), ("completed_at", t.completedAt),
            ])
    }

    package mutating func add(_ e: CaseEvent) {
        add(
            CaseEvent.schema,
            [
                ("id", e.id), ("application_id", e.applicationID), ("case_id", e.caseID), ("at", e.at), ("actor_label", e.actorLabel),
                ("action", e.action), ("from_state", e.fromState), ("to_state", e.toState), ("detail", e.detail),
            ])
    }

    package mutating func add(_ o: OutboxEvent) {
        add(
            OutboxEvent.schema,
            [
                ("id", o.id), ("topic", o.topic), ("subject", o.subject), ("payload", o.payload), ("created_at", o.createdAt),
                ("delivered_at", o.deliveredAt), ("departments", o.departments), ("region_code", o.regionCode),
            ])
    }

    package mutating func add(_ m: StoredMaterial) {
        add(
            StoredMaterial.schema,
            [
                ("id", m.id), ("application_id", m.applicationID), ("material_key", m.materialKey), ("filename", m.filename),
                ("content_type", m.contentType), ("size", m.size), ("sha256", m.sha256), ("uploaded_at", m.uploadedAt),
            ])
    }

    package mutating func add(_ v: ApplicationVisit) {
        add(
            ApplicationVisit.schema,
            [("id", v.id), ("application_id", v.applicationID), ("at", v.at), ("purpose", v.purpose), ("recorded_by", v.recordedBy)])
    }
}
