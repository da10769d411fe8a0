import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// The licence pages, without JavaScript: verification for anyone (paste a token, or open a
/// licence's verification link), and the holder's wallet with each licence's token to download
/// and a printable page carrying the verification link.
package struct LicensePages {
    package init() {}

    package func register(_ routes: any RoutesBuilder) {
        routes.get("verify", use: verifyPage)
        routes.form(.POST, "verify", max: "64kb", use: verifyPage)
        routes.get("licenses", use: wallet)
        routes.get("licenses", ":identifier", "jws", use: download)
        routes.get("licenses", ":identifier", use: printable)
    }

    package struct VerifyContext: Encodable {
        package let page: PageContext
        package let token: String
        package let verdict: LicenseVerdict?
        package let statusLabel: String?
        package let good: Bool
        /// Looked up by identifier: the holder and contents are not shown.
        package let byIdentifier: Bool
    }

    package struct TokenForm: Decodable { var token: String? }

    package func verifyPage(req: Request) async throws -> View {
        let token = req.method == .POST ? (try req.content.decode(TokenForm.self).token ?? "") : (req.query[String.self, at: "token"] ?? "")
        var verdict: LicenseVerdict? = nil
        var byIdentifier = false
        if !token.isEmpty {
            // the licence itself presented: all it says, and the read recorded for its holder
            verdict = try await req.licenseVerification.verifyPresented(token)
        } else if let identifier = req.query[String.self, at: "id"], identifier.count <= 100 {
            // the verification link: the registry's word on status, type, issuer and dates only
            verdict = try await req.licenseVerification.lookUp(identifier)
            byIdentifier = verdict != nil
        }
        return try await req.view.render(
            "verify",
            VerifyContext(
                page: req.pageContext(title: req.t("verify.title")), token: req.method == .POST ? token : "", verdict: verdict,
                statusLabel: verdict?.status.map { req.t("licenseStatus.\($0)") }, good: verdict?.outcome == "valid",
                byIdentifier: byIdentifier))
    }

    package struct WalletLine: Encodable {
        package let identifier: String
        package let typeName: String
        package let issuerName: String
        package let issuedOn: String
        package let validUntil: String
        package let status: String
        package let good: Bool
    }

    package struct WalletContext: Encodable {
        package let page: PageContext
        package let lines: [WalletLine]
        package let hasLines: Bool
    }

    package func wallet(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=/licenses") }
        let today = req.application.today.description
        let lines = try await LicenseWallet(context: req.context).licenses().map { l in
            let expired = l.licenseStatus == .valid && (l.validUntil.map { $0 < today } ?? false)
            return WalletLine(
                identifier: l.identifier, typeName: l.typeName, issuerName: l.issuerName, issuedOn: l.issuedOn,
                validUntil: l.validUntil ?? req.t("license.longTerm"),
                status: expired ? req.t("licenseStatus.05") : req.t("licenseStatus.\(l.status)"),
                good: l.licenseStatus == .valid && !expired)
        }
        return try await req.view.render(
            "licenses",
            WalletContext(
                page: req.pageContext(title: req.t("licenses.title")), lines: lines,
                hasLines: !lines.isEmpty)
        ).encodeResponse(for: req)
    }

    /// One of the holder's own licences (anyone else is told there is none).
    package func own(_ req: Request) async throws -> LicenseRecord {
        try await LicenseWallet(context: req.context).own(try req.parameters.require("identifier"))
    }

    package func download(req: Request) async throws -> Response {
        let record = try await own(req)
        let response = Response(status: .ok, body: .init(string: record.token(req.application.keys)))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "jose")
        response.headers.contentDisposition = .init(.attachment, filename: "\(record.typeCode)-\(record.issuedOn).jws")
        return response
    }

    package struct PrintContext: Encodable {
        package let page: PageContext
        package let license: LicenseVerdict
        package let verifyURL: String
        package let statusLabel: String
    }

    package func printable(req: Request) async throws -> Response {
        guard req.currentAccount != nil else { return req.redirect(to: "/login?back=\(req.url.path)") }
        let record = try await own(req)
        let verdict = try await req.licenseVerification.verify(record.token(req.application.keys))
        let base = req.application.tongban.baseURL
        return try await req.view.render(
            "license-print",
            PrintContext(
                page: req.pageContext(title: record.typeName), license: verdict, verifyURL: "\(base)/verify?id=\(record.identifier)",
                statusLabel: req.t("licenseStatus.\(record.status)"))
        ).encodeResponse(for: req)
    }
}
