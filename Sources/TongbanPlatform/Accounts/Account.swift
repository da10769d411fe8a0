import Fluent
import SQLKit
import TongbanCore
import Vapor

/// A person (自然人), an enterprise (法人) or a staff member (工作人员). Personal identifiers are
/// kept encrypted, with a keyed hash for exact lookup.
package final class Account: Model, @unchecked Sendable {
    package static let schema = "accounts"

    package enum Status: String, Codable {
        case active, disabled
        /// Registered with a number its real holder then proved theirs: no sign-in, its rows
        /// kept for review (`frozenAt`, `frozenBy`).
        case frozen
    }

    // managed fields
    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?
    /// Optimistic locking: every change checks and bumps it.
    @Field(key: "version") package var version: Int

    // data fields
    @Field(key: "kind") package var kind: AccountKind
    /// What the account signs in with, normalised: a staff user name, a credit code, or the
    /// keyed hash of an identity number (never the number itself).
    @Field(key: "login_key") package var loginKey: String
    @Field(key: "display_name") package var displayName: String
    @Field(key: "password_hash") package var passwordHash: String
    @Field(key: "status") package var status: Status
    @Field(key: "roles") package var roles: [Role]
    @OptionalParent(key: "department_id") package var department: Department?
    @OptionalField(key: "region_code") package var regionCode: String?
    @OptionalField(key: "id_number_cipher") package var idNumberCipher: String?
    @OptionalField(key: "id_number_hash") package var idNumberHash: String?
    @OptionalField(key: "mobile_cipher") package var mobileCipher: String?
    @OptionalField(key: "mobile_hash") package var mobileHash: String?
    @OptionalField(key: "credit_code") package var creditCode: String?
    @OptionalField(key: "legal_representative") package var legalRepresentative: String?
    /// An enterprise's legal representative as a person account: who confirmed it (实名认证二级)
    /// and who names its handlers (经办人).
    @OptionalField(key: "representative_id") package var representativeID: UUID?
    /// Tokens issued before this instant are no longer accepted (password change, role change).
    @Field(key: "credentials_changed_at") package var credentialsChangedAt: Date
    /// How far the identity is proven (实名认证等级, `AssuranceLevel`'s raw value).
    @Field(key: "assurance_level") package var assuranceLevel: Int
    /// When it was last raised.
    @OptionalField(key: "assurance_at") package var assuranceAt: Date?
    /// When the real holder of its identity number took the number back, and their account.
    @OptionalField(key: "frozen_at") package var frozenAt: Date?
    @OptionalField(key: "frozen_by") package var frozenBy: UUID?

    package init() {}

    package init(kind: AccountKind, loginKey: String, displayName: String, passwordHash: String, at now: Date) {
        self.kind = kind
        self.loginKey = loginKey
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.status = .active
        self.roles = []
        self.version = 1
        self.credentialsChangedAt = now
        self.assuranceLevel = kind == .staff ? AssuranceLevel.verifiedInPerson.rawValue : AssuranceLevel.registered.rawValue
    }

    /// How far the identity is proven.
    package var assurance: AssuranceLevel { AssuranceLevel(rawValue: assuranceLevel) ?? .registered }

    package var actor: Actor {
        get throws {
            Actor(
                accountID: try requireID(), kind: kind, roles: Set(roles), departmentID: $department.id,
                regionCode: regionCode.flatMap { try? RegionCode($0) }, assurance: assurance)
        }
    }

    /// The identity number and mobile, sealed to this account's row (its id is set first if it
    /// has none yet, so the seal names the row the account will have).
    package func seal(identityNumber: String?, mobile: String?, keys: KeyRing) {
        if id == nil { id = UUID() }
        let row = id!
        idNumberCipher = identityNumber.map { keys.seal($0, table: Self.schema, row: row, column: "id_number_cipher") }
        mobileCipher = mobile.map { keys.seal($0, table: Self.schema, row: row, column: "mobile_cipher") }
    }

    package func identityNumber(_ keys: KeyRing) -> String? {
        guard let id, let idNumberCipher else { return nil }
        return keys.open(idNumberCipher, table: Self.schema, row: id, column: "id_number_cipher")
    }

    package func mobile(_ keys: KeyRing) -> String? {
        guard let id, let mobileCipher else { return nil }
        return keys.open(mobileCipher, table: Self.schema, row: id, column: "mobile_cipher")
    }

    package var resource: Resource {
        get throws {
            .account(id: try requireID(), kind: kind, departmentID: $department.id, regionCode: regionCode.flatMap { try? RegionCode($0) })
        }
    }

    /// Login keys: the three kinds sign in with different identifiers, kept apart by a prefix.
    package static func loginKey(staffUsername: String) -> String { "staff:" + staffUsername.lowercased() }
    package static func loginKey(creditCode: CreditCode) -> String { "uscc:" + creditCode.value }
    package static func loginKey(identityNumberHash: String) -> String { "idn:" + identityNumberHash }

    /// People type an identity number, a credit code, or a staff user name into one field.
    package static func loginKey(typed login: String, app: Application) -> String {
        loginKey(typed: login, keys: app.keys, today: app.today)
    }

    package static func loginKey(typed login: String, keys: KeyRing, today: CalendarDate) -> String {
        let trimmed = login.trimmingCharacters(in: .whitespaces)
        if let id = try? IdentityNumber(trimmed, today: today) {
            return loginKey(identityNumberHash: keys.lookupHash(id.value, field: "identity_number"))
        }
        if let code = try? CreditCode(trimmed) { return loginKey(creditCode: code) }
        return loginKey(staffUsername: trimmed)
    }
}

