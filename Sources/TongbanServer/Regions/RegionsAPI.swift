import Fluent
import TongbanCore
import TongbanPlatform
import Vapor

/// `/api/v1` routes of regions and departments: public reading, departments created by system admins.
struct RegionsAPI {
    struct DepartmentBody: Content {
        var creditCode: String?
        var name: String?
        var regionCode: String?
    }

    func register(_ api: any RoutesBuilder) {
        api.get("regions", use: children)
        api.get("regions", ":code", use: region)
        api.get("departments", use: departments)
        api.post("departments", use: createDepartment)
    }

    /// The provinces, or the children of `?parent=`.
    func children(req: Request) async throws -> [RegionDTO] {
        try req.authorize(.view, .region)
        let query = Region.query(on: req.db).sort(\.$id)
        if let parent = req.query[String.self, at: "parent"] {
            guard let code = try? RegionCode(parent) else { throw TongbanError.invalid(field: "parent", "region.invalidCode") }
            query.filter(\.$parentCode == code.value)
        } else {
            query.filter(\.$level == .province)
        }
        return try await query.all().map { $0.toDTO() }
    }

    func region(req: Request) async throws -> RegionDTO {
        try req.authorize(.view, .region)
        guard let code = req.parameters.get("code"), let region = try await Region.find(code, on: req.db) else {
            throw TongbanError.notFound("region")
        }
        return region.toDTO()
    }

    func departments(req: Request) async throws -> [DepartmentDTO] {
        let query = Department.query(on: req.db).sort(\.$name)
        if let raw = req.query[String.self, at: "region"] {
            guard let code = try? RegionCode(raw) else { throw TongbanError.invalid(field: "region", "region.invalidCode") }
            try req.authorize(.view, .department(regionCode: code))
            query.filter(\.$regionCode, .custom("LIKE"), code.significantPrefix + "%")
        }
        return try await query.limit(500).all().map { try $0.toDTO() }
    }

    func createDepartment(req: Request) async throws -> Response {
        _ = try req.requireAccount()
        let body = try req.content.decode(DepartmentBody.self)
        var errors = FieldErrors()
        let code = errors.check("creditCode") { () throws(CreditCode.Problem) in try CreditCode(body.creditCode ?? "") }
        let name = errors.text("name", body.name, maxLength: 100)
        let region = errors.check("regionCode") { () throws(RegionCode.Problem) in try RegionCode(body.regionCode ?? "") }
        try errors.throwIfAny()
        guard let code, let name, let region else { throw errors }
        try req.authorize(.create, .department(regionCode: region))
        guard try await Region.find(region.value, on: req.db) != nil else {
            throw TongbanError.invalid(field: "regionCode", "region.unknown")
        }
        let department = Department(creditCode: code, name: name, regionCode: region)
        do {
            try await req.db.write { tx in
                try await department.create(on: tx)
                try await AuditLog.append(
                    req.auditEvent(
                        "department.create", resource: "department:\(try department.requireID())",
                        details: "\(name) \(code.value)"), on: tx, now: req.now)
            }
        } catch  where error.isConstraintViolation {
            throw TongbanError(
                status: .conflict, code: "department.duplicate", fields: [FieldError(field: "creditCode", key: "department.duplicate")])
        }
        return try await department.toDTO().encodeResponse(status: .created, for: req)
    }
}
