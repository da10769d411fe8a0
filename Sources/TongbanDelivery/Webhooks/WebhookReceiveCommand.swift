import Foundation
import NIOConcurrencyHelpers
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban webhooks receive --port 19001 [--secret whsec_…] [--fail-every N]`: a receiver for a
/// department's integration engineer trying a subscription, and for the delivery benchmark and
/// fault checks. It verifies each request's signature when given the secret, counts each
/// `webhook-id` once, checks that a subject's events arrive in order (the `application` and a
/// numeric `item` of `case.*` payloads), and reports at `GET /stats`.
package struct WebhooksCommand: AsyncCommand {
    package init() {}

    package struct Signature: CommandSignature {
        package init() {}

        @Argument(name: "action", help: "receive")
        package var action: String
        @Option(name: "port", help: "the port to listen on, on 127.0.0.1 (default 19001)")
        package var port: Int?
        @Option(name: "secret", help: "the subscription's whsec_ secret: requests that do not verify are answered 401")
        package var secret: String?
        @Option(name: "fail-every", help: "answer 500 to every Nth request (retries in a fault check)")
        package var failEvery: Int?
    }

    package var help: String { "Webhook tools: `tongban webhooks receive --port 19001 --secret whsec_…` (a verifying receiver)." }

    package func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "receive" else {
            context.console.error("unknown action \(signature.action): only receive")
            throw ExitCode(2)
        }
        let secret = try signature.secret.map { text -> WebhookSecret in
            do { return try WebhookSecret(serialized: text) } catch {
                context.console.error("--secret: not a whsec_ secret")
                throw ExitCode(2)
            }
        }
        let receiver = try await Application.make(.custom(name: "receiver"))
        receiver.logger.logLevel = .warning
        receiver.http.server.configuration.hostname = "127.0.0.1"
        receiver.http.server.configuration.port = signature.port ?? 19_001
        let tally = ReceiverTally(secret: secret, failEvery: signature.failEvery ?? 0)
        receiver.on(.POST, "**", body: .collect(maxSize: "1mb")) { req -> Response in
            let body = req.body.data.map { Data($0.readableBytesView) } ?? Data()
            let status = tally.receive(
                id: req.headers.first(name: "webhook-id"), timestamp: req.headers.first(name: "webhook-timestamp"),
                signature: req.headers.first(name: "webhook-signature"), body: body, at: Date())
            return Response(status: status)
        }
        receiver.get("stats") { _ -> Response in
            let response = Response(status: .ok, body: .init(data: tally.statistics()))
            response.headers.contentType = .json
            return response
        }
        try await receiver.server.start(address: nil)
        context.console.print("receiving on http://127.0.0.1:\(receiver.http.server.configuration.port) (stats: GET /stats)")
        await Self.untilSignalled()
        await receiver.server.shutdown()
        try await receiver.asyncShutdown()
    }

    /// Waits for SIGINT or SIGTERM.
    static func untilSignalled() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let fired = NIOLockedValueBox(false)
            var sources: [any DispatchSourceSignal] = []
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    let first = fired.withLockedValue { was in
                        defer { was = true }
                        return !was
                    }
                    if first { done.resume() }
                }
                source.resume()
                sources.append(source)
            }
            Self.keep = sources
        }
    }

    nonisolated(unsafe) private static var keep: [any DispatchSourceSignal] = []
}

/// What the receiver has seen.
final class ReceiverTally: Sendable {
    private struct State {
        var requests = 0
        var seen: Set<String> = []
        var duplicates = 0
        var badSignatures = 0
        var failedOnPurpose = 0
        var outOfOrder = 0
        var lastItem: [String: Int] = [:]
        var latencies: [Double] = []
        var first: Date?
        var last: Date?
    }

    private let state = NIOLockedValueBox(State())
    private let secret: WebhookSecret?
    private let failEvery: Int

    init(secret: WebhookSecret?, failEvery: Int) {
        self.secret = secret
        self.failEvery = failEvery
    }

    func receive(id: String?, timestamp: String?, signature: String?, body: Data, at now: Date) -> HTTPStatus {
        if let secret {
            do {
                try WebhookSignature.verify(id: id, timestamp: timestamp, signatures: signature, body: body, secrets: [secret], now: now)
            } catch {
                state.withLockedValue { $0.badSignatures += 1 }
                return .unauthorized
            }
        }
        let message = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let data = message?["data"] as? [String: Any]
        let created = (message?["timestamp"] as? String).flatMap {
            try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0)
        }
        return state.withLockedValue { state -> HTTPStatus in
            state.requests += 1
            if failEvery > 0, state.requests % failEvery == 0 {
                state.failedOnPurpose += 1
                return .internalServerError
            }
            guard let id, state.seen.insert(id).inserted else {
                state.duplicates += 1
                return .noContent
            }
            if let subject = data?["application"] as? String, let item = (data?["item"] as? String).flatMap({ Int($0) }) {
                if let previous = state.lastItem[subject], previous > item { state.outOfOrder += 1 }
                state.lastItem[subject] = max(item, state.lastItem[subject] ?? item)
            }
            if let created { state.latencies.append(now.timeIntervalSince(created) * 1000) }
            state.first = state.first ?? now
            state.last = now
            return .noContent
        }
    }

    func statistics() -> Data {
        let state = state.withLockedValue { $0 }
        let sorted = state.latencies.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        let figures: [String: Any] = [
            "requests": state.requests, "distinct": state.seen.count, "duplicates": state.duplicates,
            "badSignatures": state.badSignatures, "failedOnPurpose": state.failedOnPurpose, "outOfOrder": state.outOfOrder,
            "latencyP50Ms": percentile(0.5), "latencyP99Ms": percentile(0.99), "latencyMaxMs": sorted.last ?? 0,
            "first": state.first?.timeIntervalSince1970 ?? 0, "last": state.last?.timeIntervalSince1970 ?? 0,
        ]
        return (try? JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