package struct CreateAccount: AsyncMigration {
    package init() {}

    package func prepare(on database: Database) async throws {
        try await database.schema(Account.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("version", .int, .required)
            .field("kind", .string, .required)
            .field("login_key", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("status", .string, .required)
            .field("roles", .array(of: .string), .required)
            .field("department_id", .uuid, .references(Department.schema, "id"))
            .field("region_code", .string, .references(Region.schema, "code"))
            .field("id_number_cipher", .string)
            .field("id_number_hash", .string)
            .field("mobile_cipher", .string)
            .field("mobile_hash", .string)
            .field("credit_code", .string)
            .field("legal_representative", .string)
            .field("credentials_changed_at", .datetime, .required)
            .unique(on: "login_key")
            .unique(on: "id_number_hash")
            .unique(on: "credit_code")
            .create()
        try await database.sql.create(index: "accounts_department_id").on(Account.schema).column("department_id").run()
    }

    package func revert(on database: Database) async throws {
        try await database.schema(Account.schema).delete()
    }
}

/// 29. Accounts' identity numbers and mobiles re-sealed to their rows (L9): `v1:` values, bound
/// only to their column's name, become `v2:` values bound to table, row and column, in pages.
package struct SealAccountCiphersToRows: AsyncMigration {
    let keys: KeyRing

    package init(keys: KeyRing) { self.keys = keys }

    package func prepare(on database: any Database) async throws {
        let keys = self.keys
        let pending: @Sendable (any Database) -> QueryBuilder<Account> = { db in
            // only the columns it rewrites: the model may have gained columns a later migration adds
            Account.query(on: db).field(\.$id).field(\.$idNumberCipher).field(\.$mobileCipher)
                .group(.or) { $0.filter(\.$idNumberCipher, .custom("LIKE"), "v1:%").filter(\.$mobileCipher, .custom("LIKE"), "v1:%") }
        }
        try await ResealInPages.run(pending, on: database) { account in
            // a value the key ring cannot open stops the migration: re-sealing it would lose it
            let number = try account.idNumberCipher.map { try Self.opened(keys.decrypt($0, field: "identity_number"), account) }
            let mobile = try account.mobileCipher.map { try Self.opened(keys.decrypt($0, field: "mobile"), account) }
            account.seal(identityNumber: number, mobile: mobile, keys: keys)
        }
    }

    package func revert(on database: any Database) async throws {}

    private static func opened(_ value: String?, _ account: Account) throws -> String {
        guard let value else {
            throw Abort(.internalServerError, reason: "account \(account.id?.uuidString ?? "?"): a v1 value this key file cannot open")
        }
        return value
    }
}
