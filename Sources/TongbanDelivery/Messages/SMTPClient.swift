import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import TongbanCore

/// How the platform reaches its mail relay (`TONGBAN_SMTP_URL`, e.g.
/// `smtp://user:password@mail.gov.example:587`): `smtp://` upgrades with STARTTLS and refuses a
/// relay that does not offer it; `smtps://` speaks TLS from the first byte (port 465). A password
/// is never sent before the connection is encrypted.
package struct SMTPSettings: Sendable, Equatable {
    package enum Security: String, Sendable { case startTLS, implicitTLS }

    package var host: String
    package var port: Int
    package var security: Security
    package var username: String?
    package var password: String?
    /// A PEM file of the certificates to trust instead of the system's (`TONGBAN_SMTP_CA`).
    package var trustRoots: String?
    /// The name the platform gives in EHLO.
    package var heloName = "tongban.localhost"
    package var timeout: TimeInterval = 30

    package init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, trustRoots: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.trustRoots = trustRoots
    }

    /// The settings a `smtp://` or `smtps://` URL names, or why it names none.
    package static func parse(_ raw: String, trustRoots: String?) -> Result<SMTPSettings, SendFailure> {
        guard let url = URLComponents(string: raw), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return .failure(SendFailure(permanent: true, "not a URL like smtp://user:password@host:587"))
        }
        let security: Security
        switch scheme {
        case "smtp": security = .startTLS
        case "smtps": security = .implicitTLS
        default: return .failure(SendFailure(permanent: true, "\(scheme): only smtp (STARTTLS) and smtps (TLS) are spoken"))
        }
        let port = url.port ?? (security == .implicitTLS ? 465 : 587)
        return .success(
            SMTPSettings(
                host: host, port: port, security: security, username: url.user?.removingPercentEncoding,
                password: url.password?.removingPercentEncoding, trustRoots: trustRoots))
    }
}

/// One SMTP conversation per message (RFC 5321): greeting, EHLO, STARTTLS and EHLO again, AUTH
/// (PLAIN or LOGIN), MAIL, RCPT, DATA, QUIT. Messages are few (a person's news, a staff member's
/// task), so a connection is not kept between them.
package struct SMTPClient: Sendable {
    package let settings: SMTPSettings
    private let group: any EventLoopGroup

    package init(settings: SMTPSettings, group: any EventLoopGroup) {
        self.settings = settings
        self.group = group
    }

    package func send(_ message: MailMessage) async throws(SendFailure) {
        do {
            try await converse(message)
        } catch let error as SendFailure {
            throw error
        } catch {
            throw SendFailure(permanent: false, "\(settings.host):\(settings.port): \(error)")
        }
    }

    private func tlsHandler() throws -> NIOSSLClientHandler {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let roots = settings.trustRoots {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(roots))
        }
        let context = try NIOSSLContext(configuration: configuration)
        let isAddress = settings.host.contains(":") || settings.host.allSatisfy { $0.isNumber || $0 == "." }
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : settings.host)
    }

    private func converse(_ message: MailMessage) async throws {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SMTPReply.self)
        let implicitTLS = settings.security == .implicitTLS
        let firstTLS = implicitTLS ? try tlsHandler() : nil
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let firstTLS { try channel.pipeline.syncOperations.addHandler(firstTLS) }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyReader(continuation))
                }
            }
            .connect(host: settings.host, port: settings.port).get()
        // a relay that stops answering does not hold the message for ever
        let watchdog = channel.eventLoop.scheduleTask(in: .seconds(Int64(settings.timeout))) { channel.close(promise: nil) }
        defer {
            watchdog.cancel()
            channel.close(promise: nil)
        }
        var replies = stream.makeAsyncIterator()
        func next() async throws -> SMTPReply {
            guard let reply = try await replies.next() else { throw SendFailure(permanent: false, "the relay closed the connection") }
            return reply
        }
        func command(_ line: String, expect: Set<Int>, shown: String? = nil) async throws -> SMTPReply {
            try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
            let reply = try await next()
            guard expect.contains(reply.code) else {
                throw SendFailure(permanent: reply.code >= 500, "\(shown ?? line): \(reply.code) \(reply.text)")
            }
            return reply
        }
        let greeting = try await next()
        guard greeting.code == 220 else {
            throw SendFailure(permanent: greeting.code >= 500, "greeting: \(greeting.code) \(greeting.text)")
        }
        var capabilities = try await command("EHLO \(settings.heloName)", expect: [250]).lines
        if !implicitTLS {
            guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw SendFailure(permanent: true, "the relay does not offer STARTTLS; nothing is sent unencrypted")
            }
            _ = try await command("STARTTLS", expect: [220])
            try await channel.pipeline.addHandler(try tlsHandler(), position: .first).get()
            capabilities = try await command("EHLO \(settings.heloName)", expect: [250]).lines
        }
        if let username = settings.username {
            try await authenticate(username: username, password: settings.password ?? "", capabilities: capabilities, command: command)
        }
        _ = try await command("MAIL FROM:<\(message.from.value)>", expect: [250])
        _ = try await command("RCPT TO:<\(message.to.value)>", expect: [250, 251])
        _ = try await command("DATA", expect: [354])
        let data = MailMessage.dotStuffed(message.rendered) + ".\r\n"
        _ = try await command(data, expect: [250], shown: "the message")
        _ = try? await command("QUIT", expect: [221])
    }

    private func authenticate(
        username: String, password: String, capabilities: [String],
        command: (String, Set<Int>, String?) async throws -> SMTPReply
    ) async throws {
        let mechanisms = Set(
            capabilities.filter { $0.uppercased().hasPrefix("AUTH ") }.flatMap {
                $0.uppercased().split(separator: " ").dropFirst().map(String.init)
            })
        if mechanisms.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            _ = try await command("AUTH PLAIN \(token)", [235], "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            _ = try await command("AUTH LOGIN", [334], nil)
            _ = try await command(Data(username.utf8).base64EncodedString(), [334], "the user name")
            _ = try await command(Data(password.utf8).base64EncodedString(), [235], "the password")
        } else {
            throw SendFailure(permanent: true, "the relay offers neither AUTH PLAIN nor AUTH LOGIN")
        }
    }
}

/// One reply of the relay: its code and its lines (several for EHLO).
struct SMTPReply: Sendable {
    let code: Int
    let lines: [String]

    var text: String { lines.joined(separator: " ") }
}

/// Cuts the relay's bytes into replies: lines `250-…` continue a reply, `250 …` ends it.
final class SMTPReplyReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var pending = Data()
    private var lines: [String] = []
    private let continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        pending.append(contentsOf: buffer.readableBytesView)
        while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[pending.startIndex..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            pending.removeSubrange(pending.startIndex...end)
            take(String(decoding: line, as: UTF8.self))
        }
    }

    private func take(_ line: String) {
        guard line.count >= 3, let code = Int(line.prefix(3)) else {
            continuation.finish(throwing: SendFailure(permanent: false, "not an SMTP reply: \(line.prefix(80))"))
            return
        }
        let separator = line.dropFirst(3).first
        lines.append(String(line.dropFirst(4)))
        if separator != "-" {
            continuation.yield(SMTPReply(code: code, lines: lines))
            lines = []
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
