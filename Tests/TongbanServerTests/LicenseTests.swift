import Crypto
import Fluent
import Foundation
import JWTKit
import Testing
import TongbanCases
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

/// E-licences: issued on approval, signed by the department's Ed25519 key, verifiable by anyone
/// with the JWK Set alone; every change to a token is caught and named.
@Suite("e-licences over HTTP")
struct LicenseTests {
    typealias Flow = ApplicationFlowTests

    struct Wallet: Decodable {
        let identifier: String
        let typeCode: String
        let status: String
        let fields: [String: String]
        let token: String
    }
    struct Verdict: Decodable {
        let outcome: String
        let reason: String?
        let message: String
        let identifier: String?
        let holderName: String?
        let tamperedFields: [String]
    }

    /// 公共场所卫生许可 for the demo enterprise, approved at once on its commitment: a licence.
    static func approveOnCommitment(_ app: Application, clerk: String) async throws -> (caseID: UUID, form: [String: String]) {
        let item = try await InstantApprovalTests.item(app, named: "公共场所卫生许可")
        let enterpriseID = try #require(try await Account.query(on: app.db).filter(\.$kind == .enterprise).first()?.id)
        var form = Flow.fill(item.form, app: app)
        // another enterprise's name on the form is refused; left out, the platform fills it in
        form["enterpriseName"] = "冒用他人名称的商贸有限公司"
        let forged = try await app.send(
            .POST, "/api/v1/applications",
            json: ApplyBody(item: item.code, form: form, applicantID: enterpriseID, applicantPresent: true, commitment: true),
            bearer: clerk)
        #expect(forged.status == .unprocessableEntity && forged.errorBody?.error.details?.map(\.field) == ["form.enterpriseName"])
        form["enterpriseName"] = nil
        // the enterprise's representative signs the commitment at the window
        let created = try await app.send(
            .POST, "/api/v1/applications",
            json: ApplyBody(
                item: item.code, form: form, applicantID: enterpriseID, applicantPresent: true,
                commitment: true), bearer: clerk)
        let caseID = try created.content.decode(Flow.Application_.self).cases[0].id
        _ = try await Flow.act(app, caseID, clerk, CaseActionBody(action: "passPrereview"))
        _ = try await Flow.act(app, caseID, clerk, CaseActionBody(action: "approveOnCommitment"))
        return (caseID, form)
    }

    static func verify(_ app: Application, _ token: String) async throws -> Verdict {
        let response = try await app.send(.POST, "/api/v1/licenses/verify", json: ["token": token])
        #expect(response.status == .ok, "\(response.body.string)")
        return try response.content.decode(Verdict.self)
    }

