import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Acting on a case, the use case of applicants, clerks and reviewers: the state machine
/// decides, then the new record, the tasks it opens, a timeline entry, an outbox event and the
/// audit entry are written in one transaction, only if the case is still at the version read
/// (else 409: somebody else acted first). An approval whose result is an e-licence issues it.
package struct CaseDesk {
    package let context: UseCaseContext
    /// Decoded items, by code and version.
    package let caches: ApplicationCaches
    /// Signs the e-licence an approval issues.
    package let signer: LicenseSigner

    package func load(_ caseID: UUID) async throws -> CaseWork.Loaded {
        try await CaseWork.load(caseID: caseID, caches: caches, on: context.db)
    }

    /// Which of the roles the table allows for this action the acting account holds here: the
    /// applicant for their own case, a clerk of the region, a reviewer of the case's own (lead)
    /// department — a department reviewing in parallel sees the case and completes its task, but
    /// the decisions are the lead's. Someone who cannot even see the case is told it does not exist.
    package func role(for kind: CaseActionKind, _ loaded: CaseWork.Loaded) throws -> CaseActor {
        let resource = try CaseWork.resource(loaded)
        guard context.allows(.view, resource) else { throw TongbanError.notFound("case") }
        let allowed = CaseMachine.rules.filter { $0.action == kind }.flatMap(\.by)
        if allowed.contains(.applicant), context.allows(.view, .holderRecords(holderID: loaded.application.applicantID)) {
            return .applicant
        }
        if allowed.contains(.clerk), context.allows(.handle, resource) { return .clerk }
        if allowed.contains(.reviewer) {
            let lead = try loaded.application.resource(departmentIDs: Set([loaded.row.departmentID].compactMap { $0 }))
            if context.allows(.review, lead) { return .reviewer }
            if context.allows(.review, resource) { throw TongbanError.denied(.notLeadDepartment) }
        }
        throw TongbanError.denied(.roleMissing)
    }

    /// Applies one action for the acting account and answers the case as it is now.
    package func act(caseID: UUID, _ body: CaseActionBody) async throws -> CaseWork.Loaded {
        _ = try context.requireAccount()
        let loaded = try await load(caseID)
        guard let kind = CaseActionKind(rawValue: body.action) else { throw TongbanError.invalid(field: "action", "field.unknownValue") }
        let role = try role(for: kind, loaded)
        if let version = body.version, version != loaded.row.version { throw CaseWork.conflict(loaded, role) }
        let action = try body.action(today: context.today, calendar: context.calendar, item: loaded.item)
        let audit = context.auditEvent("case.\(kind.rawValue)", resource: "application:\(loaded.application.number ?? "-")")
        try await CaseWork.perform(
            action, on: loaded, as: role, actorLabel: context.timelineLabel ?? "system",
            audit: audit, context: context, signer: signer)
        return try await load(caseID)
    }
}

extension Request {
    /// `CaseDesk.act` for the signed-in account (the API and the pages alike); a refusal names
    /// the states and actions in the request's language.
    package func actOnCase(_ caseID: UUID, _ body: CaseActionBody) async throws -> CaseWork.Loaded {
        let desk = CaseDesk(context: context, caches: application.applicationCaches, signer: application.licenseSigner)
        do {
            return try await desk.act(caseID: caseID, body)
        } catch var error as TongbanError where error.arguments["state"] != nil {
            error.arguments["state"] = error.arguments["state"].map { t("caseState.\($0)") }
            error.arguments["action"] = error.arguments["action"].map { t("caseAction.\($0)") }
            error.arguments["allowed"] = error.arguments["allowed"].map { list in
                guard list != "-" else { return "—" }
                let names = list.split(separator: ",").map { t("caseAction.\($0.trimmingCharacters(in: .whitespaces))") }
                return names.joined(separator: "、")
            }
            throw error
        }
    }
}
