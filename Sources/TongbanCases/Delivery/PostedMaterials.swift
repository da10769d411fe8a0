import Fluent
import Foundation
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// 邮寄收件: paper materials the applicant sent in by post (a correction, an owed material, an
/// original to check), registered by the window that received them. Received is received: the
/// checklist counts them, the timeline says so, and the applicant made no visit for it.
package final class PostedMaterial: Model, @unchecked Sendable {
    package static let schema = "posted_materials"

    @ID(key: .id) package var id: UUID?
    @Field(key: "application_id") package var applicationID: UUID
    @Field(key: "material_key") package var materialKey: String
    @Field(key: "material_name") package var materialName: String
    /// The sender's S10 number, when the envelope had one.
    @OptionalField(key: "tracking_number") package var trackingNumber: String?
    @OptionalField(key: "note") package var note: String?
    @Field(key: "received_on") package var receivedOn: String
    @Field(key: "received_by") package var receivedBy: UUID
    @Field(key: "received_at") package var receivedAt: Date

    package init() {}
}

package struct CreatePostedMaterials: AsyncMigration {
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(PostedMaterial.schema)
            .id()
            .field("application_id", .uuid, .required, .references(ApplicationRecord.schema, "id"))
            .field("material_key", .string, .required)
            .field("material_name", .string, .required)
            .field("tracking_number", .string)
            .field("note", .string)
            .field("received_on", .string, .required)
            .field("received_by", .uuid, .required)
            .field("received_at", .datetime, .required)
            .create()
        try await database.sql.create(index: "posted_materials_by_application").on(PostedMaterial.schema).column("application_id").run()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(PostedMaterial.schema).delete()
    }
}

