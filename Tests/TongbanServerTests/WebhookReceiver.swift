import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A real HTTP receiver on a loopback port for the webhook tests: it keeps every request it is
/// sent and answers what the test tells it to.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let path: String
        let id: String
        let timestamp: String
        let signature: String
        let body: Data

        var type: String? { (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["type"] as? String }
        var data: [String: String] {
            ((try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: String]) ?? [:]
        }
    }

    private let app: Application
    let port: Int
    private let store = NIOLockedValueBox<[Received]>([])
    private let answer = NIOLockedValueBox<@Sendable (Received) -> HTTPStatus>({ _ in .noContent })
    /// A JSON body to answer with (an SMS gateway's `{"id": …}`), if any.
    private let answerBody = NIOLockedValueBox<@Sendable (Received) -> String?>({ _ in nil })

    private init(app: Application, port: Int) {
        self.app = app
        self.port = port
    }

    static func start() async throws -> WebhookReceiver {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .error
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        let box = NIOLockedValueBox<WebhookReceiver?>(nil)
        app.on(.POST, "**", body: .collect(maxSize: "1mb")) { req -> Response in
            let received = Received(
                path: req.url.path, id: req.headers.first(name: "webhook-id") ?? "",
                timestamp: req.headers.first(name: "webhook-timestamp") ?? "",
                signature: req.headers.first(name: "webhook-signature") ?? "",
                body: req.body.data.map { Data($0.readableBytesView) } ?? Data())
            guard let receiver = box.withLockedValue({ $0 }) else { return Response(status: .serviceUnavailable) }
            receiver.store.withLockedValue { $0.append(received) }
            let status = receiver.answer.withLockedValue { $0 }(received)
            guard let body = receiver.answerBody.withLockedValue({ $0 })(received) else { return Response(status: status) }
            return Response(status: status, headers: ["content-type": "application/json"], body: .init(string: body))
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let receiver = WebhookReceiver(app: app, port: port)
        box.withLockedValue { $0 = receiver }
        return receiver
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// What it answers from now on.
    func answer(_ decide: @escaping @Sendable (Received) -> HTTPStatus) { answer.withLockedValue { $0 = decide } }

    /// The JSON body it answers with from now on.
    func answerJSON(_ body: @escaping @Sendable (Received) -> String?) { answerBody.withLockedValue { $0 = body } }

    var received: [Received] { store.withLockedValue { $0 } }

    func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}
