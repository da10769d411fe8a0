import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// 免提交 with shared data: a material whose source is a data resource is fetched for each case
/// that asks for it — when the resource holds the applicant's record, the case's department may
/// read it (it owns the resource, the resource is shared unconditionally, or it holds a grant),
/// and the applicant consented where the resource asks for consent. Otherwise the material is
/// checked at acceptance as before.
package enum DataFetch {
    /// The shared-data materials of `target`, each once, with their resource.
    package static func materials(_ target: ApplicationTarget, resources: [String: DataResource]) -> [(Material, DataResource)] {
        var seen = Set<String>()
        return target.items.flatMap(\.item.materials).compactMap { m in
            guard m.source == .sharedData, let code = m.dataResource, let resource = resources[code], seen.insert(m.key).inserted else {
                return nil
            }
            return (m, resource)
        }
    }

    /// The key the applicant's records are found by in `resource`, if they are its kind of subject.
    package static func subjectKey(_ applicant: Account, resource: DataResource, keys: KeyRing) -> String? {
        guard resource.subject == applicant.kind else { return nil }
        if applicant.kind == .enterprise {
            return applicant.creditCode.map { DataResourceFile.subjectKey($0, kind: .enterprise, keys: keys) }
        }
        return applicant.idNumberHash
    }

    /// The subject's record in `resource`, if it holds one.
    package static func record(of holderID: UUID, resource: DataResource, keys: KeyRing, on db: any Database) async throws -> SharedRecord?
    {
        guard let holder = try await Account.find(holderID, on: db), let key = subjectKey(holder, resource: resource, keys: keys) else {
            return nil
        }
        return try await SharedRecord.query(on: db).filter(\.$resourceCode == resource.code).filter(\.$subjectKey == key).first()
    }

    /// Why a department may read a resource: it owns it, it is shared unconditionally, or a live
    /// grant (which also limits the fields).
    package struct Basis {
        package let label: String
        package var grant: SharingGrant? = nil
    }

    /// The owner is recognised by its credit code's department, never by a name another
    /// region's department may share.
    package static func basis(
        departmentID: UUID?, resource: DataResource, departments: DepartmentDirectory, today: CalendarDate,
        on db: any Database
    ) async throws -> Basis? {
        if let departmentID, departments.id(creditCode: resource.owner.code) == departmentID {
            return Basis(label: "owner")
        }
        if resource.sharing == .unconditional { return Basis(label: "unconditional") }
        guard resource.sharing == .conditional, let departmentID else { return nil }
        let grants = try await SharingGrant.query(on: db).filter(\.$requesterID == departmentID).filter(\.$resourceCode == resource.code)
            .filter(\.$status == .approved).all()
        return grants.first { grant in grant.scope.map { today <= $0.lastDay } ?? false }.map {
            Basis(label: "grant:\($0.id!.uuidString)", grant: $0)
        }
    }

    /// The reuses to record for a new application: one per asking case that may fetch.
    package static func reuses(
        target: ApplicationTarget, cases: [(row: CaseRow, item: ServiceItem)], applicant: Account, consented: Bool,
        purpose: String, parts: ApplyingParts, context: UseCaseContext
    ) async throws -> [MaterialReuse] {
        let wanted = materials(target, resources: parts.dataResources)
        // nothing the government holds is fetched for an identity that is not proven (实名认证)
        guard !wanted.isEmpty, let holder = try? applicant.actor,
            Policy.decide(holder, .reuse, .holderRecords(holderID: holder.accountID)).isAllowed
        else { return [] }
        let db = context.db
        let now = context.now
        var reuses: [MaterialReuse] = []
        let departments = try await parts.caches.departments(on: db)
        for (material, resource) in wanted {
            if resource.consentRequired && !consented { continue }
            guard let key = subjectKey(applicant, resource: resource, keys: context.keys),
                try await SharedRecord.query(on: db).filter(\.$resourceCode == resource.code).filter(\.$subjectKey == key).count() > 0
            else { continue }
            for entry in cases where entry.item.materials.contains(where: { $0.key == material.key }) {
                guard
                    try await basis(
                        departmentID: entry.row.departmentID, resource: resource, departments: departments,
                        today: context.today, on: db) != nil
                else { continue }
                reuses.append(
                    MaterialReuse(
                        case: entry.row, item: entry.item, material: material, via: .data, sourceRef: resource.code,
                        sourceName: resource.name, holderID: try applicant.requireID(), consented: resource.consentRequired,
                        purpose: purpose, at: now))
            }
        }
        return reuses
    }
}
