/// Reads the supported part of ICU's syntax into a tree (see `FormPattern`); anything else is
/// refused rather than guessed.
struct PatternParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func take() -> Unicode.Scalar? {
        guard let scalar = peek else { return nil }
        index += 1
        return scalar
    }

    mutating func parseWhole() throws(FormPattern.Problem) -> PatternNode {
        let tree = try parseChoice()
        guard index == scalars.count else { throw .syntax }
        return tree
    }

    private mutating func parseChoice() throws(FormPattern.Problem) -> PatternNode {
        var options = [try parseSequence()]
        while peek == "|" {
            index += 1
            options.append(try parseSequence())
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    private mutating func parseSequence() throws(FormPattern.Problem) -> PatternNode {
        var parts: [PatternNode] = []
        while let scalar = peek, scalar != "|", scalar != ")" {
            parts.append(try parseQuantified())
        }
        return parts.count == 1 ? parts[0] : .sequence(parts)
    }

    private mutating func parseQuantified() throws(FormPattern.Problem) -> PatternNode {
        let atom = try parseAtom()
        guard let bounds = try parseQuantifier() else { return atom }
        if atom == .start || atom == .end { throw .unsupported }
        switch peek {
        case "?": index += 1  // lazy: the same whole-match answer
        case "+": throw .unsupported  // possessive: gives up matches a whole match would find
        default: break
        }
        if let next = peek, ["*", "+", "?", "{"].contains(next) { throw .syntax }
        return .repeated(atom, min: bounds.min, max: bounds.max)
    }

    private mutating func parseQuantifier() throws(FormPattern.Problem) -> (min: Int, max: Int?)? {
        switch peek {
        case "*":
            index += 1
            return (0, nil)
        case "+":
            index += 1
            return (1, nil)
        case "?":
            index += 1
            return (0, 1)
        case "{":
            index += 1
            let low = try parseCount()
            var high: Int? = low
            if peek == "," {
                index += 1
                high = peek == "}" ? nil : try parseCount()
            }
            guard take() == "}" else { throw .syntax }
            if let high, high < low { throw .syntax }
            return (low, high)
        default:
            return nil
        }
    }

    private mutating func parseCount() throws(FormPattern.Problem) -> Int {
        var digits = ""
        while let scalar = peek, ("0"..."9").contains(scalar) {
            digits.unicodeScalars.append(scalar)
            index += 1
        }
        guard !digits.isEmpty, digits.count <= 4, let count = Int(digits) else { throw digits.isEmpty ? .syntax : .tooLarge }
        guard count <= FormPattern.maxCount else { throw .tooLarge }
        return count
    }

    private mutating func parseAtom() throws(FormPattern.Problem) -> PatternNode {
        guard let scalar = take() else { throw .syntax }
        switch scalar {
        case "(":
            try parseGroupOpening()
            let inner = try parseChoice()
            guard take() == ")" else { throw .syntax }
            return inner
        case "[":
            return .set(try parseClass())
        case ".":
            return .set(ScalarSet(items: [.notLineTerminator]))
        case "^":
            return .start
        case "$":
            return .end
        case "\\":
            return .set(try parseEscape())
        case "*", "+", "?":
            throw .syntax
        case "{", "}", "]":
            // ICU reads some of these as literals and rejects others; a pattern must escape them
            throw .unsupported
        default:
            return .set(ScalarSet(items: [.range(scalar.value, scalar.value)]))
        }
    }

    /// After `(`: a plain group, `?:`, or `?<name>`; look-around, flags and the rest are refused.
    private mutating func parseGroupOpening() throws(FormPattern.Problem) {
        guard peek == "?" else { return }
        index += 1
        switch take() {
        case ":":
            return
        case "<":
            guard let first = peek, first.properties.isAlphabetic, first.isASCII else { throw .unsupported }
            while let scalar = peek, scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                index += 1
            }
            guard take() == ">" else { throw .syntax }
        default:
            throw .unsupported
        }
    }

    private mutating func parseClass() throws(FormPattern.Problem) -> ScalarSet {
        var set = ScalarSet(items: [])
        if peek == "^" {
            index += 1
            set.negated = true
        }
        var first = true
        while true {
            guard let scalar = take() else { throw .syntax }
            switch scalar {
            case "]" where !first:
                return set
            case "[", "]":
                throw .unsupported  // nested sets and a leading `]` mean different things in ICU's flavours
            case "&" where peek == "&", "-" where !first && peek != "]", "-" where peek == "-":
                throw .unsupported  // ICU's set operators, or a dash whose meaning differs between flavours
            default:
                break
            }
            first = false
            let low: ScalarSet.Item
            if scalar == "\\" {
                let escaped = try parseEscape()
                guard escaped.items.count == 1, !escaped.negated else { throw .syntax }
                low = escaped.items[0]
            } else {
                low = .range(scalar.value, scalar.value)
            }
            guard peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" else {
                set.items.append(low)
                continue
            }
            index += 1
            guard case .range(let from, _) = low, let upper = take() else { throw .syntax }
            let to: UInt32
            if upper == "\\" {
                guard case .range(let value, _) = try parseEscape().items.first else { throw .syntax }
                to = value
            } else if upper == "[" {
                throw .unsupported
            } else {
                to = upper.value
            }
            guard from <= to else { throw .syntax }
            set.items.append(.range(from, to))
        }
    }

    private mutating func parseEscape() throws(FormPattern.Problem) -> ScalarSet {
        guard let scalar = take() else { throw .syntax }
        switch scalar {
        case "d", "D": return ScalarSet(items: [.digit(negated: scalar == "D")])
        case "w", "W": return ScalarSet(items: [.word(negated: scalar == "W")])
        case "s", "S": return ScalarSet(items: [.space(negated: scalar == "S")])
        case "t": return Self.literal("\t")
        case "n": return Self.literal("\n")
        case "r": return Self.literal("\r")
        case "u":
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = take(), let nibble = UInt32(String(digit), radix: 16) else { throw .syntax }
                value = value * 16 + nibble
            }
            guard let decoded = Unicode.Scalar(value) else { throw .syntax }
            return Self.literal(decoded)
        default:
            // escaped punctuation is itself; an escaped letter or digit is a feature not offered here
            guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar), scalar.value > 0x20 else {
                throw .unsupported
            }
            return Self.literal(scalar)
        }
    }

    private static func literal(_ scalar: Unicode.Scalar) -> ScalarSet {
        ScalarSet(items: [.range(scalar.value, scalar.value)])
    }
}
