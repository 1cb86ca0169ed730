import FulmenModel

/// Turns generated token ids into text one token at a time, for streamed replies: a UTF-8 character split
/// over several byte tokens is held back until it is whole, so no delta carries half a character.
struct TokenTextStream {
    private var pending: [UInt8] = []

    /// The text `token` completes (often empty while a character is incomplete).
    mutating func append(_ token: Int32) -> String {
        if Tokenizer.SpecialToken(rawValue: token) != nil {
            return flush() + Tokenizer.decode([token])
        }
        pending.append(UInt8(truncatingIfNeeded: token))
        let whole = pending.count - incompleteTail
        guard whole > 0 else { return "" }
        let text = String(decoding: pending[..<whole], as: UTF8.self)
        pending.removeFirst(whole)
        return text
    }

    /// Whatever is still held back (an incomplete character becomes U+FFFD).
    mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// How many bytes at the end of `pending` begin a character that needs more bytes.
    private var incompleteTail: Int {
        for back in 1...min(3, pending.count) {
            let byte = pending[pending.count - back]
            if byte & 0xC0 == 0x80 { continue }  // a continuation byte: look further back
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            return length > back ? back : 0
        }
        return 0
    }
}
