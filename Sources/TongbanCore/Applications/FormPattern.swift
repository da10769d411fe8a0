/// A form field's validation pattern, matched against a whole answer in time linear in the
/// answer's length, whatever the pattern (a Thompson NFA simulated in lock-step, as RE2 does):
/// `(a|aa)+` against two thousand `a`s and a `b` is two thousand steps, not 2²⁰⁰⁰. A catalog
/// admin's pattern can therefore never stall a server thread.
///
/// The syntax is the part of ICU's (NSRegularExpression's) that a form needs, with ICU's meaning:
/// literals and escaped punctuation, `.`, classes `[a-z\d×]` and `[^…]`, `\d \w \s` and their
/// negations, `\uXXXX`, `\t \n \r`, groups `(…)`, `(?:…)`, `(?<name>…)`, alternation, `* + ? {n}
/// {n,} {n,m}` (lazy forms accepted: they change nothing for a whole match), and `^ $`.
/// Back-references, look-around, possessive quantifiers, flags, nested classes and Unicode
/// properties are refused at publication, so what is published is what is matched.
public struct FormPattern: Sendable {
    public enum Problem: Error, Equatable, Sendable {
        /// Not a regular expression at all (an unclosed group, a quantifier with nothing before it).
        case syntax
        /// A feature outside the supported part (back-references, look-around, …).
        case unsupported
        /// Longer than `maxLength`, or counted repetitions expanding past `maxStates`.
        case tooLarge
    }

    public static let maxLength = 200
    public static let maxStates = 2_000
    static let maxCount = 1_000

    let program: [Instruction]

    public init(_ pattern: String) throws(Problem) {
        guard pattern.count <= Self.maxLength else { throw .tooLarge }
        var parser = PatternParser(Array(pattern.unicodeScalars))
        let tree = try parser.parseWhole()
        var compiler = PatternCompiler()
        try compiler.emit(tree)
        compiler.program.append(.match)
        program = compiler.program
    }

    /// Whether the whole of `text` matches (as `^(?:pattern)$` would).
    public func matchesWhole(_ text: String) -> Bool {
        let input = Array(text.unicodeScalars)
        var current = ThreadList(capacity: program.count)
        var next = ThreadList(capacity: program.count)
        add(0, at: 0, length: input.count, to: &current)
        for (position, scalar) in input.enumerated() {
            if current.isEmpty { return false }
            next.clear()
            for pc in current.states {
                if case .consume(let set) = program[pc], set.contains(scalar) {
                    add(pc + 1, at: position + 1, length: input.count, to: &next)
                }
            }
            swap(&current, &next)
        }
        return current.states.contains { program[$0] == .match }
    }

    /// Follows every jump, split and assertion from `start`, adding the states that consume or match.
    private func add(_ start: Int, at position: Int, length: Int, to list: inout ThreadList) {
        var pending = [start]
        while let pc = pending.popLast() {
            guard list.mark(pc) else { continue }
            switch program[pc] {
            case .consume, .match:
                list.states.append(pc)
            case .jump(let target):
                pending.append(target)
            case .split(let first, let second):
                pending.append(second)
                pending.append(first)
            case .assertStart:
                if position == 0 { pending.append(pc + 1) }
            case .assertEnd:
                if position == length { pending.append(pc + 1) }
            }
        }
    }
}

enum Instruction: Equatable, Sendable {
    case consume(ScalarSet)
    case split(Int, Int)
    case jump(Int)
    case assertStart
    case assertEnd
    case match
}

/// The states reached at one position, each once.
struct ThreadList {
    var states: [Int] = []
    private var seen: [Bool]
    private var marked: [Int] = []

    init(capacity: Int) { seen = Array(repeating: false, count: capacity) }

    var isEmpty: Bool { states.isEmpty }

    mutating func mark(_ pc: Int) -> Bool {
        if seen[pc] { return false }
        seen[pc] = true
        marked.append(pc)
        return true
    }

