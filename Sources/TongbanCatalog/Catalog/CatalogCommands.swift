import Fluent
import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban import items FILE`: a `.csv` file (Tongban's flat columns, or a published
/// implementation list) or JSON Lines (any other name: one complete item per line). The whole file
/// is written in one transaction or, if any row is bad, not at all, with every bad row listed.
package func importItems(path: String, _ context: CommandContext) async throws {
    let app = context.application
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        context.console.error("cannot read \(path) as UTF-8 text")
        throw ExitCode(1)
    }
    try await app.autoMigrate()
    do {
        let summary = try await CatalogImport.importFile(
            text: text, csv: path.lowercased().hasSuffix(".csv"), by: "system:import", at: app.clock.now(), on: app.db)
        context.console.print(
            "items: \(summary.read) read, \(summary.added) added, \(summary.changed) changed (new version), \(summary.unchanged) unchanged")
    } catch let rejection as ItemFiles.Rejection {
        for problem in rejection.problems.prefix(200) {
            let field = problem.field.isEmpty ? "" : "\(problem.field): "
            context.console.error("\(path):\(problem.line): \(field)\(app.localizer.text(problem.key, .en, ["field": problem.field]))")
        }
        if rejection.problems.count > 200 { context.console.error("… and \(rejection.problems.count - 200) more") }
        context.console.error(app.localizer.text("import.rejected", .en, ["count": String(rejection.problems.count)]))
        throw ExitCode(1)
    }
}

/// `tongban export items FILE`: the published items, as JSON Lines or (for a `.csv` name) the
/// flat CSV columns that `import items` reads back.
package struct ExportCommand: AsyncCommand {
    package init() {}

    package struct Signature: CommandSignature {
        package init() {}

        @Argument(name: "kind", help: "What to export: items")
        package var kind: String
        @Argument(name: "file", help: "Where to write: .jsonl (complete items) or .csv (flat fields)")
        package var file: String
    }
    package var help: String { "Exports the published items: `tongban export items <file.jsonl|file.csv>`." }

    package func run(using context: CommandContext, signature: Signature) async throws {
        try expect(signature.kind, "items", of: "export", context)
        let app = context.application
        try await app.autoMigrate()
        let entries = try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).sort(\.$code).all()
        let items = try entries.map { try $0.item() }
        let text = signature.file.lowercased().hasSuffix(".csv") ? ItemFiles.flatCSV(items) : try ItemFiles.jsonLines(items)
        try text.write(toFile: signature.file, atomically: true, encoding: .utf8)
        context.console.print("items: \(items.count) written to \(signature.file)")
    }
}
