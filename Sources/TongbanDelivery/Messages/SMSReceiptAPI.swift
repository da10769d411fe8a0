import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `POST /api/v1/sms/receipts`: the SMS gateway's delivery receipts, signed as its requests are
/// (Standard Webhooks headers, v1 under `TONGBAN_SMS_KEY`). A receipt moves a message's status
/// only forward; one for a message not yet recorded as handed over gets 404, and the gateway
/// tries again.
package struct SMSReceiptAPI {
    package init() {}

    package func register(_ api: any RoutesBuilder) {
        api.post("sms", "receipts", use: receive)
    }

    package struct Receipt: Content {
        /// The gateway's id of the message, as it answered when it took it.
        package let id: String
        /// `sent`, `delivered` or `failed`.
        package let status: String
        package let error: String?
    }

    func receive(req: Request) async throws -> HTTPStatus {
        guard let raw = req.application.tongban.smsKey, let key = try? WebhookSecret(serialized: raw) else {
            throw TongbanError.notFound("sms gateway")
        }
        let body = req.body.data.map { Data($0.readableBytesView) } ?? Data()
        do {
            try WebhookSignature.verify(
                id: req.headers.first(name: "webhook-id"), timestamp: req.headers.first(name: "webhook-timestamp"),
                signatures: req.headers.first(name: "webhook-signature"), body: body, secrets: [key], now: Date())
        } catch {
            throw TongbanError(status: .unauthorized, code: "auth.signatureInvalid")
        }
        let receipt = try req.content.decode(Receipt.self)
        guard let status = SendStatus(rawValue: receipt.status), status != .queued else {
            throw TongbanError.invalid(field: "status", "error.sendStatus.unknown")
        }
        let found = try await MessageDispatcher.receipt(
            reference: receipt.id, status: status, error: receipt.error, on: req.db, now: req.context.now)
        guard found else { throw TongbanError(status: .notFound, code: "error.smsReceipt.unknown") }
        return .noContent
    }
}
