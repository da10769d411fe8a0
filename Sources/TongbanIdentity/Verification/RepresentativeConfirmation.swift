import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 实名认证二级 for an enterprise: its record in the market-registration resource names a legal
/// representative (by identity number), and that person, proven themselves (Level 2 or more),
/// confirms on their own account that the enterprise's account is the enterprise's. The request
/// waits seven days; the representative is told in their inbox if they have an account.
package struct RepresentativeConfirmation {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package static let marketResource = "enterprise_registration"
    package static let waits: TimeInterval = 7 * 24 * 60 * 60

    package struct Requested: Content, Equatable {
        package let requestID: UUID
        /// The representative as the record names them, masked (李*帆).
        package let representative: String
        package let expiresAt: Date
    }

    package struct Pending: Content, Equatable {
        package let requestID: UUID
        package let enterpriseName: String
        package let creditCode: String
        package let requestedAt: Date
        package let expiresAt: Date
    }

    /// 李云帆 → 李*帆; 张三 → 张*.
    static func maskedName(_ name: String) -> String {
        let characters = Array(name)
        guard characters.count > 1 else { return name }
        if characters.count == 2 { return String(characters[0]) + "*" }
        return String(characters[0]) + String(repeating: "*", count: characters.count - 2) + String(characters[characters.count - 1])
    }

    /// The signed-in enterprise asks its legal representative to confirm it.
    package func request() async throws -> Requested {
        let enterprise = try context.requireAccount()
        try context.authorize(.verify, enterprise.resource)
        guard enterprise.kind == .enterprise, let creditCode = enterprise.creditCode else {
            throw TongbanError.conflict("realName.enterpriseOnly")
        }
        guard enterprise.assurance < .verifiedRemotely else { throw TongbanError.conflict("realName.already") }
        let keys = context.keys
        let subject = keys.lookupHash(creditCode, field: "credit_code")
        guard
            let record = try await SharedRecord.query(on: context.db).filter(\.$resourceCode == Self.marketResource)
                .filter(\.$subjectKey == subject).first()?.values(keys)
        else { throw TongbanError(status: .unprocessableEntity, code: "realName.noEnterpriseRecord") }
        guard let number = try? IdentityNumber(record["legalRepresentativeIdentityNumber"] ?? "", today: context.today) else {
            throw TongbanError(status: .unprocessableEntity, code: "realName.noRepresentative")
        }
        let representativeHash = keys.lookupHash(number.value, field: "identity_number")
        let now = context.now
        let id = try enterprise.requireID()
        let row = IdentityChallenge(
            purpose: .representative, subjectHash: representativeHash, accountID: id, codeHash: nil, at: now, lifetime: Self.waits)
        let representative = try await Account.query(on: context.db).filter(\.$idNumberHash == representativeHash).first()
        let requestID = try row.requireID()
        try await context.db.write { tx in
            try await IdentityChallenge.query(on: tx).filter(\.$accountID == id).filter(\.$purpose == .representative)
                .filter(\.$state == .open).set(\.$state, to: .expired).update()
            try await row.create(on: tx)
            if let representativeID = representative?.id {
                try await OutboxEvent(
                    .representativeAsked, subject: requestID.uuidString,
                    payload: [
                        "account": representativeID.uuidString, "request": requestID.uuidString, "enterprise": enterprise.displayName,
                    ],
                    audience: EventAudience(regionCode: enterprise.regionCode.flatMap { try? RegionCode($0) }), at: now
                ).create(on: tx)
            }
            try await AuditLog.append(
                context.auditEvent(
                    "account.representative.asked", resource: "account:\(id)",
                    details: "the market-registration record's legal representative asked to confirm"), on: tx, now: now)
        }
        return Requested(
            requestID: requestID, representative: Self.maskedName(record["legalRepresentative"] ?? ""), expiresAt: row.expiresAt)
    }

    /// The requests waiting for the signed-in person as a legal representative.
    package func pending() async throws -> [Pending] {
        let person = try context.requireAccount()
        guard person.kind == .person, let hash = person.idNumberHash else { return [] }
        let rows = try await IdentityChallenge.query(on: context.db).filter(\.$purpose == .representative).filter(\.$state == .open)
            .filter(\.$subjectHash == hash).filter(\.$expiresAt > context.now).sort(\.$createdAt, .descending).limit(50).all()
        let enterprises = try await Account.query(on: context.db).filter(\.$id ~~ rows.compactMap(\.accountID)).all()
        return try rows.compactMap { row in
            guard let enterprise = enterprises.first(where: { $0.id == row.accountID }) else { return nil }
            return Pending(
                requestID: try row.requireID(), enterpriseName: enterprise.displayName, creditCode: enterprise.creditCode ?? "",
                requestedAt: row.createdAt, expiresAt: row.expiresAt)
        }
    }

    /// The representative confirms: the enterprise is Level 2, with its registered name.
    package func confirm(_ requestID: UUID?) async throws {
        let person = try context.requireAccount()
        guard person.kind == .person, let hash = person.idNumberHash else { throw TongbanError.denied(.notOwner) }
        // only a proven person binds an enterprise
        try context.authorize(.reuse, .holderRecords(holderID: try person.requireID()))
        let now = context.now
        guard let requestID,
            let row = try await IdentityChallenge.query(on: context.db).filter(\.$id == requestID).filter(\.$purpose == .representative)
                .filter(\.$state == .open).filter(\.$expiresAt > now).first(),
            row.subjectHash == hash, let enterpriseID = row.accountID
        else { throw TongbanError.notFound("request") }
        try await context.db.write { tx in
            guard try await IdentityChallenge.claim(requestID, on: tx), let enterprise = try await Account.find(enterpriseID, on: tx) else {
                throw TongbanError.notFound("request")
            }
            // the representative names the enterprise's handlers (经办人) from now on
            enterprise.representativeID = try person.requireID()
            if enterprise.assurance < .verifiedRemotely {
                try await IdentityVerification.raise(enterprise, to: .verifiedRemotely, at: now, on: tx)
            } else {
                enterprise.version += 1
                try await enterprise.update(on: tx)
            }
            try await AuditLog.append(
                context.auditEvent(
                    "account.verified", resource: "account:\(enterpriseID)",
                    details:
                        "level=2; confirmed by the legal representative the market-registration record names (account:\(try person.requireID()))"
                ),
                on: tx, now: now)
        }
    }
}

extension Request {
    package var representativeConfirmation: RepresentativeConfirmation { RepresentativeConfirmation(context: context) }
}