    mutating func clear() {
        for pc in marked { seen[pc] = false }
        marked.removeAll(keepingCapacity: true)
        states.removeAll(keepingCapacity: true)
    }
}

/// A set of Unicode scalars as ICU's classes define them.
struct ScalarSet: Equatable, Sendable {
    enum Item: Equatable, Sendable {
        case range(UInt32, UInt32)
        case digit(negated: Bool)
        case word(negated: Bool)
        case space(negated: Bool)
        /// `.`: anything but a line terminator.
        case notLineTerminator
    }

    var items: [Item]
    var negated = false

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        items.contains { Self.item($0, contains: scalar) } != negated
    }

    static func item(_ item: Item, contains scalar: Unicode.Scalar) -> Bool {
        switch item {
        case .range(let low, let high):
            return (low...high).contains(scalar.value)
        case .digit(let negated):
            return (scalar.properties.generalCategory == .decimalNumber) != negated
        case .word(let negated):
            return isWord(scalar) != negated
        case .space(let negated):
            return isSpace(scalar) != negated
        case .notLineTerminator:
            return !["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar)
        }
    }

    /// ICU's `\w`: alphabetic, marks, decimal digits, connector punctuation, ZWNJ and ZWJ.
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .decimalNumber, .connectorPunctuation, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return properties.isAlphabetic || scalar == "\u{200C}" || scalar == "\u{200D}"
        }
    }

    /// ICU's `\s`: `[\t\n\f\r\p{Z}]`.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\u{0C}", "\r":
            return true
        default:
            switch scalar.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }
}

indirect enum PatternNode: Equatable {
    case set(ScalarSet)
    case sequence([PatternNode])
    case choice([PatternNode])
    case repeated(PatternNode, min: Int, max: Int?)
    case start
    case end
}

/// Lays a tree out as instructions, counting states as it goes so that `a{1000}{1000}` stops early.
struct PatternCompiler {
    var program: [Instruction] = []

    mutating func emit(_ node: PatternNode) throws(FormPattern.Problem) {
        guard program.count < FormPattern.maxStates else { throw .tooLarge }
        switch node {
        case .set(let set):
            program.append(.consume(set))
        case .start:
            program.append(.assertStart)
        case .end:
            program.append(.assertEnd)
        case .sequence(let parts):
            for part in parts { try emit(part) }
        case .choice(let options):
            try emitChoice(options[...])
        case .repeated(let inner, let min, let max):
            for _ in 0..<min { try emit(inner) }
            if let max {
                try emitOptional(inner, times: max - min)
            } else {
                try emitStar(inner)
            }
        }
    }

    private mutating func emitChoice(_ options: ArraySlice<PatternNode>) throws(FormPattern.Problem) {
        guard let first = options.first else { return }
        guard options.count > 1 else { return try emit(first) }
        let split = program.count
        program.append(.split(split + 1, -1))
        try emit(first)
        let jump = program.count
        program.append(.jump(-1))
        program[split] = .split(split + 1, program.count)
        try emitChoice(options.dropFirst())
        program[jump] = .jump(program.count)
    }

    /// `x?` nested `times` deep: `(x(x(x)?)?)?`.
    private mutating func emitOptional(_ inner: PatternNode, times: Int) throws(FormPattern.Problem) {
        var splits: [Int] = []
        for _ in 0..<times {
            guard program.count < FormPattern.maxStates else { throw .tooLarge }
            splits.append(program.count)
            program.append(.split(program.count + 1, -1))
            try emit(inner)
        }
        for split in splits { program[split] = .split(split + 1, program.count) }
    }

    private mutating func emitStar(_ inner: PatternNode) throws(FormPattern.Problem) {
        let split = program.count
        program.append(.split(split + 1, -1))
        try emit(inner)
        program.append(.jump(split))
        program[split] = .split(split + 1, program.count)
    }
}
