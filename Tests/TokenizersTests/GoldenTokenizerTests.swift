import Foundation
import ModelTestSupport
import Testing

@testable import Tokenizers

/// Fulmen's tokenizer against Hugging Face `tokenizers` on the committed corpus
/// (scripts/golden/tokenizer-golden.py): zero mismatches.
@Suite("Tokenizers: golden ids from Hugging Face tokenizers")
struct GoldenTokenizerTests {
    @Test func preTokenizerSplitsEqualTheRegexSplitsOfTokenizers() throws {
        let cases = try TokenizerFixture.goldenCases()
        #expect(cases.count >= 2000)
        var mismatches: [String] = []
        for golden in cases {
            let text = ClassifiedText(golden.text)
            for (preTokenizer, expected) in [(PreTokenizer.gpt2, golden.gpt2), (.llama3, golden.llama3)] {
                let lengths = preTokenizer.split(text).map(\.count)
                if lengths != expected {
                    mismatches.append("\(preTokenizer) \(golden.text.debugDescription): \(lengths) != \(expected)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }

    @Test(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
    func idsEqualTheReferenceOnTheCorpus() throws {
        let cases = try TokenizerFixture.goldenCases()
        let (tokenizer, loadSeconds) = try TokenizerFixture.load()
        var mismatches: [String] = []
        var tokens = 0
        let start = ContinuousClock.now
        for golden in cases {
            let ids = tokenizer.encode(golden.text, parsingSpecialTokens: true)
            tokens += ids.count
            if ids != golden.ids { mismatches.append("\(golden.text.debugDescription): \(ids) != \(golden.ids)") }
        }
        let elapsed = ContinuousClock.now - start
        for golden in cases {
            let verbatim = tokenizer.encode(golden.text, parsingSpecialTokens: false)
            if verbatim != golden.idsVerbatim ?? golden.ids {
                mismatches.append("verbatim \(golden.text.debugDescription): \(verbatim) != \(golden.idsVerbatim ?? golden.ids)")
            }
            let decoded = try tokenizer.decode(golden.ids)
            if decoded != golden.decoded ?? golden.text {
                mismatches.append("decode \(golden.text.debugDescription): \(decoded.debugDescription)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
        let seconds = Double(elapsed.components.attoseconds) * 1e-18 + Double(elapsed.components.seconds)
        print(
            "tokenizer: load \(String(format: "%.3f", loadSeconds)) s, encoded \(cases.count) strings, \(tokens) tokens in "
                + "\(String(format: "%.3f", seconds)) s = \(Int(Double(tokens) / seconds)) tokens/s")
    }
}

extension GoldenTokenizerTests {
    /// Hugging Face's tokenizer.json, as `tokenizers` writes it for the GGUF's vocabulary, builds the same tokenizer
    /// as the GGUF's metadata.
    @Test(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
    func tokenizerJSONBuildsTheSameTokenizerAsTheGGUF() throws {
        let (fromGGUF, _) = try TokenizerFixture.load()
        let (fromJSON, seconds) = try TokenizerFixture.loadHuggingFace()
        #expect(fromJSON.tokenTexts == fromGGUF.tokenTexts)
        #expect(fromJSON.tokenKinds == fromGGUF.tokenKinds)
        #expect(fromJSON.specialTokens == fromGGUF.specialTokens)
        #expect(fromJSON.stopTokenIDs == fromGGUF.stopTokenIDs)
        #expect(fromJSON.bosTokenID == fromGGUF.bosTokenID && fromJSON.eosTokenID == fromGGUF.eosTokenID)
        var mismatches = 0
        for golden in try TokenizerFixture.goldenCases() where fromJSON.encode(golden.text, parsingSpecialTokens: true) != golden.ids {
            mismatches += 1
        }
        #expect(mismatches == 0)
        print("tokenizer: tokenizer.json loaded in \(String(format: "%.3f", seconds)) s")
    }
}
