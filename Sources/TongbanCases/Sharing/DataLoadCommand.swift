import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban data load RESOURCE FILE`: an operator loads a resource's records from an NDJSON file
/// on the server, in batches of 10,000 lines, each as the API loads one (checked whole, audited
/// with its counts). Stops at the first refused batch, naming its lines; the batches before it stay.
package struct DataCommand: AsyncCommand {
    package init() {}

    package struct Signature: CommandSignature {
        package init() {}

        @Argument(name: "action", help: "load")
        package var action: String
        @Argument(name: "resource", help: "the data resource's code, e.g. population_basic")
        package var resource: String
        @Argument(name: "file", help: "an NDJSON file: {\"subject\", \"version\", \"data\", \"asOf\"} a line")
        package var file: String
    }

    package var help: String { "Loads a data resource's records: `tongban data load population_basic records.ndjson`." }

    package func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "load" else {
            context.console.error("unknown action \(signature.action): only load")
            throw ExitCode(2)
        }
        let app = context.application
        guard let contents = FileManager.default.contents(atPath: signature.file) else {
            context.console.error("cannot read \(signature.file)")
            throw ExitCode(1)
        }
        let lines = contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let loader = DataLoad(context: UseCaseContext(application: app, db: app.db, account: nil), resources: app.dataResources)
        var totals = (received: 0, inserted: 0, updated: 0, unchanged: 0, stale: 0)
        for start in stride(from: 0, to: lines.count, by: DataBatch.maximumRecords) {
            let slice = lines[start..<min(start + DataBatch.maximumRecords, lines.count)]
            guard slice.contains(where: { !$0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") } }) else { continue }
            let batch = Data(slice.joined(separator: [UInt8(ascii: "\n")]))
            do {
                let outcome = try await loader.load(signature.resource, batch, by: .operatorCommand("data load"))
                totals.received += outcome.received
                totals.inserted += outcome.inserted
                totals.updated += outcome.updated
                totals.unchanged += outcome.unchanged
                totals.stale += outcome.stale
            } catch let error as TongbanError {
                context.console.error("\(signature.file): batch from line \(start + 1) refused (\(error.code)), nothing of it written:")
                for detail in error.fields.prefix(50) {
                    // lines are counted within the batch: name them in the file
                    context.console.error("  \(Self.inFile(detail.field, offset: start)): \(detail.key)")
                }
                throw ExitCode(1)
            }
        }
        context.console.print(
            "\(signature.resource): \(totals.received) records: \(totals.inserted) new, \(totals.updated) newer, \(totals.unchanged) unchanged, \(totals.stale) older passed over"
        )
    }

    /// `line 12.subject` of a batch starting after `offset` lines, as the file's line.
    static func inFile(_ field: String, offset: Int) -> String {
        guard field.hasPrefix("line ") else { return field }
        let rest = field.dropFirst(5)
        let number = rest.prefix { $0.isNumber }
        guard let line = Int(number) else { return field }
        return "line \(line + offset)" + rest.dropFirst(number.count)
    }
}
