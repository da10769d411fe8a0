import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 经办人: a legal representative names proven persons (Level 2 or more) to act for the
/// enterprise, for every item or the listed ones, until a day; revokes them; and, with the
/// enterprise's own sign-in, sees who did what. A person sees the enterprises they may act for.
package struct EnterpriseHandlers {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    /// Live mandates an enterprise may hold at once.
    package static let mostLive = 50

    package struct GrantBody: Content {
        package var identityNumber: String?
        package var name: String?
        /// Catalog codes of items or bundles; absent or empty: every item.
        package var itemCodes: [String]?
        package var validUntil: String?

        package init(identityNumber: String? = nil, name: String? = nil, itemCodes: [String]? = nil, validUntil: String? = nil) {
            self.identityNumber = identityNumber
            self.name = name
            self.itemCodes = itemCodes
            self.validUntil = validUntil
        }
    }

    package struct Handler: Content, Equatable {
        package let id: UUID
        package let personName: String
        package let itemCodes: [String]?
        package let validUntil: String
        package let grantedAt: Date
        package let revokedAt: Date?
        package let live: Bool
    }

    /// An enterprise a person may act for, and on what footing.
    package struct Represented: Content, Equatable {
        package let enterpriseID: UUID
        package let name: String
        package let creditCode: String
        /// `representative` (by law, every item) or `handler` (by mandate).
        package let role: String
        package let itemCodes: [String]?
        package let validUntil: String?
    }

    /// One thing done in the enterprise's name, and who did it.
    package struct Act: Content, Equatable {
        package let at: Date
        package let action: String
        package let resource: String
        /// `enterprise:… by person:…`, or the enterprise's own sign-in.
        package let actor: String
        package let agentID: UUID?
    }

    // MARK: the person's side

    /// The enterprises the signed-in person may act for now.
    package func represented() async throws -> [Represented] {
        let person = try signedInPerson()
        let id = try person.requireID()
        let today = context.today
        var found: [UUID: Represented] = [:]
        let mandates = try await EnterpriseMandate.query(on: context.db).filter(\.$personID == id).filter(\.$revokedAt == nil).all()
            .filter { $0.isLive(on: today) }
        let represented = try await Account.query(on: context.db).filter(\.$representativeID == id).filter(\.$status == .active).all()
        let mandated = try await Account.query(on: context.db).filter(\.$id ~~ mandates.map(\.enterpriseID)).filter(\.$status == .active)
            .all()
        for enterprise in mandated {
            let own = mandates.filter { $0.enterpriseID == enterprise.id }
            let every = own.contains { $0.itemCodes == nil }
            found[try enterprise.requireID()] = Represented(
                enterpriseID: try enterprise.requireID(), name: enterprise.displayName, creditCode: enterprise.creditCode ?? "",
                role: "handler", itemCodes: every ? nil : Array(Set(own.flatMap { $0.itemCodes ?? [] })).sorted(),
                validUntil: own.map(\.validUntil).max())
        }
        for enterprise in represented where enterprise.kind == .enterprise {
            found[try enterprise.requireID()] = Represented(
                enterpriseID: try enterprise.requireID(), name: enterprise.displayName, creditCode: enterprise.creditCode ?? "",
                role: "representative", itemCodes: nil, validUntil: nil)
        }
        return found.values.sorted { $0.name < $1.name }
    }

    /// The footing on which the signed-in person acts for the enterprise, refused when there is none.
    package func agency(for enterpriseID: UUID?) async throws -> (enterprise: Account, agency: Agency) {
        let person = try signedInPerson()
        // only a proven person acts for an enterprise (实名认证二级)
        guard person.assurance >= .binding else { throw TongbanError.denied(.assuranceTooLow) }
        guard let enterpriseID, let enterprise = try await Account.find(enterpriseID, on: context.db), enterprise.kind == .enterprise
        else { throw TongbanError.notFound("enterprise") }
        guard let agency = try await Agency.resolve(person: person, enterprise: enterprise, on: context.today, db: context.db) else {
            throw TongbanError.denied(.outsideMandate)
        }
        return (enterprise, agency)
    }

    /// Starts or ends acting for an enterprise in a web session (`nil`: be oneself again).
    package func act(for enterpriseID: UUID?, session tokenHash: String) async throws {
        let now = context.now
        if let enterpriseID {
            let (enterprise, agency) = try await agency(for: enterpriseID)
            let started = try actingStarted(enterprise, agency, in: "web session")
            try await context.db.write { tx in
                try await WebSession.query(on: tx).filter(\.$id == tokenHash).set(\.$actingForID, to: enterpriseID).update()
                try await AuditLog.append(started, on: tx, now: now)
            }
        } else {
            try await context.db.write { tx in
                try await WebSession.query(on: tx).filter(\.$id == tokenHash).set(\.$actingForID, to: nil).update()
            }
        }
    }

    package struct ActingToken: Content {
        package let accessToken: String
        package let tokenType: String
        package let expiresIn: Int
        package let enterpriseID: UUID
        /// The items the person may act on; absent: every item.
        package let itemCodes: [String]?
    }

    /// An access token whose subject is the enterprise and whose `act` claim names the person
    /// (RFC 8693), at the lower of the two's assurance levels. No refresh token: the person asks
    /// again with their own. The mandate is checked on every request, so a revocation takes
    /// effect at once.
    package func actingToken(
        for enterpriseID: UUID?, lifetime: TimeInterval, sign: @Sendable (AccessTokenPayload) async throws -> String
    ) async throws -> ActingToken {
        let (enterprise, agency) = try await agency(for: enterpriseID)
        let now = context.now
        let id = try enterprise.requireID()
        let level = min(enterprise.assurance, agency.person.assurance)
        let payload = AccessTokenPayload(
            sub: .init(value: id.uuidString), exp: .init(value: now.addingTimeInterval(lifetime)), iat: .init(value: now),
            kind: enterprise.kind.rawValue, acr: AccessTokenPayload.acr(level), act: .init(sub: try agency.person.requireID().uuidString))
        let token = try await sign(payload)
        try await AuditLog.append(try actingStarted(enterprise, agency, in: "api token"), on: context.db, now: now)
        return ActingToken(
            accessToken: token, tokenType: "Bearer", expiresIn: Int(lifetime), enterpriseID: id,
            itemCodes: agency.agent.itemCodes.map { $0.sorted() })
    }

    /// The entry that opens a stretch of acting for the enterprise, in a web session or with a token.
    private func actingStarted(_ enterprise: Account, _ agency: Agency, in how: String) throws -> AuditEvent {
        context.acting(as: enterprise, through: agency).auditEvent(
            "enterprise.acting.start", resource: "account:\(try enterprise.requireID())",
            details: how + "; " + (agency.mandateID.map { "mandate \($0)" } ?? "legal representative"))
    }

    // MARK: the enterprise's side

    /// The enterprise's handlers, live first, then the ended ones (newest first).
    package func handlers(of enterpriseID: UUID?) async throws -> [Handler] {
        try await handlers(of: try await load(enterpriseID))
    }

    /// The enterprise's handlers page in one: the enterprise, read once, its handlers and its
    /// latest acts.
    package struct Overview: Sendable {
        package let enterprise: Account
        package let resource: Resource
        package let handlers: [Handler]
        package let acts: [Act]
    }

    package func overview(of enterpriseID: UUID?, acts limit: Int) async throws -> Overview {
        let enterprise = try await load(enterpriseID)
        return Overview(
            enterprise: enterprise, resource: try Self.resource(enterprise), handlers: try await handlers(of: enterprise),
            acts: try await acts(of: enterprise, limit: limit))
    }

    private func handlers(of enterprise: Account) async throws -> [Handler] {
        try context.authorize(.view, Self.resource(enterprise))
        let rows = try await EnterpriseMandate.query(on: context.db).filter(\.$enterpriseID == enterprise.requireID())
            .sort(\.$grantedAt, .descending).limit(200).all()
        let today = context.today
        return try rows.map { try Self.dto($0, today: today) }.sorted { $0.live && !$1.live }
    }

    /// The legal representative names a proven person as a handler.
    package func grant(to enterpriseID: UUID?, _ body: GrantBody) async throws -> Handler {
        let enterprise = try await load(enterpriseID)
        try context.authorize(.create, Self.resource(enterprise))
        let today = context.today
        var problems = FieldErrors()
        let number = problems.check("identityNumber") { () throws(IdentityNumber.Problem) in
            try IdentityNumber(body.identityNumber ?? "", today: today)
        }
        let name = problems.text("name", body.name, maxLength: 50)
        var terms: MandateTerms?
        if let until = CalendarDate(iso: body.validUntil ?? "") {
            do {
                terms = try MandateTerms(itemCodes: body.itemCodes, validUntil: until, today: today)
            } catch {
                problems.add(error == .tooManyItems || error == .itemCodeInvalid ? "itemCodes" : "validUntil", error.rawValue)
            }
        } else {
            problems.add("validUntil", "field.invalidDate")
        }
        guard problems.isEmpty, let number, let name, let terms else { throw TongbanError.invalid(problems) }
        if let codes = terms.itemCodes {
            let published = try await CatalogEntry.query(on: context.db).filter(\.$code ~~ codes).filter(\.$status == .published).all()
            let unknown = Set(codes).subtracting(published.map(\.code))
            if !unknown.isEmpty {
                throw TongbanError(
                    status: .unprocessableEntity, code: "handlers.unknownItems",
                    arguments: ["codes": unknown.sorted().joined(separator: "、")],
                    fields: [FieldError(field: "itemCodes", key: "handlers.unknownItem")])
            }
        }
        let hash = context.keys.lookupHash(number.value, field: "identity_number")
        guard
            let person = try await Account.query(on: context.db).filter(\.$idNumberHash == hash).filter(\.$kind == .person)
                .filter(\.$status == .active).first(),
            PersonName.sameName(name, person.displayName)
        else { throw TongbanError.invalid(field: "identityNumber", "handlers.personUnknown") }
        guard person.assurance >= .binding else { throw TongbanError.invalid(field: "identityNumber", "handlers.personNotProven") }
        let enterpriseID = try enterprise.requireID()
        guard person.id != enterprise.representativeID else {
            throw TongbanError.invalid(field: "identityNumber", "handlers.isRepresentative")
        }
        let now = context.now
        let grantor = try context.agency?.person.requireID() ?? context.requireAccount().requireID()
        let mandate = try EnterpriseMandate(enterpriseID: enterpriseID, person: person, terms: terms, grantedBy: grantor, at: now)
        let personID = try person.requireID()
        try await context.db.write { tx in
            // counted with the enterprise's lock held: grants sent together are counted one by one
            try await tx.lockUntilCommit("quota:\(enterpriseID)")
            let live = try await EnterpriseMandate.query(on: tx).filter(\.$enterpriseID == enterpriseID).filter(\.$revokedAt == nil)
                .all().filter { $0.isLive(on: today) }.count
            guard live < Self.mostLive else { throw TongbanError.conflict("quota.handlers", ["limit": String(Self.mostLive)]) }
            try await mandate.create(on: tx)
            try await OutboxEvent(
                .handlerNamed, subject: try mandate.requireID().uuidString,
                payload: [
                    "account": personID.uuidString, "enterprise": enterprise.displayName, "until": terms.validUntil.description,
                    "items": terms.itemCodes?.joined(separator: "、") ?? "",
                ],
                audience: EventAudience(regionCode: enterprise.regionCode.flatMap { try? RegionCode($0) }), at: now
            ).create(on: tx)
            try await AuditLog.append(
                context.auditEvent(
                    "enterprise.handler.granted", resource: "account:\(enterpriseID)",
                    details:
                        "handler account:\(personID) until \(terms.validUntil); items: \(terms.itemCodes?.joined(separator: ",") ?? "all")"),
                on: tx, now: now)
        }
        return try Self.dto(mandate, today: today)
    }

    /// The representative (or the enterprise's own sign-in) revokes a mandate, at once.
    package func revoke(_ mandateID: UUID?, of enterpriseID: UUID?) async throws {
        let enterprise = try await load(enterpriseID)
        try context.authorize(.handle, Self.resource(enterprise))
        guard let mandateID, let mandate = try await EnterpriseMandate.find(mandateID, on: context.db),
            mandate.enterpriseID == enterprise.id
        else { throw TongbanError.notFound("handler") }
        guard mandate.revokedAt == nil else { throw TongbanError.conflict("handlers.alreadyRevoked") }
        let now = context.now
        let by = context.actorLabel ?? "anonymous"
        try await context.db.write { tx in
            let revoked = try await tx.sql.update(EnterpriseMandate.schema).set("revoked_at", to: SQLBind(now))
                .set("revoked_by", to: SQLBind(by)).where("id", .equal, SQLBind(mandateID)).where("revoked_at", .is, SQLLiteral.null)
                .returning("id").all()
            guard !revoked.isEmpty else { throw TongbanError.conflict("handlers.alreadyRevoked") }
            try await AuditLog.append(
                context.auditEvent(
                    "enterprise.handler.revoked", resource: "account:\(try enterprise.requireID())",
                    details: "handler account:\(mandate.personID)"),
                on: tx, now: now)
        }
    }

    /// What was done in the enterprise's name, newest first: by its own sign-in and by each handler.
    package func acts(of enterpriseID: UUID?, limit: Int = 100) async throws -> [Act] {
        try await acts(of: try await load(enterpriseID), limit: limit)
    }

    private func acts(of enterprise: Account, limit: Int) async throws -> [Act] {
        try context.authorize(.view, Self.resource(enterprise))
        let rows = try await AuditEntry.query(on: context.db).filter(\.$actorID == enterprise.requireID().uuidString)
            .sort(\.$id, .descending).limit(min(max(limit, 1), 500)).all()
        return rows.map { row in
            row.opened(context.keys)
            return Act(
                at: Date(timeIntervalSince1970: Double(row.atMillis) / 1000), action: row.action, resource: row.resource,
                actor: row.actorLabel, agentID: row.agentID.flatMap(UUID.init(uuidString:)))
        }
    }

    // MARK: helpers

    static func resource(_ enterprise: Account) throws -> Resource {
        .enterpriseHandlers(enterpriseID: try enterprise.requireID(), representativeID: enterprise.representativeID)
    }

    private func load(_ enterpriseID: UUID?) async throws -> Account {
        _ = try context.requireAccount()
        guard let enterpriseID, let enterprise = try await Account.find(enterpriseID, on: context.db), enterprise.kind == .enterprise
        else { throw TongbanError.notFound("enterprise") }
        // someone with no part in it is told it does not exist
        guard context.allows(.view, try Self.resource(enterprise)) else { throw TongbanError.notFound("enterprise") }
        return enterprise
    }

    /// The signed-in person: themselves, or the person behind the enterprise they act for (who
    /// may switch to another of their enterprises).
    private func signedInPerson() throws -> Account {
        let account = try context.requireAccount()
        if let agency = context.agency { return agency.person }
        guard account.kind == .person else { throw TongbanError.denied(.notApplicable) }
        return account
    }

    static func dto(_ mandate: EnterpriseMandate, today: CalendarDate) throws -> Handler {
        Handler(
            id: try mandate.requireID(), personName: mandate.personName, itemCodes: mandate.itemCodes, validUntil: mandate.validUntil,
            grantedAt: mandate.grantedAt, revokedAt: mandate.revokedAt, live: mandate.isLive(on: today))
    }
}

extension Request {
    package var enterpriseHandlers: EnterpriseHandlers { EnterpriseHandlers(context: context) }
}
