/// The documents of a search index, kept as columns instead of a hundred thousand structs of
/// strings: what a result line shows is rebuilt for the twenty hits of a page, not held for every
/// item. Keywords, department names and material names repeat across thousands of items, so
/// each distinct one is kept once and documents refer to it by number.
struct SearchDocumentColumns: Sendable {
    /// The lists each document refers to, in the order of `phraseStarts`.
    enum List: Int, CaseIterable {
        case keywords, department, materials
    }

    /// What a document carries besides text, in sixteen bytes.
    struct Facts: Sendable {
        var kind: UInt8
        var level: UInt8
        var online: Bool
        var nameLength: UInt16
        var promisedDays: Int32
        var visits: Int32
        var version: Int32
    }

    static let ownFields = 3
    /// Name, code and sub-item of each document as given (`document × 3 + field`).
    let own: PackedStrings
    /// The same normalised (lower case, half-width), for matching.
    let ownText: PackedStrings
    /// Distinct keywords, department names and material names as given, and normalised.
    let phrases: PackedStrings
    let phraseText: PackedStrings
    let phraseRefs: [UInt32]
    /// Where each document's lists start in `phraseRefs` (`document × 3 + list`; one past the end last).
    let phraseStarts: [UInt32]
    let departmentCodes: PackedStrings
    let departmentCodeRefs: [UInt32]
    let regions: [RegionCode]
    let regionRefs: [UInt32]
    /// Each document's region as a twelve-digit number, for the region filter's range.
    let regionNumbers: [UInt64]
    let facts: [Facts]

    var count: Int { facts.count }

    init(documents: [SearchDocument], normalise: (String) -> String) {
        var own = PackedStrings()
        var ownText = PackedStrings()
        var phrases = DistinctStrings()
        var phraseText = PackedStrings()
        var phraseRefs: [UInt32] = []
        var phraseStarts: [UInt32] = []
        phraseStarts.reserveCapacity(documents.count * List.allCases.count + 1)
        var departmentCodes = DistinctStrings()
        var regions: [RegionCode] = []
        var regionIDs: [RegionCode: UInt32] = [:]
        var facts: [Facts] = []
        facts.reserveCapacity(documents.count)
        for doc in documents {
            for field in [doc.name, doc.code, doc.subItemName ?? ""] {
                own.append(field)
                ownText.append(normalise(field))
            }
            for list in [doc.keywords, [doc.departmentName].filter { !$0.isEmpty }, doc.materials] {
                phraseStarts.append(UInt32(phraseRefs.count))
                for phrase in list {
                    let (id, isNew) = phrases.number(of: phrase)
                    if isNew { phraseText.append(normalise(phrase)) }
                    phraseRefs.append(id)
                }
            }
            departmentCodes.refer(to: doc.departmentCode)
            if regionIDs[doc.regionCode] == nil {
                regionIDs[doc.regionCode] = UInt32(regions.count)
                regions.append(doc.regionCode)
            }
            facts.append(Facts(doc))
        }
        phraseStarts.append(UInt32(phraseRefs.count))
        self.own = own
        self.ownText = ownText
        self.phrases = phrases.packed
        self.phraseText = phraseText
        self.phraseRefs = phraseRefs
        self.phraseStarts = phraseStarts
        self.departmentCodes = departmentCodes.packed
        self.departmentCodeRefs = departmentCodes.refs
        self.regions = regions
        self.regionRefs = documents.map { regionIDs[$0.regionCode]! }
        self.regionNumbers = documents.map { UInt64($0.regionCode.twelveDigits) ?? 0 }
        self.facts = facts
    }

    func document(_ index: Int) -> SearchDocument {
        let fact = facts[index]
        let subItem = own.string(index * Self.ownFields + 2)
        return SearchDocument(
            code: own.string(index * Self.ownFields + 1), name: own.string(index * Self.ownFields),
            subItemName: subItem.isEmpty ? nil : subItem,
            keywords: phraseList(index, .keywords), departmentName: phraseList(index, .department).first ?? "",
            departmentCode: departmentCodes.string(Int(departmentCodeRefs[index])), materials: phraseList(index, .materials),
            kind: ItemKind.allCases[Int(fact.kind)], regionCode: regions[Int(regionRefs[index])],
            level: RegionLevel.allCases[Int(fact.level)],
            online: fact.online, promisedDays: fact.promisedDays < 0 ? nil : Int(fact.promisedDays), visits: Int(fact.visits),
            version: Int(fact.version))
    }

    func phraseRange(_ index: Int, _ list: List) -> Range<Int> {
        let slot = index * List.allCases.count + list.rawValue
        return Int(phraseStarts[slot])..<Int(phraseStarts[slot + 1])
    }

    private func phraseList(_ index: Int, _ list: List) -> [String] {
        phraseRefs[phraseRange(index, list)].map { phrases.string(Int($0)) }
    }
}

extension SearchDocumentColumns.Facts {
    init(_ doc: SearchDocument) {
        self.init(
            kind: UInt8(ItemKind.allCases.firstIndex(of: doc.kind)!), level: UInt8(RegionLevel.allCases.firstIndex(of: doc.level)!),
            online: doc.online, nameLength: UInt16(min(doc.name.count, 1023)), promisedDays: Int32(clamping: doc.promisedDays ?? -1),
            visits: Int32(clamping: doc.visits), version: Int32(clamping: doc.version))
    }
}

/// Builds a table of distinct strings and, for each string referred to, its number in it.
struct DistinctStrings {
    private(set) var packed = PackedStrings()
    private(set) var refs: [UInt32] = []
    private var numbers: [String: UInt32] = [:]

    /// The string's number, and whether it was new.
    mutating func number(of text: String) -> (UInt32, Bool) {
        if let known = numbers[text] { return (known, false) }
        let number = UInt32(packed.append(text))
        numbers[text] = number
        return (number, true)
    }

    mutating func refer(to text: String) {
        refs.append(number(of: text).0)
    }
}
