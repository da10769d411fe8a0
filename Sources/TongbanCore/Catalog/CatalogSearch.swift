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

    public init(
        code: String, name: String, subItemName: String?, keywords: [String], departmentName: String, departmentCode: String,
        materials: [String], kind: ItemKind, regionCode: RegionCode, level: RegionLevel, online: Bool,
        promisedDays: Int?, visits: Int, version: Int
    ) {
        self.code = code
        self.name = name
        self.subItemName = subItemName
        self.keywords = keywords
        self.departmentName = departmentName
        self.departmentCode = departmentCode
        self.materials = materials
        self.kind = kind
        self.regionCode = regionCode
        self.level = level
        self.online = online
        self.promisedDays = promisedDays
        self.visits = visits
        self.version = version
    }

    public init(item: ServiceItem, version: Int) {
        self.init(
            code: item.code, name: item.name, subItemName: item.subItemName, keywords: item.keywords,
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

    public init(
        kind: ItemKind? = nil, departmentCode: String? = nil, region: RegionCode? = nil, level: RegionLevel? = nil, onlineOnly: Bool = false
    ) {
        self.kind = kind
        self.departmentCode = departmentCode
        self.region = region
        self.level = level
        self.onlineOnly = onlineOnly
    }
}

public struct SearchResults: Sendable {
    public var total: Int
    public var hits: [SearchDocument]
    public init(total: Int, hits: [SearchDocument]) {
        self.total = total
        self.hits = hits
    }
}

/// Chinese full-text search over the catalog, held in memory.
///
/// Chinese has no spaces between words, so the index keeps every character, every pair and every
/// run of three neighbouring characters of each field. A term of one to three characters is one
/// lookup; a longer term intersects its trigrams' postings and then checks that the term really
/// occurs in the document. Terms separated by spaces must all match.
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
    /// The normalised UTF-8 text of each document's own fields (name, code, sub-item), end to
    /// end, and where each starts (`document × 3 + field`, one past the end last).
    let textBytes: [UInt8]
    let fieldStarts: [Int]
    static let textFields = 3
    /// Keywords, department names and material names repeat across thousands of items, so each
    /// distinct one is kept once (`phrases`) and documents refer to them: checking a longer term
    /// scans the distinct phrases once per search, not every document's materials.
    let phrases: [[UInt8]]
    let phraseRefs: [UInt32]
    /// Where each document's keywords, department and materials start in `phraseRefs`
    /// (`document × 3 + field − 3`, one past the end last).
    let phraseStarts: [Int]
    /// gram → postings, each `document index << 8 | field mask`, in document order.
    let postings: [UInt64: [UInt32]]
    let regionNumbers: [UInt64]
    let nameLengths: [UInt16]
    /// Each normalised name as Unicode scalar values, for the exact and leading-match bonus.
    let nameScalars: [[UInt32]]

    public var count: Int { documents.count }
    /// Every indexed document, in index (code) order.
    public var allDocuments: [SearchDocument] { documents }

    public init(documents: [SearchDocument]) {
        self.documents = documents
        var textBytes: [UInt8] = []
        var fieldStarts: [Int] = []
        fieldStarts.reserveCapacity(documents.count * Self.textFields + 1)
        var phrases: [[UInt8]] = []
        var phraseIDs: [String: UInt32] = [:]
        var phraseRefs: [UInt32] = []
        var phraseStarts: [Int] = []
        phraseStarts.reserveCapacity(documents.count * 3 + 1)
        var nameScalars: [[UInt32]] = []
        nameScalars.reserveCapacity(documents.count)
        var postings: [UInt64: [UInt32]] = [:]
        var grams: [UInt64: UInt8] = [:]
        for (index, doc) in documents.enumerated() {
            let own = [doc.name, doc.code, doc.subItemName ?? ""].map(Self.normalise)
            let shared = [doc.keywords, [doc.departmentName], doc.materials].map { $0.map(Self.normalise).filter { !$0.isEmpty } }
            for field in own {
                fieldStarts.append(textBytes.count)
                textBytes.append(contentsOf: field.utf8)
            }
            for list in shared {
                phraseStarts.append(phraseRefs.count)
                for phrase in list {
                    if let id = phraseIDs[phrase] {
                        phraseRefs.append(id)
                        continue
                    }
                    let id = UInt32(phrases.count)
                    phraseIDs[phrase] = id
                    phrases.append(Array(phrase.utf8))
                    phraseRefs.append(id)
                }
            }
            nameScalars.append(own[0].unicodeScalars.map(\.value))
            grams.removeAll(keepingCapacity: true)
            for (f, text) in (own + shared.map { $0.joined(separator: "\t") }).enumerated() {
                let bit = UInt8(1 << f)
                Self.forEachGram(in: text) { grams[$0, default: 0] |= bit }
            }
            let docBits = UInt32(index) << 8
            for (gram, mask) in grams { postings[gram, default: []].append(docBits | UInt32(mask)) }
        }
        fieldStarts.append(textBytes.count)
        phraseStarts.append(phraseRefs.count)
        self.textBytes = textBytes
        self.fieldStarts = fieldStarts
        self.phrases = phrases
        self.phraseRefs = phraseRefs
        self.phraseStarts = phraseStarts
        self.nameScalars = nameScalars
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

    /// Calls `body` with each character (`a << 32`), each neighbouring pair (`a << 32 | b`) and
    /// each run of three (`1 << 63 | a << 42 | b << 21 | c`; scalars fit in 21 bits).
    static func forEachGram(in text: String, _ body: (UInt64) -> Void) {
        var previous: UInt32 = 0
        var beforePrevious: UInt32 = 0
        for scalar in text.unicodeScalars {
            if isSeparator(scalar) {
                previous = 0
                beforePrevious = 0
                continue
            }
            let value = scalar.value
            body(UInt64(value) << 32)
            if previous != 0 { body(UInt64(previous) << 32 | UInt64(value)) }
            if beforePrevious != 0 { body(trigram(beforePrevious, previous, value)) }
            beforePrevious = previous
            previous = value
        }
    }

    static func trigram(_ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt64 {
        1 << 63 | UInt64(a) << 42 | UInt64(b) << 21 | UInt64(c)
    }

    /// The documents matching every term of `query` and the filter, best first. An empty query
    /// lists the filtered documents in index order.
    public func search(_ query: String, filter: SearchFilter = SearchFilter(), offset: Int = 0, limit: Int = 20) -> SearchResults {
        let terms = Self.normalise(query).unicodeScalars.split(whereSeparator: Self.isSeparator).map { $0.map(\.value) }
        let want = max(0, offset) + max(0, limit)
        var top = TopK(capacity: want)
        var total = 0
        let check = PreparedFilter(filter)
        if terms.isEmpty {
            for index in documents.indices where check.isEmpty || passes(index, check) {
                total += 1
                top.offer(score: Int.max - index, index: index)
            }
        } else if terms.count == 1 {
            let term = terms[0]
            forEachMatch(term) { index, mask in
                guard check.isEmpty || passes(index, check) else { return }
                total += 1
                top.offer(score: score(index, mask, term) << 10 | (1023 - Int(nameLengths[index])), index: index)
            }
        } else {
            var scores: [Int: Int]? = nil
            for term in terms {
                var next: [Int: Int] = [:]
                forEachMatch(term) { index, mask in
                    if let previous = scores {
                        guard let s = previous[index] else { return }
                        next[index] = s + score(index, mask, term)
                    } else {
                        next[index] = score(index, mask, term)
                    }
                }
                scores = next
                if next.isEmpty { break }
            }
            for (index, score) in scores ?? [:] where check.isEmpty || passes(index, check) {
                total += 1
                top.offer(score: score << 10 | (1023 - Int(nameLengths[index])), index: index)
            }
        }
        let ranked = top.sorted()
        let page = ranked.count > offset ? Array(ranked[max(0, offset)...]) : []
        return SearchResults(total: total, hits: page.map { documents[$0] })
    }

    /// A filter with its region turned into a range of twelve-digit codes once per search.
    struct PreparedFilter {
        let filter: SearchFilter
        let regionRange: ClosedRange<UInt64>?
        let isEmpty: Bool

        init(_ filter: SearchFilter) {
            self.filter = filter
            regionRange = filter.region.map { region in
                let prefix = region.significantPrefix
                return UInt64(prefix + String(repeating: "0", count: 12 - prefix.count))!...UInt64(
                    prefix + String(repeating: "9", count: 12 - prefix.count))!
            }
            isEmpty = filter == SearchFilter()
        }
    }

    func passes(_ index: Int, _ check: PreparedFilter) -> Bool {
        let doc = documents[index]
        let filter = check.filter
        if let kind = filter.kind, doc.kind != kind { return false }
        if let level = filter.level, doc.level != level { return false }
        if filter.onlineOnly, !doc.online { return false }
        if let department = filter.departmentCode, doc.departmentCode != department, doc.departmentName != department { return false }
        if let range = check.regionRange, !range.contains(regionNumbers[index]) { return false }
        return true
    }

    /// Field weights summed for every combination of fields.
    static let maskWeights: [Int] = (0..<256).map { mask in Field.all.reduce(0) { mask & Int($1.0.rawValue) != 0 ? $0 + $1.1 : $0 } }

    func score(_ index: Int, _ mask: UInt8, _ term: [UInt32]) -> Int {
        var score = Self.maskWeights[Int(mask)]
        if mask & Field.name.rawValue != 0 {
            let name = nameScalars[index]
            if name.count >= term.count, name.prefix(term.count).elementsEqual(term) {
                score += name.count == term.count ? 200 : 50
            }
        }
        return score
    }

    /// Calls `body` with each document holding `term` and the fields that hold it, in document
    /// order, without building a list for the common one- and two-character terms.
    func forEachMatch(_ term: [UInt32], _ body: (Int, UInt8) -> Void) {
        if term.count == 1 {
            for posting in postings[UInt64(term[0]) << 32] ?? [] { body(Int(posting >> 8), UInt8(posting & 0xFF)) }
            return
        }
        // Two characters: one bigram. Three: one trigram, exact. Longer: the trigrams, which
        // together nearly always mean the term; the text is checked below to make sure.
        var lists: [[UInt32]] = []
        if term.count == 2 {
            guard let list = postings[UInt64(term[0]) << 32 | UInt64(term[1])] else { return }
            lists.append(list)
        } else {
            for i in 2..<term.count {
                guard let list = postings[Self.trigram(term[i - 2], term[i - 1], term[i])] else { return }
                lists.append(list)
            }
        }
        lists.sort { $0.count < $1.count }
        if term.count <= 3 {
            for posting in lists[0] { body(Int(posting >> 8), UInt8(posting & 0xFF)) }
            return
        }
        var current = lists[0]
        for other in lists.dropFirst() {
            current = Self.intersect(current, other)
            if current.isEmpty { return }
        }
        // Trigrams apart in a field do not make the term; check that it occurs: in the document's
        // own text, or among the distinct phrases it refers to (checked once, here).
        let needle = Array(String(String.UnicodeScalarView(term.compactMap(Unicode.Scalar.init))).utf8)
        var phraseHolds = [Bool](repeating: false, count: phrases.count)
        for (id, phrase) in phrases.enumerated() where phrase.count >= needle.count {
            phraseHolds[id] = phrase.withUnsafeBufferPointer { Self.contains($0, from: 0, to: phrase.count, needle) }
        }
        textBytes.withUnsafeBufferPointer { bytes in
            for posting in current {
                let index = Int(posting >> 8)
                var mask: UInt8 = 0
                for f in 0..<Self.textFields where posting & UInt32(1 << f) != 0 {
                    let slot = index * Self.textFields + f
                    if Self.contains(bytes, from: fieldStarts[slot], to: fieldStarts[slot + 1], needle) { mask |= UInt8(1 << f) }
                }
                for f in Self.textFields..<(Self.textFields + 3) where posting & UInt32(1 << f) != 0 {
                    let slot = index * 3 + f - Self.textFields
                    if phraseRefs[phraseStarts[slot]..<phraseStarts[slot + 1]].contains(where: { phraseHolds[Int($0)] }) {
                        mask |= UInt8(1 << f)
                    }
                }
                if mask != 0 { body(index, mask) }
            }
        }
    }

    /// Whether `bytes[start..<end]` holds `needle` (at least two bytes). It compares two bytes
    /// at a time before the rest: Chinese characters share few lead bytes in UTF-8, so a one-byte
    /// first check would match almost everywhere. UTF-8 is self-synchronising, so a byte match is
    /// a character match.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, _ needle: [UInt8]) -> Bool {
        guard needle.count >= 2, end - start >= needle.count, let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let head = UInt16(needle[0]) | UInt16(needle[1]) << 8
        var i = start
        let last = end - needle.count
        while i <= last {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt16.self).littleEndian == head {
                var j = 2
                while j < needle.count, base[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Postings of documents in both lists, with the fields that hold both grams.
    static func intersect(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(min(a.count, b.count))
        var i = 0
        var j = 0
        while i < a.count, j < b.count {
            let da = a[i] >> 8
            let db = b[j] >> 8
            if da == db {
                let mask = a[i] & b[j] & 0xFF
                if mask != 0 { result.append(da << 8 | mask) }
                i += 1
                j += 1
            } else if da < db {
                i += 1
            } else {
                j += 1
            }
        }
        return result
    }
}

/// The best `capacity` (score, index) pairs seen, without sorting everything.
struct TopK {
    let capacity: Int
    private var entries: [(score: Int, index: Int)] = []

    init(capacity: Int) {
        self.capacity = capacity
        entries.reserveCapacity(capacity)
    }

    mutating func offer(score: Int, index: Int) {
        guard capacity > 0 else { return }
        if entries.count == capacity {
            guard let last = entries.last, Self.before((score, index), last) else { return }
            entries.removeLast()
        }
        var low = 0
        var high = entries.count
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
