import Crypto
import Foundation

/// The server's secrets: the key that encrypts personal data at rest, the key of the lookup
/// hashes, and the key that signs access tokens. Read from a key file that `serve` creates on
/// first start with mode 0600; never committed, never defaulted.
public struct KeyRing: Sendable {
    /// A data key and its id in the key file (`k1`, `k2`, …). Values sealed under a key name it,
    /// except under `k1`, the key of every file written before rotation, whose values kept the
    /// format they had (`v2:` then the box).
    package struct DataKey: Sendable {
        package let id: String
        package let key: SymmetricKey
    }

    /// Every data key the file holds, oldest first: values sealed under any of them open.
    package let dataKeys: [DataKey]
    /// The key new values are sealed under (`tongban keys rotate` adds one and makes it current).
    package let currentDataKeyID: String
    package let lookupKey: SymmetricKey
    package let tokenKey: SymmetricKey

    /// The current data key.
    package var dataKey: SymmetricKey { key(currentDataKeyID)! }

    /// The oldest data key the file holds: keys derived for other uses (the webhook signing key)
    /// stay the same through a rotation, and change only when that key is retired.
    package var derivationKey: SymmetricKey { dataKeys[0].key }

    package static let legacyKeyID = "k1"

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
                "TONGBAN_KEY_FILE: \(path) is not a Tongban key file (expected JSON with dataKeys (or dataKey), lookupKey, tokenKey of 32 bytes each, base64)"
            case let .cannotCreate(path, why): "TONGBAN_KEY_FILE: cannot create \(path): \(why)"
            }
        }
    }

    /// The key file. Format 1 holds one `dataKey`; format 2, written by `tongban keys rotate`,
    /// the list `dataKeys` and the id of the current one.
    package struct File: Codable {
        package struct Key: Codable {
            package var id: String
            package var key: String
        }

        package var format: Int
        package var dataKey: String?
        package var dataKeys: [Key]?
        package var currentDataKey: String?
        package var lookupKey: String
        package var tokenKey: String
    }

    /// Fresh random keys (tests, and the first start).
    public static func random() -> KeyRing {
        KeyRing(dataKey: SymmetricKey(size: .bits256), lookupKey: SymmetricKey(size: .bits256), tokenKey: SymmetricKey(size: .bits256))
    }

    package init(dataKey: SymmetricKey, lookupKey: SymmetricKey, tokenKey: SymmetricKey) {
        self.init(
            dataKeys: [DataKey(id: Self.legacyKeyID, key: dataKey)], current: Self.legacyKeyID, lookupKey: lookupKey, tokenKey: tokenKey)
    }

    package init(dataKeys: [DataKey], current: String, lookupKey: SymmetricKey, tokenKey: SymmetricKey) {
        precondition(dataKeys.contains { $0.id == current }, "the current data key is one of the ring's")
        self.dataKeys = dataKeys
        self.currentDataKeyID = current
        self.lookupKey = lookupKey
        self.tokenKey = tokenKey
    }

    package func key(_ id: String) -> SymmetricKey? { dataKeys.first { $0.id == id }?.key }

    /// The ring as its file holds it.
    package var file: File {
        File(
            format: 2, dataKey: nil, dataKeys: dataKeys.map { File.Key(id: $0.id, key: $0.key.base64) }, currentDataKey: currentDataKeyID,
            lookupKey: lookupKey.base64, tokenKey: tokenKey.base64)
    }

    /// The same ring with a new random data key, current from now on (`k` and the next number).
    package func rotated() -> KeyRing {
        let next = (dataKeys.compactMap { Int($0.id.dropFirst()) }.max() ?? 1) + 1
        let added = DataKey(id: "k\(next)", key: SymmetricKey(size: .bits256))
        return KeyRing(dataKeys: dataKeys + [added], current: added.id, lookupKey: lookupKey, tokenKey: tokenKey)
    }

    /// The same ring without the data key `id` (never the current one).
    package func retiring(_ id: String) -> KeyRing? {
        guard id != currentDataKeyID, dataKeys.contains(where: { $0.id == id }) else { return nil }
        return KeyRing(dataKeys: dataKeys.filter { $0.id != id }, current: currentDataKeyID, lookupKey: lookupKey, tokenKey: tokenKey)
    }

    /// Loads the key file, creating it (0600, with its folder) when absent. Returns whether it was created.
    public static func loadOrCreate(at path: String) throws(Problem) -> (KeyRing, created: Bool) {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            return (try load(at: path), false)
        }
        let ring = random()
        let file = File(
            format: 1, dataKey: ring.dataKey.base64, dataKeys: nil, currentDataKey: nil, lookupKey: ring.lookupKey.base64,
            tokenKey: ring.tokenKey.base64)
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
        guard let file = try? JSONDecoder().decode(File.self, from: data), let lookupKey = SymmetricKey(base64: file.lookupKey),
            let tokenKey = SymmetricKey(base64: file.tokenKey)
        else { throw .malformed(path) }
        switch file.format {
        case 1:
            guard let raw = file.dataKey, let dataKey = SymmetricKey(base64: raw) else { throw .malformed(path) }
            return KeyRing(dataKey: dataKey, lookupKey: lookupKey, tokenKey: tokenKey)
        case 2:
            var keys: [DataKey] = []
            for entry in file.dataKeys ?? [] {
                guard Self.isKeyID(entry.id), let key = SymmetricKey(base64: entry.key), !keys.contains(where: { $0.id == entry.id }) else {
                    throw .malformed(path)
                }
                keys.append(DataKey(id: entry.id, key: key))
            }
            guard let current = file.currentDataKey, keys.contains(where: { $0.id == current }) else { throw .malformed(path) }
            return KeyRing(dataKeys: keys, current: current, lookupKey: lookupKey, tokenKey: tokenKey)
        default:
            throw .malformed(path)
        }
    }

    /// Writes the ring to `path` in place of what is there: a new file (0600) renamed over the old
    /// one, so a crash leaves one or the other, never half of either.
    package func write(to path: String) throws(Problem) {
        let fm = FileManager.default
        let temporary = path + ".new"
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(file)
            try? fm.removeItem(atPath: temporary)
            guard fm.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
            // rename(2) replaces the old file in one step, or creates it
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw .cannotCreate(path, "\(error)")
        }
    }

    /// `k` and a number.
    package static func isKeyID(_ id: String) -> Bool {
        id.count >= 2 && id.count <= 8 && id.first == "k" && id.dropFirst().allSatisfy { ("0"..."9").contains($0) }
    }

    // MARK: personal data at rest

    /// AES-GCM with the field's name as associated data, so a value cannot be moved to another column.
    package func encrypt(_ plaintext: String, field: String) -> String {
        let box = try! AES.GCM.seal(Data(plaintext.utf8), using: dataKey, authenticating: Data(field.utf8))
        return Self.fieldPrefix + keyTag + box.combined!.base64EncodedString()
    }

    package func decrypt(_ stored: String, field: String) -> String? {
        opened(stored, prefix: Self.fieldPrefix, associatedData: Data(field.utf8))
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
        return Self.sealedPrefix + keyTag + box.combined!.base64EncodedString()
    }

    /// The value sealed for exactly this cell, or nil (another cell's, a `v1:` value, tampered).
    package func open(_ stored: String, table: String, row: UUID, column: String) -> String? {
        open(stored, table: table, rowKey: row.uuidString.lowercased(), column: column)
    }

    package func open(_ stored: String, table: String, rowKey: String, column: String) -> String? {
        opened(stored, prefix: Self.sealedPrefix, associatedData: Self.cell(table, rowKey, column))
    }

    /// How a value sealed to its cell begins (a JSON text never does).
    package static let sealedPrefix = "v2:"
    /// How a value sealed to its column's name begins.
    package static let fieldPrefix = "v1:"

    /// What follows the prefix of a value sealed under the current key: nothing for `k1` (the
    /// format from before rotation), else its id and a dot (no base64 text holds a dot).
    private var keyTag: String { currentDataKeyID == Self.legacyKeyID ? "" : currentDataKeyID + "." }

    /// The id of the key a stored value was sealed under (nil: not a sealed value).
    package static func keyID(of stored: String) -> String? {
        guard stored.hasPrefix(sealedPrefix) || stored.hasPrefix(fieldPrefix) else { return nil }
        let body = stored.dropFirst(3)
        guard let dot = body.prefix(9).firstIndex(of: ".") else { return legacyKeyID }
        return String(body[..<dot])
    }

    private func opened(_ stored: String, prefix: String, associatedData: Data) -> String? {
        guard stored.hasPrefix(prefix), let id = Self.keyID(of: stored), let key = key(id) else { return nil }
        let body = stored.dropFirst(3)
        let encoded = body.prefix(9).firstIndex(of: ".").map { body[body.index(after: $0)...] } ?? body
        guard let data = Data(base64Encoded: String(encoded)), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key, authenticating: associatedData)
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

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
