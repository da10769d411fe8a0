import Foundation
import JWT
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban license verify FILE --jwks JWKS_FILE`: checks a licence offline, against a saved JWK
/// Set (`/.well-known/jwks.json`): the signature, the identifier, the validity dates. Exit
/// status 0 when the signature is good and the licence is within its dates, 1 when it is not
/// (the reason printed), 2 on a usage error. Its status in the registry (suspended, revoked …)
/// needs the platform: the verification link says it.
package struct LicenseCommand: AsyncCommand {
    package init() {}

    package struct Signature: CommandSignature {
        package init() {}

        @Argument(name: "action", help: "verify, grant, or rotate")
        package var action: String
        @Argument(
            name: "file",
            help:
                "verify: a file holding the licence (its compact JWS); grant: the licence type's code, e.g. yyzz; rotate: the issuing department's credit code"
        )
        package var file: String
        @Option(name: "jwks", help: "a saved JWK Set (the platform's /.well-known/jwks.json)")
        package var jwks: String?
        @Option(name: "department", help: "grant: the issuing department's credit code")
        package var department: String?
    }
    package var help: String {
        "E-licences: `license verify licence.jws --jwks jwks.json` offline; `license grant yyzz --department CREDIT_CODE` makes a department an issuing authority of a type; `license rotate CREDIT_CODE` retires its signing key (the next licence gets a new one; licences signed before still verify)."
    }

    package func run(using context: CommandContext, signature: Signature) async throws {
        func usage(_ message: String) throws -> Never {
            context.console.error(message)
            throw ExitCode(2)
        }
        if signature.action == "grant" {
            try await grant(context, type: signature.file, department: signature.department)
            return
        }
        if signature.action == "rotate" {
            try await rotate(context, department: signature.file)
            return
        }
        guard signature.action == "verify" else {
            try usage("unknown license action \"\(signature.action)\"; known: verify, grant, rotate")
        }
        guard let jwksPath = signature.jwks else { try usage("--jwks is required: a saved copy of /.well-known/jwks.json") }
        guard let token = try? String(contentsOfFile: signature.file, encoding: .utf8) else { try usage("cannot read \(signature.file)") }
        guard let jwks = try? String(contentsOfFile: jwksPath, encoding: .utf8) else { try usage("cannot read \(jwksPath)") }
        let verdict = await Self.verify(token.trimmingCharacters(in: .whitespacesAndNewlines), jwks: jwks, today: context.application.today)
        for line in verdict.lines { context.console.print(line) }
        if !verdict.good { throw ExitCode(1) }
    }

    package struct Offline {
        package let good: Bool
        package let lines: [String]
    }

    package static func verify(_ token: String, jwks: String, today: CalendarDate) async -> Offline {
        let keys = JWTKeyCollection()
        do { try await keys.add(jwksJSON: jwks) } catch { return Offline(good: false, lines: ["invalid: the JWK Set cannot be read"]) }
        let claims: LicenseClaims
        do {
            claims = try await keys.verify(token, as: LicenseClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            return Offline(good: false, lines: ["invalid: bad signature (altered, or not signed by the key it names)"])
        } catch let error as JWTError where error.errorType == .unknownKID || error.errorType == .missingKIDHeader {
            return Offline(good: false, lines: ["invalid: signed by a key the JWK Set does not hold"])
        } catch {
            return Offline(good: false, lines: ["invalid: malformed (not a complete licence)"])
        }
        guard let identifier = try? LicenseIdentifier(claims.jti.value) else {
            return Offline(good: false, lines: ["invalid: the identifier \(claims.jti.value) fails its check"])
        }
        var lines = [
            "signature: good", "identifier: \(identifier.value)", "type: \(claims.typeName) (\(claims.typeCode))",
            "issuer: \(claims.issuerName) (\(claims.iss.value))", "holder: \(claims.holderName) (\(claims.sub.value))",
            "issued on: \(claims.issuedOn)", "valid until: \(claims.validUntil ?? "long-term")",
        ]
        lines += claims.fields.keys.sorted().map { "  \($0): \(claims.fields[$0]!)" }
        if let until = claims.validUntil, until < today.description {
            return Offline(good: false, lines: lines + ["expired on \(until)"])
        }
        return Offline(good: true, lines: lines + ["valid (its current status in the registry: open the verification link)"])
    }
}

extension LicenseCommand {
    /// `license grant TYPE --department CREDIT_CODE`: the operator makes a department an issuing
    /// authority of a licence type (audited as the operator).
    func grant(_ context: CommandContext, type: String, department: String?) async throws {
        let app = context.application
        guard app.licenseTypes[type] != nil else {
            context.console.error("unknown licence type \"\(type)\"; known: \(app.licenseTypes.keys.sorted().joined(separator: ", "))")
            throw ExitCode(2)
        }
        guard let department, (try? CreditCode(department)) != nil else {
            context.console.error("--department must be the issuing department's credit code")
            throw ExitCode(2)
        }
        guard try await LicenseIssuer.grant(type, creditCode: department, by: "operator:cli", at: app.clock.now(), on: app.db) else {
            context.console.error("no department has the credit code \(department)")
            throw ExitCode(1)
        }
        context.console.print("\(department) may issue \(type)")
    }

    /// `license rotate CREDIT_CODE`: the department's signing key in use is retired (a suspected
    /// leak, a routine change); the next licence is signed with a new key, and the JWK Set keeps
    /// the retired key's public half so what it signed still verifies. Audited.
    func rotate(_ context: CommandContext, department: String) async throws {
        let app = context.application
        guard (try? CreditCode(department)) != nil else {
            context.console.error("give the issuing department's credit code")
            throw ExitCode(2)
        }
        try await app.licenseKeys.rotate(issuerCode: department, context: app.licenseSigner.context)
        context.console.print("\(department): signing key retired; the next licence gets a new one")
    }
}
