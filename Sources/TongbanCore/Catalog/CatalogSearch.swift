/// What search knows of one published item: the text it matches and what a result line shows.
public struct SearchDocument: Sendable, Equatable {
    public var code: String
    public var name: String
    public var subItemName: String?
    public var keywords: [String]
    public var departmentName: String
    public var departmentCode: String
    public var materials: [String]
    public var kind: ItemKind
    public var regionCode: RegionCode
    public var level: RegionLevel
    public var online: Bool
    public var promisedDays: Int?
    public var visits: Int
    public var version: Int

    public init(code: String, name: String, subItemName: String?, keywords: [String], departmentName: String, departmentCode: String,
                materials: [String], kind: ItemKind, regionCode: RegionCode, level: RegionLevel, online: Bool,
                promisedDays: Int?, visits: Int, version: Int) {
        self.code = code; self.name = name; self.subItemName = subItemName; self.keywords = keywords
        self.departmentName = departmentName; self.departmentCode = departmentCode; self.materials = materials
        self.kind = kind; self.regionCode = regionCode; self.level = level; self.online = online
        self.promisedDays = promisedDays; self.visits = visits; self.version = version
    }

    public init(item: ServiceItem, version: Int) {
        self.init(code: item.code, name: item.name, subItemName: item.subItemName, keywords: item.keywords,
                  departmentName: item.department.name, departmentCode: item.department.code,
                  materials: item.materials.map(\.name), kind: item.kind, regionCode: item.regionCode, level: item.level,
                  online: item.isOnline, promisedDays: item.promisedDays ?? item.statutoryDays, visits: item.visits.count, version: version)
    }
}

public struct SearchFilter: Sendable, Equatable {
    public var kind: ItemKind?
    /// A department's code, or its name (one name may carry several codes in imported lists).
    public var departmentCode: String?
    /// The region and everything inside it.
    public var region: RegionCode?
    public var level: RegionLevel?
    public var onlineOnly: Bool

    public init(kind: ItemKind? = nil, departmentCode: String? = nil, region: RegionCode? = nil, level: RegionLevel? = nil, onlineOnly: Bool = false) {
        self.kind = kind; self.departmentCode = departmentCode; self.region = region; self.level = level; self.onlineOnly = onlineOnly
    }
}

public struct SearchResults: Sendable {
    public var total: Int
    public var hits: [SearchDocument]
    public init(total: Int, hits: [SearchDocument]) { self.total = total; self.hits = hits }
}

/// Chinese full-text search over the catalog, held in memory.
///
/// Chinese has no spaces between words, so the index keeps every character (for one-character
/// queries) and every pair of neighbouring characters (bigrams) of each field. A query term of
/// two characters is one bigram lookup; a longer term intersects its bigrams' postings and then
/// checks that the term really occurs in the document. Terms separated by spaces must all match.
/// Each posting carries which fields hold the gram, so ranking needs no second pass: a match in
/// the name weighs most, then the code, sub-item, keywords, department and materials; an exact
/// or leading match in the name adds a bonus; shorter names win ties.
public final class CatalogSearchIndex: Sendable {
    struct Field: OptionSet, Sendable {
        let rawValue: UInt8
        static let name = Field(rawValue: 1)
        static let code = Field(rawValue: 2)
        static let subItem = Field(rawValue: 4)
        static let keywords = Field(rawValue: 8)
        static let department = Field(rawValue: 16)
        static let materials = Field(rawValue: 32)
        static let all: [(Field, Int)] = [(.name, 100), (.code, 80), (.subItem, 60), (.keywords, 50), (.department, 20), (.materials, 10)]
    }

    let documents: [SearchDocument]
    /// Normalised text of each field of each document, for checking longer terms.
    let texts: [[String]]
    /// gram → postings, each `document index << 8 | field mask`, in document order.
    let postings: [UInt64: [UInt32]]
    let regionNumbers: [UInt64]
    let nameLengths: [UInt16]

