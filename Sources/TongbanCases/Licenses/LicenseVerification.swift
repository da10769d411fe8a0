import Fluent
import Foundation
import JWT
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

extension LicenseVerdict {
    /// The registry's public word on a licence: no holder, no contents.
    package var withoutHolder: LicenseVerdict { copy(message: message, withHolder: false) }

    /// The same verdict, worded otherwise.
    package func saying(_ text: String) -> LicenseVerdict { copy(message: text, withHolder: holderName != nil) }

    private func copy(message: String, withHolder: Bool) -> LicenseVerdict {
        LicenseVerdict(
            outcome: outcome, reason: reason, message: message, identifier: identifier, typeName: typeName,
            holderName: withHolder ? holderName : nil, holderCode: withHolder ? holderCode : nil, issuerName: issuerName,
            issuerCode: issuerCode, issuedOn: issuedOn, validUntil: validUntil, status: status, fields: withHolder ? fields : [],
            tamperedFields: tamperedFields)
    }
}

/// What anyone holding a licence token learns from the platform: whether its signature is one of
/// ours and untouched, and what the issuer's registry says of it now.
package struct LicenseVerdict: Content {
    package struct Field: Content {
        package let key: String
        package let label: String
        package let value: String
    }

    /// valid, invalid, suspended, withdrawn, cancelled, expired, revoked
    package let outcome: String
    /// For `invalid`: malformed, unknownKey, badSignature, tampered, notRegistered.
    package let reason: String?
    package let message: String
    package let identifier: String?
    package let typeName: String?
    package let holderName: String?
    package let holderCode: String?
    package let issuerName: String?
    package let issuerCode: String?
    package let issuedOn: String?
    package let validUntil: String?
    /// The standard's status code (01 有效 …) in the registry.
    package let status: String?
    package let fields: [Field]
    /// For `tampered`: what differs from the licence as issued.
    package let tamperedFields: [String]
}

