import Foundation
import FulmenModel
import Testing

@testable import FulmenLlama

/// The model against an independent numpy implementation of Hugging Face's Llama (rotate-half rotary embeddings,
/// `repeat_kv`), whose q/k weights were permuted into GGUF's row order as llama.cpp's converter does
/// (`scripts/golden/llama-reference.py`, golden data in `Fixtures/llama-reference.safetensors`).
@Suite struct LlamaReferenceTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/llama-reference.safetensors").path

    /// The fixture's tensors by name.
    static func tensors() throws -> [String: Tensor] {
        try LlamaTestSupport.tensors([UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture))))
    }

    /// Logits of all 40 positions; tolerance 1e-4 absolute (the reference is float64, logits reach ±6.7).
    @Test func test_logits_shouldMatchTheHuggingFaceStyleReference() throws {
        var weights = try Self.tensors()
        let tokens = weights.removeValue(forKey: "tokens")!.scalars.map { Int32($0) }
        let expected = weights.removeValue(forKey: "logits")!
        let model = try Llama(config: LlamaTestSupport.tiny, weights: weights)
        let logits = try model.logits(for: tokens)
        #expect(logits.shape == expected.shape)
        let difference = zip(logits.scalars, expected.scalars).map { abs($0 - $1) }.max()!
        print("largest logit difference from the numpy reference: \(difference)")
        #expect(difference < 1e-4)
        // The cached path too: greedy continuation of the first 20 tokens follows the reference's argmax only where
        // the reference's own next token is given, so compare the cached logits of the prompt's last position.
        let v = LlamaTestSupport.tiny.vocabularySize
        let generation = try model.generate([
            GenerationRequest(prompt: Array(tokens.prefix(20)), maxNewTokens: 1, sampling: SamplingParameters(temperature: 0))
        ])[0]
        #expect(Int(generation.tokens[0]) == LlamaTestSupport.argmax(expected.scalars[(19 * v)..<(20 * v)]))
    }
}
