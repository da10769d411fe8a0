import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// "Use my e-licence" (免提交): an applicant offers a licence they hold for a material whose
/// source is that licence type. The choice is checked in full before anything is written; it
/// then becomes, for every case that asks for the material, a consent that lets that case's
/// department read the licence for this application until the consent expires.
package enum LicenseUse {
    package struct Choice {
        package let material: Material
        package let license: LicenseRecord
    }

    /// The licences `holderID` may offer now for materials of `types` (nil: of every type): valid
    /// and not past their last day, newest first.
    package static func usable(holderID: UUID, types: Set<String>?, today: CalendarDate, on db: any Database) async throws
        -> [LicenseRecord]
    {
        guard types?.isEmpty != true else { return [] }
        let query = LicenseRecord.query(on: db).filter(\.$holderID == holderID)
        if let types { query.filter(\.$typeCode ~~ types) }
        return
            try await query
            .filter(\.$status == LicenseStatus.valid.rawValue).sort(\.$issuedOn, .descending).all()
            .filter { $0.validUntil.flatMap(CalendarDate.init(iso:)).map { $0 >= today } ?? true }
    }

    /// The materials of `target` a licence can satisfy, each once.
    package static func licenseMaterials(_ target: ApplicationTarget) -> [Material] {
        var seen = Set<String>()
        return target.items.flatMap(\.item.materials).filter {
            $0.source == .eLicense && $0.licenseType != nil && seen.insert($0.key).inserted
        }
    }

    /// Checks the offered licences (material key → identifier): every problem at
    /// `licenses.<key>`, none written.
    package static func resolve(
        _ offered: [String: String]?, target: ApplicationTarget, applicantID: UUID, byHolder: Bool,
        today: CalendarDate, on db: any Database
    ) async throws -> [Choice] {
        guard let offered, !offered.isEmpty else { return [] }
        let materials = Dictionary(licenseMaterials(target).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var problems = FieldErrors()
        var wanted: [(Material, LicenseIdentifier)] = []
        for (key, raw) in offered.sorted(by: { $0.key < $1.key }) {
            let field = "licenses.\(key)"
            guard let material = materials[key] else {
                problems.add(field, "license.notForMaterial")
                continue
            }
            // only the holder can consent to their licence being read
            guard byHolder else {
                problems.add(FieldError(field: field, key: "license.holderOnly", label: material.name, labelEn: material.name))
                continue
            }
            do { wanted.append((material, try LicenseIdentifier(raw.trimmingCharacters(in: .whitespaces)))) } catch {
                problems.add(FieldError(field: field, key: error.rawValue, label: material.name, labelEn: material.name))
            }
        }
        let found = try await wanted.isEmpty ? [] : LicenseRecord.query(on: db).filter(\.$identifier ~~ wanted.map(\.1.value)).all()
        var choices: [Choice] = []
        for (material, identifier) in wanted {
            let field = "licenses.\(material.key)"
            func refuse(_ key: String) { problems.add(FieldError(field: field, key: key, label: material.name, labelEn: material.name)) }
            // someone else's licence reads exactly as an unknown one: holders are nobody else's business
            guard let license = found.first(where: { $0.identifier == identifier.value }), license.holderID == applicantID else {
                refuse("license.notHeld")
                continue
            }
            guard license.typeCode == material.licenseType else {
                refuse("license.wrongType")
                continue
            }
            guard license.licenseStatus == .valid else {
                refuse("license.notUsable")
                continue
            }
            if let last = license.validUntil.flatMap(CalendarDate.init(iso:)), last < today {
                refuse("license.expiredForUse")
                continue
            }
            choices.append(Choice(material: material, license: license))
        }
        if !problems.isEmpty { throw TongbanError.invalid(problems) }
        return choices
    }

    /// One consent per case whose item asks for a chosen material, for that case's department.
    package static func reuses(_ choices: [Choice], cases: [(row: CaseRow, item: ServiceItem)], purpose: String, at now: Date)
        -> [MaterialReuse]
    {
        choices.flatMap { choice in
            cases.filter { $0.item.materials.contains { $0.key == choice.material.key } }.map { entry in
                MaterialReuse(
                    case: entry.row, item: entry.item, material: choice.material, via: .license, sourceRef: choice.license.identifier,
                    sourceName: choice.license.typeName, licenseID: choice.license.id, holderID: choice.license.holderID,
                    consented: true, purpose: purpose, at: now)
            }
        }
    }
}
