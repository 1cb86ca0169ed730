/// The classes of Unicode scalar that the pre-tokenizers' regular expressions tell apart: letters (`\p{L}`),
/// numbers (`\p{N}`), whitespace (`\s`: the Unicode White_Space property, as Oniguruma reads `\s` for Hugging Face
/// `tokenizers` and as llama.cpp's tables do), and everything else (punctuation, symbols, marks, controls,
/// format characters, unassigned scalars).
enum ScalarClass: UInt8, Sendable {
    case letter
    case number
    case whitespace
    case other

    /// The class of `scalar`, from the standard library's Unicode data (ASCII from a table).
    init(_ scalar: Unicode.Scalar) {
        if scalar.value < 128 {
            self = Self.ascii[Int(scalar.value)]
            return
        }
        let properties = scalar.properties
        if properties.isWhitespace {
            self = .whitespace
            return
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        default:
            self = .other
        }
    }

    private static let ascii: [ScalarClass] = (0..<128).map { value -> ScalarClass in
        switch UInt8(value) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): .letter
        case UInt8(ascii: "0")...UInt8(ascii: "9"): .number
        case 0x09...0x0D, 0x20: .whitespace
        default: .other
        }
    }
}

/// A text as the pre-tokenizers scan it: its scalars and their classes, indexed alike, and where each scalar's
/// UTF-8 bytes start.
struct ClassifiedText {
    let scalars: [Unicode.Scalar]
    let classes: [ScalarClass]
    /// The UTF-8 offset of each scalar, and the total length at the end (`scalars.count + 1` entries).
    let utf8Offsets: [Int]

    init(_ text: some StringProtocol) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.utf8.count)
        var classes: [ScalarClass] = []
        classes.reserveCapacity(text.utf8.count)
        var offsets: [Int] = [0]
        offsets.reserveCapacity(text.utf8.count + 1)
        var offset = 0
        for scalar in text.unicodeScalars {
            scalars.append(scalar)
            classes.append(ScalarClass(scalar))
            offset += UTF8.width(scalar)
            offsets.append(offset)
        }
        self.scalars = scalars
        self.classes = classes
        self.utf8Offsets = offsets
    }

    /// The end of the run of scalars of class `kind` that starts at `start`, not beyond `end`.
    func runEnd(of kind: ScalarClass, from start: Int, to end: Int) -> Int {
        var index = start
        while index < end, classes[index] == kind { index += 1 }
        return index
    }

    /// Whether the scalar at `index` is the ASCII character `character`.
    func isASCII(_ index: Int, _ character: Unicode.Scalar) -> Bool { scalars[index] == character }
}
