import Foundation
import ModelFiles
import Testing
import Tokenizers

@testable import FulmenLlama

/// What a Hugging Face directory Fulmen cannot run is refused with: an error naming the tensor, the dtype, the
/// architecture or the feature, before any weight is used.
@Suite struct LlamaHuggingFaceRefusalTests {
    /// The error loading a changed copy of the `hf-tiny-f32` fixture throws.
    static func loadError(
        editConfig: (inout [String: Any]) -> Void = { _ in },
        editTensors: (inout [String: HuggingFaceTestDirectory.StoredTensor]) -> Void = { _ in }
    ) throws -> LlamaError? {
        let directory = try HuggingFaceTestDirectory(editConfig: editConfig, editTensors: editTensors)
        defer { directory.remove() }
        do {
            _ = try Llama(huggingFaceDirectory: directory.url, decodingWeights: .float32)
            return nil
        } catch {
            print("refused: \(error)")
            return error
        }
    }

    @Test func test_unchangedCopy_shouldLoad() throws {
        #expect(try Self.loadError() == nil)
    }

    @Test func test_missingTensor_shouldBeNamed() throws {
        let error = try Self.loadError(editTensors: { $0["model.layers.1.mlp.up_proj.weight"] = nil })
        #expect(error == .missingTensor(name: "model.layers.1.mlp.up_proj.weight"))
        let head = try Self.loadError(editTensors: { $0["lm_head.weight"] = nil })
        #expect(head == .missingTensor(name: "lm_head.weight"))
    }

    @Test func test_unsupportedDType_shouldNameTheTensorAndType() throws {
        let error = try Self.loadError(editTensors: { tensors in
            let shape = tensors["model.layers.0.self_attn.v_proj.weight"]!.shape
            tensors["model.layers.0.self_attn.v_proj.weight"] = .init(
                dtype: "I8", shape: shape, bytes: [UInt8](repeating: 1, count: shape.reduce(1, *)))
        })
        guard case .unsupportedModelFile(_, let reason) = error else {
            Issue.record("expected unsupportedModelFile, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("model.layers.0.self_attn.v_proj.weight") && reason.contains("I8"))
    }

    @Test func test_wrongShape_shouldBeNamed() throws {
        let error = try Self.loadError(editTensors: { tensors in
            tensors["model.layers.0.self_attn.k_proj.weight"] = .init(
                shape: [16, 64], floats: [Float](repeating: 0.1, count: 16 * 64))
        })
        #expect(
            error == .tensorShape(name: "model.layers.0.self_attn.k_proj.weight", expected: [32, 64], actual: [16, 64]))
    }

    @Test func test_unexpectedTensor_shouldBeNamed() throws {
        let error = try Self.loadError(editTensors: { tensors in
            tensors["model.layers.0.self_attn.q_proj.bias"] = .init(
                shape: [64], floats: [Float](repeating: 0, count: 64))
        })
        #expect(error == .unexpectedTensor(name: "model.layers.0.self_attn.q_proj.bias"))
        // Saved rotary frequencies (older transformers) are not weights and are skipped.
        #expect(try Self.loadError(editTensors: { tensors in
            tensors["model.layers.0.self_attn.rotary_emb.inv_freq"] = .init(
                shape: [8], floats: [Float](repeating: 1, count: 8))
        }) == nil)
    }

    @Test func test_unknownArchitecture_shouldBeNamed() throws {
        let error = try Self.loadError { $0["architectures"] = ["MistralForCausalLM"] }
        guard case .modelDirectory(.unsupportedArchitecture(_, let architectures)) = error else {
            Issue.record("expected unsupportedArchitecture, got \(String(describing: error))")
            return
        }
        #expect(architectures == ["MistralForCausalLM"])
        #expect(error!.description.contains("MistralForCausalLM"))
    }

    @Test func test_unsupportedFeatures_shouldBeNamed() throws {
        let scaled = try Self.loadError {
            $0["rope_parameters"] = ["rope_theta": 50_000.0, "rope_type": "llama3", "factor": 8.0]
        }
        guard case .unsupportedModelFile(_, let reason) = scaled, reason.contains("llama3") else {
            Issue.record("rope scaling llama3 not refused by name: \(String(describing: scaled))")
            return
        }
        let biased = try Self.loadError { $0["attention_bias"] = true }
        guard case .unsupportedModelFile(_, let biasReason) = biased, biasReason.contains("attention_bias") else {
            Issue.record("attention_bias not refused by name: \(String(describing: biased))")
            return
        }
    }

    @Test func test_pretrainedModel_shouldRefuseWhatItCannotLoad() throws {
        #expect(throws: PretrainedModelError.notFound(path: "/nonexistent/model")) {
            try PretrainedModel.load(path: "/nonexistent/model", threadCount: 1)
        }
        let notGGUF = LlamaHuggingFaceTests.fixture("hf-tiny-f32").appendingPathComponent("config.json").path
        #expect {
            try PretrainedModel.load(path: notGGUF, threadCount: 1)
        } throws: { error in
            guard case .modelFile(notGGUF, .badMagic) = error as? PretrainedModelError else { return false }
            return true
        }
        let noTokenizer = LlamaHuggingFaceTests.fixture("hf-tiny-bf16-tied").path
        #expect(throws: PretrainedModelError.missingTokenizer(directory: noTokenizer)) {
            try PretrainedModel.load(path: noTokenizer, threadCount: 1)
        }
        let noTemplate = try HuggingFaceTestDirectory()
        defer { noTemplate.remove() }
        try FileManager.default.removeItem(at: noTemplate.url.appendingPathComponent("chat_template.jinja"))
        #expect {
            try PretrainedModel.load(path: noTemplate.url.path, threadCount: 1)
        } throws: { error in
            guard case .chatTemplate(noTemplate.url.path, .unrecognized) = error as? PretrainedModelError else {
                return false
            }
            return true
        }
    }
}
