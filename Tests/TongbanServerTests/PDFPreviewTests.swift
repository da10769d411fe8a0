import Fluent
import Foundation
import Testing
import TongbanCases
import TongbanCore
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanServer

/// 首页预览: the first page of an uploaded PDF as a picture — drawn once by a process of its own
/// with a time limit, kept with the materials, shown to those who may open the file.
@Suite("PDF first-page previews")
struct PDFPreviewTests {
    /// A drawing program that behaves as told: writes a PNG, fails, or hangs.
    static func fakeTool(_ body: String) throws -> String {
        let path = NSTemporaryDirectory() + "fake-pdftoppm-\(UUID().uuidString)"
        try "#!/bin/sh\nfor a; do last=$a; done\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    /// A one-page PDF with a correct cross-reference table: a blue box on a 200×100 page.
    static func onePagePDF() -> [UInt8] {
        let content = "0 0 1 rg 20 20 160 60 re f"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { pdf += String(format: "%010d 00000 n \n", offset) }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(pdf.utf8)
    }

    @Test(
        "a drawing that fails or runs past its time limit gives the 'no preview' picture and keeps nothing; one drawn is kept for every process; a picture file has none; others get 404",
        arguments: TestDatabase.available)
    func previewsServed(database: TestDatabase) async throws {
        try await withTongban(database, catalog: true) { app, _ in
            let person = try await app.token(app.demoPersonLogin)
            let (id, pdf, png) = try await MaterialViewingTests.applicationWithMaterials(app, person: person)
            let stored = try #require(try await StoredMaterial.find(pdf, on: app.db))
            let key = "preview-p1:" + stored.sha256

            let failing = PDFPreviews(tool: try Self.fakeTool("exit 1"))
            #expect(try await failing.firstPage(sha256: stored.sha256, on: app.db) == nil)
            let hanging = PDFPreviews(tool: try Self.fakeTool("exec sleep 30"), timeLimit: .milliseconds(300))
            #expect(try await hanging.firstPage(sha256: stored.sha256, on: app.db) == nil)
            let notPNG = PDFPreviews(tool: try Self.fakeTool("echo '<html>' > \"$last.png\""))
            #expect(try await notPNG.firstPage(sha256: stored.sha256, on: app.db) == nil)
            #expect(try await MaterialContents.read(key, on: app.db) == nil)

            app.pdfPreviews = failing
            let browser = Browser(app)
            try await browser.get("/login")
            try await browser.post("/login", ["login": "reviewer.amr", "password": demoPassword])
            #expect(try await browser.get("/applications/\(id)").body.string.contains("/materials/\(pdf)/preview"))
            let none = try await browser.get("/materials/\(pdf)/preview")
            #expect(none.status == .ok && none.headers.contentType?.description.hasPrefix("image/svg+xml") == true)
            #expect(none.body.string.contains("无法生成预览") && none.headers.first(name: "Content-Security-Policy")?.contains("sandbox") == true)
            #expect(try await browser.get("/materials/\(png)/preview").status == .notFound)

            let drawing = PDFPreviews(tool: try Self.fakeTool("printf '\\211PNG\\r\\n\\032\\nfirst-page' > \"$last.png\""))
            app.pdfPreviews = drawing
            let drawn = try await browser.get("/materials/\(pdf)/preview")
            #expect(drawn.status == .ok && drawn.headers.contentType == .png && drawn.body.string.hasSuffix("first-page"))
            // kept with the materials: a process without the program serves it too
            let kept = try await PDFPreviews(tool: nil).firstPage(sha256: stored.sha256, on: app.db)
            #expect(kept.map { String(buffer: $0) }?.hasSuffix("first-page") == true)

            let supervisor = Browser(app)
            try await supervisor.get("/login")
            try await supervisor.post("/login", ["login": "supervisor", "password": demoPassword])
            #expect(try await supervisor.get("/materials/\(pdf)/preview").status == .notFound)
        }
    }

    @Test(
        "poppler draws the first page of a real PDF as a PNG at most 960 pixels wide",
        .enabled(if: PDFPreviews.locate() != nil, "needs Debian's poppler-utils (installed by .ci/run)"))
    func popplerDraws() async throws {
        let tool = try #require(PDFPreviews.locate())
        let png = try #require(await PDFPreviews.draw(Self.onePagePDF(), tool: tool, timeLimit: .seconds(20)))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // IHDR: width and height, big-endian, at bytes 16 and 20
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        // the page's 2:1, drawn 960 wide (a pixel's rounding either way)
        #expect(width == 960 && abs(height - 480) <= 1, "\(width)×\(height)")
        #expect(await PDFPreviews.draw(Array("%PDF-1.4 not really".utf8), tool: tool, timeLimit: .seconds(20)) == nil)
    }
}
