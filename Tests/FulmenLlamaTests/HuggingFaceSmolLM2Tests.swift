import Foundation
import FulmenModel
import ModelFiles
import ModelTestSupport
import Testing
import Tokenizers

@testable import FulmenLlama

/// The bundled SmolLM2 read two ways: from its GGUF file, and from the Hugging Face directory transformers makes of
/// that file (`from_pretrained(gguf_file=…)` then `save_pretrained`; `scripts/golden/hf-smollm2-from-gguf.py`).
/// Both hold the same dequantised weights, so the logits must agree. Runs when `FULMEN_HF_SMOLLM2_DIR` names such a
/// directory (it needs torch and transformers to make, which CI does not install).
@Suite(.serialized) struct HuggingFaceSmolLM2Tests {
    static let directory = ProcessInfo.processInfo.environment["FULMEN_HF_SMOLLM2_DIR"]
    static let skipReason = Comment(
        rawValue: "FULMEN_HF_SMOLLM2_DIR is not set: make the directory with scripts/golden/hf-smollm2-from-gguf.py "
            + "(torch, transformers) and point the variable at it")

    /// Chat prompts of 30 to 90 tokens, rendered with the model's template.
    static func prompts(_ file: GGUFFile) throws -> [[Int32]] {
        let tokenizer = try ByteLevelBPETokenizer(gguf: file)
        let template = try ChatTemplate(gguf: file, tokenizer: tokenizer)
        let conversations: [[ChatMessage]] = [
            [.user("What is the capital of France?")],
            [.system("You are a calculator. Reply with CALC: expression."), .user("What is 12 * 34 + 7?")],
            [.user("Write a haiku about the sea."), .assistant("Waves fold into foam,"), .user("Go on.")],
        ]
        return try conversations.map { messages in
            tokenizer.encode(try template.render(messages, addGenerationPrompt: true), parsingSpecialTokens: true)
        }
    }

    /// Tolerance: 1e-4 of the largest |logit| of a position. Both models hold the same Float32 weights (the test
    /// also measures how far apart they are) and compute with the same code, so any difference comes from the
    /// weights; transformers dequantises Q4_1 as d·q + m in float32 as Fulmen does. Measured (transformers 5.25):
    /// the weights are bit-identical after the q/k rows' round trip, and so are the logits (difference 0).
    @Test(.enabled(if: directory != nil, skipReason))
    func test_logits_fromTheDirectory_shouldMatchTheGGUF() throws {
        let file = try RealModel.file()
        let fromDirectory = try Llama(
            huggingFaceDirectory: URL(fileURLWithPath: Self.directory!), threadCount: 2, decodingWeights: .float32)
        let fromFile = try Llama(gguf: file, threadCount: 2, decodingWeights: .float32)
        #expect(fromDirectory.config == fromFile.config)
        var weightDifference: Float = 0
        for name in fromFile.tensorNames {
            let a = try #require(fromDirectory.tensor(named: name)).scalars
            let b = try #require(fromFile.tensor(named: name)).scalars
            // Array equality runs in the (optimised) standard library; the element loop only where they differ.
            if a != b { weightDifference = max(weightDifference, zip(a, b).map { abs($0 - $1) }.max()!) }
        }
        print("SmolLM2 from the HF directory vs the GGUF: largest weight difference \(weightDifference)")
        var worstAbsolute: Float = 0
        var worstRelative: Float = 0
        let v = fromFile.config.vocabularySize
        for tokens in try Self.prompts(file) {
            let a = try fromDirectory.logits(for: tokens).scalars
            let b = try fromFile.logits(for: tokens).scalars
            for row in 0..<tokens.count {
                let range = (row * v)..<((row + 1) * v)
                let scale = b[range].map(abs).max()!
                let difference = zip(a[range], b[range]).map { abs($0 - $1) }.max()!
                worstAbsolute = max(worstAbsolute, difference)
                worstRelative = max(worstRelative, difference / scale)
            }
        }
        print(
            "SmolLM2 from the HF directory vs the GGUF: largest logit difference \(worstAbsolute), "
                + "relative \(worstRelative)")
        #expect(worstRelative < 1e-4)
    }

