import Fluent
import Foundation
import TongbanCore

/// One message on its way out by e-mail or SMS: the address (encrypted) and the words as they
/// were when the message was written, its status only ever moving forward.
package final class MessageSend: Model, @unchecked Sendable {
    package static let schema = "message_sends"

    @ID(key: .id) package var id: UUID?
    @Field(key: "message_id") package var messageID: UUID
    @Field(key: "account_id") package var accountID: UUID
    @Field(key: "channel") package var channel: String
    @Field(key: "address_cipher") package var addressCipher: String
    @Field(key: "subject") package var subject: String
    @Field(key: "text") package var text: String
    /// Whether `text` is sealed with the key ring (a one-time code is never stored in clear); a
    /// sealed text is erased once the channel has taken it or refused it for good.
    @Field(key: "text_sealed") package var textSealed: Bool
    @Field(key: "status") package var status: String
    @Field(key: "attempts") package var attempts: Int
    @Field(key: "next_attempt_at") package var nextAttemptAt: Date
    @OptionalField(key: "provider_ref") package var providerRef: String?
    @OptionalField(key: "last_error") package var lastError: String?
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "updated_at") package var updatedAt: Date

    package init() {}

    /// The key-ring field a sealed text is encrypted under.
    package static let sealedTextField = "message_text"

    /// An SMS whose words are sealed: the text is kept encrypted until the gateway takes it, then
    /// erased. `id` doubles as its message id (it belongs to no inbox message).
    package static func sealedSMS(id: UUID, accountID: UUID, mobile: String, subject: String, text: String, keys: KeyRing, at now: Date)
        -> MessageSend
    {
        let send = MessageSend()
        send.id = id
        send.messageID = id
        send.accountID = accountID
        send.channel = MessageChannel.sms.rawValue
        send.addressCipher = keys.encrypt(mobile, field: "mobile")
        send.subject = subject
        send.text = keys.encrypt(text, field: sealedTextField)
        send.textSealed = true
        send.status = SendStatus.queued.rawValue
        send.attempts = 0
        send.nextAttemptAt = now
        send.createdAt = now
        send.updatedAt = now
        return send
    }

    package var sendStatus: SendStatus { SendStatus(rawValue: status) ?? .queued }
    package var messageChannel: MessageChannel { MessageChannel(rawValue: channel) ?? .inbox }
}
