import Crypto
import Foundation

/// The server's secrets: the key that encrypts personal data at rest, the key of the lookup
/// hashes, and the key that signs access tokens. Read from a key file that `serve` creates on
/// first start with mode 0600; never committed, never defaulted.
public struct KeyRing: Sendable {
    package let dataKey: SymmetricKey
    package let lookupKey: SymmetricKey
    package let tokenKey: SymmetricKey

    public enum Problem: Error, CustomStringConvertible {
        case unreadable(String, String)
        case tooOpen(String, Int)
        case malformed(String)
        case cannotCreate(String, String)

        public var description: String {
            switch self {
            case let .unreadable(path, why): "TONGBAN_KEY_FILE: cannot read \(path): \(why)"
            case let .tooOpen(path, mode):
                "TONGBAN_KEY_FILE: \(path) has mode \(String(mode, radix: 8)); it must be readable by its owner only (chmod 600)"
            case let .malformed(path):
                "TONGBAN_KEY_FILE: \(path) is not a Tongban key file (expected JSON with dataKey, lookupKey, tokenKey of 32 bytes each, base64)"
            case let .cannotCreate(path, why): "TONGBAN_KEY_FILE: cannot create \(path): \(why)"
            }
        }
    }

    package struct File: Codable {
        package var format: Int
        package var dataKey: String
        package var lookupKey: String
        package var tokenKey: String
    }

    /// Fresh random keys (tests, and the first start).
    public static func random() -> KeyRing {
        KeyRing(dataKey: SymmetricKey(size: .bits256), lookupKey: SymmetricKey(size: .bits256), tokenKey: SymmetricKey(size: .bits256))
    }

    package init(dataKey: SymmetricKey, lookupKey: SymmetricKey, tokenKey: SymmetricKey) {
        self.dataKey = dataKey
        self.lookupKey = lookupKey
        self.tokenKey = tokenKey
    }

    /// Loads the key file, creating it (0600, with its folder) when absent. Returns whether it was created.
    public static func loadOrCreate(at path: String) throws(Problem) -> (KeyRing, created: Bool) {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            return (try load(at: path), false)
        }
        let ring = random()
        let file = File(format: 1, dataKey: ring.dataKey.base64, lookupKey: ring.lookupKey.base64, tokenKey: ring.tokenKey.base64)
        do {
            try fm.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            let data = try JSONEncoder().encode(file)
            guard fm.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            throw .cannotCreate(path, "\(error)")
        }
        return (ring, true)
    }

    public static func load(at path: String) throws(Problem) -> KeyRing {
        let fm = FileManager.default
        if let attributes = try? fm.attributesOfItem(atPath: path), let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue,
            mode & 0o077 != 0
        {
            throw .tooOpen(path, mode)
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw .unreadable(path, error.localizedDescription) }
        guard let file = try? JSONDecoder().decode(File.self, from: data), file.format == 1,
            let dataKey = SymmetricKey(base64: file.dataKey), let lookupKey = SymmetricKey(base64: file.lookupKey),
            let tokenKey = SymmetricKey(base64: file.tokenKey)
        else { throw .malformed(path) }
        return KeyRing(dataKey: dataKey, lookupKey: lookupKey, tokenKey: tokenKey)
    }

    // MARK: personal data at rest

    /// AES-GCM with the field's name as associated data, so a value cannot be moved to another column.
    package func encrypt(_ plaintext: String, field: String) -> String {
        let box = try! AES.GCM.seal(Data(plaintext.utf8), using: dataKey, authenticating: Data(field.utf8))
        return "v1:" + box.combined!.base64EncodedString()
    }

    package func decrypt(_ stored: String, field: String) -> String? {
        guard stored.hasPrefix("v1:"), let data = Data(base64Encoded: String(stored.dropFirst(3))),
            let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: dataKey, authenticating: Data(field.utf8))
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    /// AES-GCM whose associated data names the table, the row and the column (`v2:`): a value
    /// copied by a database writer into another row or column does not open (L9).
    package func seal(_ plaintext: String, table: String, row: UUID, column: String) -> String {
        seal(plaintext, table: table, rowKey: row.uuidString.lowercased(), column: column)
    }

    /// As `seal(_:table:row:column:)` for a row known by a key of its own that never changes
    /// (a shared record's resource and subject).
    package func seal(_ plaintext: String, table: String, rowKey: String, column: String) -> String {
        let box = try! AES.GCM.seal(Data(plaintext.utf8), using: dataKey, authenticating: Self.cell(table, rowKey, column))
        return Self.sealedPrefix + box.combined!.base64EncodedString()
    }

    /// The value sealed for exactly this cell, or nil (another cell's, a `v1:` value, tampered).
    package func open(_ stored: String, table: String, row: UUID, column: String) -> String? {
        open(stored, table: table, rowKey: row.uuidString.lowercased(), column: column)
    }

    package func open(_ stored: String, table: String, rowKey: String, column: String) -> String? {
        guard stored.hasPrefix(Self.sealedPrefix), let data = Data(base64Encoded: String(stored.dropFirst(3))),
            let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: dataKey, authenticating: Self.cell(table, rowKey, column))
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    /// How a value sealed to its cell begins (a JSON text never does).
    package static let sealedPrefix = "v2:"

    private static func cell(_ table: String, _ rowKey: String, _ column: String) -> Data {
        Data("\(table)|\(rowKey)|\(column)".utf8)
    }

    /// HMAC-SHA256 for exact lookups without storing the value in clear.
    package func lookupHash(_ value: String, field: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("\(field):\(value)".utf8), using: lookupKey).hex
    }
}

extension SymmetricKey {
    package var base64: String { withUnsafeBytes { Data($0).base64EncodedString() } }

    package init?(base64: String) {
        guard let data = Data(base64Encoded: base64), data.count == 32 else { return nil }
        self.init(data: data)
    }
}

extension Sequence where Element == UInt8 {
    package var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension HashedAuthenticationCode {
    package var hex: String { Array(self).hex }
}
