import FulmenModel
import Testing

@testable import FulmenLlama

/// Building a model from named tensors and checkpoints: every refusal names its tensor or field.
@Suite struct LlamaWeightsTests {
    static func tensors(of model: Llama) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: model.tensorNames.map { ($0, model.tensor(named: $0)!) })
    }

    @Test(arguments: [true, false])
    func test_weights_shouldLoadIntoAnIdenticalModel(tied: Bool) throws {
        var config = LlamaTestSupport.tiny
        config.tiedEmbeddings = tied
        let source = try LlamaTestSupport.model(config, seed: 41)
        let weights = Self.tensors(of: source)
        #expect(weights.keys.contains("output.weight") == !tied)
        let loaded = try Llama(config: config, weights: weights)
        let tokens: [Int32] = [1, 2, 3, 50, 60]
        let expected = try source.logits(for: tokens)
        #expect(try loaded.logits(for: tokens) == expected)
    }

    @Test func test_missingTensor_shouldBeNamed() throws {
        var weights = Self.tensors(of: try LlamaTestSupport.model(seed: 42))
        weights["blk.1.ffn_up.weight"] = nil
        #expect(throws: LlamaError.missingTensor(name: "blk.1.ffn_up.weight")) {
            try Llama(config: LlamaTestSupport.tiny, weights: weights)
        }
        var untied = LlamaTestSupport.tiny
        untied.tiedEmbeddings = false
        #expect(throws: LlamaError.missingTensor(name: "output.weight")) {
            try Llama(config: untied, weights: Self.tensors(of: try LlamaTestSupport.model(seed: 42)))
        }
    }

    @Test func test_misshapenTensor_shouldBeNamedWithBothShapes() throws {
        var weights = Self.tensors(of: try LlamaTestSupport.model(seed: 43))
        let k = weights["blk.0.attn_k.weight"]!
        weights["blk.0.attn_k.weight"] = Tensor(shape: [32, 16], scalars: k.scalars)  // GGUF's order, not reversed
        let error = #expect(throws: LlamaError.tensorShape(name: "blk.0.attn_k.weight", expected: [16, 32], actual: [32, 16])) {
            try Llama(config: LlamaTestSupport.tiny, weights: weights)
        }
        #expect(error?.description.contains("blk.0.attn_k.weight") == true)
    }

    @Test func test_unexpectedAndNonFiniteTensors_shouldBeNamed() throws {
        var weights = Self.tensors(of: try LlamaTestSupport.model(seed: 44))
        weights["output.weight"] = weights["token_embd.weight"]
        #expect(throws: LlamaError.unexpectedTensor(name: "output.weight")) {
            try Llama(config: LlamaTestSupport.tiny, weights: weights)
        }
        weights["output.weight"] = nil
        weights["blk.1.attn_norm.weight"]!.scalars[7] = .nan
        #expect(throws: LlamaError.nonFiniteValue(name: "blk.1.attn_norm.weight", index: 7)) {
            try Llama(config: LlamaTestSupport.tiny, weights: weights)
        }
    }

    @Test func test_invalidConfiguration_shouldNameTheField() {
        var config = LlamaTestSupport.tiny
        config.keyValueHeadCount = 3
        #expect(throws: LlamaError.invalidConfiguration(field: "keyValueHeadCount", reason: "3 does not divide headCount 4")) {
            try Llama(config: config, seed: 1)
        }
        config = LlamaTestSupport.tiny
        config.headSize = 7
        #expect(throws: LlamaError.self) { try Llama(config: config, seed: 1) }
        #expect(throws: LlamaError.self) { try Llama(config: LlamaTestSupport.tiny, seed: 1, cacheBlockSize: 12) }
    }

    @Test func test_setTensor_shouldRefuseAWrongShapeNamingTheTensor() throws {
        let model = try LlamaTestSupport.model(seed: 45)
        let error = #expect(throws: ModelError.self) {
            try model.setTensor(named: "blk.0.ffn_down.weight", to: Tensor(shape: [2], scalars: [1, 2]))
        }
        #expect(error?.message.contains("blk.0.ffn_down.weight") == true)
    }

    @Test func test_checkpoint_shouldRoundTripAndRefuseCorruption() throws {
        var config = LlamaTestSupport.tiny
        config.tiedEmbeddings = false
        config.ropeBase = 100_000
        let model = try LlamaTestSupport.model(config, seed: 46)
        let bytes = model.checkpoint()
        let loaded = try Llama(checkpoint: bytes, threadCount: 1)
        #expect(loaded.config == config)
        let tokens: [Int32] = [5, 4, 3, 2, 1]
        let expected = try model.logits(for: tokens)
        #expect(try loaded.logits(for: tokens) == expected)
        var corrupted = bytes
        corrupted[corrupted.count - 3] ^= 0x40
        let error = #expect(throws: ModelError.self) { try Llama(checkpoint: corrupted, threadCount: 1) }
        #expect(error?.message.contains("checksum") == true)
        let gpt = try GPT(config: GPTConfig(contextLength: 8, embeddingSize: 8, layerCount: 1, headCount: 2))
        let wrong = #expect(throws: ModelError.self) { try Llama(checkpoint: gpt.checkpoint(), threadCount: 1) }
        #expect(wrong?.message.contains("fulmen-gpt") == true)
    }
}
