/// Chinese full-text search over the catalog, held in memory.
///
/// Chinese has no spaces between words, so the index keeps every character, every pair and every
/// run of three neighbouring characters of each item's name, code and sub-item. A term of one to
/// three characters is one lookup; a longer term intersects its trigrams' postings and then checks
/// that the term really occurs in the document. Terms separated by spaces must all match.
/// Keywords, department names and material names repeat across thousands of items, so the same
/// grams are kept for each distinct phrase, and a phrase's documents are found from the phrase:
/// a hundred thousand items' materials cost their distinct phrases, not every item's characters.
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

    typealias List = SearchDocumentColumns.List
    let columns: SearchDocumentColumns
    /// gram → the documents whose name, code or sub-item hold it, each `document << 3 | fields`.
    let ownPostings: PackedPostings
    /// gram → the distinct phrases holding it.
    let phrasePostings: PackedPostings
    /// phrase → the documents referring to it, each `document << 2 | list`.
    let phraseDocuments: PackedPostings

    public var count: Int { columns.count }
    /// Bytes held by the postings, for the benchmark's account of memory.
    public var postingBytes: Int { ownPostings.byteCount + phrasePostings.byteCount + phraseDocuments.byteCount }

    public init(documents: [SearchDocument]) {
        let columns = SearchDocumentColumns(documents: documents, normalise: Self.normalise)
        self.columns = columns
        var own = PackedPostings.Builder()
        var grams: [UInt64: UInt8] = [:]
        for index in 0..<columns.count {
            grams.removeAll(keepingCapacity: true)
            for field in 0..<SearchDocumentColumns.ownFields {
                let bit = UInt8(1 << field)
                Self.forEachGram(in: columns.ownText.string(index * SearchDocumentColumns.ownFields + field)) {
                    grams[$0, default: 0] |= bit
                }
            }
            for (gram, fields) in grams { own.append(UInt32(index) << 3 | UInt32(fields), to: gram) }
        }
        ownPostings = own.build()
        var phraseGrams = PackedPostings.Builder()
        var seen: Set<UInt64> = []
        for phrase in 0..<columns.phraseText.count {
            seen.removeAll(keepingCapacity: true)
            Self.forEachGram(in: columns.phraseText.string(phrase)) { seen.insert($0) }
            for gram in seen { phraseGrams.append(UInt32(phrase), to: gram) }
        }
        phrasePostings = phraseGrams.build()
        var referrers = PackedPostings.Builder()
        for index in 0..<columns.count {
            for list in List.allCases {
                for phrase in columns.phraseRefs[columns.phraseRange(index, list)] {
                    referrers.append(UInt32(index) << 2 | UInt32(list.rawValue), to: UInt64(phrase))
                }
            }
        }
        phraseDocuments = referrers.build()
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

    /// The one gram that is a term of one to three characters.
    static func gram(_ term: [UInt32]) -> UInt64 {
        switch term.count {
        case 1: UInt64(term[0]) << 32
        case 2: UInt64(term[0]) << 32 | UInt64(term[1])
        default: trigram(term[0], term[1], term[2])
        }
    }

    /// The documents matching every term of `query` and the filter, best first. An empty query
    /// lists the filtered documents in index order.
    public func search(_ query: String, filter: SearchFilter = SearchFilter(), offset: Int = 0, limit: Int = 20) -> SearchResults {
        let terms = Self.normalise(query).unicodeScalars.split(whereSeparator: Self.isSeparator).map { Term(scalars: $0.map(\.value)) }
        let want = max(0, offset) + max(0, limit)
        var top = TopK(capacity: want)
        var total = 0
        let check = PreparedFilter(filter)
        if terms.isEmpty {
            for index in 0..<count where check.isEmpty || passes(index, check) {
                total += 1
                top.offer(score: Int.max - index, index: index)
            }
        } else if terms.count == 1 {
            let term = terms[0]
            forEachMatch(term) { index, mask in
                guard check.isEmpty || passes(index, check) else { return }
                total += 1
                top.offer(score: score(index, mask, term) << 10 | (1023 - Int(columns.facts[index].nameLength)), index: index)
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
                top.offer(score: score << 10 | (1023 - Int(columns.facts[index].nameLength)), index: index)
            }
        }
        let ranked = top.sorted()
        let page = ranked.count > offset ? Array(ranked[max(0, offset)...]) : []
        return SearchResults(total: total, hits: page.map { columns.document($0) })
    }

    /// One term of a query, as scalars (for the grams) and as UTF-8 (for comparing text).
    struct Term {
        let scalars: [UInt32]
        let utf8: [UInt8]

        init(scalars: [UInt32]) {
            self.scalars = scalars
            utf8 = Array(String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init))).utf8)
        }
    }

    /// A filter with its region turned into a range of twelve-digit codes once per search.
    struct PreparedFilter {
        let filter: SearchFilter
        let regionRange: ClosedRange<UInt64>?
        /// `offeredIn`: the codes of the regions inside it, and those of the regions above it.
        let offeredRange: ClosedRange<UInt64>?
        let offeredAbove: Set<UInt64>
        let kind: UInt8?
        let level: UInt8?
        let department: [UInt8]?
        let isEmpty: Bool

        init(_ filter: SearchFilter) {
            self.filter = filter
            regionRange = filter.region.map(Self.range)
            offeredRange = filter.offeredIn.map(Self.range)
            offeredAbove = Set(filter.offeredIn.map { ServiceArea.lineage($0).dropFirst().compactMap { UInt64($0.twelveDigits) } } ?? [])
            kind = filter.kind.map { UInt8(ItemKind.allCases.firstIndex(of: $0)!) }
            level = filter.level.map { UInt8(RegionLevel.allCases.firstIndex(of: $0)!) }
            department = filter.departmentCode.map { Array($0.utf8) }
            isEmpty = filter == SearchFilter()
        }

        /// The twelve-digit codes of a region and everything inside it.
        static func range(_ region: RegionCode) -> ClosedRange<UInt64> {
            let prefix = region.significantPrefix
            return UInt64(prefix + String(repeating: "0", count: 12 - prefix.count))!...UInt64(
                prefix + String(repeating: "9", count: 12 - prefix.count))!
        }
    }

    func passes(_ index: Int, _ check: PreparedFilter) -> Bool {
        let facts = columns.facts[index]
        if let kind = check.kind, facts.kind != kind { return false }
        if let level = check.level, facts.level != level { return false }
        if check.filter.onlineOnly, !facts.online { return false }
        if let department = check.department, !holdsDepartment(index, department) { return false }
        if let range = check.regionRange, !range.contains(columns.regionNumbers[index]) { return false }
        if let inside = check.offeredRange {
            let region = columns.regionNumbers[index]
            if !inside.contains(region) && !check.offeredAbove.contains(region) { return false }
        }
        return true
    }

    /// Whether the document's department has this code or this name.
    func holdsDepartment(_ index: Int, _ department: [UInt8]) -> Bool {
        if columns.departmentCodes.equals(Int(columns.departmentCodeRefs[index]), department) { return true }
        return columns.phraseRefs[columns.phraseRange(index, .department)].contains { columns.phrases.equals(Int($0), department) }
    }

    /// Field weights summed for every combination of fields.
    static let maskWeights: [Int] = (0..<256).map { mask in Field.all.reduce(0) { mask & Int($1.0.rawValue) != 0 ? $0 + $1.1 : $0 } }

    func score(_ index: Int, _ mask: UInt8, _ term: Term) -> Int {
        var score = Self.maskWeights[Int(mask)]
        if mask & Field.name.rawValue != 0 {
            let name = index * SearchDocumentColumns.ownFields
            if columns.ownText.hasPrefix(name, term.utf8) {
                score += columns.ownText.range(name).count == term.utf8.count ? 200 : 50
            }
        }
        return score
    }

    /// Calls `body` with each document holding `term` and the fields that hold it, in document
    /// order. When no keyword, department or material holds the term (most name searches), the
    /// documents come straight from the postings, with no list built.
    func forEachMatch(_ term: Term, _ body: (Int, UInt8) -> Void) {
        let phrases = matchingPhrases(term)
        if phrases.isEmpty {
            forEachOwnMatch(term, body)
            return
        }
        var masks = [UInt8](repeating: 0, count: count)
        masks.withUnsafeMutableBufferPointer { masks in
            forEachOwnMatch(term) { index, fields in masks[index] |= fields }
            for phrase in phrases {
                phraseDocuments.forEach(UInt64(phrase)) { masks[Int($0 >> 2)] |= Field.keywords.rawValue << ($0 & 3) }
            }
            for index in 0..<masks.count where masks[index] != 0 { body(index, masks[index]) }
        }
    }

    /// The documents whose name, code or sub-item hold `term`, in document order.
    func forEachOwnMatch(_ term: Term, _ body: (Int, UInt8) -> Void) {
        guard let candidates = candidates(term.scalars, in: ownPostings, shift: 3) else {
            ownPostings.forEach(Self.gram(term.scalars)) { body(Int($0 >> 3), UInt8($0 & 7)) }
            return
        }
        // Trigrams apart in a field do not make the term; check that it occurs.
        for posting in candidates {
            let index = Int(posting >> 3)
            var fields: UInt8 = 0
            for field in 0..<SearchDocumentColumns.ownFields where posting & UInt32(1 << field) != 0 {
                if columns.ownText.contains(index * SearchDocumentColumns.ownFields + field, term.utf8) { fields |= UInt8(1 << field) }
            }
            if fields != 0 { body(index, fields) }
        }
    }

    /// The distinct keywords, department names and material names that hold `term`.
    func matchingPhrases(_ term: Term) -> [UInt32] {
        guard let candidates = candidates(term.scalars, in: phrasePostings, shift: 0) else {
            return phrasePostings.numbers(Self.gram(term.scalars))
        }
        return candidates.filter { columns.phraseText.contains(Int($0), term.utf8) }
    }

    /// For a term of four characters or more: the postings holding all its trigrams, in order, each
    /// with the fields (its low `shift` bits) that hold them all. Nil for a shorter term, which is
    /// one gram and needs no intersection.
    func candidates(_ term: [UInt32], in postings: PackedPostings, shift: UInt32) -> [UInt32]? {
        guard term.count > 3 else { return nil }
        var keys: [UInt64] = []
        for i in 2..<term.count {
            let key = Self.trigram(term[i - 2], term[i - 1], term[i])
            guard postings.contains(key) else { return [] }
            keys.append(key)
        }
        keys.sort { postings.count($0) < postings.count($1) }
        var current = postings.numbers(keys[0])
        for key in keys.dropFirst() {
            current = Self.intersect(current, postings.numbers(key), shift: shift)
            if current.isEmpty { break }
        }
        return current
    }

    /// Postings in both lists (compared above their low `shift` bits), with the fields that hold both.
    static func intersect(_ a: [UInt32], _ b: [UInt32], shift: UInt32) -> [UInt32] {
        let fieldBits: UInt32 = (1 << shift) - 1
        var result: [UInt32] = []
        result.reserveCapacity(min(a.count, b.count))
        var i = 0
        var j = 0
        while i < a.count, j < b.count {
            let da = a[i] >> shift
            let db = b[j] >> shift
            if da == db {
                let fields = a[i] & b[j] & fieldBits
                if fields != 0 || shift == 0 { result.append(da << shift | fields) }
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
