import Foundation
import ModelTestSupport
import Testing

@testable import Tokenizers

@Suite("Tokenizers: byte-level BPE")
struct ByteLevelBPETokenizerTests {
    /// 256 byte tokens, a few merges making "hello" and " world", two control tokens and a user-defined one.
    static func tiny(
        merges: [String] = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld"],
        preTokenizer: String = "smollm", bos: Int32? = 256, eos: Int32? = 257, addsBOS: Bool = false
    ) throws(TokenizerError) -> ByteLevelBPETokenizer {
        var tokens = ByteLevelAlphabet.scalarOfByte.map { String($0) }
        tokens += ["<|im_start|>", "<|im_end|>", "<tool>", "he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "ld", "Ġworld"]
        var kinds = [Int32](repeating: 1, count: 256) + [3, 3, 4]
        kinds += [Int32](repeating: 1, count: tokens.count - kinds.count)
        return try ByteLevelBPETokenizer(
            tokens: tokens, kinds: kinds, merges: merges, preTokenizer: preTokenizer, bosTokenID: bos,
            eosTokenID: eos, addsBOS: addsBOS)
    }

    @Test func mergesJoinBytesIntoTheLongestTokens() throws {
        let tokenizer = try Self.tiny()
        let ids = tokenizer.encode("hello world", parsingSpecialTokens: false)
        #expect(ids.map { tokenizer.tokenTexts[Int($0)] } == ["hello", "Ġworld"])
        #expect(try tokenizer.decode(ids) == "hello world")
        // Digits are pieces of their own under `smollm`, so "1hello2" never merges across them.
        #expect(tokenizer.encode("1hello2", parsingSpecialTokens: false).map { tokenizer.tokenTexts[Int($0)] } == ["1", "hello", "2"])
    }

    @Test func controlTokensAreMatchedOnlyWhenParsingUserDefinedAlways() throws {
        let tokenizer = try Self.tiny()
        let text = "<|im_start|>hello<tool><|im_end|>"
        #expect(tokenizer.encode(text, parsingSpecialTokens: true) == [256, 262, 258, 257])
        let verbatim = tokenizer.encode(text, parsingSpecialTokens: false)
        #expect(!verbatim.contains(256) && !verbatim.contains(257) && verbatim.contains(258))
        #expect(try tokenizer.decode(verbatim) == text)
        #expect(try tokenizer.decode([256, 262, 257], skippingSpecialTokens: true) == "hello")
    }

    @Test func bosIsAddedOnlyWhenAskedAndTheModelExpectsIt() throws {
        let without = try Self.tiny(addsBOS: false)
        #expect(without.encode("hello", parsingSpecialTokens: false, addingBOS: true) == [262])
        let with = try Self.tiny(addsBOS: true)
        #expect(with.encode("hello", parsingSpecialTokens: false, addingBOS: true) == [256, 262])
        #expect(with.encode("hello", parsingSpecialTokens: false) == [262], "plain encode never adds BOS")
        #expect(with.stopTokenIDs == [257], "the EOS; <|im_end|> is the EOS here")
    }

    @Test func badInputsAreRefusedNamingWhatIsWrong() throws {
        #expect(throws: TokenizerError.unsupportedPreTokenizer("falcon")) { try Self.tiny(preTokenizer: "falcon") }
        #expect(throws: TokenizerError.malformedMerge("hello", rank: 0)) { try Self.tiny(merges: ["hello"]) }
        #expect(throws: TokenizerError.mergeOfUnknownToken(merge: "x y", rank: 1, missing: "xy")) {
            try Self.tiny(merges: ["h e", "x y"])
        }
        #expect(throws: TokenizerError.implausibleSpecialToken(role: "BOS", id: 104, text: "h")) { try Self.tiny(bos: 104) }
        #expect(throws: TokenizerError.implausibleSpecialToken(role: "EOS", id: 99_999, text: nil)) { try Self.tiny(eos: 99_999) }
        #expect(throws: TokenizerError.tokenKindCountMismatch(tokens: 2, kinds: 1)) {
            try ByteLevelBPETokenizer(
                tokens: ["a", "b"], kinds: [1], merges: [], preTokenizer: "gpt2", bosTokenID: nil, eosTokenID: nil,
                addsBOS: false)
        }
        #expect(throws: TokenizerError.unknownTokenKind(9, token: 1)) {
            try ByteLevelBPETokenizer(
                tokens: ["a", "b"], kinds: [1, 9], merges: [], preTokenizer: "gpt2", bosTokenID: nil, eosTokenID: nil,
                addsBOS: false)
        }
        #expect(throws: TokenizerError.duplicateToken("a", ids: [0, 1])) {
            try ByteLevelBPETokenizer(
                tokens: ["a", "a"], kinds: [1, 1], merges: [], preTokenizer: "gpt2", bosTokenID: nil, eosTokenID: nil,
                addsBOS: false)
        }
        #expect(throws: TokenizerError.unknownTokenID(5000, vocabularySize: 268)) { try Self.tiny().decode([5000]) }
        #expect(throws: TokenizerError.unsupportedTokenizerJSON("normalizer NFC")) {
            try ByteLevelBPETokenizer(huggingFaceJSON: Data(#"{"model": {"type": "BPE", "vocab": {}}, "normalizer": {"type": "NFC"}}"#.utf8))
        }
        #expect(throws: TokenizerError.unsupportedTokenizerJSON("model type Unigram")) {
            try ByteLevelBPETokenizer(huggingFaceJSON: Data(#"{"model": {"type": "Unigram"}}"#.utf8))
        }
    }

    /// A tokenizer.json over the tiny vocabulary, with the given pre-tokenizer and post-processor.
    static func tinyJSON(preTokenizer: Any, postProcessor: Any = NSNull()) throws -> Data {
        let tokenizer = try tiny()
        var vocab: [String: Int] = [:]
        for (id, text) in tokenizer.tokenTexts.enumerated() where !tokenizer.isSpecial(Int32(id)) { vocab[text] = id }
        let added: [[String: Any]] = [
            ["id": 256, "content": "<|im_start|>", "special": true], ["id": 257, "content": "<|im_end|>", "special": true],
            ["id": 258, "content": "<tool>", "special": false],
        ]
        let root: [String: Any] = [
            "added_tokens": added, "normalizer": NSNull(), "pre_tokenizer": preTokenizer, "post_processor": postProcessor,
            "model": ["type": "BPE", "vocab": vocab, "merges": [["h", "e"], ["l", "l"], ["he", "ll"], ["hell", "o"]]],
        ]
        return try JSONSerialization.data(withJSONObject: root)
    }

    @Test func tokenizerJSONPreTokenizersAreRecognisedOrRefusedByName() throws {
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true]
        let gpt2 = try ByteLevelBPETokenizer(huggingFaceJSON: Self.tinyJSON(preTokenizer: byteLevel))
        #expect(gpt2.preTokenizer == .gpt2 && gpt2.bosTokenID == nil && !gpt2.addsBOS)
        #expect(gpt2.encode("hello<tool>", parsingSpecialTokens: false) == [262, 258])
        let digits: [String: Any] = ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true], byteLevel]]
        let config = HuggingFaceTokenizerConfig(bosToken: "<|im_start|>", eosToken: "<|im_end|>", addsBOS: true)
        let smollm = try ByteLevelBPETokenizer(huggingFaceJSON: Self.tinyJSON(preTokenizer: digits), config: config)
        #expect(smollm.preTokenizer == .smollm && smollm.bosTokenID == 256 && smollm.eosTokenID == 257 && smollm.addsBOS)
        let split: [String: Any] = [
            "type": "Sequence",
            "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": ByteLevelBPETokenizer.llama3Regex], "behavior": "Isolated"],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false],
            ],
        ]
        let template: [String: Any] = [
            "type": "TemplateProcessing", "single": [["SpecialToken": ["id": "<|im_start|>", "type_id": 0]]],
        ]
        let llama3 = try ByteLevelBPETokenizer(huggingFaceJSON: Self.tinyJSON(preTokenizer: split, postProcessor: template))
        #expect(llama3.preTokenizer == .llama3 && llama3.bosTokenID == 256 && llama3.addsBOS)
        #expect(throws: TokenizerError.unsupportedTokenizerJSON("pre_tokenizer Metaspace")) {
            try ByteLevelBPETokenizer(huggingFaceJSON: Self.tinyJSON(preTokenizer: ["type": "Metaspace"]))
        }
        #expect(throws: TokenizerError.implausibleSpecialToken(role: "EOS", id: -1, text: "</s>")) {
            try ByteLevelBPETokenizer(
                huggingFaceJSON: Self.tinyJSON(preTokenizer: byteLevel), config: HuggingFaceTokenizerConfig(eosToken: "</s>"))
        }
    }

    @Test func aLongRunMergesInLinearithmicTime() throws {
        let tokenizer = try Self.tiny(merges: ["l l"])
        let text = String(repeating: "l", count: 100_001)
        let ids = tokenizer.encode(text, parsingSpecialTokens: false)
        #expect(ids.count == 50_001)
        #expect(ids.dropLast().allSatisfy { tokenizer.tokenTexts[Int($0)] == "ll" } && tokenizer.tokenTexts[Int(ids.last!)] == "l")
    }

    @Test(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
    func smolLM2SpecialTokensAreCheckedInTheVocabulary() throws {
        let (tokenizer, _) = try TokenizerFixture.load()
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(tokenizer.bosTokenID == 1 && tokenizer.tokenTexts[1] == "<|im_start|>")
        #expect(tokenizer.eosTokenID == 2 && tokenizer.tokenTexts[2] == "<|im_end|>")
        #expect(!tokenizer.addsBOS)
        #expect(tokenizer.stopTokenIDs == [0, 2], "<|endoftext|> and <|im_end|>")
        let prompt = "<|im_start|>user\nWhat is 12 * 34?<|im_end|>\n<|im_start|>assistant\n"
        let ids = tokenizer.encode(prompt, parsingSpecialTokens: true, addingBOS: true)
        #expect(ids.first == 1 && ids.filter { $0 == 1 }.count == 2, "no BOS before the template's own <|im_start|>")
        #expect(ids.contains(2))
        // A byte without a token (0x04) is dropped before merging, as `tokenizers` does: its neighbours merge into
        // "!!" (llama.cpp keeps them apart: [17, 17]).
        #expect(tokenizer.encode("!\u{04}!", parsingSpecialTokens: false) == [10095])

        // Streaming a reply token by token never shows half a character, and ends equal to the whole.
        let reply = "Ça coûte 12€ 🚀👨‍👩‍👧 東京"
        var decoder = UTF8StreamDecoder()
        var streamed = ""
        for id in tokenizer.encode(reply, parsingSpecialTokens: false) {
            let piece = try decoder.push(token: id, of: tokenizer)
            #expect(!piece.unicodeScalars.contains("\u{FFFD}"))
            streamed += piece
        }
        #expect(streamed + decoder.finish() == reply)
    }
}
