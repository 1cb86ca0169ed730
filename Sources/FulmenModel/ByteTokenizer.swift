public import Tokenizers

/// The GPT's byte-level ``Tokenizer`` as a `TextTokenizer`, so that code serving either model family holds one kind
/// of tokenizer: a token is a UTF-8 byte, and the special tokens (on bytes UTF-8 never uses) are written as their
/// names. There is no BOS; `<|endoftext|>` ends a document and a reply.
public struct ByteTokenizer: TextTokenizer {
    public init() {}

    public var vocabularySize: Int { 256 }

    public var specialTokens: [String: Int32] {
        Dictionary(uniqueKeysWithValues: Tokenizer.SpecialToken.allCases.map { ($0.text, $0.id) })
    }

    public var bosTokenID: Int32? { nil }

    public var eosTokenID: Int32? { Tokenizer.SpecialToken.endOfText.id }

    public var addsBOS: Bool { false }

    public var stopTokenIDs: Set<Int32> { [Tokenizer.SpecialToken.endOfText.id] }

    public func encode(_ text: String, parsingSpecialTokens: Bool) -> [Int32] {
        Tokenizer.encode(text, parsingSpecialTokens: parsingSpecialTokens)
    }

    public func tokenBytes(_ id: Int32) -> ArraySlice<UInt8>? {
        guard id >= 0, id < 256 else { return nil }
        if let special = Tokenizer.SpecialToken(rawValue: id) { return ArraySlice(special.text.utf8) }
        return [UInt8(id)]
    }

    public func isSpecial(_ id: Int32) -> Bool { Tokenizer.SpecialToken(rawValue: id) != nil }
}
