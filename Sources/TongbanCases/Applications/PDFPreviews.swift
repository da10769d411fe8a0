import Fluent
import Foundation
import SQLKit
import TongbanPlatform
import Vapor

/// 首页预览: the first page of an uploaded PDF as a PNG, so a reviewer sees what a file is
/// without opening it. Drawn once by poppler's `pdftoppm` (Debian's poppler-utils), in a process of
/// its own with a time limit (a hostile PDF costs at most that, never the server), two at a time;
/// kept with the materials (in the database, so every serving process has it). Without
/// `pdftoppm` on the machine the page says so and links the PDF.
package struct PDFPreviews: Sendable {
    /// The drawing program, or nil when the machine has none.
    package let tool: String?
    package let timeLimit: Duration
    let gate: RenderGate

    package init(tool: String? = PDFPreviews.locate(), timeLimit: Duration = .seconds(10)) {
        self.tool = tool
        self.timeLimit = timeLimit
        self.gate = RenderGate(capacity: 2)
    }

    package var available: Bool { tool != nil }

    package static func locate() -> String? {
        ["/usr/bin/pdftoppm", "/usr/local/bin/pdftoppm", "/opt/homebrew/bin/pdftoppm"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Where a file's preview is kept among the material contents.
    static func key(_ sha256: String) -> String { "preview-p1:" + sha256 }

    /// The PNG of the first page of the PDF with this content hash: kept, or drawn and kept now;
    /// nil when it cannot be drawn (no tool, not a PDF poppler reads, past the time limit).
    package func firstPage(sha256: String, on db: any Database) async throws -> ByteBuffer? {
        if let kept = try await MaterialContents.read(Self.key(sha256), on: db) { return kept }
        guard let tool, let pdf = try await MaterialContents.read(sha256, on: db) else { return nil }
        guard let png = await gate.run({ await Self.draw(Array(pdf.readableBytesView), tool: tool, timeLimit: timeLimit) }) else {
            return nil
        }
        try await MaterialContents.keep(png, as: Self.key(sha256), on: db)
        return ByteBuffer(bytes: png)
    }

    /// Runs `pdftoppm` on the bytes in a folder of its own: page 1 only, at most 960 pixels wide.
    package static func draw(_ pdf: [UInt8], tool: String, timeLimit: Duration) async -> [UInt8]? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tongban-preview-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let input = folder.appendingPathComponent("in.pdf")
            try Data(pdf).write(to: input)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = [
                "-f", "1", "-l", "1", "-png", "-singlefile", "-scale-to", "960", input.path, folder.appendingPathComponent("page").path,
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let status: Int32 = try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                    return
                }
                Task {
                    try? await Task.sleep(for: timeLimit)
                    // killed outright: a program stuck in a hostile file may not heed a polite signal
                    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                }
            }
            guard status == 0 else { return nil }
            let png = try Data(contentsOf: folder.appendingPathComponent("page.png"))
            return png.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? Array(png) : nil
        } catch {
            return nil
        }
    }

    /// What the page shows where a preview cannot be drawn: a plain picture saying so.
    package static func unavailable(_ text: String) -> ByteBuffer {
        let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return ByteBuffer(
            string: """
                <svg xmlns="http://www.w3.org/2000/svg" width="320" height="120" viewBox="0 0 320 120">\
                <rect width="320" height="120" fill="#f3f3f3" stroke="#ccc"/>\
                <text x="160" y="66" font-size="15" text-anchor="middle" fill="#555">\(escaped)</text></svg>
                """)
    }
}

/// At most `capacity` drawings at once; the others wait their turn.
actor RenderGate {
    private let capacity: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int) { self.capacity = capacity }

    func run<T: Sendable>(_ work: @Sendable () async -> T) async -> T {
        if running >= capacity {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer { release() }
        return await work()
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

extension Application {
    private struct PDFPreviewsKey: StorageKey { typealias Value = PDFPreviews }

    package var pdfPreviews: PDFPreviews {
        get { storage[PDFPreviewsKey.self]! }
        set { storage[PDFPreviewsKey.self] = newValue }
    }
}
