import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TongbanCore
import TongbanPlatform
import Vapor

/// What an applicant (or a clerk on their behalf) sends to apply.
package struct ApplyBody: Content {
    /// The item's code, or
    package var item: String?
    /// the bundle's code (then `answers` are the questionnaire's).
    package var bundle: String?
    package var answers: [String: String]?
    package var form: [String: String]?
    /// A clerk entering the application for someone (帮办): that person's or enterprise's account.
    package var applicantID: UUID?
    /// 帮办 only: the applicant is at the window (recorded as a visit).
    package var applicantPresent: Bool?
    /// false: save a draft to finish later; true (default): submit now.
    package var submit: Bool?
    /// 免提交: material key → the identifier of an e-licence the applicant holds, offered instead
    /// of a copy (the applicant's consent for the case's department to read it).
    package var licenses: [String: String]? = nil
    /// The applicant allows the asking departments to fetch the shared data the materials name
    /// (for resources that ask for consent); a clerk may record it only with the applicant present.
    package var dataConsent: Bool? = nil
    /// 告知承诺: the applicant signs the commitment of every item that allows approval on one (the
    /// text the apply page shows); a clerk may record it only with the applicant present.
    package var commitment: Bool? = nil
    /// 送达方式: how each result is received (electronic where offered, unless chosen), and 统一出件.
    package var delivery: DeliveryBody? = nil

    package init(
        item: String? = nil, bundle: String? = nil, answers: [String: String]? = nil, form: [String: String]? = nil,
        applicantID: UUID? = nil, applicantPresent: Bool? = nil, submit: Bool? = nil, licenses: [String: String]? = nil,
        dataConsent: Bool? = nil, commitment: Bool? = nil
    ) {
        self.item = item
        self.bundle = bundle
        self.answers = answers
        self.form = form
        self.applicantID = applicantID
        self.applicantPresent = applicantPresent
        self.submit = submit
        self.licenses = licenses
        self.dataConsent = dataConsent
        self.commitment = commitment
    }
}

/// How the applicant receives the results: a way per item (`window`, `post`, `electronic`),
/// the address for posted ones, and whether the handed-over results come together.
package struct DeliveryBody: Content {
    package struct Address: Content {
        package var regionCode: String?
        package var detail: String?
        package var recipient: String?
        package var mobile: String?

        package init(regionCode: String? = nil, detail: String? = nil, recipient: String? = nil, mobile: String? = nil) {
            self.regionCode = regionCode
            self.detail = detail
            self.recipient = recipient
            self.mobile = mobile
        }
    }

    package var methods: [String: String]?
    package var together: Bool?
    package var address: Address?

    package init(methods: [String: String]? = nil, together: Bool? = nil, address: Address? = nil) {
        self.methods = methods
        self.together = together
        self.address = address
    }

    /// The choice for the target's items, every problem named at once.
    package func checked(for target: ApplicationTarget) throws -> DeliveryChoice {
        var problems = FieldErrors()
        var asked: [String: DeliveryMethod] = [:]
        for (code, raw) in (methods ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let method = DeliveryMethod(rawValue: raw) else {
                problems.add("delivery.methods.\(code)", "field.unknownValue")
                continue
            }
            asked[code] = method
        }
        var postal: PostalAddress? = nil
        var addressWrong = false
        if let address, asked.values.contains(.post) {
            do {
                postal = try PostalAddress.checked(
                    regionCode: address.regionCode, detail: address.detail, recipient: address.recipient, mobile: address.mobile,
                    field: "delivery.address")
            } catch {
                addressWrong = true
                for problem in error.errors { problems.add(problem) }
            }
        }
        let results = target.items.map { DeliveryChoice.Result(itemCode: $0.item.code, offered: $0.item.result?.delivery ?? []) }
        do {
            let choice = try DeliveryChoice.resolve(results, asked: asked, together: together ?? false, address: postal)
            guard problems.isEmpty else { throw TongbanError.invalid(problems) }
            return choice
        } catch let rules as FieldErrors {
            // an address given but wrong is named as such, not also as missing
            for problem in rules.errors where !(addressWrong && problem.field == "delivery.address") { problems.add(problem) }
            throw TongbanError.invalid(problems)
        }
    }
}