/// Verifying a licence token: its signature against the platform's keys, then the registry's
/// word on it now. The hot path of the platform (anyone may verify, a checkpoint thousands of
/// times a second), so its parts are the process-wide caches, named.
package struct LicenseVerification: Sendable {
    /// Where a signing key another process made is looked up, with the key ring that opens it.
    package let context: UseCaseContext
    package let keys: LicenseKeys
    /// Where the registry is read: the read connections; on PostgreSQL reads asked for together
    /// are read together (coalescing saves round trips to a server; SQLite, in process, has none).
    package let readDB: any Database
    package let coalescer: ReadCoalescer<String, Entry>?
    package let types: [String: LicenseType]
    package let wording: Wording
    /// Where a presented licence's read is recorded for its holder (shared with other writes).
    package var groupCommit: GroupCommit? = nil

    /// A licence presented by whoever holds its token: the verdict with the holder and every
    /// field, and the read recorded for the holder (their data-access page lists it).
    package func verifyPresented(_ raw: String) async throws -> LicenseVerdict {
        let (verdict, record) = try await check(raw)
        if let record, verdict.outcome != "invalid", let holder = record.holder_id {
            let reader = context.account
            let read = DataReads.Read(
                subjectID: holder, readerID: reader?.id, readerLabel: reader?.auditLabel ?? "anonymous",
                source: "license:\(record.identifier)",
                sourceName: record.type_name, fields: verdict.fields.map(\.key), purpose: "出示电子证照核验", basis: "presented")
            try await DataReads.record(
                [read], requestID: context.requestID, keys: context.keys, on: context.db, groupCommit: groupCommit, at: context.now)
        }
        return verdict
    }

    /// A licence looked up by its identifier alone (a verification link, a printed code): what
    /// the registry says of it — type, issuer, dates, status — without its holder or contents,
    /// which only the token itself opens.
    package func lookUp(_ identifier: String) async throws -> LicenseVerdict? {
        guard let record = try await registry(identifier.uppercased()) else { return nil }
        let outcome = Self.outcome(record, today: context.today)
        // no signature was checked here: a valid one is vouched for by the registry alone
        let found = verdict(outcome, reason: nil, record: record, tampered: []).withoutHolder
        guard outcome == "valid" else { return found }
        return found.saying(wording.t("license.verdict.registered"))
    }

    package func verify(_ raw: String) async throws -> LicenseVerdict {
        try await check(raw).verdict
    }

    static func outcome(_ record: Entry, today: CalendarDate) -> String {
        let outcome =
            switch record.licenseStatus {
            case .valid: "valid"
            case .suspended: "suspended"
            case .withdrawn: "withdrawn"
            case .cancelled: "cancelled"
            case .expired: "expired"
            case .revoked: "revoked"
            }
        if outcome == "valid", let until = record.valid_until, until < today.description { return "expired" }
        return outcome
    }

    private func check(_ raw: String) async throws -> (verdict: LicenseVerdict, record: Entry?) {
        // Foundation's trimming goes through UTF-16 on Linux: only a pasted token with spaces around needs it
        let token =
            raw.first?.isWhitespace == true || raw.last?.isWhitespace == true ? raw.trimmingCharacters(in: .whitespacesAndNewlines) : raw
        guard !token.isEmpty, token.utf8.count <= 20_000 else { return (invalid("malformed"), nil) }
        let claims: LicenseClaims
        do {
            claims = try await keys.verify(token, db: context.db, keyRing: context.keys)
        } catch .malformed {
            return (invalid("malformed"), nil)
        } catch .unknownKey {
            return (invalid("unknownKey"), nil)
        } catch .badSignature {
            // a token that reads as one of ours but was changed: name what was changed
            guard let unverified = LicenseKeys.claims(of: token), let record = try await registry(unverified.jti.value) else {
                return (invalid("badSignature"), nil)
            }
            let changed = Self.differences(unverified, record, keys: context.keys)
            return (invalid(changed.isEmpty ? "badSignature" : "tampered", record: record, tampered: changed), nil)
        }
        guard (try? LicenseIdentifier(claims.jti.value)) != nil else { return (invalid("malformed"), nil) }
        guard let record = try await registry(claims.jti.value) else { return (invalid("notRegistered"), nil) }
        return (verdict(Self.outcome(record, today: context.today), reason: nil, record: record, tampered: []), record)
    }

    /// The registry's entry for a licence: one indexed read of the columns a verdict shows.
    package struct Entry: Decodable, Sendable {
        package let id: UUID
        package let identifier: String
        package let type_code: String
        package let type_name: String
        package let holder_name: String
        package let holder_code: String
        package let issuer_code: String
        package let issuer_name: String
        package let fields: String
        package let issued_on: String
        package let valid_until: String?
        package let status: String
        package let holder_id: UUID?

        /// The fields, opened from their sealed cell.
        package func fieldValues(_ keys: KeyRing) -> [String: String] { LicenseRecord.fieldValues(fields, id: id, keys: keys) }
        package var licenseStatus: LicenseStatus { LicenseStatus(rawValue: status) ?? .valid }
    }

    package func registry(_ identifier: String) async throws -> Entry? {
        guard let coalescer, readDB.isPostgres else { return try await Self.registry([identifier], on: readDB)[identifier] }
        return try await coalescer.read(identifier)
    }

    /// The registry's entries for these identifiers: one indexed read for all of them.
    package static func registry(_ identifiers: [String], on db: any Database) async throws -> [String: Entry] {
        let rows = try await db.sql.raw(
            """
            SELECT id, identifier, type_code, type_name, holder_name, holder_code, issuer_code, issuer_name, fields, issued_on, valid_until, status,
              holder_id
            FROM licenses WHERE identifier IN (\(SQLList(identifiers.map { SQLBind($0) })))
            """
        ).all(decoding: Entry.self)
        return Dictionary(rows.map { ($0.identifier, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The claims that differ from the registry's licence.
    package static func differences(_ claims: LicenseClaims, _ record: Entry, keys: KeyRing) -> [String] {
        var changed: [String] = []
        if claims.sub.value != record.holder_code { changed.append("holderCode") }
        if claims.holderName != record.holder_name { changed.append("holderName") }
        if claims.iss.value != record.issuer_code { changed.append("issuerCode") }
        if claims.issuerName != record.issuer_name { changed.append("issuerName") }
        if claims.issuedOn != record.issued_on { changed.append("issuedOn") }
        if claims.validUntil != record.valid_until { changed.append("validUntil") }
        if claims.typeName != record.type_name { changed.append("typeName") }
        let stored = record.fieldValues(keys)
        for key in Set(stored.keys).union(claims.fields.keys).sorted() where stored[key] != claims.fields[key] {
            changed.append("fields.\(key)")
        }
        return changed
    }

    package func invalid(_ reason: String, record: Entry? = nil, tampered: [String] = []) -> LicenseVerdict {
        verdict("invalid", reason: reason, record: record, tampered: tampered)
    }

    package func verdict(_ outcome: String, reason: String?, record: Entry?, tampered: [String]) -> LicenseVerdict {
        let type = record.flatMap { types[$0.type_code] }
        let english = wording.english
        let values = record?.fieldValues(context.keys) ?? [:]
        let fields = (type?.fields ?? []).compactMap { f in
            values[f.key].map { LicenseVerdict.Field(key: f.key, label: english ? f.labelEn : f.label, value: $0) }
        }
        // an invalid token's contents are not vouched for: only the registry's identity of what it claims to be
        return LicenseVerdict(
            outcome: outcome, reason: reason, message: wording.t(reason.map { "license.verdict.\($0)" } ?? "license.verdict.\(outcome)"),
            identifier: record?.identifier, typeName: record?.type_name, holderName: outcome == "invalid" ? nil : record?.holder_name,
            holderCode: outcome == "invalid" ? nil : record?.holder_code, issuerName: record?.issuer_name, issuerCode: record?.issuer_code,
            issuedOn: record?.issued_on, validUntil: record?.valid_until, status: record?.status,
            fields: outcome == "invalid" ? [] : fields, tamperedFields: tampered)
    }
}

extension Application {
    private struct LicenseRegistryKey: StorageKey { typealias Value = ReadCoalescer<String, LicenseVerification.Entry> }

    /// Verification's registry reads: those asked for together are read together (made at
    /// configuration, before any request).
    package var licenseRegistry: ReadCoalescer<String, LicenseVerification.Entry> {
        if let existing = storage[LicenseRegistryKey.self] { return existing }
        let made = ReadCoalescer<String, LicenseVerification.Entry> { [weak self] identifiers in
            guard let self else { return [:] }
            return try await LicenseVerification.registry(identifiers, on: self.readDB)
        }
        storage[LicenseRegistryKey.self] = made
        return made
    }
}

extension Request {
    package var licenseVerification: LicenseVerification {
        LicenseVerification(
            context: context, keys: application.licenseKeys, readDB: readDB, coalescer: application.licenseRegistry,
            types: application.licenseTypes, wording: wording, groupCommit: application.groupCommit)
    }
}
