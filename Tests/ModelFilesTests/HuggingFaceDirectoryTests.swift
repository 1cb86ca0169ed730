import Foundation
import Testing

@testable import ModelFiles

/// Hugging Face model directories written by the tests: config.json, one safetensors file or shards with their
/// index, and every way they can be wrong.
@Suite struct HuggingFaceDirectoryTests {
    /// SmolLM2-135M-Instruct's config.json, in part.
    static var config: [String: Any] {
        [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 576, "num_hidden_layers": 30,
            "num_attention_heads": 9, "num_key_value_heads": 3, "intermediate_size": 1536, "rms_norm_eps": 1e-5,
            "rope_theta": 100000, "vocab_size": 49152, "max_position_embeddings": 8192, "tie_word_embeddings": true,
            "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16",
        ]
    }

    /// A fresh directory holding `config` and the given files.
    static func directory(config: [String: Any] = config, files: [String: [UInt8]]) throws -> String {
        let directory = temporaryPath("hf")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let json = try JSONSerialization.data(withJSONObject: config)
        try json.write(to: URL(fileURLWithPath: directory + "/config.json"))
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name)) }
        return directory
    }

    static func index(_ map: [String: String]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 0], "weight_map": map]))
    }

    static func shards() -> (first: SafetensorsImage, second: SafetensorsImage) {
        var first = SafetensorsImage()
        first.add("model.embed_tokens.weight", [1, 2, 3, 4, 5, 6], shape: [3, 2], dtype: .bf16)
        first.add("model.norm.weight", [0.5, 0.25], shape: [2], dtype: .f32)
        var second = SafetensorsImage()
        second.add("model.layers.0.self_attn.q_proj.weight", [1, -1, 0.5, -0.5], shape: [2, 2], dtype: .f16)
        return (first, second)
    }

    @Test func aSingleFileModelOpensWithItsConfig() throws {
        var weights = SafetensorsImage()
        weights.add("model.embed_tokens.weight", [1, 2, 3, 4], shape: [2, 2], dtype: .bf16)
        let directory = try Self.directory(files: [
            "model.safetensors": weights.image(), "tokenizer.json": [0x7B, 0x7D],
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try HuggingFaceModelDirectory(directory: directory)
        let config = model.config
        #expect(config.architectures == ["LlamaForCausalLM"])
        #expect(config.hiddenSize == 576 && config.layerCount == 30 && config.intermediateSize == 1536)
        #expect(config.attentionHeadCount == 9 && config.keyValueHeadCount == 3 && config.headDimension == 64)
        #expect(config.rmsNormEpsilon == 1e-5 && config.ropeTheta == 100_000)
        #expect(config.vocabularySize == 49152 && config.maxPositionEmbeddings == 8192)
        #expect(config.tieWordEmbeddings)
        #expect(config.bosTokenID == 1 && config.eosTokenIDs == [2])
        #expect(model.tensorNames == ["model.embed_tokens.weight"])
        #expect(try model.tensor(named: "model.embed_tokens.weight").floats() == [1, 2, 3, 4])
        #expect(model.tokenizerPath == directory + "/tokenizer.json")
        #expect(model.tokenizerConfigPath == nil)
        #expect(throws: HuggingFaceError.missingTensor("lm_head.weight")) { try model.tensor(named: "lm_head.weight") }
    }

    @Test func shardsAreFoundThroughTheIndex() throws {
        let (first, second) = Self.shards()
        let map = [
            "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
            "model.norm.weight": "model-00001-of-00002.safetensors",
            "model.layers.0.self_attn.q_proj.weight": "model-00002-of-00002.safetensors",
        ]
        let directory = try Self.directory(files: [
            "model-00001-of-00002.safetensors": first.image(), "model-00002-of-00002.safetensors": second.image(),
            "model.safetensors.index.json": try Self.index(map),
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try HuggingFaceModelDirectory(directory: directory)
        #expect(model.shards.count == 2)
        #expect(model.tensorNames.count == 3)
        #expect(try model.tensor(named: "model.layers.0.self_attn.q_proj.weight").floats() == [1, -1, 0.5, -0.5])
        #expect(try model.tensor(named: "model.norm.weight").floats() == [0.5, 0.25])
    }

    @Test func badIndexesAndShardsAreRefusedByName() throws {
        let (first, second) = Self.shards()
        let one = "model-00001-of-00002.safetensors"
        let two = "model-00002-of-00002.safetensors"
        let files = [one: first.image(), two: second.image()]
        func error(_ map: [String: String], extra: [String: [UInt8]] = [:]) throws -> HuggingFaceError? {
            var all = files.merging(extra) { $1 }
            all["model.safetensors.index.json"] = try Self.index(map)
            let directory = try Self.directory(files: all)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            do {
                _ = try HuggingFaceModelDirectory(directory: directory)
                return nil
            } catch { return error }
        }
        #expect(
            try error(["model.norm.weight": two, "model.embed_tokens.weight": one])
                == .tensorNotInShard(tensor: "model.norm.weight", shard: two))
        guard case .badShardName(_, let shard) = try error(["model.norm.weight": "../elsewhere.safetensors"]) else {
            Issue.record("a shard outside the directory was accepted")
            return
        }
        #expect(shard == "../elsewhere.safetensors")
        guard case .safetensors(.cannotOpen(let missing)) = try error(["x": "model-00003-of-00003.safetensors"]) else {
            Issue.record("a missing shard was accepted")
            return
        }
        #expect(missing.path.hasSuffix("model-00003-of-00003.safetensors"))
        // The same tensor in two shards.
        var copy = SafetensorsImage()
        copy.add("model.norm.weight", [1, 1], shape: [2])
        #expect(
            try error(
                ["model.norm.weight": one, "copy": "copy.safetensors"], extra: ["copy.safetensors": copy.image()])
                == .duplicateTensor(tensor: "model.norm.weight", shards: ["copy.safetensors", one]))
        let empty = try Self.directory(files: [:])
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: HuggingFaceError.missingWeights(directory: empty)) {
            try HuggingFaceModelDirectory(directory: empty)
        }
    }

    @Test func configsOfOtherArchitecturesOrWrongFieldsAreRefused() throws {
        func error(_ change: (inout [String: Any]) -> Void) -> HuggingFaceError? {
            var json = Self.config
            change(&json)
            do {
                _ = try HuggingFaceConfig(json: json, path: "config.json")
                return nil
            } catch { return error }
        }
        let qwen = error { $0["architectures"] = ["Qwen2ForCausalLM"] }
        #expect(qwen == .unsupportedArchitecture(path: "config.json", architectures: ["Qwen2ForCausalLM"]))
        #expect(qwen?.description.contains("Qwen2ForCausalLM is not supported") == true)
        #expect(error { $0["hidden_size"] = nil } == .missingField(path: "config.json", field: "hidden_size"))
        #expect(error { $0["architectures"] = nil } == .missingField(path: "config.json", field: "architectures"))
        #expect(
            error { $0["hidden_size"] = "576" }
                == .wrongFieldType(path: "config.json", field: "hidden_size", expected: "an integer"))
        #expect(
            error { $0["num_hidden_layers"] = true }
                == .wrongFieldType(path: "config.json", field: "num_hidden_layers", expected: "an integer"))
        #expect(
            error { $0["tie_word_embeddings"] = 1 }
                == .wrongFieldType(path: "config.json", field: "tie_word_embeddings", expected: "true or false"))
        #expect(
            error { $0["vocab_size"] = 0 }
                == .invalidValue(path: "config.json", field: "vocab_size", detail: "is 0, not positive"))
        guard case .invalidValue(_, "num_key_value_heads", _) = error({ $0["num_key_value_heads"] = 4 }) else {
            Issue.record("4 key-value heads for 9 query heads were accepted")
            return
        }
        // Defaults where transformers has them.
        var minimal = Self.config
        for key in ["num_key_value_heads", "rope_theta", "rms_norm_eps", "tie_word_embeddings", "eos_token_id"] {
            minimal[key] = nil
        }
        let defaults = try HuggingFaceConfig(json: minimal, path: "config.json")
        #expect(defaults.keyValueHeadCount == 9 && defaults.ropeTheta == 10_000 && defaults.rmsNormEpsilon == 1e-6)
        #expect(!defaults.tieWordEmbeddings && defaults.eosTokenIDs.isEmpty)
        #expect(defaults.ropeScalingType == nil && !defaults.attentionBias && !defaults.mlpBias)
        minimal["eos_token_id"] = [2, 7]
        minimal["rope_scaling"] = ["rope_type": "llama3", "factor": 8.0]
        minimal["attention_bias"] = true
        let llama31 = try HuggingFaceConfig(json: minimal, path: "config.json")
        #expect(llama31.eosTokenIDs == [2, 7] && llama31.ropeScalingType == "llama3" && llama31.attentionBias)
        minimal["rope_scaling"] = "yes"
        #expect(throws: HuggingFaceError.self) { try HuggingFaceConfig(json: minimal, path: "config.json") }
        // transformers 5 writes the rotary settings as one rope_parameters object.
        minimal["rope_scaling"] = nil
        minimal["rope_parameters"] = ["rope_theta": 50_000.0, "rope_type": "default"]
        let version5 = try HuggingFaceConfig(json: minimal, path: "config.json")
        #expect(version5.ropeTheta == 50_000 && version5.ropeScalingType == nil)
        minimal["rope_parameters"] = ["rope_theta": 500_000.0, "rope_type": "llama3", "factor": 8.0]
        #expect(try HuggingFaceConfig(json: minimal, path: "config.json").ropeScalingType == "llama3")
    }
}
