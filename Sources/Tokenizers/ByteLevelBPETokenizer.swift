/// GPT-2-style byte-level BPE: text is cut into pieces by a ``PreTokenizer``, each piece's UTF-8 bytes become byte
/// tokens, and the vocabulary's ranked merges join them. SmolLM2, Llama 3, Qwen2 and GPT-2 tokenize this way.
///
/// Built from plain values: GGUF's `tokenizer.ggml.*` metadata (``init(tokens:kinds:merges:preTokenizer:bosTokenID:eosTokenID:addsBOS:)``)
/// or a Hugging Face `tokenizer.json` (``init(huggingFaceJSON:config:)``).
///
/// **BOS and EOS.** The ids come from the metadata, and each is checked against the vocabulary: it must be a
/// special token (control, user-defined or unknown), else loading fails naming it. SmolLM2-135M-Instruct's GGUF says
/// BOS = 1 (`<|im_start|>`), EOS = 2 (`<|im_end|>`), `add_bos_token = false`. Rules:
/// - ``encode(_:parsingSpecialTokens:)`` never adds BOS or EOS; `encode(_:parsingSpecialTokens:addingBOS:)` adds
///   the BOS when ``addsBOS`` is true (the metadata's `add_bos_token`; false when absent).
/// - A chat prompt is its template's text encoded with special tokens parsed and no BOS added: a template that
///   wants a BOS writes it (Llama 3's `{{ bos_token }}`, see ``ChatTemplate/rendersBOS``). This is Hugging Face's
///   rule (`apply_chat_template` tokenizes with `add_special_tokens=False`). llama.cpp (`--jinja`) instead strips a
///   leading BOS text from the render when `add_bos_token` is true and then adds the BOS id, so the two differ only
///   for a model with `add_bos_token` true whose template writes no BOS (llama.cpp adds one, Hugging Face does not).
///   SmolLM2's `add_bos_token` is false and its BOS text is `<|im_start|>`: both give a ChatML prompt that starts
///   with the template's own `<|im_start|>` and nothing before it, and so does Fulmen.
/// - Generation stops on any of ``stopTokenIDs``: the EOS and the end-of-turn tokens the vocabulary has
///   (`<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`, `<|end_of_text|>`, `<|eom_id|>`), as llama.cpp's end-of-generation
///   set does. For ChatML the reply's stop token is `<|im_end|>`.
///
/// **Bytes without a token.** A byte whose token the vocabulary lacks (SmolLM2 has none for 0x04, 0x06, 0x13, 0x14,
/// 0x16, 0x1D, 0xC0, 0xC1, 0xF1, 0xF2 and 0xF5–0xFF) is dropped before merging, as `tokenizers` does when the model
/// has no unknown token; such text does not round-trip.
public struct ByteLevelBPETokenizer: TextTokenizer {
    /// Each token's text, in the byte-level alphabet for ordinary tokens.
    public let tokenTexts: [String]
    /// Each token's kind.
    public let tokenKinds: [TokenKind]
    /// How text is cut before merging.
    public let preTokenizer: PreTokenizer
    public let bosTokenID: Int32?
    public let eosTokenID: Int32?
    public let addsBOS: Bool
    public let stopTokenIDs: Set<Int32>
    public let specialTokens: [String: Int32]

    let merges: MergeTable
    /// The token of each byte, or -1.
    let byteTokens: [Int32]
    /// Every token's bytes, one after the other, and where each starts (`count + 1` offsets).
    private let tokenByteStorage: [UInt8]
    private let tokenByteOffsets: [Int32]
    /// All special tokens, and the user-defined ones alone (matched even when special tokens are not parsed).
    let specialMatcher: SpecialTokenMatcher
    let userDefinedMatcher: SpecialTokenMatcher

    /// The texts of end-of-turn tokens that stop generation when the vocabulary has them as special tokens.
    static let endOfTurnTexts = ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>"]

