/// What every model's tokenizer offers the rest of Fulmen: text to token ids and back, the special tokens, and
/// the ids that start a sequence and end a reply.
///
/// Encoding never adds a BOS or EOS token by itself: a caller that wants one asks for it (``encode(_:parsingSpecialTokens:addingBOS:)``
/// adds ``bosTokenID`` when ``addsBOS`` says the model expects it), because a chat template may already write the
/// BOS as text and a second one would change what the model sees. The GPT's byte tokenizer can conform too: its
/// token bytes are the byte itself, and its special tokens have their names as text.
public protocol TextTokenizer: Sendable {
    /// How many token ids there are (ids are `0..<vocabularySize`).
    var vocabularySize: Int { get }

    /// Tokens with a meaning of their own (control and user-defined tokens), by their text.
    var specialTokens: [String: Int32] { get }

    /// The token that starts a sequence, if the model has one.
    var bosTokenID: Int32? { get }

    /// The token that ends a document (the model's EOS), if it has one.
    var eosTokenID: Int32? { get }

    /// Whether the model expects ``bosTokenID`` in front of a raw-text prompt.
    var addsBOS: Bool { get }

    /// The tokens on which generation stops: the EOS and the end-of-turn tokens the vocabulary has.
    var stopTokenIDs: Set<Int32> { get }

    /// The token ids of `text`. Spelled-out special tokens (e.g. `<|im_end|>`) become those tokens only when
    /// `parsingSpecialTokens` is true; otherwise they are tokenized as the text they are.
    func encode(_ text: String, parsingSpecialTokens: Bool) -> [Int32]

    /// The bytes a token stands for (a special token's are its UTF-8 text), or nil for an id out of range.
    func tokenBytes(_ id: Int32) -> ArraySlice<UInt8>?

    /// Whether `id` is a special (control or user-defined) token.
    func isSpecial(_ id: Int32) -> Bool
}

extension TextTokenizer {
    /// The token ids of `text`, with ``bosTokenID`` in front when `addingBOS` is true and ``addsBOS`` says the model
    /// expects one (a model without a BOS token gets none).
    public func encode(_ text: String, parsingSpecialTokens: Bool, addingBOS: Bool) -> [Int32] {
        let ids = encode(text, parsingSpecialTokens: parsingSpecialTokens)
        guard addingBOS, addsBOS, let bos = bosTokenID else { return ids }
        return [bos] + ids
    }

    /// The text of `ids`, special tokens written as their text unless `skippingSpecialTokens`. Bytes that are not
    /// valid UTF-8 become U+FFFD, as ``UTF8StreamDecoder`` makes them.
    ///
    /// - Throws: ``TokenizerError/unknownTokenID(_:vocabularySize:)`` for an id out of range.
    public func decode(_ ids: [Int32], skippingSpecialTokens: Bool = false) throws(TokenizerError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            guard let piece = tokenBytes(id) else {
                throw .unknownTokenID(id, vocabularySize: vocabularySize)
            }
            if skippingSpecialTokens, isSpecial(id) { continue }
            bytes.append(contentsOf: piece)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
