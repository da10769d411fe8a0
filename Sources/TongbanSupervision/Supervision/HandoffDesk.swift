import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 审管衔接: the approvals handed to a supervising department. Its reviewers and window clerks list
/// them and sign for them (then they count as received); supervisors see their region's. The watch
/// turns those left unsigned yellow, then red and escalated to the supervisors.
package struct HandoffDesk {
    package let context: UseCaseContext

    package init(context: UseCaseContext) {
        self.context = context
    }

    package enum Filter: String, CaseIterable, Sendable {
        case unsigned
        case signed
        case all
    }

    /// Whose handoffs the acting account sees: its department's, or its region's for a supervisor.
    private func scope() throws -> (region: RegionCode, departmentID: UUID?) {
        let actor = try context.requireAccount().actor
        guard let region = actor.regionCode else { throw TongbanError.denied(.roleMissing) }
        if context.allows(.supervise, .handoff(regionCode: region, departmentID: nil)) { return (region, nil) }
        guard let department = actor.departmentID else { throw TongbanError.denied(.roleMissing) }
        try context.authorize(.list, .handoff(regionCode: region, departmentID: department))
        return (region, department)
    }

    /// The handoffs in scope, unsigned ones reddest and oldest first, signed ones newest first.
    package func list(_ filter: Filter = .unsigned, limit: Int = 200) async throws -> [SupervisionHandoff] {
        let (region, department) = try scope()
        var query = SupervisionHandoff.query(on: context.db).filter(\.$regionCode =~ region.significantPrefix)
        if let department { query = query.filter(\.$supervisingDepartmentID == department) }
        switch filter {
        case .unsigned: query = query.filter(\.$signedAt == nil).sort(\.$yellowOn).sort(\.$createdAt)
        case .signed: query = query.filter(\.$signedAt != nil).sort(\.$signedAt, .descending)
        case .all: query = query.sort(\.$createdAt, .descending)
        }
        return try await query.limit(min(max(limit, 1), 500)).all()
    }

    /// Signs for a handoff: received from now on. One already signed is a conflict, naming who signed.
    package func sign(_ id: UUID) async throws -> SupervisionHandoff {
        let account = try context.requireAccount()
        guard let handoff = try await SupervisionHandoff.find(id, on: context.db) else { throw TongbanError.notFound("handoff") }
        // another department's handoff reads as absent
        guard context.allows(.view, try handoff.resource) else { throw TongbanError.notFound("handoff") }
        try context.authorize(.handle, try handoff.resource)
        if handoff.signedAt != nil {
            throw TongbanError.conflict("handoff.alreadySigned", ["by": handoff.signedByName ?? "-"])
        }
        let now = context.now
        let accountID = try account.requireID()
        let name = account.displayName
        let audit = context.auditEvent(
            "handoff.sign", resource: "handoff:\(id)",
            details: "\(handoff.itemName) \(handoff.applicationNumber) → \(handoff.supervisingDepartmentName)")
        try await context.db.write { tx in
            let signed = try await tx.sql.raw(
                """
                UPDATE supervision_handoffs SET signed_at = \(bind: now), signed_by = \(bind: accountID), signed_by_name = \(bind: name),
                  light = 'signed', version = version + 1
                WHERE id = \(bind: id) AND signed_at IS NULL RETURNING id
                """
            ).all()
            guard !signed.isEmpty else { throw TongbanError.conflict("handoff.alreadySigned", ["by": "-"]) }
            try await OutboxEvent(
                .handoffSigned, subject: id.uuidString, payload: handoff.eventPayload, audience: handoff.audience, at: now
            )
            .create(on: tx)
            try await AuditLog.append(audit, on: tx, now: now)
        }
        handoff.signedAt = now
        handoff.signedBy = accountID
        handoff.signedByName = name
        handoff.light = HandoffRules.Light.signed.rawValue
        handoff.version += 1
        return handoff
    }
}

/// Moves unsigned handoffs' lights on as working days pass: yellow, then red with the supervisors
/// told. Each change is made once (conditional on the light it saw), so two processes sweeping at
/// once tell nobody twice.
package enum HandoffWatch {
    package struct Summary: Equatable, Sendable {
        package var yellow = 0
        package var red = 0

        package init(yellow: Int = 0, red: Int = 0) {
            self.yellow = yellow
            self.red = red
        }
    }

    package static func run(db: any Database, today: CalendarDate, now: Date) async throws -> Summary {
        var summary = Summary()
        let due = try await SupervisionHandoff.query(on: db).filter(\.$signedAt == nil)
            .filter(\.$light != HandoffRules.Light.red.rawValue).filter(\.$yellowOn <= today.description).all()
        for handoff in due {
            guard let yellowOn = CalendarDate(iso: handoff.yellowOn), let redOn = CalendarDate(iso: handoff.redOn), let id = handoff.id
            else {
                continue
            }
            let light = HandoffRules.light(yellowOn: yellowOn, redOn: redOn, signed: false, today: today)
            guard light != handoff.handoffLight, light == .yellow || light == .red else { continue }
            let moved = try await db.write { tx -> Bool in
                let changed = try await tx.sql.raw(
                    """
                    UPDATE supervision_handoffs SET light = \(bind: light.rawValue), escalated = \(bind: light == .red), version = version + 1
                    WHERE id = \(bind: id) AND light = \(bind: handoff.light) AND signed_at IS NULL RETURNING id
                    """
                ).all()
                guard !changed.isEmpty else { return false }
                try await OutboxEvent(
                    .handoffWarning, subject: id.uuidString, payload: handoff.eventPayload.merging(["warning": light.rawValue]) { $1 },
                    audience: handoff.audience, at: now
                ).create(on: tx)
                if light == .red {
                    try await OutboxEvent(
                        .handoffEscalated, subject: id.uuidString, payload: handoff.eventPayload, audience: handoff.audience, at: now
                    ).create(on: tx)
                }
                return true
            }
            if moved { if light == .red { summary.red += 1 } else { summary.yellow += 1 } }
        }
        return summary
    }

    package static func schedule(_ app: Application, every interval: TimeInterval) {
        BackgroundJob.schedule(app, name: "handoff watch", every: interval, firstAfter: min(interval, 60)) {
            let summary = try await run(db: app.db, today: app.today, now: app.clock.now())
            if summary != Summary() { app.logger.info("handoff watch: \(summary.yellow) yellow, \(summary.red) red and escalated") }
        }
    }
}
