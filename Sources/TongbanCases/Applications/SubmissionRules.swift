import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

extension ApplicationSubmission {
    /// The timeline of a case just submitted: the submission (naming the 秒批 rules that did not
    /// hold, if any did not), and the platform's instant approval when they all did.
    package static func submitEvents(
        applicationID: UUID, caseID: UUID, at now: Date, actor: String, record: CaseRecord,
        instant: InstantRules.Outcome?
    ) -> [CaseEvent] {
        let failed = instant.flatMap {
            $0.passed ? nil : "秒批未通过 / not approved instantly:\n" + $0.trace.filter { $0.hasSuffix("✗") }.joined(separator: "\n")
        }
        var events = [
            CaseEvent(
                applicationID: applicationID, caseID: caseID, at: now, actor: actor, action: "submit", from: .draft, to: .submitted,
                detail: failed)
        ]
        if record.state == .decided {
            events.append(
                CaseEvent(
                    applicationID: applicationID, caseID: caseID, at: now, actor: "system", action: "approveInstantly",
                    from: .submitted, to: .decided, detail: record.decision?.trace.joined(separator: "\n")))
        }
        return events
    }

    /// "Upload the required material first: <its name>".
    package static func materialProblem(_ field: String, _ target: ApplicationTarget) -> FieldError {
        let key = field.hasPrefix("materials.") ? String(field.dropFirst("materials.".count)) : field
        let name = target.items.flatMap(\.item.materials).first { $0.key == key }?.name
        return FieldError(field: field, key: "application.materialMissing", label: name, labelEn: name)
    }

    /// Materials the applicant must upload before submitting online: required, brought by the
    /// applicant, not tolerable (容缺 materials may follow after acceptance).
    package static func requiredUploads(_ target: ApplicationTarget) -> [String] {
        var keys: [String] = []
        for (item, _) in target.items {
            for material in item.materials
            where material.required && material.source == .applicant && !material.tolerable && !keys.contains(material.key) {
                keys.append(material.key)
            }
        }
        return keys
    }

    /// One task per review, inspection, hearing and expert-review step, routed to the
    /// department the step (or else the item) names.
    package static func reviewTasks(
        _ item: ServiceItem, caseID: UUID, applicationID: UUID, departments: DepartmentDirectory,
        at now: Date
    ) -> [ReviewTask] {
        let kinds: Set<StepKind> = [.review, .inspection, .hearing, .expertReview]
        return item.steps.filter { kinds.contains($0.kind) }.enumerated().map { position, step in
            let task = ReviewTask()
            task.id = UUID.timeOrdered(at: now)
            task.caseID = caseID
            task.applicationID = applicationID
            task.position = position
            task.kind = step.kind
            task.name = step.name
            task.departmentName = step.department ?? item.department.name
            task.departmentID = departments.id(of: step, item: item)
            task.parallelGroup = step.parallelGroup
            task.limitDays = step.days ?? item.workingDays
            task.status = .waiting
            task.version = 1
            return task
        }
    }

    package static func applicantTail(_ account: Account, keys: KeyRing) -> String {
        if let code = account.creditCode { return String(code.suffix(4)) }
        if let number = account.identityNumber(keys) {
            return String(number.suffix(4))
        }
        return ""
    }
}
