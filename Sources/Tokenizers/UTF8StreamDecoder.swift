/// Turns the bytes of tokens, arriving one token at a time, into text that never ends in half a character.
///
/// A token can end inside a UTF-8 sequence (byte-level BPE splits rare characters and emoji into byte tokens), so
/// the decoder holds an incomplete sequence at the end until the bytes that complete it arrive. Bytes that can
/// never become valid UTF-8 become U+FFFD as soon as that is certain, one per maximal ill-formed subpart (the
/// Unicode Standard's practice, which `String(decoding:as:)` follows too), and ``finish()`` turns a sequence still
/// incomplete at the end into one U+FFFD. So the concatenated outputs always equal
/// `String(decoding: allBytes, as: UTF8.self)`.
public struct UTF8StreamDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// The text that `bytes` complete, holding back an incomplete sequence at the end.
    public mutating func push(_ bytes: some Sequence<UInt8>) -> String {
        pending.append(contentsOf: bytes)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < pending.count {
            switch Self.sequence(in: pending, at: index) {
            case .scalar(let scalar, let length):
                output.append(scalar)
                index += length
            case .invalid(let length):
                output.append("\u{FFFD}")
                index += length
            case .incomplete:
                pending.removeFirst(index)
                return String(output)
            }
        }
        pending.removeAll(keepingCapacity: true)
        return String(output)
    }

    /// The text of a token's bytes (see ``push(_:)``).
    ///
    /// - Throws: ``TokenizerError/unknownTokenID(_:vocabularySize:)`` for an id the tokenizer does not have.
    public mutating func push(
        token id: Int32, of tokenizer: some TextTokenizer, skippingSpecialTokens: Bool = false
    ) throws(TokenizerError) -> String {
        guard let bytes = tokenizer.tokenBytes(id) else {
            throw .unknownTokenID(id, vocabularySize: tokenizer.vocabularySize)
        }
        if skippingSpecialTokens, tokenizer.isSpecial(id) { return "" }
        return push(bytes)
    }

    /// Whether bytes of an incomplete character are held.
    public var isHoldingBytes: Bool { !pending.isEmpty }

    /// Ends the stream: U+FFFD for an incomplete sequence still held, else nothing.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : "\u{FFFD}"
    }

    private enum Step {
        case scalar(Unicode.Scalar, length: Int)
        case invalid(length: Int)
        case incomplete
    }

    /// The sequence at `index`, by the Unicode Standard's table of well-formed UTF-8 byte sequences.
    private static func sequence(in bytes: [UInt8], at index: Int) -> Step {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x00...0x7F: return .scalar(Unicode.Scalar(lead), length: 1)
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return .invalid(length: 1)
        }
        var value = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            guard index + offset < bytes.count else { return .incomplete }
            let byte = bytes[index + offset]
            guard (offset == 1 ? secondRange : 0x80...0xBF).contains(byte) else { return .invalid(length: offset) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return .scalar(Unicode.Scalar(value)!, length: length)
    }
}
