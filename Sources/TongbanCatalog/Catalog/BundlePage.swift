import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// A bundle's page: what it is, its questionnaire (a plain GET form, so it works without
/// JavaScript), and for a complete set of answers what the citizen will face — the items, one
/// form, one list of materials by source, and the cost in visits, materials and days.
extension CatalogPages {
    package struct QuestionView: Encodable {
        package let key: String
        package let text: String
        package let options: [SelectOption]
        package let error: String?
    }
    package struct MemberLine: Encodable {
        package let code: String
        package let name: String
        package let department: String
        package let condition: String?
    }
    package struct MaterialGroup: Encodable {
        package let title: String
        package let note: String
        package let lines: [MaterialLine]
    }
    package struct MaterialLine: Encodable {
        package let name: String
        package let required: Bool
        package let tolerable: Bool
        package let neededBy: Int
        package let detail: String?
    }
    package struct CostLine: Encodable {
        package let label: String
        package let bundle: String
        package let separately: String
    }
    package struct EvaluationView: Encodable {
        package let items: [MemberLine]
        package let groups: [MaterialGroup]
        package let fields: [ItemGuideView.FieldLine]
        package let costs: [CostLine]
        package let criticalPath: String
    }
    package struct BundleContext: Encodable {
        package let page: PageContext
        package let code: String
        package let name: String
        package let category: String
        package let summary: String
        package let lead: String
        package let source: String?
        package let questions: [QuestionView]
        package let hasQuestions: Bool
        package let members: [MemberLine]
        package let evaluation: EvaluationView?
        package var applyHref: String? = nil
        package var saved: String? = nil
    }

    package func bundle(req: Request) async throws -> View {
        let code = try req.parameters.require("code")
        guard let entry = try await CatalogStore.published(.bundle, code: code, on: req.db) else { throw TongbanError.notFound("bundle") }
        let bundle = try entry.bundle()
        let items = try await CatalogStore.publishedItems(codes: bundle.members.map(\.itemCode), on: req.db)
        let english = req.language == .en
        var answers: [String: String] = [:]
        for question in bundle.questions { answers[question.key] = req.query[String.self, at: question.key] }
        let submitted = req.query[String.self, at: "go"] != nil || bundle.questions.isEmpty
        let questions = bundle.questions.map { q in
            let answer = answers[q.key]
            let valid = answer.map { a in q.options.contains { $0.value == a } } ?? false
            return QuestionView(
                key: q.key, text: english ? q.textEn : q.text,
                options: q.options.map {
                    SelectOption(value: $0.value, label: english ? $0.labelEn : $0.label, selected: $0.value == answer)
                },
                error: submitted && !valid ? req.t("bundle.answerThis") : nil)
        }
        let members = bundle.members.map { m -> MemberLine in
            let item = items[m.itemCode]
            let condition = m.when.flatMap { when -> String? in
                guard let q = bundle.questions.first(where: { $0.key == when.question }) else { return nil }
                let labels = q.options.filter { when.values.contains($0.value) }.map { english ? $0.labelEn : $0.label }
                return "\(english ? q.textEn : q.text) \(labels.joined(separator: "/"))"
            }
            return MemberLine(
                code: m.itemCode, name: item?.displayName ?? m.itemCode, department: item?.department.name ?? "", condition: condition)
        }
        var evaluation: EvaluationView? = nil
        if submitted, questions.allSatisfy({ $0.error == nil }),
            let result = try? BundleComposer.evaluate(bundle, answers: answers.compactMapValues { $0 }, items: items)
        {
            evaluation = Self.evaluationView(result, req: req)
        }
        let saved = try await MaterialsSaved.of(bundleCode: bundle.code, on: req.db)
        var page = req.pageContext(title: bundle.name)
        page.demoData = DemoNotice.text(saved.samples, .applications, req)
        return try await req.view.render(
            "bundle",
            BundleContext(
                page: page, code: bundle.code, name: bundle.name, category: bundle.category.chineseName,
                summary: bundle.summary, lead: bundle.leadDepartment.name, source: bundle.source, questions: questions,
                hasQuestions: !questions.isEmpty, members: members, evaluation: evaluation,
                applyHref: evaluation == nil
                    ? nil
                    : "/apply?bundle=\(bundle.code)"
                        + answers.sorted { $0.key < $1.key }.map {
                            "&\($0.key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                        }.joined(),
                saved: saved.materials == 0
                    ? nil : req.t("guide.materialsSaved", ["count": String(saved.applications), "materials": String(saved.materials)])))
    }

    package static func evaluationView(_ e: BundleEvaluation, req: Request) -> EvaluationView {
        let names = Dictionary(e.items.map { ($0.code, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        let groups: [MaterialGroup] = [
            (MaterialSource.applicant, "bundle.bring", "bundle.bringNote"), (.eLicense, "bundle.byLicense", "bundle.byLicenseNote"),
            (.sharedData, "bundle.byData", "bundle.byDataNote"), (.department, "bundle.byDepartment", "bundle.byDepartmentNote"),
        ].compactMap { source, title, note in
            let lines = e.materials(from: source).map {
                MaterialLine(
                    name: $0.material.name, required: $0.material.required, tolerable: $0.material.tolerable,
                    neededBy: $0.neededBy.count, detail: $0.material.producedBy ?? $0.material.note)
            }
            return lines.isEmpty ? nil : MaterialGroup(title: req.t(title), note: req.t(note), lines: lines)
        }
        let c = e.cost
        let days = { (n: Int) in req.t("guide.workingDays", ["days": String(n)]) }
        return EvaluationView(
            items: e.items.map {
                MemberLine(
                    code: $0.code, name: $0.displayName, department: $0.department.name,
                    condition: $0.workingDays == 0 ? req.t("guide.onTheSpot") : days($0.workingDays))
            },
            groups: groups,
            fields: e.form.map { f in
                ItemGuideView.FieldLine(
                    label: req.language == .en ? f.field.labelEn : f.field.label, type: req.t("fieldType.\(f.field.type.rawValue)"),
                    required: f.field.required, choices: f.field.choices.isEmpty ? nil : f.field.choices.joined(separator: " / "))
            },
            costs: [
                CostLine(label: req.t("bundle.costItems"), bundle: String(c.items), separately: String(c.items)),
                CostLine(label: req.t("bundle.costVisits"), bundle: String(c.visits), separately: String(c.visitsSeparately)),
                CostLine(
                    label: req.t("bundle.costMaterials"), bundle: String(c.materialsToSupply), separately: String(c.materialsSeparately)),
                CostLine(label: req.t("bundle.costDays"), bundle: days(c.daysCriticalPath), separately: days(c.daysInSequence)),
            ],
            criticalPath: c.criticalPath.map { names[$0] ?? $0 }.joined(separator: " → "))
    }
}
