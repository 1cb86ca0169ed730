/// Byte-level tokenizer: a token id is a UTF-8 byte, plus a few special tokens on byte values UTF-8 never uses.
///
/// The bytes 0xF5–0xFF can never appear in valid UTF-8, and Swift strings are always valid UTF-8, so special
/// tokens placed there coexist with every text inside the reference's vocabulary of 256 (and the presets keep its
/// parameter count). Encoding text never produces a special token, even if the text spells one out, unless asked
/// to with `parsingSpecialTokens`; callers insert them explicitly, e.g.
/// `Tokenizer.encode(prompt) + [SpecialToken.assistant.id]`.
public enum Tokenizer {
    /// A token with a meaning of its own rather than a byte of text.
    public enum SpecialToken: Int32, CaseIterable, Sendable {
        /// Marks the start of a system message.
        case system = 0xF5
        /// Marks the start of a user message.
        case user = 0xF6
        /// Marks the start of an assistant (model) message.
        case assistant = 0xF7
        /// Marks the start of a tool result.
        case tool = 0xF8
        /// Ends a message or document; generation usually stops on it.
        case endOfText = 0xFF

        /// The token id.
        public var id: Int32 { rawValue }

        /// How ``Tokenizer/decode(_:)`` writes the token, e.g. `<|endoftext|>`.
        public var text: String {
            switch self {
            case .system: "<|system|>"
            case .user: "<|user|>"
            case .assistant: "<|assistant|>"
            case .tool: "<|tool|>"
            case .endOfText: "<|endoftext|>"
            }
        }
    }

    /// The token ids of `text`: its UTF-8 bytes, with the spelled-out names of special tokens
    /// (``SpecialToken/text``) turned into those tokens when `parsingSpecialTokens` is true.
    ///
    /// `decode(encode(s)) == s` for every string; with `parsingSpecialTokens`, `encode(decode(t)) == t` for every
    /// token list whose byte runs are valid UTF-8.
    public static func encode(_ text: String, parsingSpecialTokens: Bool = false) -> [Int32] {
        let bytes = Array(text.utf8)
        guard parsingSpecialTokens else { return bytes.map { Int32($0) } }
        let specials = SpecialToken.allCases.map { (Array($0.text.utf8), $0.id) }
        var tokens: [Int32] = []
        tokens.reserveCapacity(bytes.count)
        var i = 0
        outer: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<") {
                for (pattern, id) in specials where bytes[i...].starts(with: pattern) {
                    tokens.append(id)
                    i += pattern.count
                    continue outer
                }
            }
            tokens.append(Int32(bytes[i]))
            i += 1
        }
        return tokens
    }

    /// The text of `tokens`: runs of byte tokens decoded as UTF-8 (invalid sequences, which a model can emit,
    /// become U+FFFD), special tokens written as their ``SpecialToken/text``.
    public static func decode(_ tokens: [Int32]) -> String {
        var text = ""
        var run: [UInt8] = []
        for token in tokens {
            if let special = SpecialToken(rawValue: token) {
                text += String(decoding: run, as: UTF8.self)
                run.removeAll(keepingCapacity: true)
                text += special.text
            } else {
                run.append(UInt8(truncatingIfNeeded: token))
            }
        }
        return text + String(decoding: run, as: UTF8.self)
    }
}
