import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import TongbanCore

/// What a receiver answered, or that it did not.
package struct WebhookAnswer: Sendable, Equatable {
    package var status: Int?
    /// The receiver's `Retry-After`, in seconds.
    package var retryAfter: TimeInterval?
    package var error: String?

    package init(status: Int? = nil, retryAfter: TimeInterval? = nil, error: String? = nil) {
        self.status = status
        self.retryAfter = retryAfter
        self.error = error
    }
}

/// Sends one signed delivery. The relay knows nothing of HTTP beyond this.
package protocol WebhookSender: Sendable {
    func post(_ target: WebhookEndpoint.Target, headers: [(String, String)], body: ByteBuffer, timeout: TimeInterval) async
        -> WebhookAnswer
    func shutdown() async
}

/// Deliveries over HTTP with AsyncHTTPClient: connections kept and reused per receiver,
/// redirects never followed, every host's addresses checked against the endpoint rules before
/// connecting (a name that resolves into a private network is refused like the address itself).
package final class HTTPWebhookSender: WebhookSender {
    private let client: HTTPClient
    private let rules: WebhookEndpoint.Rules
    private let resolved = NIOLockedValueBox<[String: (checkedAt: Date, problem: String?)]>([:])
    /// Its own threads for name lookups, which block: a slow resolver never holds up the
    /// application's file reads.
    private let threadPool: NIOThreadPool

    package init(rules: WebhookEndpoint.Rules, group: any EventLoopGroup) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(30)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32),
            decompression: .disabled)
        configuration.httpVersion = .automatic
        client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        self.rules = rules
        threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
    }

    package func post(_ target: WebhookEndpoint.Target, headers: [(String, String)], body: ByteBuffer, timeout: TimeInterval) async
        -> WebhookAnswer
    {
        if let problem = await addressProblem(target.host) { return WebhookAnswer(error: problem) }
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        request.headers = HTTPHeaders(headers)
        request.body = .bytes(body)
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            // read (and drop) what the receiver says, so the connection can carry the next delivery
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let retryAfter = response.headers.first(name: "retry-after").flatMap { TimeInterval($0) }
            return WebhookAnswer(status: Int(response.status.code), retryAfter: retryAfter)
        } catch {
            return WebhookAnswer(error: Self.describe(error))
        }
    }

    package func shutdown() async {
        try? await client.shutdown()
        try? await threadPool.shutdownGracefully()
    }

    /// Why the host may not be connected to, or nil. Names are resolved (at most once a minute
    /// per host) and every address they give must be allowed; literal addresses and loopback
    /// names were checked when the subscription was made.
    private func addressProblem(_ host: String) async -> String? {
        if NetworkAddress(host) != nil || host == "localhost" || host.hasSuffix(".localhost") { return nil }
        let now = Date()
        if let known = resolved.withLockedValue({ $0[host] }), now.timeIntervalSince(known.checkedAt) < 60 { return known.problem }
        let rules = rules
        let problem: String? =
            (try? await threadPool.runIfActive { () -> String? in
                let addresses = Self.resolve(host)
                guard !addresses.isEmpty else { return "cannot resolve \(host)" }
                for address in addresses {
                    do { try WebhookEndpoint.checkResolved(address, rules: rules) } catch {
                        return "\(host) resolves to \(address), which is not allowed (\(error))"
                    }
                }
                return nil
            }) ?? "cannot resolve \(host)"
        resolved.withLockedValue { $0[host] = (now, problem) }
        return problem
    }

    private static func resolve(_ host: String) -> [NetworkAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [NetworkAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0,
                let address = NetworkAddress(String(cString: buffer))
            {
                addresses.append(address)
            }
            entry = info.pointee.ai_next
        }
        return addresses
    }

    private static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout: return "no answer in time"
            case .connectTimeout: return "could not connect in time"
            default: return "\(client)"
            }
        }
        if error is NIOConnectionError || "\(error)".contains("connection refused") || "\(error)".contains("Connection refused") {
            return "connection refused"
        }
        return String("\(error)".prefix(300))
    }
}