/// What the platform applies for: the items (with their published versions) and the form they
/// ask, for one item or for a bundle and a set of answers.
package struct ApplicationTarget: Sendable {
    package var kind: ApplicationRecord.Target
    package var code: String
    package var version: Int
    package var name: String
    package var regionCode: RegionCode
    package var items: [(item: ServiceItem, version: Int)]
    /// The least level of proof its items ask of an applicant who submits online.
    package var assurance: AssuranceLevel { items.map(\.item.submissionAssurance).max() ?? .binding }
    package var form: [FormField]
    /// A bundle's items (by code) that wait for others of the same application, and for which.
    package var dependencies: [String: [String]]
    /// 牵头部门: a bundle's lead department and the region it is in.
    package var lead: (department: ItemDepartment, region: RegionCode)?

    package init(
        kind: ApplicationRecord.Target, code: String, version: Int, name: String, regionCode: RegionCode,
        items: [(item: ServiceItem, version: Int)], form: [FormField], dependencies: [String: [String]] = [:],
        lead: (department: ItemDepartment, region: RegionCode)? = nil
    ) {
        self.dependencies = dependencies
        self.lead = lead
        self.kind = kind
        self.code = code
        self.version = version
        self.name = name
        self.regionCode = regionCode
        self.items = items
        self.form = form
    }

    package static func resolve(_ body: ApplyBody, parts: ApplyingParts, on db: any Database) async throws -> ApplicationTarget {
        let caches = parts.caches
        switch (body.item, body.bundle) {
        case let (code?, nil):
            guard body.answers?.isEmpty ?? true else { throw TongbanError.invalid(field: "answers", "application.answersForBundleOnly") }
            let revision = try await parts.catalogRevision.revision(on: db)
            if let (version, item) = caches.published(code, revision: revision) {
                return ApplicationTarget(
                    kind: .item, code: code, version: version, name: item.displayName,
                    regionCode: item.regionCode, items: [(item, version)], form: item.form)
            }
            guard let entry = try await CatalogStore.published(.item, code: code, on: db) else {
                // retired or never published: say which, so the applicant is not left guessing
                let exists = try await CatalogStore.entry(.item, code: code, version: nil, on: db) != nil
                throw TongbanError.invalid(field: "item", exists ? "application.itemNotAvailable" : "application.unknownItem")
            }
            let item = try caches.item(entry)
            caches.remember(code, version: entry.version, item: item, revision: revision)
            return ApplicationTarget(
                kind: .item, code: entry.code, version: entry.version, name: item.displayName,
                regionCode: item.regionCode, items: [(item, entry.version)], form: item.form)
        case let (nil, code?):
            // a bundle with the same answers resolves to the same target while the catalog stays as it is
            let revision = try await parts.catalogRevision.revision(on: db)
            let key = ApplicationCaches.bundleKey(code, answers: body.answers ?? [:])
            if let known = caches.bundle(key, revision: revision) { return known }
            let target = try await resolveBundle(code, answers: body.answers ?? [:], caches: caches, on: db)
            caches.remember(bundle: key, target: target, revision: revision)
            return target
        default:
            throw TongbanError.invalid(field: "item", "application.itemOrBundle")
        }
    }

    /// A bundle's published version, its items' published versions and the questionnaire's
    /// answers evaluated: the items that apply, the merged form, the dependencies.
    static func resolveBundle(_ code: String, answers: [String: String], caches: ApplicationCaches, on db: any Database) async throws
        -> ApplicationTarget
    {
        guard let entry = try await CatalogStore.published(.bundle, code: code, on: db) else {
            throw TongbanError.invalid(field: "bundle", "application.unknownBundle")
        }
        let bundle = try entry.bundle()
        let rows = try await CatalogEntry.query(on: db).filter(\.$kind == .item).filter(\.$status == .published)
            .filter(\.$code ~~ bundle.members.map(\.itemCode)).all()
        var byCode: [String: (ServiceItem, Int)] = [:]
        for row in rows { byCode[row.code] = (try caches.item(row), row.version) }
        let evaluation: BundleEvaluation
        do {
            evaluation = try BundleComposer.evaluate(bundle, answers: answers, items: byCode.mapValues(\.0))
        } catch {
            let field =
                switch error {
                case let .missingAnswer(key), let .unknownQuestion(key): "answers.\(key)"
                case let .unknownOption(question, _): "answers.\(question)"
                default: "bundle"
                }
            throw TongbanError.invalid(field: field, error.messageKey)
        }
        let items = evaluation.items.compactMap { item in byCode[item.code].map { (item: $0.0, version: $0.1) } }
        return ApplicationTarget(
            kind: .bundle, code: entry.code, version: entry.version, name: bundle.name,
            regionCode: bundle.regionCode, items: items, form: evaluation.form.map(\.field),
            dependencies: evaluation.dependencies, lead: (bundle.leadDepartment, bundle.regionCode))
    }
}

