import Fluent
import Foundation
import Testing
import TongbanCatalog
import TongbanPlatform
import Vapor
@testable import TongbanCore
@testable import TongbanServer

@Suite("catalog import and export")
struct CatalogImportTests {
    static func published(_ app: Application) async throws -> [CatalogEntry] {
        try await CatalogEntry.query(on: app.db).filter(\.$kind == .item).filter(\.$status == .published).sort(\.$code).all()
    }

    @Test(
        "a file with bad rows is refused whole, each bad line named; a good file imports once and again changes nothing",
        arguments: TestDatabase.available)
    func atomicAndIdempotent(database: TestDatabase) async throws {
        try await withTongban(database, seed: false) { app, _ in
            let text = try String(contentsOfFile: TongbanResources.directory + "/Catalog/guang-an-district-items.csv", encoding: .utf8)
            // the reference file has CRLF line ends, which Swift reads as one Character
            var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
            if lines.last == "" { lines.removeLast() }
            lines[2] = lines[2].replacingOccurrences(of: "-511602000000-000-", with: "-51160200000-000-")  // malformed code on line 3
            let permit = try #require(lines.indices.first { $0 >= 10 && lines[$0].contains(",行政许可,") })
            lines[permit] = lines[permit].replacingOccurrences(of: ",行政许可,", with: ",行政审核,")  // an unknown kind
            lines.append(lines[5])  // a duplicate at the end
            do {
                _ = try await CatalogImport.importFile(
                    text: lines.joined(separator: "\n"), csv: true, by: "test", at: app.clock.now(), on: app.db)
                Issue.record("a bad file was imported")
            } catch let rejection as ItemFiles.Rejection {
                #expect(rejection.problems.map(\.line) == [3, permit + 1, lines.count])
                #expect(
                    rejection.problems.map(\.key) == ["catalog.invalidImplementationCode", "field.unknownValue", "import.duplicateCode"])
            }
            #expect(try await CatalogEntry.query(on: app.db).count() == 0)
            #expect(try await AuditEntry.query(on: app.db).count() == 0)

            let first = try await CatalogImport.importFile(text: text, csv: true, by: "test", at: app.clock.now(), on: app.db)
            #expect(first == .init(read: 1135, added: 1135, changed: 0, unchanged: 0))
            let again = try await CatalogImport.importFile(text: text, csv: true, by: "test", at: app.clock.now(), on: app.db)
            #expect(again == .init(read: 1135, added: 0, changed: 0, unchanged: 1135))
            // change one name: one new version, the old one superseded
            var changed = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
            changed[1] = changed[1].replacingOccurrences(of: "企业投资项目备案", with: "企业投资项目备案变更")
            let third = try await CatalogImport.importFile(
                text: changed.joined(separator: "\n"), csv: true, by: "test", at: app.clock.now(), on: app.db)
            #expect(third == .init(read: 1135, added: 0, changed: 1, unchanged: 1134))
            #expect(try await Self.published(app).count == 1135)
            #expect(try await CatalogEntry.query(on: app.db).filter(\.$status == .superseded).count() == 1)
        }
    }

    @Test("exported items read back unchanged, as JSON Lines and as flat CSV", arguments: TestDatabase.available)
    func roundTrip(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let items = try await Self.published(app).map { try $0.item() }
            #expect(items.count == 1211)
            let jsonLines = try ItemFiles.jsonLines(items)
            let again = try await CatalogImport.importFile(text: jsonLines, csv: false, by: "test", at: app.clock.now(), on: app.db)
            #expect(again.unchanged == items.count && again.added == 0 && again.changed == 0)
            guard case let .success(rows) = ItemFiles.read(ItemFiles.flatCSV(items), csv: true) else {
                Issue.record("flat CSV did not read back")
                return
            }
            for (row, item) in zip(rows, items) {
                #expect(
                    row.item.code == item.code && row.item.name == item.name && row.item.promisedDays == item.promisedDays
                        && row.item.kind == item.kind && row.item.visits == item.visits && row.item.channels == item.channels)
            }
        }
    }

    @Test("JSON Lines rows with unknown values or broken rules name line and field")
    func jsonLineProblems() throws {
        let good = try ItemFiles.jsonLines([Generate.item()]).trimmingCharacters(in: .newlines)
        let text = [
            good, good.replacingOccurrences(of: "\"applicant\"", with: "\"cousin\""), "{not json", "",
            good.replacingOccurrences(of: "\"promisedDays\":3", with: "\"promisedDays\":30"),
        ].joined(separator: "\n")
        guard case let .failure(rejection) = ItemFiles.read(text, csv: false) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.problems.map(\.line) == [2, 3, 5, 5])
        #expect(rejection.problems.map(\.field) == ["materials[0].source", "", "code", "promisedDays"])
        #expect(
            rejection.problems.map(\.key) == [
                "field.unknownValue", "json.malformed", "import.duplicateCode", "catalog.promisedAboveStatutory",
            ])
    }
}

enum Generate {
    static func item() -> ServiceItem {
        ServiceItem(
            basicCode: try! BasicCode("330A0000100001"), name: "测试事项", kind: .licensing,
            department: ItemDepartment(name: "测试局", code: "11330100MB1725881B"), regionCode: try! RegionCode("330100"),
            level: .city, statutoryDays: 20, promisedDays: 3, channels: [.online],
            materials: [Material(key: "id_card", name: "身份证", source: .applicant)])
    }
}