    /// Against transformers itself: its float64 logits on the directory (`expected-logits.safetensors`, written by
    /// the same script) for three ChatML prompts (128 positions). Tolerance: 1e-4 of the largest |logit| of a
    /// position. Fulmen computes in float32 over 30 blocks against a float64 reference: measured 7.0e-6 relative
    /// (1.4e-4 absolute on logits up to 41), with the same argmax at every position.
    @Test(.enabled(if: directory != nil, skipReason))
    func test_logits_fromTheDirectory_shouldMatchTransformers() throws {
        let url = URL(fileURLWithPath: Self.directory!)
        let golden = url.appendingPathComponent("expected-logits.safetensors").path
        try #require(
            FileManager.default.fileExists(atPath: golden),
            "\(golden) is missing: make the directory again with scripts/golden/hf-smollm2-from-gguf.py")
        let model = try Llama(huggingFaceDirectory: url, threadCount: 2, decodingWeights: .float32)
        let file = try SafetensorsFile(path: golden)
        let v = model.config.vocabularySize
        var worstAbsolute: Float = 0
        var worstRelative: Float = 0
        var argmaxAgreements = 0
        var positions = 0
        for k in 0..<3 {
            let tokens = try file.tensor(named: "tokens.\(k)").floats().map { Int32($0) }
            let expected = try file.tensor(named: "logits.\(k)").floats()
            let logits = try model.logits(for: tokens).scalars
            for row in 0..<tokens.count {
                let range = (row * v)..<((row + 1) * v)
                let difference = zip(logits[range], expected[range]).map { abs($0 - $1) }.max()!
                worstAbsolute = max(worstAbsolute, difference)
                worstRelative = max(worstRelative, difference / expected[range].map(abs).max()!)
                positions += 1
                if LlamaTestSupport.argmax(logits[range]) == LlamaTestSupport.argmax(expected[range]) {
                    argmaxAgreements += 1
                }
            }
        }
        print(
            "SmolLM2 from the HF directory vs transformers (float64): largest logit difference \(worstAbsolute), "
                + "relative \(worstRelative), argmax agreeing at \(argmaxAgreements) of \(positions) positions")
        #expect(worstRelative < 1e-4)
    }

    /// The directory as a whole pretrained model: its tokenizer (converted by transformers from the GGUF metadata)
    /// gives the GGUF tokenizer's ids on text without digits (the converter writes a plain ByteLevel pre-tokenizer,
    /// without SmolLM2's one-digit split), and its template is the same ChatML.
    @Test(.enabled(if: directory != nil, skipReason))
    func test_pretrainedModel_fromTheDirectory_shouldMatchTheGGUF() throws {
        let pretrained = try PretrainedModel.load(path: Self.directory!, threadCount: 2)
        let file = try RealModel.file()
        let tokenizer = try ByteLevelBPETokenizer(gguf: file)
        #expect(pretrained.chatTemplate == (try ChatTemplate(gguf: file, tokenizer: tokenizer)))
        let text = "<|im_start|>user\nHello there, how are you today?<|im_end|>\n"
        #expect(
            pretrained.tokenizer.encode(text, parsingSpecialTokens: true)
                == tokenizer.encode(text, parsingSpecialTokens: true))
        // transformers' converter makes <|im_end|> the EOS where the GGUF says id 1 (<|im_start|>); both stop on it.
        let endOfTurn = try #require(tokenizer.specialTokens["<|im_end|>"])
        #expect(pretrained.tokenizer.specialTokens["<|im_end|>"] == endOfTurn)
        #expect(pretrained.tokenizer.stopTokenIDs.contains(endOfTurn) && tokenizer.stopTokenIDs.contains(endOfTurn))
    }
}