/// Per-process memory for applying, one per application (each test has its own database):
/// published item versions never change, so each is decoded once; which version of a code is
/// the published one is remembered while the catalog revision stays the same (a change made by
/// another process is seen within a second); the department directory is remembered for ten
/// seconds (departments are created rarely; a new one is routed to within that time).
package final class ApplicationCaches: Sendable {

    package init() {}
    private let decoded = NIOLockedValueBox([String: ServiceItem]())
    private let published = NIOLockedValueBox((revision: -1, items: [String: (Int, ServiceItem)]()))
    private let departments = NIOLockedValueBox((at: CacheAge?.none, directory: DepartmentDirectory([])))
    private let bundles = NIOLockedValueBox((revision: -1, targets: [String: ApplicationTarget]()))

    /// A bundle and a set of answers, as one key: the answers in the order of their questions' keys.
    package static func bundleKey(_ code: String, answers: [String: String]) -> String {
        ([code] + answers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "\u{1F}")
    }

    package func bundle(_ key: String, revision: Int) -> ApplicationTarget? {
        bundles.withLockedValue { $0.revision == revision ? $0.targets[key] : nil }
    }

    package func remember(bundle key: String, target: ApplicationTarget, revision: Int) {
        bundles.withLockedValue {
            if $0.revision != revision || $0.targets.count > 5_000 { $0 = (revision, [:]) }
            $0.targets[key] = target
        }
    }

    package func item(_ entry: CatalogEntry) throws -> ServiceItem {
        let key = "\(entry.code)#\(entry.version)"
        if entry.status != .draft, let hit = decoded.withLockedValue({ $0[key] }) { return hit }
        let item = try entry.item()
        if entry.status != .draft {
            decoded.withLockedValue {
                if $0.count > 5_000 { $0.removeAll() }
                $0[key] = item
            }
        }
        return item
    }

    package func published(_ code: String, revision: Int) -> (Int, ServiceItem)? {
        published.withLockedValue { $0.revision == revision ? $0.items[code] : nil }
    }

    package func remember(_ code: String, version: Int, item: ServiceItem, revision: Int) {
        published.withLockedValue {
            if $0.revision != revision || $0.items.count > 5_000 { $0 = (revision, [:]) }
            $0.items[code] = (version, item)
        }
    }

    package func departments(on db: any Database) async throws -> DepartmentDirectory {
        if let known = departments.withLockedValue({ $0.at?.isYoungerThan(10) ?? false ? $0.directory : nil }) { return known }
        let directory = DepartmentDirectory(try await Department.query(on: db).all())
        departments.withLockedValue { $0 = (CacheAge(), directory) }
        return directory
    }
}

/// The process-wide parts applying reads and writes through, named: the catalog's revision,
/// the decoded items and the department directory, the serial allocator, the group commit, and
/// the data-resource catalog.
package struct ApplyingParts: Sendable {
    package let catalogRevision: any CatalogRevisionSource
    package let caches: ApplicationCaches
    package let serials: ApplicationSerials
    package let groupCommit: GroupCommit
    package let dataResources: [String: DataResource]

    package init(_ app: Application) {
        catalogRevision = app.catalogRevisionSource
        caches = app.applicationCaches
        serials = app.applicationSerials
        groupCommit = app.groupCommit
        dataResources = app.dataResources
    }
}

extension Application {
    private struct ApplicationCachesKey: StorageKey { typealias Value = ApplicationCaches }

    package var applicationCaches: ApplicationCaches {
        get { storage[ApplicationCachesKey.self]! }
        set { storage[ApplicationCachesKey.self] = newValue }
    }
}
