import Fluent
import Foundation
import JWT
import TongbanCore
import TongbanPlatform
import Vapor

/// Issuing: approving a case whose item's result is an e-licence issues it, its fields filled
/// from the case. The licence is made and signed before the transaction that stores it with the
/// decision, so both land or neither does.
package enum LicenseIssuance {
    /// Who issues: the department's credit code and name (and its account group, if any).
    package struct Issuer {
        package let code: CreditCode
        package let name: String
        package var departmentID: UUID? = nil

        package init(code: CreditCode, name: String, departmentID: UUID? = nil) {
            self.code = code
            self.name = name
            self.departmentID = departmentID
        }
    }

    /// The holder's code as licences carry it: a credit code, or the identity number masked.
    package static func holderCode(_ holder: Account, keys: KeyRing) -> String {
        holder.creditCode ?? holder.identityNumber(keys).map(Masking.identityNumber) ?? ""
    }

    /// Midnight at the start of a day in Asia/Shanghai.
    package static func startOfDay(_ day: CalendarDate) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CalendarDate.shanghai
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!
    }
}

/// Makes and signs the e-licences a department issues: with the platform's licence types and the
/// issuing departments' keys (an issuer's key is made on first use, written through `context`'s
/// database — the application's, never a case's transaction: a key once cached must stay).
package struct LicenseSigner: Sendable {
    package let context: UseCaseContext
    package let types: [String: LicenseType]
    package let keys: LicenseKeys

    /// The licence an approval of `loaded` issues, made and signed; nil when its item issues none.
    package func prepare(for loaded: CaseWork.Loaded, on day: CalendarDate, db: any Database) async throws -> LicenseRecord? {
        guard let result = loaded.item.result, result.kind == .license, let code = result.licenseType, let type = types[code],
            let holder = try await Account.find(loaded.application.applicantID, on: db)
        else { return nil }
        // the deciding department signs, as it is on record (never a code the catalog document
        // names), and only a type it may issue
        guard let departmentID = loaded.row.departmentID, let department = try await Department.find(departmentID, on: db),
            let issuer = try? CreditCode(department.creditCode)
        else { throw TongbanError(status: .forbidden, code: "license.notIssuer", arguments: ["type": type.name]) }
        try await LicenseIssuer.require(type, department: department.id, on: db)
        let facts = [
            "item.name": loaded.item.name, "item.sub": loaded.item.subItemName ?? loaded.item.name,
            "item.department": department.name,
        ]
        let license = try await make(
            type, holder: holder, form: loaded.application.formAnswers(context.keys), facts: facts,
            issuer: LicenseIssuance.Issuer(code: issuer, name: department.name, departmentID: department.id), on: day)
        license.applicationID = loaded.application.id
        license.caseID = loaded.row.id
        return license
    }

    /// A new licence of `type` for `holder`, signed with the issuer's key in use; its fields
    /// filled from `form` and `facts` (the applicant's name and code are always known).
    package func make(
        _ type: LicenseType, holder: Account, form: [String: String], facts: [String: String], issuer: LicenseIssuance.Issuer,
        on day: CalendarDate
    ) async throws -> LicenseRecord {
        let code = LicenseIssuance.holderCode(holder, keys: context.keys)
        var facts = facts
        facts["applicant.name"] = holder.displayName
        facts["applicant.code"] = holder.creditCode ?? ""
        facts["applicant.maskedId"] = holder.creditCode == nil ? code : ""
        facts["decision.on"] = day.description
        let fields = type.fill(form: form, facts: facts)
        let serial =
            day.description.replacingOccurrences(of: "-", with: "") + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)
        let identifier = try LicenseIdentifier.make(typeCode: type.typeCode, issuer: issuer.code, serial: serial.uppercased())
        return try await sign(
            type, holder: holder, holderCode: code, fields: fields, identifier: identifier, issuer: issuer, on: day,
            validUntil: type.validUntil(issuedOn: day))
    }

    /// A licence with exactly these fields and this identifier (a new one, or the next version of
    /// one), signed with the issuer's key in use.
    package func sign(
        _ type: LicenseType, holder: Account, holderCode code: String, fields: [String: String], identifier: LicenseIdentifier,
        issuer: LicenseIssuance.Issuer, on day: CalendarDate, validUntil: CalendarDate?
    ) async throws -> LicenseRecord {
        let kid = try await keys.signingKid(issuerCode: issuer.code.value, issuerName: issuer.name, context: context)
        let now = context.now
        let claims = LicenseClaims(
            jti: IDClaim(value: identifier.value), iss: IssuerClaim(value: issuer.code.value), sub: SubjectClaim(value: code),
            iat: IssuedAtClaim(value: now), nbf: NotBeforeClaim(value: LicenseIssuance.startOfDay(day)),
            exp: validUntil.map { ExpirationClaim(value: LicenseIssuance.startOfDay($0).addingTimeInterval(86_400)) },
            typeCode: type.typeCode, typeName: type.name, holderName: holder.displayName, issuerName: issuer.name,
            issuedOn: day.description, validUntil: validUntil?.description, fields: fields)
        let license = LicenseRecord()
        license.id = UUID()
        license.identifier = identifier.value
        license.typeCode = type.code
        license.typeName = type.name
        license.holderID = try holder.requireID()
        license.holderName = holder.displayName
        license.holderCode = code
        license.issuerCode = issuer.code.value
        license.issuerName = issuer.name
        license.departmentID = issuer.departmentID
        license.issuedOn = day.description
        license.validUntil = validUntil?.description
        license.status = LicenseStatus.valid.rawValue
        license.seal(
            fields: String(decoding: try StoredJSON.encoder.encode(fields), as: UTF8.self), token: try await keys.sign(claims, kid: kid),
            keys: context.keys)
        license.kid = kid
        license.createdAt = now
        license.updatedAt = now
        return license
    }
}

extension Application {
    /// Signs as the platform, outside any request (the deadline watch, the demo seed, a command).
    package var licenseSigner: LicenseSigner {
        LicenseSigner(context: UseCaseContext(application: self, db: db, account: nil), types: licenseTypes, keys: licenseKeys)
    }
}
