import Foundation
import FulmenModel
import ModelFiles
import ModelTestSupport
import Testing

@testable import FulmenLlama

/// A LoRA adapter exported by Fulmen, applied by `peft` to the Hugging Face model that transformers makes from the
/// bundled GGUF (scripts/golden/lora-peft-golden.py): the adapted logits must be Fulmen's.
///
/// Always against the committed golden (Fixtures/lora-peft-golden.json, made with the seeded adapter of
/// ``LoRAGolden``, whose CRC-32 it records); live as well when `FULMEN_TORCH_PYTHON` names a python with torch,
/// transformers and peft.
///
/// The tolerance, 5e-4 absolute on logits of magnitude up to ~30: both sides compute in Float32 from the same
/// dequantised weights (transformers dequantises the Q4_1 file with `gguf`, which Fulmen matches bit for bit), so
/// only the order of summation differs (BLAS blocks, attention, RMSNorm); through 30 blocks that left at most 1e-4
/// here (torch 2.15, transformers 5.25, peft 0.22; printed). The adapter moves the logits by whole units, and the same
/// adapter with q/k's B left in GGUF's row order misses by far more than the tolerance (both checked), so the test
/// cannot pass by accident.
@Suite(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)), .serialized)
struct LoRAPEFTGoldenTests {
    static let tolerance = 5e-4
    static let goldenName = "lora-peft-golden.json"

    struct Reference: Decodable {
        struct Prompt: Decodable {
            var tokens: [Int32]
            var top: [[[Double]]]
            var base_top: [[[Double]]]
        }
        var adapter_crc32: UInt32
        var prompts: [Prompt]
    }

    /// The bundled model's logits for the prompts without and with the seeded adapter, the adapter's PEFT files, and
    /// the merged model's logits.
    struct Ours {
        var base: [Tensor] = []
        var adapted: [Tensor] = []
        var merged: [Tensor] = []
        /// With the B of q and k in the wrong row order (GGUF's where PEFT's is expected): what a missing
        /// un-permutation on export would give.
        var scrambled: [Tensor] = []
        var files: PEFTAdapterFiles
    }

    /// `files` with the B of q and k permuted once more, as an export that forgot to un-permute would write them.
    static func withoutUnpermutation(_ files: PEFTAdapterFiles, config: LlamaConfig) throws -> PEFTAdapterFiles {
        var tensors = try LlamaTestSupport.tensors(files.weights)
        for layer in 0..<config.layerCount {
            for target in [LoRATarget.query, .key] {
                let name = Llama.peftTensorName(layer: layer, target: target, "B")
                let b = tensors[name]!
                tensors[name] = Tensor(
                    shape: b.shape,
                    scalars: RotaryRowOrder.toGGUF(b.scalars, rows: b.shape[0], width: b.shape[1], headSize: config.headSize))
            }
        }
        return PEFTAdapterFiles(config: files.config, weights: LoRAPEFTTests.encode(tensors))
    }

    static func ours() throws -> Ours {
        let model = try Llama(gguf: try RealModel.file(), threadCount: 2, decodingWeights: .float32)
        let base = try LoRAGolden.prompts.map { try model.logits(for: $0) }
        try LoRAGolden.attach(to: model)
        var result = Ours(files: try model.exportAdapters(baseModel: "HuggingFaceTB/SmolLM2-135M-Instruct"))
        result.base = base
        result.adapted = try LoRAGolden.prompts.map { try model.logits(for: $0) }
        model.detachAdapters()
        try model.importAdapters(try withoutUnpermutation(result.files, config: model.config))
        result.scrambled = try LoRAGolden.prompts.map { try model.logits(for: $0) }
        model.detachAdapters()
        try model.importAdapters(result.files)
        try model.mergeAdapters()
        result.merged = try LoRAGolden.prompts.map { try model.logits(for: $0) }
        return result
    }

