import Foundation
import TongbanCore
import Vapor

/// A line of a search result or list.
struct ItemSummaryDTO: Content {
    let code: String
    let name: String
    let subItemName: String?
    let kind: String
    let kindName: String
    let departmentName: String
    let departmentCode: String
    let regionCode: String
    let level: String
    let online: Bool
    let promisedDays: Int?
    let visits: Int
    let version: Int

    init(_ doc: SearchDocument) {
        code = doc.code
        name = doc.name
        subItemName = doc.subItemName
        kind = doc.kind.rawValue
        kindName = doc.kind.chineseName
        departmentName = doc.departmentName
        departmentCode = doc.departmentCode
        regionCode = doc.regionCode.value
        level = doc.level.rawValue
        online = doc.online
        promisedDays = doc.promisedDays
        visits = doc.visits
        version = doc.version
    }
}

struct ItemPageDTO: Content {
    let total: Int
    let page: Int
    let per: Int
    let items: [ItemSummaryDTO]
}

/// One version of an entry with its state; `item` or `bundle` holds the description.
struct EntryDTO: Content {
    let code: String
    let version: Int
    let status: String
    let editedBy: String?
    let publishedBy: String?
    let publishedAt: Date?
    var item: ServiceItem?
    var bundle: ServiceBundle?

    init(_ entry: CatalogEntry) throws {
        code = entry.code
        version = entry.version
        status = entry.status.rawValue
        editedBy = entry.editedBy
        publishedBy = entry.publishedBy
        publishedAt = entry.publishedAt
        switch entry.kind {
        case .item: item = try entry.item()
        case .bundle: bundle = try entry.bundle()
        }
    }
}

struct VersionDTO: Content {
    let version: Int
    let status: String
    let editedBy: String?
    let publishedBy: String?
    let publishedAt: Date?

    init(_ entry: CatalogEntry) {
        version = entry.version
        status = entry.status.rawValue
        editedBy = entry.editedBy
        publishedBy = entry.publishedBy
        publishedAt = entry.publishedAt
    }
}

struct BundleSummaryDTO: Content {
    let code: String
    let name: String
    let category: String
    let categoryName: String
    let leadDepartment: String
    let regionCode: String
    let version: Int
}

struct EvaluationDTO: Content {
    struct Field: Content {
        let field: FormField
        let askedBy: [String]
    }
    struct MaterialLine: Content {
        let material: Material
        let neededBy: [String]
    }
    struct Cost: Content {
        let items: Int, visitsSeparately: Int, visits: Int, materialsSeparately: Int, materialsToSupply: Int
        let materialsReplacedByData: Int, materialsFromDepartments: Int, daysInSequence: Int, daysCriticalPath: Int
        let criticalPath: [String]
    }
    struct Item: Content {
        let code: String
        let name: String
        let departmentName: String
        let promisedDays: Int
        let visits: Int
    }

    let bundle: String
    let items: [Item]
    let form: [Field]
    let materials: [MaterialLine]
    let cost: Cost

    init(bundle: String, _ e: BundleEvaluation) {
        self.bundle = bundle
        items = e.items.map {
            Item(
                code: $0.code, name: $0.displayName, departmentName: $0.department.name, promisedDays: $0.workingDays,
                visits: $0.visits.count)
        }
        form = e.form.map { Field(field: $0.field, askedBy: $0.askedBy) }
        materials = e.materials.map { MaterialLine(material: $0.material, neededBy: $0.neededBy) }
        let c = e.cost
        cost = Cost(
            items: c.items, visitsSeparately: c.visitsSeparately, visits: c.visits, materialsSeparately: c.materialsSeparately,
            materialsToSupply: c.materialsToSupply, materialsReplacedByData: c.materialsReplacedByData,
            materialsFromDepartments: c.materialsFromDepartments, daysInSequence: c.daysInSequence,
            daysCriticalPath: c.daysCriticalPath, criticalPath: c.criticalPath)
    }
}

extension Request {
    /// Reads a JSON body as `T`, every decoding problem a 422 naming the field's path
    /// (`materials[2].source`), JSON that does not parse a 400.
    func decodeDocument<T: Decodable>(_ type: T.Type) throws -> T {
        guard let buffer = body.data else { throw TongbanError(status: .badRequest, code: "request.malformed") }
        return try Self.decodeDocument(type, from: Data(buffer: buffer))
    }

    /// A problem at a field of the document is a 422 naming that field. A document that is not
    /// JSON at all is `request.malformed`, or, when the document was itself a form field, a
    /// problem of `wholeDocumentField`.
    static func decodeDocument<T: Decodable>(_ type: T.Type, from data: Data, wholeDocumentField: String? = nil) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            let problem = DecodingProblem(error)
            guard let field = problem.field.isEmpty ? wholeDocumentField : problem.field else {
                throw TongbanError(status: .badRequest, code: "request.malformed")
            }
            throw TongbanError.invalid(field: field, problem.key)
        }
    }
}
