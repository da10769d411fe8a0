import Fluent
import Foundation
import Testing
import TongbanCore
import TongbanIdentity
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// M7's `tongban keys rotate`: a second data key, the old values re-sealed online in pages,
/// the old key retired only when nothing is sealed under it.
@Suite("data key rotation")
struct KeyRotationTests {
    struct Me: Decodable { let identityNumber: String? }

    @Test(
        "rotated, old values still open and new ones are sealed under the new key; re-sealed, nothing is left under the old one; retired, everything still reads",
        arguments: TestDatabase.available)
    func rotation(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let first = app.keys
            let census = try await DataKeyRotation(db: app.db, keys: first).census()
            #expect(census["accounts.id_number_cipher"]?["k1"] ?? 0 >= 2 && census["shared_records.data"]?["k1"] ?? 0 >= 4)

            // rotated and restarted: the file holds k1 and k2; what k1 sealed still opens
            let path = NSTemporaryDirectory() + "tongban-keys-\(UUID().uuidString).json"
            try first.write(to: path)
            let rotated = first.rotated()
            try rotated.write(to: path)
            let reloaded = try KeyRing.load(at: path)
            #expect(reloaded.dataKeys.map(\.id) == ["k1", "k2"] && reloaded.currentDataKeyID == "k2")
            app.keys = reloaded
            let me = try await app.send(.GET, "/api/v1/me", bearer: person).content.decode(Me.self)
            #expect(me.identityNumber == app.demoPersonLogin)
            // a new value is sealed under k2
            _ = try await AssuranceTests.register(app, try #require(IdentityNumber.completing("33010619920101000", today: app.today)).value)
            let newest = try #require(try await Account.query(on: app.db).sort(\.$createdAt, .descending).first())
            #expect(newest.idNumberCipher?.hasPrefix("v2:k2.") == true)
            // the webhook signing key is derived from the oldest key: unchanged by the rotation
            #expect(reloaded.webhookKeyID == first.webhookKeyID)

            // a value no key of the ring opens stops the re-seal before its page is written
            let planted = try #require(try await Account.query(on: app.db).filter(\.$kind == .staff).first())
            let original = planted.mobileCipher
            planted.mobileCipher = "v2:k9.AAAA"
            try await planted.update(on: app.db)
            await #expect(throws: DataKeyRotation.Unreadable.self) { try await DataKeyRotation(db: app.db, keys: reloaded).reseal() }
            planted.mobileCipher = original
            try await planted.update(on: app.db)

            let done = try await DataKeyRotation(db: app.db, keys: reloaded, pageSize: 3).reseal()
            #expect(done.resealed > 0)
            let after = try await DataKeyRotation(db: app.db, keys: reloaded).census()
            #expect(after.values.allSatisfy { $0["k1"] == nil }, "\(after)")
            #expect(try await DataKeyRotation(db: app.db, keys: reloaded).reseal() == .init())

            // k1 retired: the file keeps k2 alone, and every value still reads
            let retired = try #require(reloaded.retiring("k1"))
            #expect(reloaded.retiring("k2") == nil)
            try retired.write(to: path)
            // restarted with it (a server's remembered accounts go with the process)
            app.keys = try KeyRing.load(at: path)
            app.signedInAccounts = SignedInAccounts()
            #expect(app.keys.dataKeys.map(\.id) == ["k2"])
            let again = try await app.send(.GET, "/api/v1/me", bearer: person).content.decode(Me.self)
            #expect(again.identityNumber == app.demoPersonLogin)
            let records = try await SharedRecord.query(on: app.db).all()
            #expect(!records.isEmpty && records.allSatisfy { !$0.values(app.keys).isEmpty })
            // and the old key alone opens none of them
            #expect(records.allSatisfy { $0.values(first).isEmpty })
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test("the key file: format 1 is k1; format 2 names its keys and the current one, or is refused; a value names its key")
    func keyFile() throws {
        let path = NSTemporaryDirectory() + "tongban-keys-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (created, _) = try KeyRing.loadOrCreate(at: path)
        #expect(created.dataKeys.map(\.id) == ["k1"] && created.currentDataKeyID == "k1")
        let legacy = created.seal("330106199003071236", table: "accounts", row: UUID(), column: "x")
        #expect(legacy.hasPrefix("v2:") && KeyRing.keyID(of: legacy) == "k1" && !legacy.dropFirst(3).contains("."))
        let rotated = created.rotated().rotated()
        #expect(rotated.dataKeys.map(\.id) == ["k1", "k2", "k3"] && rotated.currentDataKeyID == "k3")
        let row = UUID()
        let sealed = rotated.seal("13800138000", table: "accounts", row: row, column: "mobile_cipher")
        let field = rotated.encrypt("a@example.cn", field: "email")
        #expect(KeyRing.keyID(of: sealed) == "k3" && KeyRing.keyID(of: field) == "k3" && KeyRing.keyID(of: "{}") == nil)
        #expect(rotated.open(sealed, table: "accounts", row: row, column: "mobile_cipher") == "13800138000")
        #expect(rotated.open(sealed, table: "accounts", row: UUID(), column: "mobile_cipher") == nil)
        #expect(rotated.decrypt(field, field: "email") == "a@example.cn" && created.decrypt(field, field: "email") == nil)
        // a key id the ring lacks, or a tampered id, opens nothing
        #expect(
            rotated.open(sealed.replacingOccurrences(of: "v2:k3.", with: "v2:k2."), table: "accounts", row: row, column: "mobile_cipher")
                == nil)
        for text in [
            #"{"format":2,"dataKeys":[{"id":"k1","key":"\#(created.dataKey.base64)"}],"currentDataKey":"k2","lookupKey":"\#(created.lookupKey.base64)","tokenKey":"\#(created.tokenKey.base64)"}"#,
            #"{"format":2,"dataKeys":[{"id":"k1","key":"\#(created.dataKey.base64)"},{"id":"k1","key":"\#(created.dataKey.base64)"}],"currentDataKey":"k1","lookupKey":"\#(created.lookupKey.base64)","tokenKey":"\#(created.tokenKey.base64)"}"#,
            #"{"format":2,"dataKeys":[{"id":"key one","key":"\#(created.dataKey.base64)"}],"currentDataKey":"key one","lookupKey":"\#(created.lookupKey.base64)","tokenKey":"\#(created.tokenKey.base64)"}"#,
            #"{"format":3,"dataKey":"\#(created.dataKey.base64)","lookupKey":"\#(created.lookupKey.base64)","tokenKey":"\#(created.tokenKey.base64)"}"#,
        ] {
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
            #expect(throws: KeyRing.Problem.self) { try KeyRing.load(at: path) }
        }
        try rotated.write(to: path)
        let back = try KeyRing.load(at: path)
        #expect(
            back.dataKeys.map(\.id) == ["k1", "k2", "k3"]
                && back.open(sealed, table: "accounts", row: row, column: "mobile_cipher") == "13800138000")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }
}
