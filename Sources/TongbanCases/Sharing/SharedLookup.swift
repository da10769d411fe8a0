import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// A client system reads one subject's record of a resource: its key names the department, a
/// grant of that department must cover the resource, the fields and the purpose (unless the
/// resource is shared unconditionally), the client's clearance decides what is masked. The read
/// and its audit entry are one transaction; a refusal is logged in the audit log and nothing
/// else is written.
package struct SharedLookup {
    package let context: UseCaseContext
    /// The client systems' keys and rate limits.
    package let clients: SharingClients
    /// The data-resource catalog, by code.
    package let resources: [String: DataResource]
    /// Where the lookup's reads go (a pool of their own on SQLite).
    package let readDB: any Database
    /// Shares the read's commit with the others arriving meanwhile.
    package let groupCommit: GroupCommit

    /// The client system a key names, if it is known, not revoked, and within its rate.
    package func client(key: String?) async throws -> SharingClients.Known {
        guard let key, let client = try await clients.authenticate(key, on: readDB) else {
            throw TongbanError(status: .unauthorized, code: "sharing.badKey")
        }
        if let expiresAt = client.expiresAt, expiresAt <= context.now {
            throw TongbanError(status: .unauthorized, code: "sharing.keyExpired")
        }
        if case let .refused(retryAfter) = clients.admit(client, at: context.now) {
            throw TongbanError(status: .tooManyRequests, code: "sharing.rateLimited", headers: ["Retry-After": String(retryAfter)])
        }
        return client
    }

    package func lookup(_ body: DataSharingAPI.LookupBody, by client: SharingClients.Known) async throws -> DataSharingAPI.LookupResult {
        var problems = FieldErrors()
        let resource = body.resource.flatMap { resources[$0] }
        if resource == nil { problems.add("resource", body.resource == nil ? "field.required" : "sharing.unknownResource") }
        let purpose = problems.text("purpose", body.purpose, maxLength: 300)
        let typed = body.subject?.trimmingCharacters(in: .whitespaces) ?? ""
        // the subject as checked (an identity number's x upper-cased), so the record is found however it was typed
        var subject = typed
        if typed.isEmpty {
            problems.add("subject", "field.required")
        } else if let resource {
            if resource.subject == .enterprise {
                do { subject = try CreditCode(typed).value } catch { problems.add("subject", error.rawValue) }
            } else {
                do { subject = try IdentityNumber(typed, today: context.today).value } catch { problems.add("subject", error.rawValue) }
            }
        }
        guard problems.isEmpty, let resource, let purpose else { throw TongbanError.invalid(problems) }
        let fields = body.fields.map { Array(Set($0)).sorted() } ?? []
        for key in fields where resource.field(key) == nil {
            problems.add(FieldError(field: "fields", key: "sharing.unknownField", label: key, labelEn: key))
        }
        if !problems.isEmpty { throw TongbanError.invalid(problems) }

        let reader = "\(client.departmentName) · \(client.name)"
        let today = context.today
        var grantID: UUID? = nil
        // the owner's word caps what the requester's own systems claim: unconditional data is
        // never read unmasked above `sensitive`, granted data not above what the grant says
        var ceiling = SharingGrant.defaultClearance
        var allowed = fields.isEmpty ? resource.fields.map(\.key) : fields
        let subjectKey = DataResourceFile.subjectKey(subject, kind: resource.subject, keys: context.keys)
        let record: RecordRow?
        switch resource.sharing {
        case .notShared:
            try await refuse("sharing.notShared", resource: resource, client: client, reader: reader, purpose: purpose)
        case .unconditional:
            record = try await Self.record(of: resource.code, subjectKey: subjectKey, on: readDB)
        case .conditional:
            let grants: [ApprovedGrant]
            (grants, record) = try await Self.grantsAndRecord(
                of: client.departmentID, resource: resource.code, subjectKey: subjectKey,
                on: readDB)
            var refusal = GrantScope.Refusal.notGranted
            for grant in grants {
                guard let scope = grant.scope(resource: resource.code) else { continue }
                switch scope.check(
                    resource: resource.code, fields: fields.isEmpty ? scope.fields.sorted() : fields, purpose: purpose, today: today)
                {
                case .success:
                    grantID = grant.id
                    ceiling = grant.max_clearance.flatMap(Sensitivity.init(rawValue:)) ?? SharingGrant.defaultClearance
                    if fields.isEmpty { allowed = SharingGrant.fieldKeys(grant.fields) }
                case let .failure(reason): refusal = reason
                }
                if grantID != nil { break }
            }
            if grantID == nil {
                try await refuse(refusal.rawValue, resource: resource, client: client, reader: reader, purpose: purpose)
            }
        }

        guard let record else {
            throw TongbanError(status: .notFound, code: "sharing.noRecord")
        }
        let clearance = min(client.clearance, ceiling)
        let shown = resource.view(
            SharedRecord.values(of: record.data, resource: resource.code, subjectKey: subjectKey, keys: context.keys), fields: allowed,
            clearance: clearance)
        let masked = allowed.filter { key in resource.field(key).map { $0.sensitivity > clearance } ?? false && shown[key] != nil }
        let now = context.now
        try await DataReads.record(
            [
                DataReads.Read(
                    subjectID: record.subject_id, readerID: client.id, readerLabel: reader,
                    source: "data:\(resource.code)", sourceName: resource.name, fields: allowed.filter { shown[$0] != nil },
                    purpose: purpose, basis: grantID.map { "grant:\($0.uuidString)" } ?? "unconditional")
            ],
            requestID: context.requestID, keys: context.keys, on: context.db, groupCommit: groupCommit, at: now)
        let maskedSubject = resource.subject == .enterprise ? subject : Masking.identityNumber(subject)
        return DataSharingAPI.LookupResult(
            resource: resource.code, subject: maskedSubject, fields: shown, masked: masked, grant: grantID, readAt: now,
            asOf: record.as_of)
    }

    // A lookup's reads name only the columns it uses, in SQL written once (through Fluent's
    // query builder, building and decoding whole rows was a fifth of a lookup's time), and a
    // lookup under a grant reads the grants and the record in one round trip.

    package struct ApprovedGrant: Decodable {
        package let id: UUID
        package let fields: String
        package let purpose: String
        package let last_day: String?
        package let max_clearance: String?

        package func scope(resource: String) -> GrantScope? {
            SharingGrant.scope(resource: resource, fields: fields, purpose: purpose, lastDay: last_day, approved: true)
        }
    }

    package struct RecordRow: Decodable {
        package let subject_id: UUID?
        package let data: String
        /// When the owner says the record was true (as loaded), or when it was last written.
        package let as_of: Date
    }

    /// A department's approved grants for a resource (`sharing_grants_by_requester`) and the
    /// subject's record in it: one row per grant (or one without), each carrying the record.
    package static func grantsAndRecord(
        of department: UUID, resource: String, subjectKey: String,
        on db: any Database
    ) async throws -> (grants: [ApprovedGrant], record: RecordRow?) {
        struct Row: Decodable {
            let grant_id: UUID?, grant_fields: String?, grant_purpose: String?, grant_last_day: String?, grant_max_clearance: String?
            let record_subject_id: UUID?, record_data: String?, record_as_of: Date?
        }
        let rows = try await db.sql.raw(
            """
            SELECT g.id AS grant_id, g.fields AS grant_fields, g.purpose AS grant_purpose, g.last_day AS grant_last_day, g.max_clearance AS grant_max_clearance,
                   r.subject_id AS record_subject_id, r.data AS record_data, COALESCE(r.as_of, r.updated_at) AS record_as_of
            FROM (SELECT 1 AS anchor) AS one
            LEFT JOIN shared_records r ON r.resource_code = \(bind: resource) AND r.subject_key = \(bind: subjectKey)
            LEFT JOIN sharing_grants g ON g.requester_id = \(bind: department) AND g.resource_code = \(bind: resource)
                AND g.status = \(bind: SharingGrant.Status.approved.rawValue)
            """
        ).all(decoding: Row.self)
        let grants = rows.compactMap { row in
            row.grant_id.map {
                ApprovedGrant(
                    id: $0, fields: row.grant_fields ?? "", purpose: row.grant_purpose ?? "", last_day: row.grant_last_day,
                    max_clearance: row.grant_max_clearance)
            }
        }
        // `data` is never NULL in a stored record: NULL here means there is none
        let record = rows.first.flatMap { row in
            row.record_data.map {
                RecordRow(subject_id: row.record_subject_id, data: $0, as_of: row.record_as_of ?? Date(timeIntervalSince1970: 0))
            }
        }
        return (grants, record)
    }

    /// A subject's record in a resource (unique on resource and subject key).
    package static func record(of resource: String, subjectKey: String, on db: any Database) async throws -> RecordRow? {
        try await db.sql.raw(
            """
            SELECT subject_id, data, COALESCE(as_of, updated_at) AS as_of FROM shared_records WHERE resource_code = \(bind: resource) AND subject_key = \(bind: subjectKey)
            """
        ).first(decoding: RecordRow.self)
    }

    /// Logs the refused request in the audit log, then refuses it.
    package func refuse(
        _ reason: String, resource: DataResource, client: SharingClients.Known, reader: String,
        purpose: String
    ) async throws -> Never {
        let event = AuditEvent(
            actorID: client.id, actorLabel: reader, action: "data.refused", resource: "data:\(resource.code)",
            purpose: purpose, requestID: context.requestID, details: reason)
        try await AuditLog.append(event, on: context.db, now: context.now)
        throw TongbanError(status: .forbidden, code: reason)
    }
}
