import Foundation
import TongbanCore
import TongbanPlatform

/// What a person is told of an event (`Resources/Templates/messages.json`): per topic, to whom,
/// whether the law requires it (it always reaches the inbox), a link, and the title and body in
/// each language with `{name}` variables from the topic's payload. Checked when loaded: a
/// template naming a topic or a variable that does not exist stops the start, naming it.
package struct MessageTemplates: Sendable {
    package enum Recipient: String, Decodable, Sendable {
        /// The application's applicant (by the payload's application number).
        case applicant
        /// The licence's holder (by the payload's licence identifier).
        case holder
        /// The complaint's sender.
        case sender
        /// The account the payload names (`account`).
        case account
        /// The staff of the departments the event concerns who hold one of `roles`.
        case department
        /// Whoever gave the rating a follow-up is for (by the payload's follow-up id).
        case rater
        /// The supervisors (电子监察) of the event's region, or all of them for an event of no region.
        case supervisors
    }

    package struct Words: Decodable, Sendable {
        package let title: String
        package let body: String
    }

    package struct Template: Sendable {
        package let topic: EventTopic
        package let kind: MessageKind
        package let to: Recipient
        package let roles: [Role]
        package let required: Bool
        package let link: String
        /// The payload field holding when to show it (a reminder), if not at once.
        package let sendAt: String?
        package let words: [Language: Words]
    }

    package struct Problem: Error, CustomStringConvertible {
        package let description: String
    }

    /// Each topic's messages: one per kind of recipient (`case.accept` tells the applicant, and
    /// `case.accept#staff` the reviewers of their new task).
    package let byTopic: [String: [Template]]

    private struct File: Decodable {
        let format: Int
        let messages: [String: Entry]
    }

    private struct Entry: Decodable {
        let kind: MessageKind
        let to: Recipient
        let roles: [Role]?
        let required: Bool
        let link: String
        let sendAt: String?
        let zh: Words
        let en: Words

        enum CodingKeys: String, CodingKey {
            case kind, to, roles, required, link, sendAt
            case zh = "zh-CN"
            case en
        }
    }

    package static func load(_ path: String) throws -> MessageTemplates {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw Problem(description: "\(path): cannot read it") }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw Problem(description: "\(path): not a message template file (\(error))")
        }
        return try check(file.messages, in: path)
    }

    /// Every topic known, every variable a field of its topic, staff recipients with roles.
    private static func check(_ entries: [String: Entry], in path: String) throws -> MessageTemplates {
        var templates: [String: [Template]] = [:]
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let topicName = String(name.prefix { $0 != "#" })
            guard let topic = EventTopic.byName[topicName] else { throw Problem(description: "\(path): \(name): there is no such topic") }
            if entry.to == .department && (entry.roles ?? []).isEmpty {
                throw Problem(description: "\(path): \(name): a department's message names the roles it is for")
            }
            let needed: [Recipient: String] = [
                .applicant: "application", .holder: "license", .sender: "complaint", .account: "account", .rater: "followUp",
            ]
            if let field = needed[entry.to], !topic.fieldNames.contains(field) {
                throw Problem(description: "\(path): \(name): its payload has no \(field) to find the \(entry.to.rawValue) by")
            }
            if let sendAt = entry.sendAt, !topic.fieldNames.contains(sendAt) {
                throw Problem(description: "\(path): \(name): sendAt names {\(sendAt)}, which \(name) does not carry")
            }
            for (language, words) in [("zh-CN", entry.zh), ("en", entry.en)] {
                for text in [words.title, words.body, entry.link] {
                    for variable in variables(in: text) where !topic.fieldNames.contains(variable) {
                        throw Problem(
                            description:
                                "\(path): \(name) (\(language)): unknown variable {\(variable)}; \(name) carries \(topic.fields.map(\.name).joined(separator: ", "))"
                        )
                    }
                }
            }
            templates[topicName, default: []].append(
                Template(
                    topic: topic, kind: entry.kind, to: entry.to, roles: entry.roles ?? [], required: entry.required, link: entry.link,
                    sendAt: entry.sendAt,
                    words: [.zhCN: entry.zh, .en: entry.en]))
        }
        return MessageTemplates(byTopic: templates)
    }

    /// The `{name}` variables of a text.
    package static func variables(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            found.append(String(after[..<close]))
            rest = after[after.index(after: close)...]
        }
        return found
    }

}
