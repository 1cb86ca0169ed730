/// What a vocabulary entry is, as GGUF's `tokenizer.ggml.token_type` numbers it.
public enum TokenKind: Int32, Sendable, CaseIterable {
    /// A piece of text the BPE merges can make.
    case normal = 1
    /// The unknown token.
    case unknown = 2
    /// A control token (`<|im_start|>`, `<|endoftext|>`): matched in text only when asked to parse special tokens.
    case control = 3
    /// A token a user added: always matched in text, as llama.cpp and Hugging Face's non-special added tokens are.
    case userDefined = 4
    /// A reserved slot no text maps to.
    case unused = 5
    /// A byte token (`<0x41>`) of SentencePiece vocabularies.
    case byte = 6

    /// Whether the token has a meaning of its own rather than being a piece of text.
    var isSpecial: Bool { self == .control || self == .userDefined || self == .unknown }
}
