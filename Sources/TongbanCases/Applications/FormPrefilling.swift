import Fluent
import Foundation
import TongbanCore
import TongbanPlatform

/// 只询问一次: the answers the platform can give an applicant's form, each with its source, read
/// with the applicant's own rights. Their verified identity and their account cost nothing to
/// read; their licences are their own wallet; their records in shared data are read only when
/// they ask (which is their consent, for the resources that need one), and only of the
/// resources the target's items may fetch anyway, each read recorded in their data-access view.
package struct FormPrefilling {
    package let context: UseCaseContext
    package let dataResources: [String: DataResource]
    package let licenseTypes: [String: LicenseType]

    package init(context: UseCaseContext, dataResources: [String: DataResource], licenseTypes: [String: LicenseType]) {
        self.context = context
        self.dataResources = dataResources
        self.licenseTypes = licenseTypes
    }

    /// The applicant's verified identity as form answers (nothing while it is not proven): what
    /// the page shows locked and the submission holds the form to.
    package static func identity(_ applicant: Account, keys: KeyRing) -> [FormPrefill.Offer] {
        let verified = proven(applicant)
        let number = applicant.kind == .enterprise ? applicant.creditCode : applicant.identityNumber(keys)
        return FormPrefill.identity(kind: applicant.kind, verified: verified, name: applicant.displayName, number: number)
    }

    /// Whether the applicant's identity is proven far enough for the platform to offer them what
    /// it holds (实名认证 Level 2), as for every other reuse of their records.
    package static func proven(_ applicant: Account) -> Bool {
        guard let holder = try? applicant.actor else { return false }
        return Policy.decide(holder, .reuse, .holderRecords(holderID: holder.accountID)).isAllowed
    }

    /// The resources whose records would answer some of the target's fields for this applicant:
    /// those its items fetch a material from, of the applicant's kind of subject.
    package func sharedResources(_ target: ApplicationTarget, applicant: Account) -> [DataResource] {
        let keys = Set(target.form.map(\.key))
        return DataFetch.materials(target, resources: dataResources).map(\.1).filter { resource in
            resource.subject == applicant.kind && resource.fields.contains { $0.formField.map(keys.contains) ?? false }
        }
    }

    /// The form's prefilled answers, from the first source that has a value the field takes: the
    /// verified identity, the shared records (only with `readShared`, each read recorded), the
    /// account, the licences held (newest first).
    package func answers(_ target: ApplicationTarget, applicant: Account, readShared: Bool) async throws -> [String: FormPrefill.Answer] {
        let keys = context.keys
        // nothing the government holds is offered to an identity that is not proven (实名认证)
        guard Self.proven(applicant) else { return [:] }
        var offers = Self.identity(applicant, keys: keys)
        // what the applicant just asked to be read is the register's own, fresher than the account
        if readShared { offers += try await sharedOffers(target, applicant: applicant) }
        offers += accountOffers(applicant)
        offers += try await licenseOffers(applicant)
        return FormPrefill.answers(for: target.form, offers: offers, today: context.today)
    }

    /// 帮办: what a window clerk's form for the person at the window is filled with: their
    /// verified identity and their account (their licences and shared records are theirs to offer).
    package func answersAtWindow(_ target: ApplicationTarget, applicant: Account) -> [String: FormPrefill.Answer] {
        guard Self.proven(applicant) else { return [:] }
        let offers = Self.identity(applicant, keys: context.keys) + accountOffers(applicant)
        return FormPrefill.answers(for: target.form, offers: offers, today: context.today)
    }

    func accountOffers(_ applicant: Account) -> [FormPrefill.Offer] {
        var offers: [FormPrefill.Offer] = []
        if let mobile = applicant.mobile(context.keys) { offers.append(.init(key: "mobile", value: mobile, source: .account)) }
        if applicant.kind == .enterprise, let representative = applicant.legalRepresentative {
            offers.append(.init(key: "legalRepName", value: representative, source: .account))
        }
        return offers
    }

    /// The applicant's valid licences, newest first, as answers.
    func licenseOffers(_ applicant: Account) async throws -> [FormPrefill.Offer] {
        let held = try await LicenseUse.usable(holderID: applicant.requireID(), types: nil, today: context.today, on: context.db)
        return held.flatMap { license -> [FormPrefill.Offer] in
            guard let type = licenseTypes[license.typeCode] else { return [] }
            let source = FormPrefill.Source.license(typeName: license.typeName, identifier: license.identifier)
            return type.formAnswers(license.fieldValues(context.keys)).map { .init(key: $0.key, value: $0.value, source: source) }
        }
    }

    /// Reads the applicant's records in the resources that answer the form, recording each read
    /// (the subject reading their own data on the platform, at their request) with its audit entry.
    func sharedOffers(_ target: ApplicationTarget, applicant: Account) async throws -> [FormPrefill.Offer] {
        let applicantID = try applicant.requireID()
        var offers: [FormPrefill.Offer] = []
        var reads: [DataReads.Read] = []
        let wanted = Set(target.form.map(\.key))
        for resource in sharedResources(target, applicant: applicant) {
            guard let subjectKey = DataFetch.subjectKey(applicant, resource: resource, keys: context.keys),
                let record = try await SharedRecord.query(on: context.db).filter(\.$resourceCode == resource.code)
                    .filter(\.$subjectKey == subjectKey).first()
            else { continue }
            let source = FormPrefill.Source.sharedData(code: resource.code, name: resource.name, owner: resource.owner.name)
            let values = record.values(context.keys)
            let answered = resource.formAnswers(values).filter { wanted.contains($0.key) }
            guard !answered.isEmpty else { continue }
            offers += answered.map { .init(key: $0.key, value: $0.value, source: source) }
            let fields = resource.fields.filter { $0.formField.map(wanted.contains) ?? false }.map(\.key)
            reads.append(
                DataReads.Read(
                    subjectID: applicantID, readerID: context.account?.id,
                    readerLabel: try await DataReads.readerLabel(context.account, on: context.db),
                    source: "data:\(resource.code)", sourceName: resource.name, fields: fields,
                    purpose: "申请表预填：「\(target.name)」", basis: "consent:prefill"))
        }
        try await DataReads.record(reads, requestID: context.requestID, keys: context.keys, on: context.db, at: context.now)
        return offers
    }
}
