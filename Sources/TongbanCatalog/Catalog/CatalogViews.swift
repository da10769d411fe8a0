import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// What the guide pages show of an item, with every code turned into words of the page's
/// language. Built here so that the templates only print.
package struct ItemGuideView: Encodable {
    package struct Line: Encodable {
        package let label: String
        package let value: String
    }
    package struct MaterialLine: Encodable {
        package let name: String
        package let required: Bool
        package let tolerable: Bool
        package let form: String
        package let format: String
        package let source: String
        package let sourceKind: String
        package let template: String?
        package let note: String?
    }
    package struct StepLine: Encodable {
        package let kind: String
        package let name: String
        package let department: String?
        package let days: String?
        package let pauses: Bool
        package let parallel: Bool
    }
    package struct FieldLine: Encodable {
        package let label: String
        package let type: String
        package let required: Bool
        package let choices: String?
    }
    package struct LegalLine: Encodable {
        package let law: String
        package let article: String?
    }
    package struct VersionLine: Encodable {
        package let version: Int
        package let status: String
        package let date: String?
        package let current: Bool
    }

    package let code: String
    package let basicCode: String
    package let name: String
    package let kind: String
    package let department: String
    package let region: String
    package let isBasic: Bool
    package let version: Int
    package let status: String
    package let outdated: Bool
    package let facts: [Line]
    package let visits: [String]
    package let visitsSummary: String
    package let conditions: [String]
    package let legal: [LegalLine]
    package let materials: [MaterialLine]
    package let steps: [StepLine]
    package let form: [FieldLine]
    package let result: String?
    package let windows: [ServiceWindow]
    package let fees: [Fee]
    package let versions: [VersionLine]
    package let source: String?
    package let online: Bool
    /// 秒批: the item publishes rules that decide a case at once.
    package let instant: Bool
    package let hasVisits: Bool, hasConditions: Bool, hasMaterials: Bool, hasSteps: Bool, hasForm: Bool, hasLegal: Bool, hasWindows: Bool

    package init(item: ServiceItem, entry: CatalogEntry, versions: [CatalogEntry], regionName: String, req: Request) {
        let t = { (key: String) in req.t(key) }
        code = item.code
        basicCode = item.basicCode.value
        name = item.displayName
        kind = item.kind.chineseName
        department = item.department.name
        region = regionName
        isBasic = !item.isImplementation
        version = entry.version
        status = t("status.\(entry.status.rawValue)")
        outdated = entry.status != .published
        online = item.isOnline
        instant = !item.instantRules.isEmpty
        let days = { (value: Int?) in value.map { req.t("guide.workingDays", ["days": String($0)]) } ?? t("guide.notStated") }
        facts =
            [
                Line(label: t("guide.kind"), value: "\(item.kind.chineseName)（\(item.kind.rawValue)）"),
                Line(label: t("guide.department"), value: item.department.name),
                Line(label: t("guide.region"), value: "\(regionName)（\(t("level.\(item.level.rawValue)"))）"),
                Line(label: t("guide.mode"), value: t("mode.\(item.handlingMode.rawValue)")),
                Line(label: t("guide.statutory"), value: days(item.statutoryDays)),
                Line(label: t("guide.promised"), value: item.handlingMode == .instant ? t("guide.onTheSpot") : days(item.promisedDays)),
                Line(label: t("guide.channels"), value: item.channels.map { t("channel.\($0.rawValue)") }.joined(separator: "、")),
                Line(
                    label: t("guide.fees"),
                    value: item.fees.isEmpty ? t("guide.free") : item.fees.map { "\($0.name) \($0.amount) 元" }.joined(separator: "；")),
                Line(label: t("guide.commitment"), value: t(item.commitmentAllowed ? "guide.yes" : "guide.no")),
                Line(label: t("guide.basicCode"), value: item.basicCode.value),
            ] + (item.implementationCode.map { [Line(label: t("guide.implementationCode"), value: $0.value)] } ?? [])
        visits = item.visits.map(\.reason)
        visitsSummary =
            switch item.visits.count {
            case 0: t("guide.zeroVisits")
            case 1: t("guide.oneVisit")
            default: req.t("guide.visits", ["count": String(item.visits.count)])
            }
        conditions = item.acceptanceConditions
        legal = item.legalBasis.map { LegalLine(law: $0.law, article: $0.article) }
        materials = item.materials.map { m in
            let source =
                switch m.source {
                case .applicant: t("source.applicant")
                case .eLicense: t("source.eLicense")
                case .sharedData: t("source.sharedData")
                case .department: req.t("source.department", ["who": m.producedBy ?? ""])
                }
            return MaterialLine(
                name: m.name, required: m.required, tolerable: m.tolerable,
                form: req.t("materialForm.\(m.form.rawValue)", ["copies": String(m.copies)]),
                format: t("format.\(m.format.rawValue)"), source: source, sourceKind: m.source.rawValue,
                template: m.template, note: m.note)
        }
        steps = item.steps.map { s in
            let kind = t("step.\(s.kind.rawValue)")
            return StepLine(
                kind: s.name.contains(kind) ? "" : kind, name: s.name, department: s.department,
                days: s.days.map { req.t("guide.workingDays", ["days": String($0)]) }, pauses: s.pausesClock,
                parallel: s.parallelGroup != nil)
        }
        form = item.form.map { f in
            FieldLine(
                label: req.language == .en ? f.labelEn : f.label, type: t("fieldType.\(f.type.rawValue)"), required: f.required,
                choices: f.choices.isEmpty ? nil : f.choices.joined(separator: " / "))
        }
        result = item.result.map { r in
            "\(r.name)（\(t("result.\(r.kind.rawValue)"))；\(t("guide.delivery"))：\(r.delivery.map { t("delivery.\($0.rawValue)") }.joined(separator: "、"))）"
        }
        windows = item.windows
        fees = item.fees
        self.versions = versions.filter { $0.status != .draft }.map {
            VersionLine(
                version: $0.version, status: t("status.\($0.status.rawValue)"),
                date: $0.publishedAt.map {
                    ISO8601DateFormatter.string(from: $0, timeZone: TimeZone(identifier: "Asia/Shanghai")!, formatOptions: [.withFullDate])
                },
                current: $0.version == entry.version)
        }
        source = item.source
        hasVisits = !visits.isEmpty
        hasConditions = !conditions.isEmpty
        hasMaterials = !materials.isEmpty
        hasSteps = !steps.isEmpty
        hasForm = !form.isEmpty
        hasLegal = !legal.isEmpty
        hasWindows = !windows.isEmpty
    }
}

/// One line of a result list.
package struct ItemLine: Encodable {
    package let code: String
    package let name: String
    package let kind: String
    package let department: String
    package let days: String
    package let visits: String
    package let online: Bool

    package init(_ doc: SearchDocument, req: Request) {
        code = doc.code
        name = doc.name
        kind = doc.kind.chineseName
        department = doc.departmentName
        days =
            doc.promisedDays.map { $0 == 0 ? req.t("guide.onTheSpot") : req.t("guide.workingDays", ["days": String($0)]) }
            ?? req.t("guide.notStated")
        visits =
            switch doc.visits {
            case 0: req.t("guide.zeroVisits")
            case 1: req.t("guide.oneVisit")
            default: req.t("guide.visits", ["count": String(doc.visits)])
            }
        online = doc.online
    }
}

/// One option of a select or a radio group.
package struct SelectOption: Encodable {
    package let value: String
    package let label: String
    package let selected: Bool
}