    /// The token with its payload rewritten (and the signature left as it was).
    static func rewrite(_ token: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        let parts = token.split(separator: ".").map(String.init)
        struct Unreadable: Error {}
        guard let data = Data(base64URL: parts[1]), var payload = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Unreadable()
        }
        change(&payload)
        let changed = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        return [parts[0], changed.base64URLEncodedString(), parts[2]].joined(separator: ".")
    }

    @Test(
        "issued on approval; valid by the API and by any JOSE library with the JWK Set; every change caught; revoked with the approval",
        arguments: TestDatabase.available)
    func lifecycle(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let clerk = try await app.token("clerk")
            let enterprise = try await app.token(app.demoEnterpriseLogin)
            let (caseID, form) = try await Self.approveOnCommitment(app, clerk: clerk)

            // the demo enterprise already holds its business licence; the new one joins it
            let wallet = try await app.send(.GET, "/api/v1/licenses", bearer: enterprise).content.decode([Wallet].self)
            let license = try #require(wallet.first { $0.typeCode == "ggcswsxkz" })
            #expect(wallet.count == 2 && wallet.contains { $0.typeCode == "yyzz" } && license.status == "01")
            // who holds it is the verified account, whatever the form typed (security review M8)
            let holderName = try #require(try await Account.query(on: app.db).filter(\.$kind == .enterprise).first()?.displayName)
            #expect(form["enterpriseName"] == nil)
            #expect(license.fields["operator"] == holderName && license.fields["creditCode"] == app.demoEnterpriseLogin)
            let identifier = try LicenseIdentifier(license.identifier)
            #expect(identifier.issuer.value.count == 18 && identifier.version == 1)
            #expect(try await app.send(.GET, "/api/v1/licenses", bearer: clerk).status == .forbidden)

            let readsBefore = try await AuditEntry.query(on: app.db).filter(\.$action == "data.read").count()
            let valid = try await Self.verify(app, license.token)
            #expect(valid.outcome == "valid" && valid.identifier == license.identifier && valid.holderName != nil)
            // a presented licence is a read of its holder's data: on their access record and in the audit
            #expect(try await AuditEntry.query(on: app.db).filter(\.$action == "data.read").count() == readsBefore + 1)
            #expect(try await DataRead.query(on: app.db).filter(\.$source == "license:\(license.identifier)").count() == 1)
            let audits = try await AuditEntry.query(on: app.db).count()

            // any standard JOSE library, given only the published JWK Set
            let jwks = try await app.send(.GET, "/.well-known/jwks.json")
            #expect(jwks.headers.contentType?.subType == "jwk-set+json")
            let outside = JWTKeyCollection()
            try await outside.add(jwksJSON: jwks.body.string)
            let claims = try await outside.verify(license.token, as: LicenseClaims.self)
            #expect(claims.jti.value == license.identifier && claims.fields == license.fields)

            // offline, with the saved JWK Set: `tongban license verify FILE --jwks FILE`
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("licence-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try jwks.body.string.write(toFile: folder + "/jwks.json", atomically: true, encoding: .utf8)
            try license.token.write(toFile: folder + "/good.jws", atomically: true, encoding: .utf8)
            // one character of the signature changed: replacing its end with "AAA" left it as it was when it ended so
            // (and its last character carries padding bits a decoder may ignore)
            let signatureStart = try #require(license.token.lastIndex(of: ".")).utf16Offset(in: license.token) + 1
            var tampered = Array(license.token)
            tampered[signatureStart + 5] = tampered[signatureStart + 5] == "A" ? "B" : "A"
            let badToken = String(tampered)
            try badToken.write(toFile: folder + "/bad.jws", atomically: true, encoding: .utf8)
            let offline = await LicenseCommand.verify(license.token, jwks: jwks.body.string, today: app.today)
            #expect(offline.good && offline.lines.contains("identifier: \(license.identifier)"))
            app.environment.arguments = ["tongban", "license", "verify", folder + "/good.jws", "--jwks", folder + "/jwks.json"]
            try await app.execute()
            app.environment.arguments = ["tongban", "license", "verify", folder + "/bad.jws", "--jwks", folder + "/jwks.json"]
            await #expect(throws: ExitCode.self) { try await app.execute() }
            #expect(
                await LicenseCommand.verify(badToken, jwks: jwks.body.string, today: app.today).lines == [
                    "invalid: bad signature (altered, or not signed by the key it names)"
                ])

            // every claim changed is named; every signature byte changed is refused
            let changes: [(String, (inout [String: Any]) -> Void)] =
                [
                    ("holderName", { $0["holderName"] = "别人的公司" }), ("holderCode", { $0["sub"] = "91110108MA01ABCD2X" }),
                    ("issuedOn", { $0["issuedOn"] = "2020-01-01" }), ("validUntil", { $0["validUntil"] = "2099-12-31" }),
                    ("issuerName", { $0["issuerName"] = "某某局" }), ("typeName", { $0["typeName"] = "营业执照" }),
                ]
                + license.fields.keys.sorted().map { key in
                    (
                        "fields.\(key)",
                        { (p: inout [String: Any]) in
                            var fields = p["fields"] as! [String: Any]
                            fields[key] = "改" + (fields[key] as! String)
                            p["fields"] = fields
                        }
                    )
                }
            for (name, change) in changes {
                let verdict = try await Self.verify(app, try Self.rewrite(license.token, change))
                #expect(
                    verdict.outcome == "invalid" && verdict.reason == "tampered" && verdict.tamperedFields == [name], "\(name): \(verdict)")
                #expect(verdict.holderName == nil)
            }
            let parts = license.token.split(separator: ".").map(String.init)
            let signature = try #require(Data(base64URL: parts[2]))
            #expect(signature.count == 64)
            for index in 0..<signature.count {
                var bytes = [UInt8](signature)
                bytes[index] ^= 0x01
                let forged = [parts[0], parts[1], Data(bytes).base64URLEncodedString()].joined(separator: ".")
                let verdict = try await Self.verify(app, forged)
                #expect(verdict.outcome == "invalid" && verdict.reason == "badSignature", "byte \(index): \(verdict)")
            }
            // truncated, garbage, another key
            #expect(try await Self.verify(app, String(license.token.dropLast(20))).reason == "badSignature")
            #expect(try await Self.verify(app, String(license.token.prefix(40))).reason == "malformed")
            #expect(try await Self.verify(app, "not a licence").reason == "malformed")
            let stranger = JWTKeyCollection()
            await stranger.add(eddsa: EdDSA.PrivateKey(backing: Curve25519.Signing.PrivateKey()), kid: "stranger-key")
            #expect(try await Self.verify(app, try await stranger.sign(claims, kid: "stranger-key")).reason == "unknownKey")
            #expect(try await app.send(.POST, "/api/v1/licenses/verify", json: ["nothing": "here"]).status == .unprocessableEntity)
            // verifying what is not a good licence writes nothing
            #expect(try await AuditEntry.query(on: app.db).count() == audits)

            // key rotation: the next licence has a new key; both verify, both keys are published
            try await app.licenseKeys.rotate(issuerCode: identifier.issuer.value, context: app.licenseSigner.context)
            _ = try await Self.approveOnCommitment(app, clerk: clerk)
            let both = try await app.send(.GET, "/api/v1/licenses", bearer: enterprise).content.decode([Wallet].self).filter {
                $0.typeCode == "ggcswsxkz"
            }
            #expect(both.count == 2)
            let kids = Set(try both.map { try #require(JWTHeaderKid.of($0.token)) })
            #expect(kids.count == 2)
            for l in both { #expect(try await Self.verify(app, l.token).outcome == "valid") }
            let rotated = JWTKeyCollection()
            try await rotated.add(jwksJSON: try await app.send(.GET, "/.well-known/jwks.json").body.string)
            for l in both { _ = try await rotated.verify(l.token, as: LicenseClaims.self) }

            // the issuing department suspends and restores it, with a reason; others may not; an end is final
            let health = try await app.token("reviewer.health")
            let statusPath = "/api/v1/licenses/\(license.identifier)/status"
            #expect(
                try await app.send(
                    .POST, statusPath, json: ["status": "02", "reason": "整改期间暂扣"], bearer: try await app.token("reviewer.amr")
                ).status == .forbidden)
            #expect(try await app.send(.POST, statusPath, json: ["status": "02"], bearer: health).status == .unprocessableEntity)
            #expect(try await app.send(.POST, statusPath, json: ["status": "05", "reason": "x"], bearer: health).status == .conflict)
            let suspended = try await app.send(.POST, statusPath, json: ["status": "02", "reason": "整改期间暂扣"], bearer: health)
            #expect(suspended.status == .ok, "\(suspended.body.string)")
            #expect(try suspended.content.decode(Verdict.self).outcome == "suspended")
            #expect(try await Self.verify(app, license.token).outcome == "suspended")
            #expect(try await app.send(.POST, statusPath, json: ["status": "01", "reason": "整改完成"], bearer: health).status == .ok)
            #expect(try await Self.verify(app, license.token).outcome == "valid")

            // a failed commitment verification revokes the approval and its licence
            _ = try await Flow.act(app, caseID, health, CaseActionBody(action: "failVerification", reason: "现场核查：卫生设施与承诺不符"))
            #expect(try await Self.verify(app, license.token).outcome == "revoked")
            #expect(try await app.send(.POST, statusPath, json: ["status": "01", "reason": "x"], bearer: health).status == .conflict)
        }
    }
}

/// The `kid` in a compact JWS's header.
enum JWTHeaderKid {
    static func of(_ token: String) -> String? {
        guard let header = token.split(separator: ".").first, let data = Data(base64URL: String(header)),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }
}
