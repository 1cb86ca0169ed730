/// How a text is cut into pieces before the BPE merges run inside each piece (merges never cross pieces).
///
/// Each is a regular-expression split in llama.cpp (`src/llama-vocab.cpp`) and in Hugging Face `tokenizers`; here
/// each is a hand-written scanner over Unicode scalars that makes the same pieces (the golden tests check them
/// against `tokenizers` on the same corpus).
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2's split: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// SmolLM's (and StarCoder's): every number scalar (`\p{N}`) a piece of its own, then GPT-2's split on the text
    /// between them. In `tokenizers` this is `Digits(individual_digits: true)` then `ByteLevel`; in llama.cpp the
    /// regexes `\p{N}` then GPT-2's.
    case smollm
    /// Llama 3's split: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|`
    /// `\s*[\r\n]+|\s+(?!\S)|\s+`.
    case llama3 = "llama-bpe"

    /// The pre-tokenizer GGUF's `tokenizer.ggml.pre` names.
    ///
    /// - Throws: ``TokenizerError/unsupportedPreTokenizer(_:)`` naming one this package does not implement.
    public init(ggufName name: String) throws(TokenizerError) {
        switch name {
        case "gpt2", "default": self = .gpt2
        case "smollm": self = .smollm
        case "llama-bpe", "llama3": self = .llama3
        default: throw .unsupportedPreTokenizer(name)
        }
    }

    /// The pieces of `text` as ranges of scalar indices, in order, covering it all.
    func split(_ text: ClassifiedText) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(text.scalars.count / 3 + 1)
        split(text, from: 0, to: text.scalars.count, into: &pieces)
        return pieces
    }

    /// Appends the pieces of `text[start..<end]` (a part of a larger text, which no lookahead crosses).
    func split(_ text: ClassifiedText, from start: Int, to end: Int, into pieces: inout [Range<Int>]) {
        switch self {
        case .gpt2:
            GPT2Split.split(text, from: start, to: end, into: &pieces)
        case .llama3:
            Llama3Split.split(text, from: start, to: end, into: &pieces)
        case .smollm:
            var runStart = start
            for index in start..<end where text.classes[index] == .number {
                if runStart < index { GPT2Split.split(text, from: runStart, to: index, into: &pieces) }
                pieces.append(index..<index + 1)
                runStart = index + 1
            }
            if runStart < end { GPT2Split.split(text, from: runStart, to: end, into: &pieces) }
        }
    }
}
