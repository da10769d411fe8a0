import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// Applying on the web, without JavaScript: one page with the item's (or the bundle's merged)
/// form and a file field for each material the applicant brings. Everything is checked before
/// anything is written; then the files are stored and the application submitted with them, by
/// the same submission as the API's (one transaction: nothing is left behind if it fails).
package struct ApplyPages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("apply", use: page)
        routes.form(.POST, "apply", max: "40mb", use: submit)
        routes.post("apply", "prefill", use: prefill)
    }

    package struct Field: Encodable {
        package let name: String
        package let label: String
        /// The field type, for scripts that fill the form (and assistive tools).
        package let kind: String
        package let inputType: String
        package let required: Bool
        package let choices: [String]
        package let isChoice: Bool
        package let value: String
        package let error: String?
        /// Where a prefilled value came from (只询问一次), shown under the field.
        package let source: String?
        /// The applicant's verified identity: shown, not editable.
        package let locked: Bool
    }

    package struct Upload: Encodable {
        package let name: String
        package let label: String
        package let required: Bool
        package let note: String
        package let error: String?
    }

    package struct Hidden: Encodable {
        package let name: String
        package let value: String
    }

    /// A material an e-licence can satisfy: the applicant's licence to tick (if they hold one),
    /// and a file field for a copy instead.
    package struct LicenseChoice: Encodable {
        package let material: String
        package let name: String
        package let held: Bool
        package let identifier: String
        package let label: String
        package let consent: String
        package let checked: Bool
        package let upload: String
        package let error: String?
    }

    /// How one result is to be received: the ways its item offers.
    package struct DeliveryField: Encodable {
        package struct Option: Encodable {
            package let value: String
            package let label: String
            package let selected: Bool
        }
        package let name: String
        package let label: String
        package let options: [Option]
        package let error: String?
    }

    /// The postal address's inputs, as typed, with their problems.
    package struct AddressInput: Encodable {
        package let name: String
        package let label: String
        package let value: String
        package let inputType: String
        package let error: String?
    }

    package struct Context: Encodable {
        package let page: PageContext
        package let title: String
        package let hidden: [Hidden]
        package let fields: [Field]
        package let uploads: [Upload]
        package let hasUploads: Bool
        package let licenseChoices: [LicenseChoice]
        package let hasLicenseChoices: Bool
        /// The shared data the platform would fetch, and the consent asked for it.
        package let dataLines: [String]
        package let hasData: Bool
        package let dataConsentNeeded: Bool
        package let dataConsentLabel: String
        package let dataConsentChecked: Bool
        /// 告知承诺书 of the items that allow approval on one, to read and sign.
        package let commitments: [String]
        package let hasCommitments: Bool
        package let commitmentChecked: Bool
        package let commitmentError: String?
        package let summary: String?
        /// The applicant's identity is not proven: they are told what it takes to submit.
        package let assuranceNeeded: Bool
        package let assuranceNotice: String
        /// 送达方式 and 统一出件.
        package let deliveries: [DeliveryField]
        package let hasDeliveries: Bool
        package let offersTogether: Bool
        package let togetherChecked: Bool
        package let togetherError: String?
        package let offersPost: Bool
        package let address: [AddressInput]
        /// 只询问一次: how many answers were prefilled, and the shared data that could fill more.
        package let prefillNote: String?
        package let sharedPrefill: String?
        package let sharedPrefillButton: String
        /// 帮办: a window clerk applying for the person at the window.
        package let onBehalf: String?
        package let applicantPresentChecked: Bool
    }

    /// The delivery section of the apply page: a way per result (electronic first where
    /// offered), the choice of one pickup or parcel, and the address for a parcel.
    static func deliverySection(_ req: Request, target: ApplicationTarget, values: [String: String], shown: FormFailure)
        -> (fields: [DeliveryField], address: [AddressInput], offersPost: Bool)
    {
        let fields = target.items.compactMap { item, _ -> DeliveryField? in
            guard let result = item.result, !result.delivery.isEmpty else { return nil }
            let offered = result.delivery.sorted { ($0 == .electronic ? 0 : 1) < ($1 == .electronic ? 0 : 1) }
            let chosen = values["d_\(item.code)"] ?? offered[0].rawValue
            return DeliveryField(
                name: "d_\(item.code)", label: "\(item.displayName)：\(result.name)",
                options: offered.map {
                    .init(value: $0.rawValue, label: req.t("delivery.\($0.rawValue)"), selected: $0.rawValue == chosen)
                },
                error: shown.fields["delivery.methods.\(item.code)"])
        }
        let address = [
            ("regionCode", "text"), ("detail", "text"), ("recipient", "text"), ("mobile", "tel"),
        ].map { key, type in
            AddressInput(
                name: "addr_\(key)", label: req.t("address.\(key)"), value: values["addr_\(key)"] ?? "", inputType: type,
                error: shown.fields["delivery.address.\(key)"] ?? (key == "detail" ? shown.fields["delivery.address"] : nil))
        }
        let offersPost = target.items.contains { $0.item.result?.delivery.contains(.post) ?? false }
        return (fields, address, offersPost)
    }

    /// The delivery choice as the page's inputs say it.
    static func deliveryBody(_ values: [String: String]) -> DeliveryBody {
        var methods: [String: String] = [:]
        for (key, value) in values where key.hasPrefix("d_") { methods[String(key.dropFirst(2))] = value }
        let typed = ["regionCode", "detail", "recipient", "mobile"].map { values["addr_\($0)"] ?? "" }
        let address =
            typed.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty })
            ? nil : DeliveryBody.Address(regionCode: typed[0], detail: typed[1], recipient: typed[2], mobile: typed[3])
        return DeliveryBody(methods: methods, together: values["deliveryTogether"] != nil, address: address)
    }

    /// The target named by the query or the form: `item`, or `bundle` with the questionnaire's
    /// answers as the other parameters.
    package static func body(_ values: [String: String]) -> ApplyBody {
        var answers: [String: String] = [:]
        for (key, value) in values where key.hasPrefix("a_") { answers[String(key.dropFirst(2))] = value }
        return ApplyBody(item: values["item"], bundle: values["bundle"], answers: values["bundle"] == nil ? nil : answers)
    }

    package static func inputType(_ type: FieldType) -> String {
        switch type {
        case .number: "number"
        case .date: "date"
        case .mobile: "tel"
        default: "text"
        }
    }

    package func page(req: Request) async throws -> Response {
        guard req.currentAccount != nil else {
            return req.redirect(to: "/login?back=\(req.url.string.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")")
        }
        var values: [String: String] = [:]
        for key in ["item", "bundle", "for"] { if let v = req.query[String.self, at: key] { values[key] = v } }
        if let raw = req.url.query {
            for pair in raw.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if parts.count == 2, !["item", "bundle", "for"].contains(parts[0]) { values["a_" + parts[0]] = parts[1] }
            }
        }
        // the person at the window is there when the clerk opens the form for them
        if values["for"] != nil { values["present"] = "yes" }
        return try await render(req, values: values, failure: nil)
    }

    package func render(_ req: Request, values: [String: String], failure: (any Error)?, readShared: Bool = false) async throws -> Response
    {
        let target = try await ApplicationTarget.resolve(Self.body(values), parts: ApplyingParts(req.application), on: req.db)
        let shown = try FormFailure(failure, req)
        let english = req.language == .en
        let prefilling = FormPrefilling(
            context: req.context, dataResources: req.application.dataResources, licenseTypes: req.application.licenseTypes)
        let applicantAccount = req.currentAccount.flatMap { $0.kind == .staff ? nil : $0 }
        let walkIn = try await Self.walkIn(req, values: values)
        var prefilled: [String: FormPrefill.Answer] = [:]
        if let applicantAccount {
            prefilled = try await prefilling.answers(target, applicant: applicantAccount, readShared: readShared)
        } else if let walkIn {
            prefilled = prefilling.answersAtWindow(target, applicant: walkIn)
        }
        let fields = target.form.filter { $0.type != .file }.map { f in
            let typed = values["f_\(f.key)"] ?? ""
            let offered = prefilled[f.key]
            let locked = offered?.locked ?? false
            // what the applicant typed stays; an empty field takes what the platform holds
            let value = locked || typed.isEmpty ? (offered?.value ?? typed) : typed
            return Field(
                name: "f_\(f.key)", label: english ? f.labelEn : f.label, kind: f.type.rawValue,
                inputType: Self.inputType(f.type),
                required: f.required, choices: f.choices, isChoice: f.type == .choice, value: value,
                error: shown.fields["form.\(f.key)"],
                source: offered.flatMap { $0.value == value ? Self.sourceLabel($0.source, req) : nil }, locked: locked)
        }
        let sharedLeft =
            readShared
            ? [] : applicantAccount.flatMap { FormPrefilling.proven($0) ? prefilling.sharedResources(target, applicant: $0) : nil } ?? []
        var seen: Set<String> = []
        let uploads = target.items.flatMap(\.item.materials).filter { $0.source == .applicant && seen.insert($0.key).inserted }.map { m in
            Upload(
                name: "m_\(m.key)", label: m.name, required: m.required && !m.tolerable,
                note: m.tolerable ? req.t("apply.tolerable") : (m.required ? "" : req.t("apply.optional")),
                error: shown.fields["materials.\(m.key)"])
        }
        // an applicant whose identity is not proven drafts nothing binding and is offered nothing the government holds
        let applicant = req.currentActor.flatMap { $0.kind == .staff ? nil : $0 }
        let unproven = applicant.map { !Policy.decide($0, .reuse, .holderRecords(holderID: $0.accountID)).isAllowed } ?? false
        // the item asks for more than the applicant has proven (a check in person): said before the form is filled
        let inPersonNeeded = applicant.map { $0.assurance < target.assurance } ?? false
        let choices =
            unproven ? [] : try await licenseChoices(req, target: target, values: values, shown: shown, firstView: failure == nil)
        let fetched = unproven ? [] : DataFetch.materials(target, resources: req.application.dataResources)
        let signer =
            walkIn?.displayName ?? req.currentAccount.map { $0.kind == .staff ? req.t("apply.theApplicant") : $0.displayName } ?? ""
        let commitments = target.items.map(\.item).filter(\.commitmentAllowed).map { SignedCommitment.text(for: $0, applicant: signer) }
        let dataLines = fetched.map { m, r in
            req.t("apply.dataLine", ["material": m.name, "resource": english ? r.nameEn : r.name, "owner": r.owner.name])
        }
        let needConsent = Array(Set(fetched.filter { $0.1.consentRequired }.map { english ? $0.1.nameEn : $0.1.name })).sorted()
        var hidden = [Hidden(name: target.kind == .item ? "item" : "bundle", value: target.code)]
        if let walkIn { hidden.append(Hidden(name: "for", value: try walkIn.requireID().uuidString)) }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) where key.hasPrefix("a_") {
            hidden.append(Hidden(name: key, value: value))
        }
        let delivery = Self.deliverySection(req, target: target, values: values, shown: shown)
        let context = Context(
            page: req.pageContext(title: req.t("apply.title", ["name": target.name])), title: target.name,
            hidden: hidden, fields: fields, uploads: uploads, hasUploads: !uploads.isEmpty,
            licenseChoices: choices, hasLicenseChoices: !choices.isEmpty,
            dataLines: dataLines, hasData: !dataLines.isEmpty, dataConsentNeeded: !needConsent.isEmpty,
            dataConsentLabel: req.t("apply.dataConsent", ["resources": needConsent.joined(separator: "、")]),
            dataConsentChecked: values["dataConsent"] != nil,
            commitments: commitments, hasCommitments: !commitments.isEmpty, commitmentChecked: values["commitment"] != nil,
            commitmentError: shown.fields["commitment"], summary: shown.summary,
            assuranceNeeded: unproven || inPersonNeeded,
            assuranceNotice: req.t(inPersonNeeded && !unproven ? "apply.inPersonNeeded" : "apply.assuranceNeeded"),
            deliveries: delivery.fields, hasDeliveries: !delivery.fields.isEmpty, offersTogether: delivery.fields.count > 1,
            togetherChecked: values["deliveryTogether"] != nil, togetherError: shown.fields["delivery.together"],
            offersPost: delivery.offersPost, address: delivery.address,
            prefillNote: fields.contains { $0.source != nil }
                ? req.t("apply.prefillNote", ["count": String(fields.filter { $0.source != nil }.count)]) : nil,
            sharedPrefill: sharedLeft.isEmpty
                ? nil
                : req.t(
                    "apply.prefillShared",
                    ["resources": sharedLeft.map { "\(english ? $0.nameEn : $0.name)（\($0.owner.name)）" }.joined(separator: "、")]),
            sharedPrefillButton: req.t(
                sharedLeft.contains(where: \.consentRequired) ? "apply.prefillSharedConsent" : "apply.prefillSharedRead"),
            onBehalf: walkIn.map {
                req.t(
                    "apply.onBehalf",
                    ["name": $0.displayName, "number": $0.identityNumber(req.application.keys).map(Masking.identityNumber) ?? "—"])
            },
            applicantPresentChecked: values["present"] != nil)
        let response = try await req.view.render("apply", context).encodeResponse(for: req)
        if failure != nil { response.status = shown.status }
        return response
    }

    /// 帮办: the person a window clerk applies for (`for`), whom any window clerk may serve with
    /// their identity card in hand (the policy's `verify`).
    static func walkIn(_ req: Request, values: [String: String]) async throws -> Account? {
        guard let raw = values["for"], req.currentAccount?.kind == .staff else { return nil }
        guard let id = UUID(uuidString: raw), let account = try await Account.find(id, on: req.db), account.kind != .staff else {
            throw TongbanError.notFound("account")
        }
        try req.authorize(.verify, account.resource)
        return account
    }

    /// Where a prefilled answer came from, in the reader's words.
    static func sourceLabel(_ source: FormPrefill.Source, _ req: Request) -> String {
        switch source {
        case .identity: req.t("prefill.identity")
        case .account: req.t("prefill.account")
        case let .license(typeName, identifier): req.t("prefill.license", ["type": typeName, "identifier": identifier])
        case let .sharedData(_, name, owner): req.t("prefill.sharedData", ["resource": name, "owner": owner])
        }
    }

    /// The licence materials of the target, each with the applicant's usable licence of its type
    /// (ticked on the first view; afterwards as the applicant left it).
    package func licenseChoices(
        _ req: Request, target: ApplicationTarget, values: [String: String], shown: FormFailure,
        firstView: Bool
    ) async throws -> [LicenseChoice] {
        let materials = LicenseUse.licenseMaterials(target)
        guard !materials.isEmpty, let account = req.currentAccount, account.kind != .staff else { return [] }
        let held = try await LicenseUse.usable(
            holderID: try account.requireID(), types: Set(materials.compactMap(\.licenseType)),
            today: req.application.today, on: req.db)
        let departments = target.items.map(\.item.department.name)
        return materials.map { m in
            let license = held.first { $0.typeCode == m.licenseType }
            let validity = license?.validUntil.map { req.t("apply.licenseValidUntil", ["date": $0]) } ?? req.t("apply.licenseLongTerm")
            let readers = Array(Set(target.items.filter { $0.item.materials.contains { $0.key == m.key } }.map(\.item.department.name)))
                .sorted { departments.firstIndex(of: $0)! < departments.firstIndex(of: $1)! }
            return LicenseChoice(
                material: m.name, name: "l_\(m.key)", held: license != nil, identifier: license?.identifier ?? "",
                label: license.map { req.t("apply.useLicense", ["type": $0.typeName, "identifier": $0.identifier, "validity": validity]) }
                    ?? "",
                consent: req.t(
                    "apply.licenseConsent", ["departments": readers.joined(separator: "、"), "days": String(MaterialReuse.consentDays)]),
                checked: license != nil && (firstView || values["l_\(m.key)"] != nil), upload: "m_\(m.key)",
                error: shown.fields["licenses.\(m.key)"] ?? shown.fields["materials.\(m.key)"])
        }
    }

    /// 只询问一次: the applicant asks to fill the form from their records in shared data.
    package func prefill(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        return try await render(req, values: try req.content.decode([String: String].self), failure: nil, readShared: true)
    }

    package func submit(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login") }
        var values: [String: String] = [:]
        var files: [String: File] = [:]
        struct Keys: Decodable { let keys: [String: String] }
        // multipart: text parts are values, file parts are materials
        if let data = req.body.data, let boundary = req.headers.contentType?.parameters["boundary"] {
            let parts = try FormDataDecoder().decode([String: MultipartValue].self, from: data, boundary: boundary)
            for (name, part) in parts {
                switch part {
                case let .text(text): values[name] = text
                case let .file(file): if file.data.readableBytes > 0 { files[String(name.dropFirst(2))] = file }
                }
            }
        } else {
            values = try req.content.decode([String: String].self)
        }
        var form: [String: String] = [:]
        for (key, value) in values where key.hasPrefix("f_") && !value.trimmingCharacters(in: .whitespaces).isEmpty {
            form[String(key.dropFirst(2))] = value
        }
        var body = Self.body(values)
        body.form = form
        var offered: [String: String] = [:]
        for (key, value) in values where key.hasPrefix("l_") && !value.isEmpty { offered[String(key.dropFirst(2))] = value }
        body.licenses = offered.isEmpty ? nil : offered
        body.dataConsent = values["dataConsent"] == nil ? nil : true
        body.commitment = values["commitment"] == nil ? nil : true
        body.delivery = Self.deliveryBody(values)
        if let walkIn = try await Self.walkIn(req, values: values) {
            body.applicantID = try walkIn.requireID()
            body.applicantPresent = values["present"] != nil
        }
        // everything checked first: the whole form, and a file for every material required now
        do {
            let submission = ApplicationSubmission(context: req.context, parts: ApplyingParts(req.application))
            try await submission.checkBeforeKeeping(body, files: files.mapValues { ($0.data, $0.contentType) })
            var uploads: [MaterialUpload] = []
            for (key, file) in files.sorted(by: { $0.key < $1.key }) {
                let bytes = Array(file.data.readableBytesView)
                let sha = try await MaterialContents.keep(bytes, on: req.db)
                let type = file.contentType.map { "\($0.type)/\($0.subType)" } ?? "application/octet-stream"
                // the name as the browser sent it, without any folder, and not longer than an upload's may be
                let filename = String((file.filename as NSString).lastPathComponent.prefix(200))
                uploads.append(MaterialUpload(key: key, filename: filename, contentType: type, size: bytes.count, sha256: sha))
            }
            body.submit = true
            let submitted = try await submission.apply(body, idempotencyKey: nil, uploads: uploads).application
            return req.redirect(to: "/applications/\(try submitted.requireID())?done=submitted")
        } catch let error as TongbanError
            where error.status == .unprocessableEntity || error.code == DenyReason.assuranceTooLow.rawValue
            || error.code == DenyReason.inPersonRequired.rawValue
        {
            return try await render(req, values: values, failure: error)
        }
    }
}

/// One part of a multipart form: text, or a file.
package enum MultipartValue: Decodable {
    case text(String)
    case file(File)

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let file = try? container.decode(File.self), file.filename != "" || file.contentType != nil {
            self = .file(file)
            return
        }
        self = .text(try container.decode(String.self))
    }
}
