import Fluent
import Foundation
import TongbanPlatform
import Vapor

/// `tongban keys status|rotate|reseal|retire --key KID`: the data keys that seal personal data at rest.
/// A rotation, online: `rotate` adds a key to the key file and makes it the one new values are
/// sealed under; every server is restarted (one at a time) so it reads the new file; `reseal`
/// seals every value still under an older key again, a page at a time, while the servers run;
/// `retire --key KID` removes a key no value is sealed under any more.
struct KeysCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "status, rotate, reseal or retire")
        var action: String
        @Option(name: "key", help: "retire: the key's id (k1, k2, …)")
        var key: String?
        @Option(name: "page", help: "reseal: values per transaction (default 500)")
        var page: Int?
    }

    var help: String {
        "Data keys: `keys status` counts the values each key seals; `keys rotate` adds a key and makes it current (restart the servers after it); `keys reseal` seals what older keys sealed again, online, in pages; `keys retire --key KID` removes a key nothing is sealed under."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let path = app.tongban.keyFile
        let keys = app.keys
        let rotation = DataKeyRotation(db: app.db, keys: keys, pageSize: min(max(signature.page ?? 500, 1), 10_000))
        switch signature.action {
        case "status":
            context.console.print(
                "key file \(path): keys \(keys.dataKeys.map(\.id).joined(separator: ", ")); current \(keys.currentDataKeyID)")
            for (column, tally) in try await rotation.census().sorted(by: { $0.key < $1.key }) where !tally.isEmpty {
                let counts = tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                context.console.print("  \(column): \(counts)")
            }
        case "rotate":
            let rotated = keys.rotated()
            try rotated.write(to: path)
            context.console.print(
                "added data key \(rotated.currentDataKeyID) to \(path); new values are sealed under it once each server is restarted. Then run `tongban keys reseal`, and `tongban keys retire --key \(keys.currentDataKeyID)` when it reports nothing left."
            )
        case "reseal":
            let total = try await rotation.reseal { column, progress in
                if progress.resealed + progress.raced > 0 {
                    context.console.print("  \(column): \(progress.resealed) re-sealed, \(progress.raced) changed meanwhile by a server")
                }
            }
            context.console.print("re-sealed \(total.resealed) values under \(keys.currentDataKeyID)")
        case "retire":
            guard let id = signature.key, KeyRing.isKeyID(id) else {
                context.console.error("name the key to retire: tongban keys retire --key k1")
                throw ExitCode(2)
            }
            guard let retired = keys.retiring(id) else {
                context.console.error("\(id) is the current key or not in \(path); nothing changed")
                throw ExitCode(1)
            }
            let left = try await rotation.census().flatMap { column, tally in tally[id].map { ["\(column): \($0)"] } ?? [] }
            guard left.isEmpty else {
                context.console.error(
                    "\(id) still seals values (\(left.sorted().joined(separator: ", "))); run `tongban keys reseal` first")
                throw ExitCode(1)
            }
            try retired.write(to: path)
            context.console.print("retired \(id): \(path) now holds \(retired.dataKeys.map(\.id).joined(separator: ", "))")
        default:
            context.console.error("unknown keys action \"\(signature.action)\"; known: status, rotate, reseal, retire")
            throw ExitCode(2)
        }
    }
}
