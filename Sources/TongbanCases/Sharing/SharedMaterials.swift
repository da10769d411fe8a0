import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The materials of an application satisfied by e-licences or shared data (免提交), as the viewer
/// may see them: the holder sees their own; a reviewer of a case the consent names sees the data
/// while the consent lasts (and, for shared data, while the department may still read the
/// resource), and that read is recorded for the holder to see; anyone else (the window clerk,
/// another department) learns only that the material was satisfied.
package struct SharedMaterials {
    package let context: UseCaseContext
    /// The reader's language, for the notes.
    package let wording: Wording
    /// The department directory (who may still read a resource).
    package let caches: ApplicationCaches
    package let resources: [String: DataResource]
    package let licenseTypes: [String: LicenseType]

    package struct Entry: Content {
        package struct Field: Content {
            package let label: String
            package let value: String
        }
        package let materialKey: String
        package let material: String
        package let via: String
        package let sourceName: String
        package let sourceRef: String
        package let departments: [String]
        package let consentUntil: String
        /// "授权至 … · 可查看部门：…", for the page.
        package let note: String
        package let status: String?
        /// false: the viewer may not see the licence's data (and `fields` is empty).
        package let readable: Bool
        package let fields: [Field]
    }

    package static func reuses(of applicationID: UUID, on db: any Database) async throws -> [MaterialReuse] {
        try await MaterialReuse.query(on: db).filter(\.$applicationID == applicationID).sort(\.$createdAt).all()
    }

    package func view(_ application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask], reuses: [MaterialReuse]) async throws
        -> [Entry]
    {
        guard !reuses.isEmpty else { return [] }
        let actor = context.actor
        let db = context.db
        // the subject sees what is held about them once their identity is proven (实名认证)
        let holder = Policy.decide(actor, .reuse, .holderRecords(holderID: application.applicantID)).isAllowed
        let now = context.now
        // the cases this viewer reviews
        let reviewable = Set(
            try cases.filter { row in
                let departments = Set(
                    tasks.filter { $0.caseID == row.id }.compactMap(\.departmentID) + [row.departmentID].compactMap { $0 })
                let resource = try application.resource(departmentIDs: departments)
                return Policy.decide(actor, .review, resource).isAllowed
            }.compactMap(\.id))
        let licenseIDs = Set(reuses.compactMap(\.licenseID))
        let licenses = try await licenseIDs.isEmpty ? [] : LicenseRecord.query(on: db).filter(\.$id ~~ licenseIDs).all()
        let english = wording.english
        // only reviewers read (and are recorded reading) the data itself
        let reader = reviewable.isEmpty ? "" : try await DataReads.readerLabel(context.account, on: db)
        var entries: [Entry] = []
        var reads: [DataReads.Read] = []
        let grouped = Dictionary(grouping: reuses) { "\($0.materialKey)|\($0.sourceRef)" }
        for key in grouped.keys.sorted() {
            let group = grouped[key]!
            let first = group[0]
            let license = licenses.first { $0.id == first.licenseID }
            // the consent (and, for shared data, the department's right to read) must still hold
            var basis: (reuse: MaterialReuse, access: DataFetch.Basis?)? = nil
            if !holder {
                let directory = try await caches.departments(on: db)
                for reuse in group where reviewable.contains(reuse.caseID) && reuse.expiresAt > now {
                    if reuse.via == .license {
                        basis = (reuse, nil)
                        break
                    }
                    guard let resource = resources[reuse.sourceRef],
                        let access = try await DataFetch.basis(
                            departmentID: cases.first { $0.id == reuse.caseID }?.departmentID,
                            resource: resource, departments: directory,
                            today: context.today, on: db)
                    else { continue }
                    basis = (reuse, access)
                    break
                }
            }
            var fields: [Entry.Field]? = nil
            var read: (subject: UUID?, source: String, name: String, keys: [String])? = nil
            if holder || basis != nil {
                if let license {
                    let type = licenseTypes[license.typeCode]
                    let values = license.fieldValues(context.keys)
                    let keys = (type?.fields.map(\.key) ?? values.keys.sorted()).filter { values[$0] != nil }
                    fields = keys.map { fieldKey in
                        let field = type?.fields.first { $0.key == fieldKey }
                        return Entry.Field(label: (english ? field?.labelEn : field?.label) ?? fieldKey, value: values[fieldKey]!)
                    }
                    read = (license.holderID, "license:\(license.identifier)", license.typeName, keys)
                } else if first.via == .data, let resource = resources[first.sourceRef],
                    let record = try await DataFetch.record(of: first.holderID, resource: resource, keys: context.keys, on: db)
                {
                    // a grant limits the fields; reviewers see up to "sensitive", the subject everything
                    var keys = resource.fields.map(\.key)
                    if let grant = basis?.access?.grant { keys = keys.filter(grant.fieldKeys.contains) }
                    let shown = resource.view(record.values(context.keys), fields: keys, clearance: holder ? .core : .sensitive)
                    keys = keys.filter { shown[$0] != nil }
                    fields = keys.map { fieldKey in
                        let field = resource.field(fieldKey)!
                        return Entry.Field(label: english ? field.labelEn : field.label, value: shown[fieldKey]!)
                    }
                    read = (record.subjectID, "data:\(resource.code)", resource.name, keys)
                }
            }
            if let basis, let read {
                let grounds =
                    basis.reuse.consented
                    ? "consent:\(basis.reuse.id!.uuidString)" : (basis.access?.label ?? "consent:\(basis.reuse.id!.uuidString)")
                reads.append(
                    DataReads.Read(
                        subjectID: read.subject, readerID: actor?.accountID, readerLabel: reader, source: read.source,
                        sourceName: read.name, fields: read.keys,
                        purpose: "\(basis.reuse.purpose)（申请编号 \(application.number ?? "-")）", basis: grounds))
            }
            let until = CalendarDate(group.map(\.expiresAt).max()!).description
            let departments = Array(Set(group.map(\.departmentName))).sorted()
            let note =
                wording.t("shared.until", ["date": until]) + " · "
                + wording.t("shared.readers", ["list": departments.joined(separator: "、")])
            entries.append(
                Entry(
                    materialKey: first.materialKey, material: first.materialName, via: first.via.rawValue, sourceName: first.sourceName,
                    // a licence's identifier opens its verification: only to those who may read it
                    sourceRef: first.via == .license && fields == nil ? "" : first.sourceRef, departments: departments,
                    consentUntil: until, note: note,
                    status: license.map { wording.t("licenseStatus.\($0.status)") }, readable: fields != nil, fields: fields ?? []))
        }
        try await DataReads.record(reads, requestID: context.requestID, keys: context.keys, on: db, at: now)
        return entries
    }
}

extension Request {
    package var sharedMaterials: SharedMaterials {
        SharedMaterials(
            context: context, wording: wording, caches: application.applicationCaches,
            resources: application.dataResources, licenseTypes: application.licenseTypes)
    }
}
