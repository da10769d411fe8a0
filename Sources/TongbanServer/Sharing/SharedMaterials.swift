import Fluent
import Foundation
import TongbanCore
import Vapor

/// The materials of an application satisfied by e-licences (免提交), as the viewer may see them:
/// the holder sees their own licences; a reviewer of a case the consent names sees the licence's
/// data while the consent lasts, and that read is recorded for the holder to see; anyone else
/// (the window clerk, another department) learns only that the material was satisfied.
enum SharedMaterials {
    struct Entry: Content {
        struct Field: Content { let label: String; let value: String }
        let materialKey: String
        let material: String
        let via: String
        let sourceName: String
        let sourceRef: String
        let departments: [String]
        let consentUntil: String
        /// "授权至 … · 可查看部门：…", for the page.
        let note: String
        let status: String?
        /// false: the viewer may not see the licence's data (and `fields` is empty).
        let readable: Bool
        let fields: [Field]
    }

    static func reuses(of applicationID: UUID, on db: any Database) async throws -> [MaterialReuse] {
        try await MaterialReuse.query(on: db).filter(\.$applicationID == applicationID).sort(\.$createdAt).all()
    }

    static func view(_ req: Request, application: ApplicationRecord, cases: [CaseRow], tasks: [ReviewTask], reuses: [MaterialReuse]) async throws -> [Entry] {
        guard !reuses.isEmpty else { return [] }
        let actor = req.currentActor
        let holder = actor?.accountID == application.applicantID && actor?.kind != .staff
        let now = Date()
        // the cases this viewer reviews
        let reviewable = Set(try cases.filter { row in
            let departments = Set(tasks.filter { $0.caseID == row.id }.compactMap(\.departmentID) + [row.departmentID].compactMap { $0 })
            let resource = Resource.application(applicantID: application.applicantID, regionCode: try RegionCode(application.regionCode),
                                                departmentIDs: departments)
            return actor?.kind == .staff && Policy.decide(actor, .review, resource).isAllowed
        }.compactMap(\.id))
        let licenseIDs = Set(reuses.compactMap(\.licenseID))
        let licenses = try await licenseIDs.isEmpty ? [] : LicenseRecord.query(on: req.db).filter(\.$id ~~ licenseIDs).all()
        let english = req.language == .en
        var entries: [Entry] = []
        var reads: [DataReads.Read] = []
        let grouped = Dictionary(grouping: reuses) { "\($0.materialKey)|\($0.sourceRef)" }
        for key in grouped.keys.sorted() {
            let group = grouped[key]!
            let first = group[0]
            let license = licenses.first { $0.id == first.licenseID }
            let readable = holder || group.contains { reviewable.contains($0.caseID) && $0.expiresAt > now }
            var fields: [Entry.Field]? = nil
            if readable, let license {
                let type = req.application.licenseTypes[license.typeCode]
                let values = license.fieldValues
                let keys = (type?.fields.map(\.key) ?? values.keys.sorted()).filter { values[$0] != nil }
                fields = keys.compactMap { fieldKey in
                    guard let value = values[fieldKey] else { return nil }
                    let field = type?.fields.first { $0.key == fieldKey }
                    return Entry.Field(label: (english ? field?.labelEn : field?.label) ?? fieldKey, value: value)
                }
                if !holder {
                    let basis = group.first { reviewable.contains($0.caseID) && $0.expiresAt > now }!
                    reads.append(DataReads.Read(subjectID: license.holderID, readerID: actor?.accountID, readerLabel: try await DataReads.readerLabel(req),
                                                source: "license:\(license.identifier)", sourceName: license.typeName,
                                                fields: keys, purpose: "\(basis.purpose)（申请编号 \(application.number ?? "-")）",
                                                basis: "consent:\(basis.id!.uuidString)"))
                }
            }
            let until = CalendarDate(group.map(\.expiresAt).max()!).description
            let departments = Array(Set(group.map(\.departmentName))).sorted()
            let note = req.t("shared.until", ["date": until]) + " · " + req.t("shared.readers", ["list": departments.joined(separator: "、")])
            entries.append(Entry(materialKey: first.materialKey, material: first.materialName, via: first.via.rawValue, sourceName: first.sourceName,
                                 sourceRef: first.sourceRef, departments: departments, consentUntil: until, note: note,
                                 status: license.map { req.t("licenseStatus.\($0.status)") }, readable: fields != nil, fields: fields ?? []))
        }
        try await DataReads.record(reads, requestID: req.requestID, on: req.db)
        return entries
    }
}
