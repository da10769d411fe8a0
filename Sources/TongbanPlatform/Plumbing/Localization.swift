import Foundation
import TongbanCore
import Vapor

/// The languages of the interface; zh-CN first.
package enum Language: String, CaseIterable, Sendable {
    case zhCN = "zh-CN"
    case en

    package init?(tag: String) {
        let lower = tag.lowercased()
        if lower.hasPrefix("zh") { self = .zhCN } else if lower.hasPrefix("en") { self = .en } else { return nil }
    }

    package var htmlTag: String { rawValue }
}

/// Message tables read from `Resources/Localization/<language>.json` once at start.
package struct Localizer: Sendable {
    package let tables: [Language: [String: String]]
    package let templateTables: [Language: [String: String]]

    package init(tables: [Language: [String: String]]) {
        self.tables = tables
        templateTables = tables.mapValues { table in
            Dictionary(
                uniqueKeysWithValues: table.map {
                    ($0.key.replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_"), $0.value)
                })
        }
    }

    package static func load(from directory: String) throws -> Localizer {
        var tables: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let url = URL(fileURLWithPath: directory).appendingPathComponent("\(language.rawValue).json")
            tables[language] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
        }
        return Localizer(tables: tables)
    }

    /// The message for `key` with `{name}` placeholders filled in; falls back to zh-CN, then the key.
    package func text(_ key: String, _ language: Language, _ arguments: [String: String] = [:]) -> String {
        Placeholders.fill(tables[language]?[key] ?? tables[.zhCN]?[key] ?? key, arguments)
    }

    /// The table for templates: Leaf reads `page.t.home_title`, so dots and dashes become `_`.
    package func table(_ language: Language) -> [String: String] { templateTables[language] ?? [:] }
}

extension Application {
    package struct LocalizerKey: StorageKey { package typealias Value = Localizer }
    package var localizer: Localizer {
        get { storage[LocalizerKey.self]! }
        set { storage[LocalizerKey.self] = newValue }
    }
}

extension Request {
    /// `?lang=` wins, then the `lang` cookie set by the language switch, then Accept-Language.
    package var language: Language {
        if let cached = storage[LanguageKey.self] { return cached }
        let chosen =
            query[String.self, at: "lang"].flatMap(Language.init(tag:))
            ?? cookies["lang"].flatMap { Language(tag: $0.string) }
            ?? headers[.acceptLanguage].first.flatMap(Self.preferred(from:))
            ?? .zhCN
        storage[LanguageKey.self] = chosen
        return chosen
    }

    private struct LanguageKey: StorageKey { typealias Value = Language }

    /// The first supported language of an Accept-Language list, by quality.
    package static func preferred(from header: String) -> Language? {
        let ranked = header.split(separator: ",").compactMap { part -> (String, Double)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, !tag.isEmpty else { return nil }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (tag, q)
        }
        return ranked.sorted { $0.1 > $1.1 }.lazy.compactMap { Language(tag: $0.0) }.first
    }

    package func t(_ key: String, _ arguments: [String: String] = [:]) -> String {
        application.localizer.text(key, language, arguments)
    }
}

/// The reader's language with the message tables: what a use case that answers in words (a
/// view of materials, a verdict) is given instead of a request.
package struct Wording: Sendable {
    package let localizer: Localizer
    package let language: Language

    package var english: Bool { language == .en }

    package func t(_ key: String, _ arguments: [String: String] = [:]) -> String {
        localizer.text(key, language, arguments)
    }
}

extension Request {
    package var wording: Wording { Wording(localizer: application.localizer, language: language) }
}