    /// A tokenizer from GGUF's tokenizer metadata: `tokenizer.ggml.tokens`, `.token_type`, `.merges`, `.pre`,
    /// `.bos_token_id`, `.eos_token_id` and `.add_bos_token`.
    ///
    /// - Throws: ``TokenizerError`` naming what is wrong: mismatched counts, an unknown token kind or pre-tokenizer,
    ///   a malformed merge or one of unknown tokens, a BOS/EOS that is not a special token.
    public init(
        tokens: [String], kinds: [Int32], merges: [String], preTokenizer: String, bosTokenID: Int32?,
        eosTokenID: Int32?, addsBOS: Bool
    ) throws(TokenizerError) {
        guard tokens.count == kinds.count else {
            throw .tokenKindCountMismatch(tokens: tokens.count, kinds: kinds.count)
        }
        var tokenKinds: [TokenKind] = []
        tokenKinds.reserveCapacity(kinds.count)
        for (index, raw) in kinds.enumerated() {
            guard let kind = TokenKind(rawValue: raw) else { throw .unknownTokenKind(raw, token: index) }
            tokenKinds.append(kind)
        }
        var pairs: [(Substring, Substring)] = []
        pairs.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw .malformedMerge(merge, rank: rank)
            }
            pairs.append((parts[0], parts[1]))
        }
        try self.init(
            tokens: tokens, kinds: tokenKinds, mergePairs: pairs, preTokenizer: try PreTokenizer(ggufName: preTokenizer),
            bosTokenID: bosTokenID, eosTokenID: eosTokenID, addsBOS: addsBOS)
    }

    init(
        tokens: [String], kinds: [TokenKind], mergePairs: [(Substring, Substring)], preTokenizer: PreTokenizer,
        bosTokenID: Int32?, eosTokenID: Int32?, addsBOS: Bool
    ) throws(TokenizerError) {
        var idOfText: [String: Int32] = [:]
        idOfText.reserveCapacity(tokens.count)
        for (index, text) in tokens.enumerated() {
            if let earlier = idOfText.updateValue(Int32(index), forKey: text) {
                throw .duplicateToken(text, ids: [earlier, Int32(index)])
            }
        }
        self.merges = try MergeTable(pairs: mergePairs, idOfText: idOfText)
        self.tokenTexts = tokens
        self.tokenKinds = kinds
        self.preTokenizer = preTokenizer
        self.addsBOS = addsBOS

        var storage: [UInt8] = []
        storage.reserveCapacity(tokens.count * 8)
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(tokens.count + 1)
        var specials: [(text: String, id: Int32)] = []
        var userDefined: [(text: String, id: Int32)] = []
        for (index, text) in tokens.enumerated() {
            if kinds[index].isSpecial {
                storage.append(contentsOf: text.utf8)
                specials.append((text, Int32(index)))
                if kinds[index] == .userDefined { userDefined.append((text, Int32(index))) }
            } else {
                storage.append(contentsOf: ByteLevelAlphabet.bytes(ofTokenText: text))
            }
            offsets.append(Int32(storage.count))
        }
        self.tokenByteStorage = storage
        self.tokenByteOffsets = offsets
        self.specialMatcher = SpecialTokenMatcher(specials)
        self.userDefinedMatcher = SpecialTokenMatcher(userDefined)
        let specialTokens = Dictionary(specials.map { ($0.text, $0.id) }, uniquingKeysWith: { first, _ in first })
        self.specialTokens = specialTokens
        var byteTokens: [Int32] = []
        for scalar in ByteLevelAlphabet.scalarOfByte { byteTokens.append(idOfText[String(scalar)] ?? -1) }
        self.byteTokens = byteTokens

        func checked(_ id: Int32?, role: String) throws(TokenizerError) -> Int32? {
            guard let id else { return nil }
            guard (0..<Int32(tokens.count)).contains(id) else {
                throw .implausibleSpecialToken(role: role, id: id, text: nil)
            }
            guard kinds[Int(id)].isSpecial else {
                throw .implausibleSpecialToken(role: role, id: id, text: tokens[Int(id)])
            }
            return id
        }
        let (bosTokenID, eosTokenID) = (try checked(bosTokenID, role: "BOS"), try checked(eosTokenID, role: "EOS"))
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        var stops = Set<Int32>()
        for text in Self.endOfTurnTexts { if let id = specialTokens[text] { stops.insert(id) } }
        if let eos = eosTokenID { stops.insert(eos) }
        self.stopTokenIDs = stops
    }

    public var vocabularySize: Int { tokenTexts.count }

    public func tokenBytes(_ id: Int32) -> ArraySlice<UInt8>? {
        guard id >= 0, Int(id) < tokenTexts.count else { return nil }
        return tokenByteStorage[Int(tokenByteOffsets[Int(id)])..<Int(tokenByteOffsets[Int(id) + 1])]
    }

    public func isSpecial(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < tokenKinds.count && tokenKinds[Int(id)].isSpecial
    }
}
