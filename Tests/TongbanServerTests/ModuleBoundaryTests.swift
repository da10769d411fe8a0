import Foundation
import Testing

/// The module graph of the README: a feature area reaches another only through the platform.
/// SwiftPM alone does not hold it (a module may import another that happens to be built first),
/// so the sources' imports are read.
@Suite("module boundaries")
struct ModuleBoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    static let features = [
        "TongbanCatalog", "TongbanIdentity", "TongbanHall", "TongbanCases", "TongbanRatings", "TongbanSupervision", "TongbanDelivery",
    ]

    /// `module → [file: other Tongban modules it imports]`
    static func imports(of module: String) throws -> [String: Set<String>] {
        var found: [String: Set<String>] = [:]
        let files = FileManager.default.enumerator(at: sources.appendingPathComponent(module), includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count else { continue }
                let imported = String(words[index + 1])
                if imported.hasPrefix("Tongban") { found[file.lastPathComponent, default: []].insert(imported) }
            }
        }
        return found
    }

    @Test("the platform imports only the core rules")
    func platform() throws {
        let crossing = try Self.imports(of: "TongbanPlatform").filter { !$0.value.isSubset(of: ["TongbanCore"]) }
        #expect(crossing.isEmpty, "\(crossing)")
    }

    @Test("a feature module imports only the core rules and the platform, never another feature")
    func features() throws {
        for feature in Self.features {
            let imports = try Self.imports(of: feature)
            #expect(!imports.isEmpty, "\(feature) has no sources")
            let crossing = imports.filter { !$0.value.isSubset(of: ["TongbanCore", "TongbanPlatform"]) }
            #expect(crossing.isEmpty, "\(feature): \(crossing)")
        }
    }

    @Test("every server module is listed here or is the platform, the document or the application")
    func everyModuleKnown() throws {
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { $0.hasPrefix("Tongban") }
        let known = Set(Self.features + ["TongbanCore", "TongbanPlatform", "TongbanOpenAPI", "TongbanServer"])
        #expect(Set(modules) == known)
    }
}
