import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// A line of a search result or list.
package struct ItemSummaryDTO: Content {
    package let code: String
    package let name: String
    package let subItemName: String?
    package let kind: String
    package let kindName: String
    package let departmentName: String
    package let departmentCode: String
    package let regionCode: String
    package let level: String
    package let online: Bool
    package let promisedDays: Int?
    package let visits: Int
    package let version: Int

    package init(_ doc: SearchDocument) {
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

package struct ItemPageDTO: Content {
    package let total: Int
    package let page: Int
    package let per: Int
    package let items: [ItemSummaryDTO]
}

/// One version of an entry with its state; `item` or `bundle` holds the description.
package struct EntryDTO: Content {
    package let code: String
    package let version: Int
    package let status: String
    package let editedBy: String?
    package let publishedBy: String?
    package let publishedAt: Date?
    package var item: ServiceItem?
    package var bundle: ServiceBundle?

    package init(_ entry: CatalogEntry) throws {
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

package struct VersionDTO: Content {
    package let version: Int
    package let status: String
    package let editedBy: String?
    package let publishedBy: String?
    package let publishedAt: Date?

    package init(_ entry: CatalogEntry) {
        version = entry.version
        status = entry.status.rawValue
        editedBy = entry.editedBy
        publishedBy = entry.publishedBy
        publishedAt = entry.publishedAt
    }
}

package struct BundleSummaryDTO: Content {
    package let code: String
    package let name: String
    package let category: String
    package let categoryName: String
    package let leadDepartment: String
    package let regionCode: String
    package let version: Int
}

package struct EvaluationDTO: Content {
    package struct Field: Content {
        package let field: FormField
        package let askedBy: [String]
    }
    package struct MaterialLine: Content {
        package let material: Material
        package let neededBy: [String]
    }
    package struct Cost: Content {
        package let items: Int, visitsSeparately: Int, visits: Int, materialsSeparately: Int, materialsToSupply: Int
        package let materialsReplacedByData: Int, materialsFromDepartments: Int, daysInSequence: Int, daysCriticalPath: Int
        package let criticalPath: [String]
    }
    package struct Item: Content {
        package let code: String
        package let name: String
        package let departmentName: String
        package let promisedDays: Int
        package let visits: Int
    }

    package let bundle: String
    package let items: [Item]
    package let form: [Field]
    package let materials: [MaterialLine]
    package let cost: Cost

    package init(bundle: String, _ e: BundleEvaluation) {
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
    package func decodeDocument<T: Decodable>(_ type: T.Type) throws -> T {
        guard let buffer = body.data else { throw TongbanError(status: .badRequest, code: "request.malformed") }
        return try Self.decodeDocument(type, from: Data(buffer: buffer))
    }

    /// A problem at a field of the document is a 422 naming that field. A document that is not
    /// JSON at all is `request.malformed`, or, when the document was itself a form field, a
    /// problem of `wholeDocumentField`.
    package static func decodeDocument<T: Decodable>(_ type: T.Type, from data: Data, wholeDocumentField: String? = nil) throws -> T {
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
