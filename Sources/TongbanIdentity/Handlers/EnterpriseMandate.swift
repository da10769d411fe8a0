import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform

/// 经办人授权: a legal representative's mandate for a person to act for the enterprise, for every
/// item or the listed ones, through `validUntil` (Beijing date), unless revoked first. Never
/// deleted: the enterprise's record of who could act when.
package final class EnterpriseMandate: Model, @unchecked Sendable {
    package static let schema = "enterprise_handlers"

    @ID(key: .id) package var id: UUID?
    @Field(key: "enterprise_id") package var enterpriseID: UUID
    @Field(key: "person_id") package var personID: UUID
    /// The person's name as their proven account had it when named.
    @Field(key: "person_name") package var personName: String
    /// Catalog codes of items or bundles; nil: every item.
    @OptionalField(key: "item_codes") package var itemCodes: [String]?
    @Field(key: "valid_until") package var validUntil: String
    @Field(key: "granted_by") package var grantedBy: UUID
    @Field(key: "granted_at") package var grantedAt: Date
    @OptionalField(key: "revoked_at") package var revokedAt: Date?
    @OptionalField(key: "revoked_by") package var revokedBy: String?

    package init() {}

    package init(enterpriseID: UUID, person: Account, terms: MandateTerms, grantedBy: UUID, at now: Date) throws {
        id = UUID.timeOrdered(at: now)
        self.enterpriseID = enterpriseID
        personID = try person.requireID()
        personName = person.displayName
        itemCodes = terms.itemCodes
        validUntil = terms.validUntil.description
        self.grantedBy = grantedBy
        grantedAt = now
    }

    /// Whether it still lets the person act on `day`.
    package func isLive(on day: CalendarDate) -> Bool {
        guard let until = CalendarDate(iso: validUntil) else { return false }
        return MandateTerms.isLive(validUntil: until, revoked: revokedAt != nil, on: day)
    }

}

/// 32. 经办人: the mandates legal representatives give persons to act for their enterprises; an
/// enterprise knows its representative's account (filled from the confirmations already passed);
/// a web session may act for an enterprise; audit entries name the person behind an enterprise.
package struct CreateEnterpriseHandlers: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(EnterpriseMandate.schema)
            .id()
            .field("enterprise_id", .uuid, .required, .references(Account.schema, "id"))
            .field("person_id", .uuid, .required, .references(Account.schema, "id"))
            .field("person_name", .string, .required)
            .field("item_codes", .array(of: .string))
            .field("valid_until", .string, .required)
            .field("granted_by", .uuid, .required)
            .field("granted_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("revoked_by", .string)
            .create()
        try await database.sql.create(index: "enterprise_handlers_person").on(EnterpriseMandate.schema)
            .column("person_id").column("enterprise_id").run()
        try await database.sql.create(index: "enterprise_handlers_enterprise").on(EnterpriseMandate.schema)
            .column("enterprise_id").column("granted_at").run()
        try await database.schema(Account.schema).field("representative_id", .uuid).update()
        try await database.schema("web_sessions").field("acting_for_id", .uuid).update()
        try await database.schema(AuditEntry.schema).field("agent_id", .string).update()
        try await database.sql.create(index: "audit_entries_actor").on(AuditEntry.schema).column("actor_id").column("sequence").run()
        // the representatives who already confirmed their enterprises (实名认证二级)
        try await database.sql.raw(
            """
            UPDATE accounts SET representative_id = (
                SELECT person.id FROM identity_challenges c JOIN accounts person ON person.id_number_hash = c.subject_hash
                WHERE c.account_id = accounts.id AND c.purpose = 'representative' AND c.state = 'passed' AND person.kind = 'person'
                ORDER BY c.created_at DESC LIMIT 1)
            WHERE kind = 'enterprise'
            """
        ).run()
    }

    package func revert(on database: any Database) async throws {
        try await database.sql.drop(index: "audit_entries_actor").run()
        try await database.schema(AuditEntry.schema).deleteField("agent_id").update()
        try await database.schema("web_sessions").deleteField("acting_for_id").update()
        try await database.schema(Account.schema).deleteField("representative_id").update()
        try await database.schema(EnterpriseMandate.schema).delete()
    }
}

extension Agency {
    /// Whether `person` may act for the enterprise `enterpriseID` on `day`, and within what: as
    /// its legal representative (every item), or by a live mandate. Only a proven person (Level 2
    /// or more) acts for an enterprise.
    package static func resolve(person: Account, enterprise: Account, on day: CalendarDate, db: any Database) async throws -> Agency? {
        guard person.kind == .person, person.status == .active, person.assurance >= .binding, enterprise.kind == .enterprise,
            enterprise.status == .active
        else { return nil }
        let personID = try person.requireID()
        if enterprise.representativeID == personID {
            return Agency(person: person, agent: Agent(personID: personID, itemCodes: nil), mandateID: nil)
        }
        let mandates = try await EnterpriseMandate.query(on: db).filter(\.$personID == personID)
            .filter(\.$enterpriseID == enterprise.requireID()).filter(\.$revokedAt == nil).all()
        let live = mandates.filter { $0.isLive(on: day) }.sorted { $0.grantedAt > $1.grantedAt }
        guard let latest = live.first else { return nil }
        // several mandates add up; one for every item covers every item
        let items: Set<String>? =
            live.contains { $0.itemCodes == nil } ? nil : live.reduce(into: Set<String>()) { $0.formUnion($1.itemCodes ?? []) }
        return Agency(person: person, agent: Agent(personID: personID, itemCodes: items), mandateID: try latest.requireID())
    }
}