    public var count: Int { documents.count }
    /// Every indexed document, in index (code) order.
    public var allDocuments: [SearchDocument] { documents }

    public init(documents: [SearchDocument]) {
        self.documents = documents
        var texts: [[String]] = []
        texts.reserveCapacity(documents.count)
        var postings: [UInt64: [UInt32]] = [:]
        var grams: [UInt64: UInt8] = [:]
        for (index, doc) in documents.enumerated() {
            let fields = [doc.name, doc.code, doc.subItemName ?? "", doc.keywords.joined(separator: " "),
                          doc.departmentName, doc.materials.joined(separator: " ")].map(Self.normalise)
            texts.append(fields)
            grams.removeAll(keepingCapacity: true)
            for (f, text) in fields.enumerated() {
                let bit = UInt8(1 << f)
                Self.forEachGram(in: text) { grams[$0, default: 0] |= bit }
            }
            let docBits = UInt32(index) << 8
            for (gram, mask) in grams { postings[gram, default: []].append(docBits | UInt32(mask)) }
        }
        self.texts = texts
        self.postings = postings
        regionNumbers = documents.map { UInt64($0.regionCode.twelveDigits) ?? 0 }
        nameLengths = documents.map { UInt16(min($0.name.count, 1023)) }
    }

    /// Lower case, full-width letters and digits made half-width, so `ＩＣＰ` finds `icp`.
    static func normalise(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if (0xFF01...0xFF5E).contains(scalar.value), let half = Unicode.Scalar(scalar.value - 0xFEE0) {
                scalars.append(contentsOf: String(half).lowercased().unicodeScalars)
            } else if scalar.value == 0x3000 {
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    static func isSeparator(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    /// Calls `body` with each character (`scalar << 32`) and each neighbouring pair (`a << 32 | b`).
    static func forEachGram(in text: String, _ body: (UInt64) -> Void) {
        var previous: UInt32 = 0
        for scalar in text.unicodeScalars {
            if isSeparator(scalar) { previous = 0; continue }
            let value = scalar.value
            body(UInt64(value) << 32)
            if previous != 0 { body(UInt64(previous) << 32 | UInt64(value)) }
            previous = value
        }
    }

    /// The documents matching every term of `query` and the filter, best first. An empty query
    /// lists the filtered documents in index order.
    public func search(_ query: String, filter: SearchFilter = SearchFilter(), offset: Int = 0, limit: Int = 20) -> SearchResults {
        let terms = Self.normalise(query).unicodeScalars.split(whereSeparator: Self.isSeparator).map { Array($0) }
        let want = max(0, offset) + max(0, limit)
        var top = TopK(capacity: want)
        var total = 0
        if terms.isEmpty {
            for index in documents.indices where passes(index, filter) {
                total += 1
                top.offer(score: Int.max - index, index: index)
            }
        } else if terms.count == 1 {
            for (index, mask) in match(terms[0]) where passes(index, filter) {
                total += 1
                top.offer(score: score(index, mask, terms[0]) << 10 | (1023 - Int(nameLengths[index])), index: index)
            }
        } else {
            var scores: [Int: Int]? = nil
            for term in terms {
                let matches = match(term)
                var next: [Int: Int] = [:]
                next.reserveCapacity(matches.count)
                for (index, mask) in matches {
                    if let previous = scores { guard let s = previous[index] else { continue }; next[index] = s + score(index, mask, term) }
                    else { next[index] = score(index, mask, term) }
                }
                scores = next
                if next.isEmpty { break }
            }
            for (index, score) in scores ?? [:] where passes(index, filter) {
                total += 1
                top.offer(score: score << 10 | (1023 - Int(nameLengths[index])), index: index)
            }
        }
        let ranked = top.sorted()
        let page = ranked.count > offset ? Array(ranked[max(0, offset)...]) : []
        return SearchResults(total: total, hits: page.map { documents[$0] })
    }

    func passes(_ index: Int, _ filter: SearchFilter) -> Bool {
        let doc = documents[index]
        if let kind = filter.kind, doc.kind != kind { return false }
        if let level = filter.level, doc.level != level { return false }
        if filter.onlineOnly, !doc.online { return false }
        if let department = filter.departmentCode, doc.departmentCode != department, doc.departmentName != department { return false }
        if let region = filter.region {
            let prefix = region.significantPrefix
            let low = UInt64(prefix + String(repeating: "0", count: 12 - prefix.count))!
            let high = UInt64(prefix + String(repeating: "9", count: 12 - prefix.count))!
            if !(low...high).contains(regionNumbers[index]) { return false }
        }
        return true
    }

    func score(_ index: Int, _ mask: UInt8, _ term: [Unicode.Scalar]) -> Int {
        var score = 0
        for (field, weight) in Field.all where mask & field.rawValue != 0 { score += weight }
        if mask & Field.name.rawValue != 0 {
            let name = texts[index][0]
            if name.unicodeScalars.count == term.count { score += 200 }
            else if name.unicodeScalars.starts(with: term) { score += 50 }
        }
        return score
    }

    /// Documents holding `term`, with the fields that hold it.
    func match(_ term: [Unicode.Scalar]) -> [(Int, UInt8)] {
        if term.count == 1 {
            return (postings[UInt64(term[0].value) << 32] ?? []).map { (Int($0 >> 8), UInt8($0 & 0xFF)) }
        }
        var lists: [[UInt32]] = []
        for i in 1..<term.count {
            guard let list = postings[UInt64(term[i - 1].value) << 32 | UInt64(term[i].value)] else { return [] }
            lists.append(list)
        }
        lists.sort { $0.count < $1.count }
        var current = lists[0]
        for other in lists.dropFirst() {
            current = Self.intersect(current, other)
            if current.isEmpty { return [] }
        }
        guard term.count > 2 else { return current.map { (Int($0 >> 8), UInt8($0 & 0xFF)) } }
        // Bigrams anywhere in a field do not make the term; check that it occurs.
        let needle = String(String.UnicodeScalarView(term))
        var verified: [(Int, UInt8)] = []
        for posting in current {
            let index = Int(posting >> 8)
            var mask: UInt8 = 0
            for (f, text) in texts[index].enumerated() where posting & UInt32(1 << f) != 0 && text.contains(needle) {
                mask |= UInt8(1 << f)
            }
            if mask != 0 { verified.append((index, mask)) }
        }
        return verified
    }

    /// Postings of documents in both lists, with the fields that hold both grams.
    static func intersect(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(min(a.count, b.count))
        var i = 0, j = 0
        while i < a.count, j < b.count {
            let da = a[i] >> 8, db = b[j] >> 8
            if da == db {
                let mask = a[i] & b[j] & 0xFF
                if mask != 0 { result.append(da << 8 | mask) }
                i += 1; j += 1
            } else if da < db { i += 1 } else { j += 1 }
        }
        return result
    }
}

/// The best `capacity` (score, index) pairs seen, without sorting everything.
struct TopK {
    let capacity: Int
    private var entries: [(score: Int, index: Int)] = []

    init(capacity: Int) { self.capacity = capacity; entries.reserveCapacity(capacity) }

    mutating func offer(score: Int, index: Int) {
        guard capacity > 0 else { return }
        if entries.count == capacity {
            guard let last = entries.last, Self.before((score, index), last) else { return }
            entries.removeLast()
        }
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if Self.before(entries[mid], (score, index)) { low = mid + 1 } else { high = mid }
        }
        entries.insert((score, index), at: low)
    }

    static func before(_ a: (score: Int, index: Int), _ b: (score: Int, index: Int)) -> Bool {
        a.score != b.score ? a.score > b.score : a.index < b.index
    }

    func sorted() -> [Int] { entries.map(\.index) }
}
