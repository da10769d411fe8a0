import Foundation
import NIOPosix
import Testing
import TongbanDelivery
@testable import TongbanCore

/// E-mail over SMTP to a real server (aiosmtpd, `scripts/smtp-server.py`): STARTTLS against a
/// certificate the client is told to trust, AUTH only after it, the message as the receiving
/// side decodes it. CI installs aiosmtpd; on a machine without it the suite is skipped.
@Suite("e-mail over SMTP", .enabled(if: SMTPTestServer.available))
struct EmailDeliveryTests {
    static let message = MailMessage(
        from: EmailAddress("noreply@tongban.example")!, fromName: "一网通办 Tongban", to: EmailAddress("zhang.san@example.com")!,
        subject: "需要补正：3301062026112400000123（事项 330100-000-00-00-0001 的申请材料有两处需要更正，请尽快上传）",
        body: "您的申请 3301062026112400000123 材料需要补正。\n.\n以点开头的一行不会结束邮件。\n\nhttps://tongban.example/applications",
        date: Date(timeIntervalSince1970: 1_795_000_000), messageID: "<0193-test@tongban.example>")

    @Test("a message goes over STARTTLS with AUTH and arrives with its headers and text intact")
    func delivered() async throws {
        let server = try SMTPTestServer.start()
        defer { server.stop() }
        let client = SMTPClient(
            settings: SMTPSettings(
                host: "localhost", port: server.port, security: .startTLS, username: "tongban", password: "s3cret-password",
                trustRoots: server.ca),
            group: MultiThreadedEventLoopGroup.singleton)
        try await client.send(Self.message)
        let received = try #require(server.received.first)
        #expect(received.tls && received.authenticated)
        #expect(received.mailFrom == "noreply@tongban.example" && received.rcptTos == ["zhang.san@example.com"])
        #expect(received.headers["Subject"] == Self.message.subject)
        #expect(received.headers["From"] == "一网通办 Tongban <noreply@tongban.example>")
        #expect(received.headers["Message-ID"] == "<0193-test@tongban.example>")
        #expect(received.headers["Date"]?.hasSuffix("+0800") == true)
        #expect(
            received.text.replacingOccurrences(of: "\r\n", with: "\n") == Self.message.body + "\n" || received.text == Self.message.body)
    }

    @Test("wrong credentials and an untrusted certificate are refused; nothing is sent where STARTTLS is not offered")
    func refusals() async throws {
        let server = try SMTPTestServer.start()
        defer { server.stop() }
        let group = MultiThreadedEventLoopGroup.singleton
        let wrong = SMTPClient(
            settings: SMTPSettings(
                host: "localhost", port: server.port, security: .startTLS, username: "tongban", password: "guess", trustRoots: server.ca),
            group: group)
        await #expect(throws: SendFailure.self) { try await wrong.send(Self.message) }
        do {
            try await wrong.send(Self.message)
        } catch {
            #expect(error.permanent && error.description.contains("535"))
        }
        // the system's roots do not know the test certificate
        let untrusting = SMTPClient(
            settings: SMTPSettings(
                host: "localhost", port: server.port, security: .startTLS, username: "tongban", password: "s3cret-password"),
            group: group)
        await #expect(throws: SendFailure.self) { try await untrusting.send(Self.message) }
        #expect(server.received.isEmpty)

        let plain = try SMTPTestServer.start(tls: false)
        defer { plain.stop() }
        let client = SMTPClient(
            settings: SMTPSettings(host: "localhost", port: plain.port, security: .startTLS, username: "tongban", password: "x"),
            group: group)
        do {
            try await client.send(Self.message)
            Issue.record("a message went unencrypted")
        } catch {
            #expect(error.permanent && error.description.contains("STARTTLS"))
        }
        #expect(plain.received.isEmpty)
    }
}

/// `scripts/smtp-server.py` in its own process, for one test.
final class SMTPTestServer: Sendable {
    struct Received {
        let mailFrom: String
        let rcptTos: [String]
        let tls: Bool
        let authenticated: Bool
        let headers: [String: String]
        let text: String
    }

    let port: Int
    let ca: String
    let folder: String
    private let process: Process
    private let input: Pipe

    private init(port: Int, ca: String, folder: String, process: Process, input: Pipe) {
        self.port = port
        self.ca = ca
        self.folder = folder
        self.process = process
        self.input = input
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/smtp-server.py").path
    }

    /// In CI always (a missing aiosmtpd fails the suite there); elsewhere when python3 has aiosmtpd.
    static var available: Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import aiosmtpd"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    static func start(tls: Bool = true) throws -> SMTPTestServer {
        let folder = NSTemporaryDirectory() + "smtp-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, folder] + (tls ? [] : ["--no-tls"])
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        // the server's complaints of refused handshakes are what the refusal test provokes
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        struct Ready: Decodable {
            let port: Int
            let ca: String
        }
        let ready = try JSONDecoder().decode(Ready.self, from: line)
        return SMTPTestServer(port: ready.port, ca: ready.ca, folder: folder, process: process, input: input)
    }

    var received: [Received] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder + "/" + name),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            return Received(
                mailFrom: json["mail_from"] as? String ?? "", rcptTos: json["rcpt_tos"] as? [String] ?? [],
                tls: (json["tls"] as? NSNumber)?.boolValue ?? false,
                authenticated: (json["authenticated"] as? NSNumber)?.boolValue ?? false,
                headers: json["headers"] as? [String: String] ?? [:], text: json["text"] as? String ?? "")
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
