import Testing

@testable import FulmenModel

@Suite struct TokenizerTests {
    @Test(arguments: ["", "hello", "naïve café — 東京 🚀", "<|endoftext|> spelled out", "tabs\tand\nnewlines\u{0}"])
    func test_text_shouldRoundTripExactly(text: String) {
        let tokens = Tokenizer.encode(text)
        #expect(tokens.count == text.utf8.count)
        #expect(
            tokens.allSatisfy { Tokenizer.SpecialToken(rawValue: $0) == nil },
            "plain encoding never makes special tokens")
        #expect(Tokenizer.decode(tokens) == text)
    }

    @Test func test_specialTokens_shouldRoundTripWhenParsed() {
        let tokens =
            [Tokenizer.SpecialToken.user.id] + Tokenizer.encode("2+2?") + [Tokenizer.SpecialToken.assistant.id]
            + Tokenizer.encode("4 ✓") + [Tokenizer.SpecialToken.endOfText.id]
        let text = Tokenizer.decode(tokens)
        #expect(text == "<|user|>2+2?<|assistant|>4 ✓<|endoftext|>")
        #expect(Tokenizer.encode(text, parsingSpecialTokens: true) == tokens)
    }

    @Test func test_specialTokens_shouldUseBytesThatUTF8NeverUses() {
        for special in Tokenizer.SpecialToken.allCases {
            #expect((0xF5...0xFF).contains(special.id), "\(special) must stay inside the 256-entry vocabulary")
        }
        #expect(Set(Tokenizer.SpecialToken.allCases.map(\.id)).count == Tokenizer.SpecialToken.allCases.count)
    }

    @Test func test_invalidBytes_shouldDecodeToReplacementCharacters() {
        #expect(Tokenizer.decode([0xE6, 0x9D, 65]) == "\u{FFFD}A")
    }
}
