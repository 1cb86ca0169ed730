import Foundation
import FulmenModel
import Testing

@testable import FulmenLlama

/// Adapters in PEFT's layout: round trips, the q/k row order, refusals, and the numpy golden of
/// `scripts/golden/lora-reference.py` (a PEFT-layout adapter applied to Hugging Face-ordered weights).
@Suite struct LoRAPEFTTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A safetensors image of `tensors`.
    static func encode(_ tensors: [String: Tensor]) -> [UInt8] {
        let names = tensors.keys.sorted()
        let flat = names.flatMap { tensors[$0]!.scalars }
        return flat.withUnsafeBufferPointer { all in
            var start = 0
            let views = names.map { name in
                let count = tensors[name]!.scalars.count
                defer { start += count }
                return (name: name, shape: tensors[name]!.shape, values: UnsafeBufferPointer(rebasing: all[start..<(start + count)]))
            }
            return Safetensors.encode(tensors: views, metadata: ["format": "pt"])
        }
    }

    /// Export, then import into a fresh copy of the base: the same logits bit for bit, the same files again, and the
    /// configuration PEFT expects.
    @Test func test_exportImport_shouldRoundTrip() throws {
        let model = try LoRAModelTests.adaptedModel(seed: 51)
        let files = try model.exportAdapters(baseModel: "HuggingFaceTB/SmolLM2-135M-Instruct")
        let copy = try LlamaTestSupport.model(seed: 51)
        try copy.importAdapters(files)
        #expect(try copy.logits(for: LoRAModelTests.sequence) == model.logits(for: LoRAModelTests.sequence))
        #expect(try copy.exportAdapters(baseModel: "HuggingFaceTB/SmolLM2-135M-Instruct") == files)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(files.config)) as? [String: Any])
        for key in ["peft_type", "task_type", "r", "lora_alpha", "lora_dropout", "target_modules", "bias", "base_model_name_or_path"] {
            #expect(json[key] != nil, "adapter_config.json lacks '\(key)'")
        }
        let config = try PEFTAdapterConfig.decode(files.config)
        #expect(config.peftType == "LORA" && config.taskType == "CAUSAL_LM" && config.bias == "none")
        #expect(config.r == 4 && config.loraAlpha == 8 && config.loraDropout == 0)
        #expect(config.baseModelNameOrPath == "HuggingFaceTB/SmolLM2-135M-Instruct")
        #expect(config.targetModules == LoRATarget.allCases.map(\.rawValue))
        let tensors = try LlamaTestSupport.tensors(files.weights)
        #expect(tensors.count == 2 * 7 * model.config.layerCount)
        let (c, q, kv, f) = (32, 32, 16, 48)
        let shapes: [(String, [Int], [Int])] = [
            ("self_attn.q_proj", [4, c], [q, 4]), ("self_attn.k_proj", [4, c], [kv, 4]),
            ("self_attn.o_proj", [4, q], [c, 4]), ("mlp.down_proj", [4, f], [c, 4]),
        ]
        for (module, a, b) in shapes {
            #expect(tensors["base_model.model.model.layers.1.\(module).lora_A.weight"]?.shape == a)
            #expect(tensors["base_model.model.model.layers.1.\(module).lora_B.weight"]?.shape == b)
        }
        // On disk too.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.saveAdapters(to: directory, baseModel: "base")
        let loaded = try LlamaTestSupport.model(seed: 51)
        try loaded.loadAdapters(from: directory)
        #expect(try loaded.logits(for: LoRAModelTests.sequence) == model.logits(for: LoRAModelTests.sequence))
    }

    /// B of q and k leaves in Hugging Face's row order (GGUF row 2i of a head is HF row i, row 2i + 1 is HF row
    /// D/2 + i) and comes back in GGUF's; B of v, A everywhere, are not permuted.
    @Test func test_queryAndKeyRows_shouldBeUnpermutedOnExport() throws {
        let model = try LoRAModelTests.adaptedModel(seed: 52)
        let adapters = try #require(model.adapters)
        let tensors = try LlamaTestSupport.tensors(try model.exportAdapters(baseModel: "base").weights)
        let (d, r) = (model.config.headSize, 4)
        for target in [LoRATarget.query, .key, .value] {
            let ours = adapters.matrices(layer: 0, target: target)!
            let exported = tensors[Llama.peftTensorName(layer: 0, target: target, "B")]!
            let a = tensors[Llama.peftTensorName(layer: 0, target: target, "A")]!
            #expect(a == ours.a)
            for hfRow in 0..<exported.shape[0] {
                let (head, i) = (hfRow / d, hfRow % d)
                let ggufRow = target == .value ? hfRow : head * d + (i < d / 2 ? 2 * i : 2 * (i - d / 2) + 1)
                let exportedRow = Array(exported.scalars[(hfRow * r)..<((hfRow + 1) * r)])
                let ourRow = Array(ours.b.scalars[(ggufRow * r)..<((ggufRow + 1) * r)])
                #expect(exportedRow == ourRow, "\(target) HF row \(hfRow) should be GGUF row \(ggufRow)")
            }
            if target != .value { #expect(exported != ours.b) }
        }
    }

    /// A missing, misshapen or unexpected tensor, or an unsupported configuration, is refused by name, and the
    /// model is left without adapters.
    @Test func test_badAdapterFiles_shouldBeRefusedByName() throws {
        let model = try LoRAModelTests.adaptedModel(seed: 53)
        let files = try model.exportAdapters(baseModel: "base")
        let tensors = try LlamaTestSupport.tensors(files.weights)
        let qB = Llama.peftTensorName(layer: 1, target: .query, "B")
        let fresh = try LlamaTestSupport.model(seed: 53)
        func attempt(weights: [String: Tensor]? = nil, config: [String: Any]? = nil) -> LoRAError? {
            var changed = files
            if let weights { changed.weights = Self.encode(weights) }
            if let config {
                var json = try! JSONSerialization.jsonObject(with: Data(files.config)) as! [String: Any]
                json.merge(config) { $1 }
                changed.config = Array(try! JSONSerialization.data(withJSONObject: json))
            }
            defer { #expect(fresh.adapters == nil) }
            return #expect(throws: LoRAError.self) { try fresh.importAdapters(changed) }
        }
        var missing = tensors
        missing[qB] = nil
        #expect(attempt(weights: missing) == .missingTensor(name: qB))
        var misshapen = tensors
        misshapen[qB] = Tensor(shape: [4, 32], scalars: tensors[qB]!.scalars)
        #expect(attempt(weights: misshapen) == .tensorShape(name: qB, expected: [32, 4], actual: [4, 32]))
        var extra = tensors
        extra["base_model.model.lm_head.lora_A.weight"] = Tensor(shape: [1], scalars: [0])
        #expect(attempt(weights: extra) == .unexpectedTensor(name: "base_model.model.lm_head.lora_A.weight"))
        var infinite = tensors
        infinite[qB]!.scalars[5] = .infinity
        #expect(attempt(weights: infinite) == .nonFiniteValue(name: qB, index: 5))
        #expect(attempt(weights: ["x": Tensor(shape: [1], scalars: [1])]) != nil)
        let refusals: [([String: Any], String)] = [
            (["peft_type": "IA3"], "peft_type"), (["use_dora": true], "use_dora"), (["bias": "all"], "bias"),
            (["target_modules": ["q_proj", "embed_tokens"]], "target_modules"), (["target_modules": "q_proj"], "target_modules"),
            (["layers_to_transform": [0]], "layers_to_transform"), (["r": "eight"], "r"),
        ]
        for (change, key) in refusals {
            guard case .unsupportedAdapterConfig(let named, let reason) = attempt(config: change) else {
                Issue.record("\(change) was not refused as an unsupported configuration")
                continue
            }
            #expect(named == key, "\(change): \(reason)")
        }
        #expect(attempt(config: ["r": 0]) == .invalidConfiguration(field: "rank", reason: "must be positive, got 0"))
        let error = #expect(throws: LoRAError.self) { try fresh.loadAdapters(from: URL(fileURLWithPath: "/nonexistent/adapter")) }
        #expect(error?.description.contains("/nonexistent/adapter/adapter_config.json") == true)
    }

    /// The numpy golden: the tiny reference model (GGUF layout) with a PEFT-layout adapter on all seven modules of
    /// both layers, applied in Hugging Face's row order. Logits of 40 positions within 2e-4 (the reference is
    /// float64; logits reach ±6.1); merged within the same; and our export gives back PEFT's tensors exactly.
    @Test func test_pythonGolden_shouldMatchTheAdaptedLogits() throws {
        var weights = try LlamaReferenceTests.tensors()
        weights["tokens"] = nil
        weights["logits"] = nil
        let model = try Llama(config: LlamaTestSupport.tiny, weights: weights)
        let directory = Self.fixtures.appendingPathComponent("lora-reference")
        try model.loadAdapters(from: directory)
        let expected = try LlamaTestSupport.tensors([UInt8](try Data(contentsOf: directory.appendingPathComponent("expected.safetensors"))))
        let tokens = expected["tokens"]!.scalars.map { Int32($0) }
        let logits = try model.logits(for: tokens)
        #expect(logits.shape == expected["logits"]!.shape)
        let difference = zip(logits.scalars, expected["logits"]!.scalars).map { abs($0 - $1) }.max()!
        let exported = try LlamaTestSupport.tensors(try model.exportAdapters(baseModel: "fulmen/llama-reference-tiny").weights)
        let golden = try LlamaTestSupport.tensors([UInt8](try Data(contentsOf: directory.appendingPathComponent("adapter_model.safetensors"))))
        #expect(exported == golden)
        try model.mergeAdapters()
        let mergedDifference = zip(try model.logits(for: tokens).scalars, expected["logits"]!.scalars).map { abs($0 - $1) }.max()!
        print("LoRA golden: largest logit difference \(difference) adapted, \(mergedDifference) merged")
        #expect(difference < 2e-4)
        #expect(mergedDifference < 2e-4)
    }
}
