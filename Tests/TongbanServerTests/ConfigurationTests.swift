import Foundation
import Testing
import TongbanPlatform
@testable import TongbanServer

@Suite("configuration and keys")
struct ConfigurationTests {
    @Test("defaults: SQLite in ./tongban-data on 127.0.0.1:8080")
    func defaults() throws {
        let configuration = try TongbanConfiguration.fromEnvironment([:])
        #expect(configuration.database == .sqlite(path: "./tongban-data/tongban.sqlite"))
        #expect(configuration.port == 8080 && configuration.hostname == "127.0.0.1")
        #expect(configuration.keyFile == "./tongban-data/keys.json")
    }

    @Test("the URL chooses the engine")
    func engines() throws {
        #expect(
            try TongbanConfiguration.fromEnvironment(["TONGBAN_DATABASE_URL": "sqlite:///var/lib/t.sqlite"]).database
                == .sqlite(path: "/var/lib/t.sqlite"))
        #expect(
            try TongbanConfiguration.fromEnvironment(["TONGBAN_DATABASE_URL": "postgres://u:p@db:5432/t"]).database
                == .postgres(url: "postgres://u:p@db:5432/t"))
    }

    @Test("every wrong value is reported, naming its variable")
    func wrongValues() {
        do {
            _ = try TongbanConfiguration.fromEnvironment([
                "TONGBAN_PORT": "80a", "TONGBAN_LOG_LEVEL": "loud", "TONGBAN_DATABASE_URL": "mysql://x",
                "TONGBAN_HOSTNAME": "a b",
            ])
            Issue.record("wrong settings were accepted")
        } catch {
            let text = error.description
            for name in ["TONGBAN_PORT", "TONGBAN_LOG_LEVEL", "TONGBAN_DATABASE_URL", "TONGBAN_HOSTNAME"] {
                #expect(text.contains(name), "\(name) not named in: \(text)")
            }
        }
        #expect(throws: TongbanConfiguration.Problems.self) { try TongbanConfiguration.fromEnvironment(["TONGBAN_PORT": "70000"]) }
        #expect(throws: TongbanConfiguration.Problems.self) {
            try TongbanConfiguration.fromEnvironment(["TONGBAN_DATABASE_URL": "sqlite://"])
        }
    }

    @Test("the key file is created with mode 0600 and read back the same")
    func keyFile() throws {
        let folder = NSTemporaryDirectory() + "tongban-keys-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/keys.json"
        let (first, created) = try KeyRing.loadOrCreate(at: path)
        #expect(created)
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
        #expect(mode == 0o600)
        let (second, createdAgain) = try KeyRing.loadOrCreate(at: path)
        #expect(!createdAgain)
        let sealed = first.encrypt("330106199003071236", field: "identity_number")
        #expect(second.decrypt(sealed, field: "identity_number") == "330106199003071236")
        #expect(first.lookupHash("x", field: "f") == second.lookupHash("x", field: "f"))
    }

    @Test("a key file others can read is refused; a malformed one too")
    func unsafeKeyFile() throws {
        let folder = NSTemporaryDirectory() + "tongban-keys-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/keys.json"
        _ = try KeyRing.loadOrCreate(at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: KeyRing.Problem.self) { try KeyRing.load(at: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: KeyRing.Problem.self) { try KeyRing.load(at: path) }
    }

    @Test("ciphertexts are bound to their column and change every time")
    func encryption() {
        let keys = KeyRing.random()
        let a = keys.encrypt("13800138000", field: "mobile")
        let b = keys.encrypt("13800138000", field: "mobile")
        #expect(a != b)
        #expect(!a.contains("13800138000"))
        #expect(keys.decrypt(a, field: "identity_number") == nil)
        #expect(KeyRing.random().decrypt(a, field: "mobile") == nil)
    }

    @Test("L9: a sealed value opens only in its own table, row and column")
    func sealedToCell() {
        let keys = KeyRing.random()
        let row = UUID()
        let sealed = keys.seal("330106199003071236", table: "accounts", row: row, column: "id_number_cipher")
        #expect(sealed.hasPrefix("v2:") && !sealed.contains("330106199003071236"))
        #expect(keys.open(sealed, table: "accounts", row: row, column: "id_number_cipher") == "330106199003071236")
        #expect(keys.open(sealed, table: "accounts", row: UUID(), column: "id_number_cipher") == nil)
        #expect(keys.open(sealed, table: "accounts", row: row, column: "mobile_cipher") == nil)
        #expect(keys.open(sealed, table: "applications", row: row, column: "id_number_cipher") == nil)
        #expect(KeyRing.random().open(sealed, table: "accounts", row: row, column: "id_number_cipher") == nil)
        // a value sealed the old way (bound to the column's name only) is not taken for a cell's
        #expect(
            keys.open(
                keys.encrypt("330106199003071236", field: "id_number_cipher"), table: "accounts", row: row, column: "id_number_cipher")
                == nil)
    }
}