/// Registering materials that came by post: a window clerk of the application's region, while a
/// case of it is still being worked; only materials the applicant brings; every problem at once,
/// nothing written when there is one.
package struct PostedMaterialIntake {
    package let context: UseCaseContext
    /// The decoded published items, shared with applying.
    package let caches: ApplicationCaches

    package init(context: UseCaseContext, caches: ApplicationCaches) {
        self.context = context
        self.caches = caches
    }

    package struct Body: Content {
        package var materials: [String]?
        package var trackingNumber: String?
        package var note: String?
        package init(materials: [String]? = nil, trackingNumber: String? = nil, note: String? = nil) {
            self.materials = materials
            self.trackingNumber = trackingNumber
            self.note = note
        }
    }

    /// Whether the acting account may register post for the application (the page's form).
    /// The same people as record visits (the window of the region), while a case is still worked.
    package func mayReceive(_ application: ApplicationRecord, cases: [CaseRow]) throws -> Bool {
        try ApplicationDesk(context: context).mayRecordVisit(application)
            && cases.contains { MaterialStore.acceptingStates.contains($0.state) }
    }

    package func receive(_ applicationID: UUID, _ body: Body) async throws -> [PostedMaterial] {
        let db = context.db
        let clerk = try context.requireAccount().requireID()
        guard let application = try await ApplicationRecord.find(applicationID, on: db) else { throw TongbanError.notFound("application") }
        let resource = try application.resource()
        guard context.allows(.view, resource) else { throw TongbanError.notFound("application") }
        try context.authorize(.handle, resource)
        let cases = try await CaseRow.query(on: db).filter(\.$applicationID == applicationID).all()
        guard cases.contains(where: { MaterialStore.acceptingStates.contains($0.state) }) else {
            throw TongbanError.conflict("material.closed", ["state": cases.first?.state.rawValue ?? "-"])
        }
        var items: [ServiceItem] = []
        for row in cases {
            if let entry = try await CatalogStore.entry(.item, code: row.itemCode, version: row.itemVersion, on: db) {
                items.append(try caches.item(entry))
            }
        }
        var problems = FieldErrors()
        var names: [String: String] = [:]
        for material in items.flatMap(\.materials) where material.source == .applicant && names[material.key] == nil {
            names[material.key] = material.name
        }
        let keys = Array(Set((body.materials ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
        if keys.isEmpty { problems.add("materials", "posted.nothingChosen") }
        for key in keys where names[key] == nil { problems.add("materials", "material.unknownKey") }
        let typed = problems.text("trackingNumber", body.trackingNumber, maxLength: 20, required: false)
        let tracking = typed.flatMap { raw in
            problems.check("trackingNumber") { () throws(TrackingNumber.Problem) in try TrackingNumber(raw) }
        }
        let note = problems.text("note", body.note, maxLength: 200, required: false)
        try problems.throwIfAny()
        let now = context.now
        let label = context.timelineLabel ?? "staff"
        let received = keys.map { key in
            let row = PostedMaterial()
            row.id = UUID.timeOrdered(at: now)
            row.applicationID = applicationID
            row.materialKey = key
            row.materialName = names[key] ?? key
            row.trackingNumber = tracking?.value
            row.note = note
            row.receivedOn = context.today.description
            row.receivedBy = clerk
            row.receivedAt = now
            return row
        }
        let list = received.map(\.materialName).joined(separator: "、")
        let detail = [list, tracking.map { "EMS \($0.value)" }, note].compactMap { $0 }.joined(separator: " · ")
        let entry = CaseEvent(
            applicationID: applicationID, caseID: nil, at: now, actor: label, action: "material.postReceived", from: nil, to: nil,
            detail: detail)
        let audit = context.auditEvent(
            "material.postReceived", resource: "application:\(application.number ?? applicationID.uuidString)",
            details: "\(keys.joined(separator: ",")) \(tracking?.value ?? "-")")
        try await db.write { tx in
            for row in received { try await row.create(on: tx) }
            try await entry.create(on: tx)
            // what the application's cases show changed (their checklists), not what they count
            try await CaseRow.query(on: tx).filter(\.$applicationID == applicationID).set(\.$updatedAt, to: now).update()
            try await AuditLog.append(audit, on: tx, now: now)
        }
        return received
    }
}

/// The page side: the window's form to register post on the application page, the applicant's
/// note that paper may be posted, and the form's adapter.
package struct PostedMaterialPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.post("applications", ":id", "posted-materials", use: receive)
    }

    package struct Section: Encodable {
        /// The materials the window may register as received (the applicant brings them).
        package let choices: [MaterialPages.Choice]
        package let mayReceive: Bool
        /// For the applicant, while a material is asked for: it may come by post.
        package let hint: String?
    }

    package static func section(
        _ req: Request, application: ApplicationRecord, cases: [CaseRow], items: [ServiceItem], asked: Bool
    ) throws -> Section? {
        let mayReceive = try PostedMaterialIntake(context: req.context, caches: req.application.applicationCaches).mayReceive(
            application, cases: cases)
        let own = application.applicantID == req.currentAccount?.id
        guard mayReceive || (own && asked) else { return nil }
        var seen = Set<String>()
        let choices = items.flatMap(\.materials).filter { $0.source == .applicant && seen.insert($0.key).inserted }.map {
            MaterialPages.Choice(key: $0.key, name: $0.name)
        }
        return Section(choices: mayReceive ? choices : [], mayReceive: mayReceive, hint: own && asked ? req.t("posted.hint") : nil)
    }

    package struct Form: Decodable {
        var materials: [String]?
        var trackingNumber: String?
        var note: String?
    }

    package func receive(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        guard let id = req.parameters.get("id", as: UUID.self) else { throw TongbanError.notFound("application") }
        do {
            let form = try req.content.decode(Form.self)
            _ = try await PostedMaterialIntake(context: req.context, caches: req.application.applicationCaches).receive(
                id, .init(materials: form.materials, trackingNumber: form.trackingNumber, note: form.note))
        } catch let error as TongbanError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await ApplicationPages().renderDetail(req, refused: error)
        }
        return req.redirect(to: "/applications/\(id)?posted=1#checklist")
    }
}
