import Foundation
import FulmenModel
import ModelFiles
import ModelTestSupport
import Testing
import Tokenizers

@testable import FulmenLlama

/// Llamas from Hugging Face directories that transformers saved (`scripts/golden/hf-llama-golden.py`): an F32 model
/// with an untied head, a BF16 one with a tied head, and an F16 one in index-listed shards, each against the logits
/// transformers computes on the same directory in float64.
@Suite struct LlamaHuggingFaceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }

    /// The golden sequences of a fixture directory: (tokens, logits (T, V)).
    static func expected(_ directory: URL) throws -> [([Int32], [Float])] {
        let file = try SafetensorsFile(path: directory.appendingPathComponent("expected-logits.safetensors").path)
        return try (0..<3).map { k in
            let tokens = try file.tensor(named: "tokens.\(k)").floats().map { Int32($0) }
            return (tokens, try file.tensor(named: "logits.\(k)").floats())
        }
    }

    /// The largest |Fulmen − transformers| over every logit of the fixture's sequences.
    static func largestDifference(_ model: Llama, _ directory: URL) throws -> Float {
        var worst: Float = 0
        for (tokens, expected) in try expected(directory) {
            let logits = try model.logits(for: tokens)
            #expect(logits.shape == [tokens.count, model.config.vocabularySize])
            worst = max(worst, zip(logits.scalars, expected).map { abs($0 - $1) }.max()!)
        }
        return worst
    }

    /// Tolerance 2e-5 absolute on logits within ±3.6: float32 arithmetic (a width of 64, two blocks) against a
    /// float64 reference on identical weights leaves about 1e-6; a wrong q/k row order, norm or rope base moves
    /// logits by 1e-2 or more.
    static let tolerance: Float = 2e-5

    @Test(arguments: ["hf-tiny-f32", "hf-tiny-bf16-tied", "hf-tiny-f16-sharded"])
    func test_logits_shouldMatchTransformers(fixture name: String) throws {
        let directory = Self.fixture(name)
        let model = try Llama(huggingFaceDirectory: directory, decodingWeights: .float32)
        let difference = try Self.largestDifference(model, directory)
        print("\(name): largest logit difference from transformers: \(difference)")
        #expect(difference < Self.tolerance)
    }

    @Test func test_config_shouldComeFromConfigJSON() throws {
        let untied = try Llama(huggingFaceDirectory: Self.fixture("hf-tiny-f32"), decodingWeights: .float32)
        #expect(
            untied.config
                == LlamaConfig(
                    vocabularySize: 300, contextLength: 128, embeddingSize: 64, layerCount: 2, headCount: 4,
                    keyValueHeadCount: 2, headSize: 16, feedForwardSize: 96, rmsNormEpsilon: 1e-5, ropeBase: 50_000,
                    tiedEmbeddings: false))
        #expect(untied.tensor(named: "output.weight") != nil)
        let tied = try Llama(huggingFaceDirectory: Self.fixture("hf-tiny-bf16-tied"), decodingWeights: .float32)
        #expect(tied.config.tiedEmbeddings && tied.tensor(named: "output.weight") == nil)
        let sharded = try HuggingFaceModelDirectory(directory: Self.fixture("hf-tiny-f16-sharded").path)
        #expect(sharded.shards.count > 1)
        #expect(Set(sharded.shards.flatMap { $0.header.tensors.values.map(\.dtype) }) == [.f16])
    }

    /// The q and k rows are put in GGUF's order: the loaded attn_q is the file's q_proj with its rows permuted.
    @Test func test_queryRows_shouldBeInGGUFOrder() throws {
        let directory = Self.fixture("hf-tiny-f32")
        let model = try Llama(huggingFaceDirectory: directory, decodingWeights: .float32)
        let file = try HuggingFaceModelDirectory(directory: directory.path)
        for (gguf, hf, rows) in [("blk.1.attn_q.weight", "model.layers.1.self_attn.q_proj.weight", 64),
                                 ("blk.1.attn_k.weight", "model.layers.1.self_attn.k_proj.weight", 32)] {
            let stored = try file.tensor(named: hf).floats()
            let loaded = try #require(model.tensor(named: gguf)).scalars
            #expect(loaded == RotaryRowOrder.toGGUF(stored, rows: rows, width: 64, headSize: 16))
            #expect(loaded != stored)
        }
        #expect(try model.tensor(named: "blk.1.attn_v.weight")?.scalars
                == file.tensor(named: "model.layers.1.self_attn.v_proj.weight").floats())
    }

    /// The compact (Q8_0) decoding a directory's model starts with gives the greedy tokens of full recomputation.
    @Test func test_compactDecoding_shouldFollowTheFloat32Logits() throws {
        let directory = Self.fixture("hf-tiny-f32")
        let model = try Llama(huggingFaceDirectory: directory)
        #expect(model.decodingWeights == .compact)
        let (tokens, expected) = try Self.expected(directory)[1]
        let generated = try model.generate([
            GenerationRequest(prompt: tokens, maxNewTokens: 1, sampling: SamplingParameters(temperature: 0))
        ])[0].tokens
        let v = 300
        let last = expected[((tokens.count - 1) * v)..<(tokens.count * v)]
        #expect(Int(generated[0]) == LlamaTestSupport.argmax(last))
    }

    /// A whole model from a directory: the Llama, the tokenizer of tokenizer.json, the ChatML template that
    /// transformers 5 saves as chat_template.jinja.
    @Test func test_pretrainedModel_shouldLoadAHuggingFaceDirectory() throws {
        let path = Self.fixture("hf-tiny-f32").path
        let pretrained = try PretrainedModel.load(path: path, threadCount: 1)
        #expect(pretrained.source == .hfDirectory(path: path))
        #expect(pretrained.model.config.vocabularySize == 300 && pretrained.tokenizer.vocabularySize == 300)
        #expect(pretrained.tokenizer.specialTokens["<|im_end|>"] == 1)
        let text = "The quick brown fox: 12 * 34"
        let ids = pretrained.tokenizer.encode(text, parsingSpecialTokens: true)
        #expect(try pretrained.tokenizer.decode(ids) == text)
        guard case .chatMLDefaultSystemFirst = pretrained.chatTemplate.family else {
            Issue.record("chat template \(pretrained.chatTemplate.family), expected SmolLM2's ChatML")
            return
        }
        let prompt = try pretrained.chatTemplate.render(
            [ChatMessage(role: .user, content: "Hi")], addGenerationPrompt: true)
        #expect(prompt.hasSuffix("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"))
        #expect(try Self.largestDifference(pretrained.model, Self.fixture("hf-tiny-f32")) < Self.tolerance)
    }

    /// A GGUF path answers the file's model, tokenizer and template.
    @Test(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
    func test_pretrainedModel_shouldLoadAGGUFFile() throws {
        let path = try RealModel.path()
        let pretrained = try PretrainedModel.load(path: path, threadCount: 1)
        #expect(pretrained.source == .gguf(path: path))
        #expect(pretrained.model.config == .smolLM2_135M)
        #expect(pretrained.tokenizer.vocabularySize == 49_152)
        #expect(pretrained.tokenizer.stopTokenIDs.contains(pretrained.tokenizer.specialTokens["<|im_end|>"]!))
        guard case .chatMLDefaultSystemFirst = pretrained.chatTemplate.family else {
            Issue.record("chat template \(pretrained.chatTemplate.family), expected SmolLM2's ChatML")
            return
        }
    }
}