    /// Checks ours against a reference (golden or live).
    static func check(_ ours: Ours, against reference: Reference, label: String) {
        #expect(
            reference.adapter_crc32 == LoRAGolden.crc32(of: ours.files),
            "the \(label) reference was made with another adapter: regenerate it (scripts/golden/lora-peft-golden.py)")
        #expect(reference.prompts.map(\.tokens) == LoRAGolden.prompts)
        var adapted = LoRAGolden.Comparison()
        var merged = LoRAGolden.Comparison()
        var base = LoRAGolden.Comparison()
        var scrambled = LoRAGolden.Comparison()
        for (index, prompt) in reference.prompts.enumerated() {
            let top = LoRAGolden.PromptTop(tokens: prompt.tokens, top: prompt.top)
            let baseTop = LoRAGolden.PromptTop(tokens: prompt.tokens, top: prompt.base_top)
            LoRAGolden.compare(ours.adapted[index], with: top, into: &adapted, label: "prompt \(index)", tieMargin: tolerance)
            LoRAGolden.compare(ours.merged[index], with: top, into: &merged, label: "prompt \(index) merged", tieMargin: tolerance)
            LoRAGolden.compare(ours.base[index], with: baseTop, into: &base, label: "prompt \(index) base", tieMargin: tolerance)
            LoRAGolden.compare(ours.scrambled[index], with: top, into: &scrambled, label: "prompt \(index) scrambled", tieMargin: tolerance)
        }
        let shift = LoRAGolden.largestShift(
            reference.prompts.map { .init(tokens: $0.tokens, top: $0.top) },
            reference.prompts.map { .init(tokens: $0.tokens, top: $0.base_top) })
        print(
            "LoRA vs peft (\(label)): adapted \(adapted); merged \(merged); base \(base); the adapter moves logits by up "
                + "to \(String(format: "%.3f", shift)); with q/k B not un-permuted: \(scrambled)")
        #expect(adapted.maxAbsolute < tolerance)
        #expect(merged.maxAbsolute < tolerance)
        #expect(base.maxAbsolute < tolerance)
        #expect(adapted.top1Mismatches.isEmpty, "\(adapted.top1Mismatches.prefix(5))")
        #expect(shift > 1, "the adapter should move the logits by whole units, so that the comparison means something")
        #expect(scrambled.maxAbsolute > 20 * tolerance, "a q/k row-order mistake must show")
    }

    @Test func test_golden_shouldMatchPeftOnTheHuggingFaceModel() throws {
        let data = try Data(contentsOf: LoRAGolden.fixtures.appendingPathComponent(Self.goldenName))
        Self.check(try Self.ours(), against: try JSONDecoder().decode(Reference.self, from: data), label: "golden")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["FULMEN_TORCH_PYTHON"] != nil, "set FULMEN_TORCH_PYTHON to a python with torch, transformers and peft"))
    func test_live_shouldMatchPeftOnTheHuggingFaceModel() throws {
        let python = ProcessInfo.processInfo.environment["FULMEN_TORCH_PYTHON"]!
        let ours = try Self.ours()
        let directory = try LoRAGolden.temporaryDirectory("peft")
        defer { try? FileManager.default.removeItem(at: directory) }
        let adapter = directory.appendingPathComponent("adapter")
        try FileManager.default.createDirectory(at: adapter, withIntermediateDirectories: true)
        try Data(ours.files.config).write(to: adapter.appendingPathComponent(PEFTAdapterFiles.configName))
        try Data(ours.files.weights).write(to: adapter.appendingPathComponent(PEFTAdapterFiles.weightsName))
        let request = directory.appendingPathComponent("request.json")
        try LoRAGolden.request(adapterCRC32: LoRAGolden.crc32(of: ours.files)).write(to: request)
        let output = directory.appendingPathComponent("out.json")
        let log = try LoRAGolden.runScript(
            python: python, script: "lora-peft-golden.py",
            arguments: [try RealModel.path(), adapter.path, request.path, output.path])
        print(log.split(separator: "\n").filter { $0.contains("adapter moves") }.joined(separator: "\n"))
        Self.check(ours, against: try JSONDecoder().decode(Reference.self, from: Data(contentsOf: output)), label: "live")
        try LoRAGolden.keepAsGolden(output, name: Self.goldenName)
    }
}
