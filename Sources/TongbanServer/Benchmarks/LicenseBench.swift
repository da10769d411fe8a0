import Fluent
import Foundation
import JWT
import TongbanCases
import TongbanCatalog
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban bench licenses`: signing and verifying in process (budget: signing ≥ 10,000/s),
/// then 200 licences issued to the demo enterprise for the HTTP benchmark
/// (`Benchmarks/licenses.sh`, budget: verification ≥ 3,000/s). Prints figures; not a test.
enum LicenseBench {
    static let registered = 200

    static func run(_ app: Application, say: (String) -> Void) async throws {
        try await app.autoMigrate()
        if try await Account.query(on: app.db).count() == 0 {
            _ = try await DemoSeed.run(app: app, db: app.db, regionsFolder: TongbanResources.regions, catalog: false)
            say("seeded the demo accounts")
        }
        guard let type = app.licenseTypes["yyzz"], let holder = try await Account.query(on: app.db).filter(\.$kind == .enterprise).first(),
            let code = holder.creditCode
        else { throw Abort(.internalServerError, reason: "no demo enterprise") }
        let issuer = CreditCode.completing("11330106002489110")!
        let kid = try await app.licenseKeys.signingKid(
            issuerCode: issuer.value, issuerName: "杭州市西湖区市场监督管理局", context: app.licenseSigner.context)
        let today = app.today
        let fields = type.fill(form: [:], facts: ["applicant.name": holder.displayName, "applicant.code": code, "item.sub": "有限责任公司"])
        func claims(_ serial: Int) throws -> LicenseClaims {
            let id = try LicenseIdentifier.make(typeCode: type.typeCode, issuer: issuer, serial: "BENCH" + serial.zeroPadded(to: 10))
            return LicenseClaims(
                jti: IDClaim(value: id.value), iss: IssuerClaim(value: issuer.value), sub: SubjectClaim(value: code),
                iat: IssuedAtClaim(value: app.clock.now()), nbf: NotBeforeClaim(value: LicenseIssuance.startOfDay(today)), exp: nil,
                typeCode: type.typeCode, typeName: type.name, holderName: holder.displayName, issuerName: "杭州市西湖区市场监督管理局",
                issuedOn: today.description, validUntil: nil, fields: fields)
        }
        let all = try (0..<20_000).map(claims)
        var tokens: [String] = []
        tokens.reserveCapacity(all.count)
        var clock = ContinuousClock.now
        for c in all { tokens.append(try await app.licenseKeys.sign(c, kid: kid)) }
        let signing = ContinuousClock.now - clock
        say(
            String(
                format: "signing in process: %d licences in %.0f ms, %.0f per second (budget ≥ 10,000)",
                all.count, ms(signing), Double(all.count) / (ms(signing) / 1000)))
        clock = ContinuousClock.now
        for token in tokens.prefix(10_000) { _ = try await app.licenseKeys.verify(token, db: app.db, keyRing: app.keys) }
        let verifying = ContinuousClock.now - clock
        say(String(format: "signature check in process: 10000 in %.0f ms, %.0f per second", ms(verifying), 10_000 / (ms(verifying) / 1000)))
        // what sealing the registry's cells adds to each verification: opening the fields and reading them
        let json = String(decoding: try StoredJSON.encoder.encode(fields), as: UTF8.self)
        let row = UUID()
        let sealed = app.keys.seal(json, table: LicenseRecord.schema, row: row, column: "fields")
        clock = ContinuousClock.now
        for _ in 0..<10_000 { _ = LicenseRecord.fieldValues(json, id: row, keys: app.keys) }
        let plain = ContinuousClock.now - clock
        clock = ContinuousClock.now
        for _ in 0..<10_000 { _ = LicenseRecord.fieldValues(sealed, id: row, keys: app.keys) }
        let opened = ContinuousClock.now - clock
        say(
            String(
                format: "registry fields read: in clear %.1f µs, sealed (AES-GCM open + read) %.1f µs per verification",
                ms(plain) * 1000 / 10_000, ms(opened) * 1000 / 10_000))

        // licences in the registry for the HTTP benchmark, which verifies them in random order
        // (verifiers check different licences, not one over and over)
        for (claims, token) in zip(all, tokens).prefix(registered) {
            if try await LicenseRecord.query(on: app.db).filter(\.$identifier == claims.jti.value).first() == nil {
                let license = LicenseRecord()
                license.id = UUID()
                license.identifier = claims.jti.value
                license.typeCode = type.code
                license.typeName = type.name
                license.holderID = try holder.requireID()
                license.holderName = holder.displayName
                license.holderCode = code
                license.issuerCode = issuer.value
                license.issuerName = claims.issuerName
                license.issuedOn = today.description
                license.status = LicenseStatus.valid.rawValue
                license.seal(fields: String(decoding: try StoredJSON.encoder.encode(fields), as: UTF8.self), token: token, keys: app.keys)
                license.kid = kid
                license.createdAt = app.clock.now()
                license.updatedAt = app.clock.now()
                try await license.create(on: app.db)
            }
            say("token: \(token)")
        }
    }

    static func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
}
